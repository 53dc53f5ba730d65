// The image store end to end on real temp stores: import/tag/list/resolve/rmi, save/load round
// trips, check/prune after corruption and crashes, concurrent writer processes, busybox bootstrap.
#include "backend/store/Bootstrap.h"
#include "backend/store/ImageStore.h"
#include "backend/store/tests/TestSupport.h"
#include "tests/support/CatchLlvm.h"

#include <nlohmann/json.hpp>

#include <csignal>
#include <sys/wait.h>

using namespace dfc::store;
using namespace dfc::store::test;
using dfc::test::must;

namespace {

std::unique_ptr<ImageStore> openStore(const std::string &root) {
  auto s = ImageStore::open(root);
  if (!s)
    FAIL("open store " << root << ": " << llvm::toString(s.takeError()));
  return std::move(*s);
}

// A rootfs tar with a shell script and a directory.
std::string makeRootfsTar(const TempDir &t, const std::string &name, const std::string &content) {
  std::string tar = t / (name + ".tar");
  TarBuilder b(tar);
  b.dir("bin");
  b.file("bin/hello", "#!/bin/sh\necho " + content + "\n", 0755);
  b.dir("etc");
  b.file("etc/os-release", "ID=" + name + "\n");
  return tar;
}

} // namespace

TEST_CASE("Reference: docker's name normalisation", "[store][reference]") {
  struct Case {
    const char *in, *full, *familiar;
  } cases[] = {
      {"busybox", "docker.io/library/busybox:latest", "busybox:latest"},
      {"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"},
      {"foo/bar", "docker.io/foo/bar:latest", "foo/bar:latest"},
      {"docker.io/library/debian:bookworm", "docker.io/library/debian:bookworm", "debian:bookworm"},
      {"localhost:5000/app:v1", "localhost:5000/app:v1", "localhost:5000/app:v1"},
      {"quay.io/a/b", "quay.io/a/b:latest", "quay.io/a/b:latest"},
  };
  for (const Case &c : cases) {
    INFO(c.in);
    auto r = parseReference(c.in);
    REQUIRE(bool(r));
    CHECK(r->str() == c.full);
    CHECK(r->familiar() == c.familiar);
  }
  for (const char *bad : {"UPPER", "a:b:c", "x:", "-x", "a//b"}) {
    INFO(bad);
    auto r = parseReference(bad);
    CHECK(!r);
    llvm::consumeError(r.takeError());
  }
}

TEST_CASE("applyConfigChange: docker import --change instructions", "[store][import]") {
  ImageConfig c;
  for (const char *ch :
       {"CMD [\"sh\", \"-c\", \"echo hi\"]", "ENV A=1 B=\"two words\"", "ENV C three four", "WORKDIR /app",
        "WORKDIR sub", "EXPOSE 80 53/udp", "USER nobody", "LABEL a=b \"c d\"=e", "ENTRYPOINT /bin/run",
        "STOPSIGNAL SIGTERM", "VOLUME /data"}) {
    INFO(ch);
    must(applyConfigChange(c, ch), ch);
  }
  CHECK(c.Env == std::vector<std::string>{"A=1", "B=two words", "C=three four"});
  CHECK(c.WorkingDir == "/app/sub");
  CHECK(c.ExposedPorts.count("80/tcp") == 1);
  CHECK(c.ExposedPorts.count("53/udp") == 1);
  CHECK(c.User == "nobody");
  CHECK(c.Labels["c d"] == "e");
  CHECK(c.Entrypoint == std::vector<std::string>{"/bin/sh", "-c", "/bin/run"});
  CHECK(c.Cmd.empty()); // ENTRYPOINT resets CMD
  CHECK(c.Volumes.count("/data") == 1);
  auto j = toJson(c).dump();
  CHECK(j.find("\"ExposedPorts\":{\"53/udp\":{},\"80/tcp\":{}}") != std::string::npos);
  llvm::Error bad = applyConfigChange(c, "RUN echo no");
  CHECK(bool(bad));
  llvm::consumeError(std::move(bad));
}

TEST_CASE("ImageStore: import, tag, list, resolve, inspect, history, rmi", "[store][image]") {
  TempDir t;
  auto store = openStore(t / "root");
  std::string tar = makeRootfsTar(t, "alpha", "one");
  ImportOptions o;
  o.created = 1700000000;
  auto img = must(store->importRootfs(tar, "alpha", {"CMD [\"/bin/hello\"]", "ENV X=1"}, o), "import");
  CHECK(img.name == "docker.io/library/alpha:latest");
  CHECK(img.spec.config.Cmd == std::vector<std::string>{"/bin/hello"});
  CHECK(img.spec.diffIds.size() == 1);
  CHECK(*Digest::ofFile(tar) == img.spec.diffIds[0]); // uncompressed tar is the layer

  // Importing the same tar with the same options gives the same image id.
  auto again =
      must(store->importRootfs(tar, "alpha:again", {"CMD [\"/bin/hello\"]", "ENV X=1"}, o), "import again");
  CHECK(again.id == img.id);

  must(store->tag("alpha", "example.com/team/alpha:v1"), "tag");
  auto byFull = must(store->resolve("example.com/team/alpha:v1"), "resolve");
  CHECK(byFull.id == img.id);
  CHECK(must(store->resolve(img.id.shortId()), "by id prefix").id == img.id);
  CHECK(must(store->resolve(img.id.str()), "by id").id == img.id);
  CHECK(must(store->resolve("alpha@" + img.manifestDigest.str()), "by digest").id == img.id);
  auto missing = store->resolve("nope");
  REQUIRE(!missing);
  CHECK(llvm::toString(missing.takeError()) == "No such image: nope:latest");

  auto rows = must(store->list(), "list");
  std::vector<std::string> names;
  for (const ImageSummary &s : rows) {
    names.push_back(s.repository + ":" + s.tag);
    CHECK(s.id == img.id);
    CHECK(s.size == img.size);
  }
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"alpha:again", "alpha:latest", "example.com/team/alpha:v1"});

  auto inspect = nlohmann::json::parse(must(store->inspect("alpha"), "inspect"));
  CHECK(inspect["Id"] == img.id.str());
  CHECK(inspect["Config"]["Cmd"][0] == "/bin/hello");
  CHECK(inspect["Config"]["Env"][0] == "X=1");
  CHECK(inspect["Created"] == "2023-11-14T22:13:20Z");
  CHECK(inspect["RootFS"]["Layers"].size() == 1);
  auto hist = must(store->history("alpha"), "history");
  REQUIRE(hist.size() == 1);
  CHECK(hist[0].id == img.id.str());
  CHECK(hist[0].comment == "Imported from " + tar);

  // The root is an OCI layout listing the tags.
  auto index = must(parseIndex(slurp(t / "root/index.json")), "root index");
  CHECK(index.manifests.size() == 3);

  auto removed = must(store->removeImage("alpha:again"), "rmi tag");
  CHECK(removed == std::vector<std::string>{"Untagged: alpha:again"});
  auto conflict = store->removeImage(img.id.shortId());
  REQUIRE(!conflict);
  CHECK(llvm::toString(conflict.takeError()).find("must be forced") != std::string::npos);
  must(store->removeImage("example.com/team/alpha:v1"), "rmi second tag");
  auto last = must(store->removeImage("alpha"), "rmi last tag");
  CHECK(last == std::vector<std::string>{"Untagged: alpha:latest", "Deleted: " + img.id.str()});
  CHECK(must(store->list(), "list after rmi").empty());
  auto pr = must(store->prune(), "prune");
  CHECK(pr.blobs == 3); // config, manifest, layer
  CHECK(store->blobs().list().empty());
}

TEST_CASE("ImageStore: snapshots unpack once and serve as lowerdirs", "[store][image]") {
  TempDir t;
  auto store = openStore(t / "root");
  auto img = must(store->importRootfs(makeRootfsTar(t, "snap", "s"), "snap"), "import");
  auto dirs = must(store->lowerDirs(img), "lowerdirs");
  REQUIRE(dirs.size() == 1);
  CHECK(dirs[0] == t / "root/snapshots/" + img.spec.diffIds[0].hex().str());
  CHECK(slurp(dirs[0] + "/bin/hello") == "#!/bin/sh\necho s\n");
  CHECK(must(store->snapshotDir(img.spec.diffIds[0]), "again") == dirs[0]);
  auto report = must(store->check(), "check");
  CHECK(report.problems.empty());
  SECTION("a damaged snapshot is reported") {
    REQUIRE(::unlink((dirs[0] + "/etc/os-release").c_str()) == 0);
    auto bad = must(store->check(), "check damaged");
    REQUIRE(bad.problems.size() == 1);
    CHECK(bad.problems[0].find("incomplete") != std::string::npos);
  }
}

TEST_CASE("ImageStore: save and load round trips keep every digest", "[store][archive]") {
  TempDir t;
  auto src = openStore(t / "src");
  ImportOptions o;
  o.created = 1700000000;
  auto img = must(src->importRootfs(makeRootfsTar(t, "rt", "round"), "rt:1", {"CMD [\"sh\"]"}, o), "import");
  must(src->tag("rt:1", "rt:2"), "tag");
  for (ArchiveFormat f : {ArchiveFormat::DockerArchive, ArchiveFormat::OciArchive}) {
    const char *fname = f == ArchiveFormat::DockerArchive ? "docker-archive" : "oci-archive";
    DYNAMIC_SECTION(fname) {
      std::string archive = t / (std::string(fname) + ".tar");
      must(src->save({"rt:1", "rt:2"}, archive, {f, Compression::None}), "save");
      auto names = tarNames(archive);
      if (f == ArchiveFormat::DockerArchive)
        CHECK(std::find(names.begin(), names.end(), "manifest.json") != names.end());
      else
        CHECK(std::find(names.begin(), names.end(), "oci-layout") != names.end());
      // Saving twice gives the same bytes.
      must(src->save({"rt:1", "rt:2"}, archive + ".2", {f, Compression::None}), "save again");
      CHECK(*Digest::ofFile(archive) == *Digest::ofFile(archive + ".2"));

      auto dst = openStore(t / (std::string("dst-") + fname));
      auto loaded = must(dst->load(archive), "load");
      std::sort(loaded.begin(), loaded.end());
      CHECK(loaded == std::vector<std::string>{"rt:1", "rt:2"});
      auto back = must(dst->resolve("rt:2"), "resolve loaded");
      CHECK(back.id == img.id);
      CHECK(back.manifestDigest == img.manifestDigest);
      CHECK(back.spec.diffIds == img.spec.diffIds);
      CHECK(must(dst->check(), "check loaded").problems.empty());
    }
  }
  SECTION("compressed OCI export keeps the image id") {
    for (Compression c : {Compression::Gzip, Compression::Zstd}) {
      INFO("compression " << int(c));
      std::string archive = t / ("c" + std::to_string(int(c)) + ".tar");
      must(src->save({"rt:1"}, archive, {ArchiveFormat::OciArchive, c}), "save compressed");
      auto dst = openStore(t / ("dstc" + std::to_string(int(c))));
      must(dst->load(archive), "load compressed");
      auto back = must(dst->resolve("rt:1"), "resolve");
      CHECK(back.id == img.id);
      CHECK(back.spec.diffIds == img.spec.diffIds);
    }
  }
  SECTION("a tampered archive is refused") {
    std::string archive = t / "tampered.tar";
    must(src->save({"rt:1"}, archive, {ArchiveFormat::DockerArchive, Compression::None}), "save");
    // Rebuild the archive with a different layer under the same config.
    std::string dir = t / "unpacked";
    REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
    auto st = applyLayerFile(archive, dir, {WhiteoutMode::Flat, false});
    REQUIRE(bool(st));
    std::string layer = dir + "/" + img.spec.diffIds[0].hex().str() + "/layer.tar";
    {
      TarBuilder b(layer);
      b.file("evil", "x");
    }
    std::string rebuilt = t / "rebuilt.tar";
    {
      TarBuilder b(rebuilt);
      b.file("manifest.json", slurp(dir + "/manifest.json"));
      b.file(img.id.hex().str() + ".json", slurp(dir + "/" + img.id.hex().str() + ".json"));
      b.file(img.spec.diffIds[0].hex().str() + "/layer.tar", slurp(layer));
    }
    auto dst = openStore(t / "dst-tampered");
    auto r = dst->load(rebuilt);
    REQUIRE(!r);
    CHECK(llvm::toString(r.takeError()).find("diff_id") != std::string::npos);
  }
}

TEST_CASE("ImageStore: check finds a corrupted blob", "[store][check]") {
  TempDir t;
  auto store = openStore(t / "root");
  auto img = must(store->importRootfs(makeRootfsTar(t, "c", "c"), "c"), "import");
  CHECK(must(store->check(), "check").ok());
  std::string blob = store->blobs().blobPath(img.spec.diffIds[0]);
  REQUIRE(::chmod(blob.c_str(), 0644) == 0);
  int fd = ::open(blob.c_str(), O_WRONLY);
  REQUIRE(fd >= 0);
  REQUIRE(::pwrite(fd, "X", 1, 600) == 1);
  ::close(fd);
  auto report = must(store->check(), "check corrupted");
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].find("corrupt") != std::string::npos);
  CHECK(report.problems[0].find(img.spec.diffIds[0].str()) != std::string::npos);
  SECTION("and a tag whose image is gone") {
    must(store->db().setTag("docker.io/library/ghost:latest", Digest::ofBytes("ghost")), "ghost");
    auto r2 = must(store->check(), "check ghost");
    CHECK(r2.problems.size() == 2);
  }
}

TEST_CASE("ImageStore: a crashed writer's leftovers pass check and are pruned", "[store][crash]") {
  TempDir t;
  std::string root = t / "root";
  auto store = openStore(root);
  auto img = must(store->importRootfs(makeRootfsTar(t, "k", "k"), "k"), "import");
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child starts a blob and a snapshot, then dies without cleaning up (like kill -9).
    auto s = ImageStore::open(root);
    if (!s)
      ::_exit(2);
    auto w = (*s)->blobs().writer();
    if (!w)
      ::_exit(3);
    llvm::consumeError(w->write("partial blob content"));
    std::string snap = root + "/snapshots/" + tempName(".tmp-");
    ::mkdir(snap.c_str(), 0755);
    ::kill(::getpid(), SIGKILL);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  auto report = must(store->check(), "check after crash");
  CHECK(report.ok());
  CHECK(report.notes.size() == 2);
  auto pruned = must(store->prune(), "prune");
  CHECK(pruned.temps == 2);
  CHECK(pruned.blobs == 0); // the image's blobs stay
  auto after = must(store->check(), "check after prune");
  CHECK(after.ok());
  CHECK(after.notes.empty());
  CHECK(must(store->resolve("k"), "still there").id == img.id);
}

TEST_CASE("ImageStore: concurrent writer processes keep the store consistent", "[store][concurrency]") {
  TempDir t;
  std::string root = t / "root";
  openStore(root); // create the schema once up front, as the first dfc run would
  std::vector<std::string> tars;
  for (int i = 0; i < 3; ++i)
    tars.push_back(makeRootfsTar(t, "p" + std::to_string(i), "v" + std::to_string(i)));
  std::vector<pid_t> kids;
  for (int p = 0; p < 2; ++p) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      auto s = ImageStore::open(root);
      if (!s)
        ::_exit(2);
      for (int i = 0; i < 10; ++i) {
        // Both processes write the same blobs and tags and their own ones, interleaved.
        std::string name = "shared:" + std::to_string(i % 3);
        auto img = (*s)->importRootfs(tars[size_t(i % 3)], name);
        if (!img) {
          std::fprintf(stderr, "child %d: %s\n", p, llvm::toString(img.takeError()).c_str());
          ::_exit(3);
        }
        if (llvm::Error e = (*s)->tag(name, "own" + std::to_string(p) + ":" + std::to_string(i))) {
          std::fprintf(stderr, "child %d: %s\n", p, llvm::toString(std::move(e)).c_str());
          ::_exit(4);
        }
        auto put = (*s)->blobs().putBytes("blob " + std::to_string(i));
        if (!put)
          ::_exit(5);
        llvm::consumeError((*s)->db().putCache({"key" + std::to_string(i), *put, *put, "{}", 0, 0}));
      }
      ::_exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t k : kids) {
    int status = 0;
    REQUIRE(::waitpid(k, &status, 0) == k);
    INFO("child exit status " << status);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
  auto store = openStore(root);
  auto report = must(store->check(), "check");
  for (const std::string &p : report.problems)
    INFO(p);
  CHECK(report.ok());
  auto rows = must(store->list(), "list");
  CHECK(rows.size() == 3 + 20);
  for (int p = 0; p < 2; ++p)
    for (int i = 0; i < 10; ++i) {
      std::string n = "own" + std::to_string(p) + ":" + std::to_string(i);
      INFO(n);
      CHECK(bool(store->resolve(n)));
    }
  CHECK(must(store->db().listCache(), "cache").size() == 10);
  CHECK(parseIndex(slurp(root + "/index.json"))->manifests.size() == 23);
}

TEST_CASE("bootstrapBusybox: a working rootfs layout", "[store][bootstrap]") {
  if (!exists("/bin/busybox")) {
    WARN("SKIP: /bin/busybox missing (apt-get install busybox-static)");
    return;
  }
  TempDir t;
  auto store = openStore(t / "root");
  auto img = must(bootstrapBusybox(*store, "busybox"), "bootstrap");
  CHECK(img.name == "docker.io/library/busybox:latest");
  CHECK(img.spec.config.Cmd == std::vector<std::string>{"sh"});
  CHECK(img.spec.config.env("PATH").has_value());
  auto again = must(bootstrapBusybox(*store, "busybox:again"), "bootstrap again");
  CHECK(again.id == img.id); // reproducible on the same host

  std::string rootfs = t / "rootfs";
  REQUIRE(::mkdir(rootfs.c_str(), 0755) == 0);
  for (const Digest &d : img.spec.diffIds)
    REQUIRE(bool(applyLayerFile(store->blobs().blobPath(d), rootfs, {WhiteoutMode::Flat, true})));
  char target[64] = {};
  REQUIRE(::readlink((rootfs + "/bin/sh").c_str(), target, sizeof target - 1) > 0);
  CHECK(std::string(target) == "/bin/busybox");
  struct stat st;
  REQUIRE(::stat((rootfs + "/bin/busybox").c_str(), &st) == 0);
  CHECK((st.st_mode & 0111) != 0);
  REQUIRE(::lstat((rootfs + "/tmp").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 01777);
  CHECK(slurp(rootfs + "/etc/passwd").find("root:x:0:0:") == 0);
  CHECK(slurp(rootfs + "/etc/group").find("root:x:0:") == 0);
  CHECK(exists(rootfs + "/usr/bin/env"));
  // The binary runs from the unpacked rootfs (static, so no loader needed).
  std::string cmd = rootfs + "/bin/busybox echo works > " + (t / "out");
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK(slurp(t / "out") == "works\n");
}

TEST_CASE("interop: skopeo and umoci accept our OCI archive", "[store][interop]") {
  if (!exists("/usr/bin/skopeo") || !exists("/usr/bin/umoci") || !exists("/bin/busybox")) {
    WARN("SKIP: skopeo, umoci or busybox-static not installed");
    return;
  }
  TempDir t;
  auto store = openStore(t / "root");
  auto img = must(bootstrapBusybox(*store, "busybox"), "bootstrap");
  std::string archive = t / "bb-oci.tar";
  must(store->save({"busybox"}, archive, {ArchiveFormat::OciArchive, Compression::Gzip}), "save");
  std::string out = t / "skopeo.json";
  std::string cmd = "skopeo inspect --config oci-archive:" + archive + " > " + out + " 2>&1";
  INFO(cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
  auto cfg = nlohmann::json::parse(slurp(out), nullptr, false);
  INFO(slurp(out));
  REQUIRE(!cfg.is_discarded());
  CHECK(cfg["rootfs"]["diff_ids"][0] == img.spec.diffIds[0].str());

  // umoci reads an OCI layout directory: unpack the archive (our own extractor) and unpack.
  std::string layout = t / "layout";
  REQUIRE(::mkdir(layout.c_str(), 0755) == 0);
  REQUIRE(bool(applyLayerFile(archive, layout, {WhiteoutMode::Flat, false})));
  std::string bundle = t / "bundle";
  std::string ucmd =
      "umoci unpack --image " + layout + ":latest " + bundle + " > " + (t / "umoci.log") + " 2>&1";
  INFO(ucmd);
  int rc = std::system(ucmd.c_str());
  INFO(slurp(t / "umoci.log"));
  REQUIRE(rc == 0);
  CHECK(exists(bundle + "/rootfs/bin/busybox"));
  CHECK(exists(bundle + "/config.json"));
  // The root of the store is itself an OCI layout skopeo can read.
  std::string cmd2 =
      "skopeo inspect --raw oci:" + t / "root" + ":docker.io/library/busybox:latest > " + out + " 2>&1";
  INFO(cmd2);
  CHECK(std::system(cmd2.c_str()) == 0);
}

TEST_CASE("bootstrapDebian: debootstrap a minbase image", "[.slow][store][bootstrap]") {
  TempDir t;
  auto store = openStore(t / "root");
  auto img = must(bootstrapDebian(*store, "debian:bookworm", "bookworm"), "debootstrap");
  CHECK(img.spec.config.Cmd == std::vector<std::string>{"bash"});
  auto dir = must(store->snapshotDir(img.spec.diffIds[0]), "snapshot");
  CHECK(exists(dir + "/usr/bin/apt-get"));
}

TEST_CASE("hostDebianMirror reads deb822 and one-line sources", "[store][bootstrap]") {
  TempDir t;
  REQUIRE(::mkdir((t / "sources.list.d").c_str(), 0755) == 0);
  CHECK(hostDebianMirror(t.path) == "http://deb.debian.org/debian");
  writeFile(t / "sources.list.d/debian.sources",
            "Types: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\n\n"
            "Types: deb\nURIs: http://security.example/debian-security\n");
  CHECK(hostDebianMirror(t.path) == "http://mirror.example/debian");
  writeFile(t / "sources.list", "# comment\ndeb [arch=amd64] http://one.example/debian bookworm main\n");
  CHECK(hostDebianMirror(t.path) == "http://one.example/debian");
}
