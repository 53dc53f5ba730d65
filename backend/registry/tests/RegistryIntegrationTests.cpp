// Integration tests against Debian's docker-registry started on 127.0.0.1 (never another host):
// push/pull round trips between fresh stores, skopeo on the other end, Basic auth, and indexes.
#include "backend/registry/Login.h"
#include "backend/registry/Pull.h"
#include "backend/registry/Push.h"
#include "backend/registry/RegistryClient.h"
#include "backend/store/Bootstrap.h"
#include "backend/store/Files.h"
#include "backend/store/ImageStore.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <chrono>
#include <crypt.h>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace dfc::registry;
namespace store = dfc::store;
using nlohmann::json;

namespace {

const char RegistryBinary[] = "/usr/bin/docker-registry";
const char SkopeoBinary[] = "/usr/bin/skopeo";

// Catch cannot test llvm::Error / Expected directly: these turn them into text ("" = success).
inline std::string errorText(llvm::Error e) { return e ? llvm::toString(std::move(e)) : std::string(); }
template <typename T> std::string errorText(llvm::Expected<T> v) {
  return v ? std::string() : llvm::toString(v.takeError());
}
template <typename T> T must(llvm::Expected<T> v, const std::string &what) {
  if (!v)
    FAIL(what << ": " << llvm::toString(v.takeError()));
  return std::move(*v);
}

bool executable(const char *path) { return ::access(path, X_OK) == 0; }

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/dfc-registry-it-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { llvm::consumeError(store::removeTree(path)); }
  std::string operator/(llvm::StringRef rel) const { return path + "/" + rel.str(); }
};

void writeText(const std::string &path, const std::string &text) {
  FILE *f = std::fopen(path.c_str(), "w");
  REQUIRE(f);
  std::fputs(text.c_str(), f);
  std::fclose(f);
}

int freePort() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(s >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(s, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(s, reinterpret_cast<sockaddr *>(&a), &len) == 0);
  ::close(s);
  return ntohs(a.sin_port);
}

// A bcrypt htpasswd line, the only hash docker-registry accepts.
std::string htpasswdLine(const std::string &user, const std::string &password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  REQUIRE(::crypt_gensalt_rn("$2y$", 5, nullptr, 0, salt, sizeof salt) != nullptr);
  struct crypt_data data {};
  const char *hash = ::crypt_r(password.c_str(), salt, &data);
  REQUIRE(hash != nullptr);
  REQUIRE(llvm::StringRef(hash).startswith("$2y$"));
  return user + ":" + hash + "\n";
}

// docker-registry on 127.0.0.1:<free port> with its storage in a temp dir; stopped (TERM, then KILL
// after 5 s) when the object goes away, and killed by the kernel if this test process dies first.
class RegistryServer {
public:
  explicit RegistryServer(bool basicAuth = false) {
    Port = freePort();
    std::string config = "version: 0.1\n"
                         "log:\n  level: error\n  accesslog:\n    disabled: true\n"
                         "storage:\n  filesystem:\n    rootdirectory: " +
                         Dir / "data" + "\n  delete:\n    enabled: true\n" +
                         "http:\n  addr: 127.0.0.1:" + std::to_string(Port) + "\n";
    if (basicAuth) {
      writeText(Dir / "htpasswd", htpasswdLine("alice", "wonderland"));
      config += "auth:\n  htpasswd:\n    realm: dfc-test\n    path: " + Dir / "htpasswd" + "\n";
    }
    writeText(Dir / "config.yml", config);
    std::string log = Dir / "registry.log";
    std::string cfg = Dir / "config.yml";
    pid_t parent = ::getpid();
    Pid = ::fork();
    REQUIRE(Pid >= 0);
    if (Pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent)
        ::_exit(127);
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execl(RegistryBinary, RegistryBinary, "serve", cfg.c_str(), static_cast<char *>(nullptr));
      ::_exit(127);
    }
    // Ready when /v2/ answers (200, or 401 with auth); give up after 20 s.
    HttpClient http;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      HttpRequest req;
      req.url = "http://" + host() + "/v2/";
      req.timeoutSeconds = 2;
      auto r = http.send(req);
      if (r && (r->status == 200 || r->status == 401)) {
        Ready = true;
        break;
      }
      if (!r)
        llvm::consumeError(r.takeError());
      int status;
      if (::waitpid(Pid, &status, WNOHANG) == Pid) {
        Pid = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    INFO("registry log: " << must(store::readFile(log), "read " + log));
    REQUIRE(Ready);
  }
  ~RegistryServer() {
    if (Pid <= 0)
      return;
    ::kill(Pid, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      int status;
      if (::waitpid(Pid, &status, WNOHANG) == Pid)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(Pid, SIGKILL);
    int status;
    ::waitpid(Pid, &status, 0);
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(Port); }

private:
  TempDir Dir;
  int Port = 0;
  pid_t Pid = -1;
  bool Ready = false;
};

bool haveRegistry() {
  if (executable(RegistryBinary))
    return true;
  WARN("SKIPPED: " << RegistryBinary << " is missing (apt-get install docker-registry)");
  return false;
}

std::unique_ptr<store::ImageStore> openStore(const std::string &root) {
  auto s = store::ImageStore::open(root);
  if (!s)
    FAIL("opening store " << root << ": " << llvm::toString(s.takeError()));
  return std::move(*s);
}

// A store with the busybox bootstrap image tagged busybox:latest.
std::unique_ptr<store::ImageStore> busyboxStore(const std::string &root, store::ResolvedImage &image) {
  auto s = openStore(root);
  auto img = store::bootstrapBusybox(*s, "busybox:latest");
  if (!img)
    FAIL("bootstrapBusybox: " << llvm::toString(img.takeError()));
  image = *img;
  return s;
}

// Runs a command under a time limit; stdout+stderr come back in `output`.
int run(const std::string &cmd, std::string &output) {
  output.clear();
  FILE *p = ::popen(("timeout 120 " + cmd + " 2>&1").c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
    output.append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

RegistryOptions isolated(const TempDir &dir) {
  RegistryOptions o;
  o.configDir = dir / "docker-config"; // never the user's own credentials
  return o;
}

bool exists(const std::string &path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

} // namespace

TEST_CASE("push to docker-registry, pull into a fresh store: same image, layers skipped and mounted",
          "[integration]") {
  if (!haveRegistry())
    return;
  RegistryServer registry;
  TempDir dir;
  store::ResolvedImage busybox;
  auto a = busyboxStore(dir / "a", busybox);
  std::string dest = registry.host() + "/dfc/busybox:1";

  PushOptions push;
  push.registry = isolated(dir);
  std::vector<std::string> lines;
  push.progress = [&](llvm::StringRef l) { lines.push_back(l.str()); };
  PushResult first = must(pushImage(*a, "busybox", dest, push), "push " + dest);
  CHECK(first.blobsUploaded == 2); // one layer + config
  CHECK(first.blobsSkipped == 0);
  CHECK(first.manifestMediaType == store::mediatype::DockerManifest);
  CHECK(lines.front() == "The push refers to repository [" + registry.host() + "/dfc/busybox]");
  CHECK(lines.back() ==
        "1: digest: " + first.manifestDigest.str() + " size: " + std::to_string(first.manifestSize));

  // The second push only asks (HEAD) and compresses nothing: the cache knows the gzip digest.
  PushResult again = must(pushImage(*a, "busybox", dest, push), "second push " + dest);
  CHECK(again.blobsUploaded == 0);
  CHECK(again.blobsSkipped == 2);
  CHECK(again.manifestDigest == first.manifestDigest);

  // Another repository on the same registry: the layer is mounted, not uploaded again.
  PushResult other = must(pushImage(*a, "busybox", registry.host() + "/other/bb:x", push), "push other");
  CHECK(other.blobsMounted == 1);
  CHECK(other.blobsUploaded == 1); // the config
  CHECK(other.manifestDigest == first.manifestDigest);

  // Pull into a store that has never seen the image.
  auto b = openStore(dir / "b");
  PullOptions pull;
  pull.registry = isolated(dir);
  PullResult pulled = must(pullImage(*b, dest, pull), "pull " + dest);
  CHECK(pulled.manifestDigest == first.manifestDigest);
  CHECK(pulled.image.id == busybox.id);
  CHECK(pulled.image.spec.diffIds == busybox.spec.diffIds);
  CHECK(pulled.layersFetched == 1);
  auto resolved = must(b->resolve(dest), "resolve " + dest);
  CHECK(resolved.id == busybox.id);
  std::string snap = must(b->snapshotDir(busybox.spec.diffIds.at(0)), "snapshot");
  CHECK(exists(snap + "/bin/busybox"));
  CHECK(exists(snap + "/bin/sh"));
  CHECK(exists(snap + "/etc/passwd"));
  auto check = must(b->check(), "check");
  CHECK(check.ok());

  // Pulling again downloads no layer.
  PullResult twice = must(pullImage(*b, dest, pull), "second pull");
  CHECK(twice.layersFetched == 0);
  CHECK(twice.layersPresent == 1);

  // By digest: no tag is recorded, the same image comes back.
  auto c = openStore(dir / "c");
  std::string byDigest = registry.host() + "/dfc/busybox@" + first.manifestDigest.str();
  PullResult pinned = must(pullImage(*c, byDigest, pull), "pull " + byDigest);
  CHECK(pinned.image.id == busybox.id);
  auto tags = must(c->list(), "list");
  REQUIRE(tags.size() == 1);
  CHECK(tags[0].repository == "<none>");

  SECTION("skopeo sees what dfc pushed") {
    if (!executable(SkopeoBinary)) {
      WARN("SKIPPED: skopeo is missing");
      return;
    }
    std::string out;
    int rc = run(std::string(SkopeoBinary) + " inspect --tls-verify=false docker://" + dest, out);
    INFO(out);
    REQUIRE(rc == 0);
    json j = json::parse(out);
    CHECK(j["Digest"] == first.manifestDigest.str());
    REQUIRE(j["Layers"].size() == 1);
    rc = run(std::string(SkopeoBinary) + " inspect --raw --tls-verify=false docker://" + dest, out);
    REQUIRE(rc == 0);
    CHECK(store::Digest::ofBytes(out) == first.manifestDigest);
    rc = run(std::string(SkopeoBinary) + " inspect --config --raw --tls-verify=false docker://" + dest, out);
    REQUIRE(rc == 0);
    CHECK(store::Digest::ofBytes(out) == busybox.id);
  }
}

TEST_CASE("OCI manifests with zstd layers in chunked uploads round trip", "[integration]") {
  if (!haveRegistry())
    return;
  RegistryServer registry;
  TempDir dir;
  store::ResolvedImage busybox;
  auto a = busyboxStore(dir / "a", busybox);
  std::string dest = registry.host() + "/dfc/oci:zstd";
  PushOptions push;
  push.registry = isolated(dir);
  push.format = ManifestFormat::Oci;
  push.compression = store::Compression::Zstd;
  push.chunkSize = 100 * 1024; // busybox compresses to ~1 MB: several PATCHes
  PushResult pushed = must(pushImage(*a, "busybox", dest, push), "push " + dest);
  CHECK(pushed.manifestMediaType == store::mediatype::OciManifest);

  auto client = must(RegistryClient::connect(registry.host(), isolated(dir)), "connect");
  auto manifest = must(client->getManifest("dfc/oci", "zstd"), "get manifest");
  CHECK(manifest.mediaType == store::mediatype::OciManifest);
  CHECK(manifest.digest == pushed.manifestDigest);
  auto parsed = must(store::parseManifest(manifest.bytes), "parse");
  REQUIRE(parsed.layers.size() == 1);
  CHECK(parsed.layers[0].mediaType == store::mediatype::OciLayerZstd);
  CHECK(uint64_t(parsed.layers[0].size) > push.chunkSize);

  auto b = openStore(dir / "b");
  PullOptions pull;
  pull.registry = isolated(dir);
  PullResult pulled = must(pullImage(*b, dest, pull), "pull " + dest);
  CHECK(pulled.image.id == busybox.id);

  // Docker's schema 2 cannot say zstd: refused before anything is sent.
  push.format = ManifestFormat::Docker;
  CHECK_THAT(errorText(pushImage(*a, "busybox", dest, push)), Catch::Contains("zstd"));

  SECTION("a tampered blob fails verification") {
    // Register a manifest whose config descriptor names a digest the registry serves other bytes for:
    // impossible with a real registry, so check the client-side size check with a lying descriptor.
    store::Descriptor lying = parsed.layers[0];
    lying.size -= 1;
    auto err = client->fetchBlob("dfc/oci", lying.digest, lying.size,
                                 [](const char *, size_t) { return llvm::Error::success(); });
    CHECK_THAT(errorText(std::move(err)), Catch::Contains("larger than its descriptor"));
  }
}

TEST_CASE("An index is narrowed to this machine's platform", "[integration]") {
  if (!haveRegistry())
    return;
  RegistryServer registry;
  TempDir dir;
  store::ResolvedImage busybox;
  auto a = busyboxStore(dir / "a", busybox);
  PushOptions push;
  push.registry = isolated(dir);
  push.format = ManifestFormat::Oci;
  PushResult pushed = must(pushImage(*a, "busybox", registry.host() + "/multi:single", push), "push");

  store::Index index;
  store::Descriptor other{store::mediatype::OciManifest,
                          pushed.manifestDigest,
                          int64_t(pushed.manifestSize),
                          {},
                          store::Platform{"s390x", "linux", ""}};
  store::Descriptor ours = other;
  ours.platform = store::Platform{store::hostArchitecture(), "linux", ""};
  index.manifests = {other, ours};
  auto client = must(RegistryClient::connect(registry.host(), isolated(dir)), "connect");
  std::string indexBytes = store::canonicalJson(index);
  auto indexDigest =
      must(client->putManifest("multi", "latest", store::mediatype::OciIndex, indexBytes), "put index");

  auto b = openStore(dir / "b");
  PullOptions pull;
  pull.registry = isolated(dir);
  PullResult pulled = must(pullImage(*b, registry.host() + "/multi", pull), "pull index");
  CHECK(pulled.indexDigest == indexDigest);
  CHECK(pulled.manifestDigest == pushed.manifestDigest);
  CHECK(pulled.image.id == busybox.id);

  pull.architecture = "riscv64";
  std::string msg = errorText(pullImage(*b, registry.host() + "/multi", pull));
  CHECK_THAT(msg, Catch::Contains("no matching manifest for linux/riscv64"));
  CHECK_THAT(msg, Catch::Contains("linux/s390x"));

  CHECK_THAT(errorText(pullImage(*b, registry.host() + "/multi:nope",
                                 PullOptions{isolated(dir), "linux", "", "", {}})),
             Catch::Contains("not found"));
}

TEST_CASE("dfc pulls what skopeo copied from an OCI archive dfc saved", "[integration]") {
  if (!haveRegistry())
    return;
  if (!executable(SkopeoBinary)) {
    WARN("SKIPPED: skopeo is missing");
    return;
  }
  RegistryServer registry;
  TempDir dir;
  store::ResolvedImage busybox;
  auto a = busyboxStore(dir / "a", busybox);
  std::string archive = dir / "busybox-oci.tar";
  store::SaveOptions save;
  save.format = store::ArchiveFormat::OciArchive;
  REQUIRE(errorText(a->save({"busybox:latest"}, archive, save)) == "");

  struct Case {
    const char *name;
    const char *flags;
  } cases[] = {{"plain", ""},
               {"gzip", "--dest-compress --dest-compress-format gzip"},
               {"zstd", "--dest-compress --dest-compress-format zstd"}};
  for (const Case &k : cases) {
    DYNAMIC_SECTION("skopeo copy " << k.name) {
      std::string dest = registry.host() + "/y:" + k.name;
      std::string out;
      int rc = run(std::string(SkopeoBinary) + " copy --dest-tls-verify=false " + k.flags +
                       " oci-archive:" + archive + " docker://" + dest,
                   out);
      INFO(out);
      REQUIRE(rc == 0);
      auto b = openStore(dir / (std::string("b-") + k.name));
      PullOptions pull;
      pull.registry = isolated(dir);
      PullResult pulled = must(pullImage(*b, dest, pull), "pull " + dest);
      CHECK(pulled.image.id == busybox.id);
      std::string snap = must(b->snapshotDir(busybox.spec.diffIds.at(0)), "snapshot");
      CHECK(exists(snap + "/bin/busybox"));
    }
  }
}

TEST_CASE("Basic auth: push fails clearly without login, works after it, fails again after logout",
          "[integration]") {
  if (!haveRegistry())
    return;
  RegistryServer registry(/*basicAuth=*/true);
  TempDir dir;
  store::ResolvedImage busybox;
  auto a = busyboxStore(dir / "a", busybox);
  std::string dest = registry.host() + "/private/bb:1";
  PushOptions push;
  push.registry = isolated(dir);

  std::string msg = errorText(pushImage(*a, "busybox", dest, push));
  CHECK_THAT(msg, Catch::Contains("authentication required"));
  CHECK_THAT(msg, Catch::Contains("dfc login " + registry.host()));

  CHECK_THAT(errorText(login(registry.host(), {"alice", "looking-glass"}, isolated(dir))),
             Catch::Contains("incorrect username or password"));
  CredentialStore creds(isolated(dir).configDir);
  auto stored = must(creds.get(registry.host()), "read credentials");
  CHECK_FALSE(stored); // a rejected login stores nothing

  REQUIRE(errorText(login("http://" + registry.host() + "/v2/", {"alice", "wonderland"}, isolated(dir))) ==
          "");
  stored = must(creds.get(registry.host()), "read credentials");
  REQUIRE(stored);
  CHECK(stored->username == "alice");

  PushResult pushed = must(pushImage(*a, "busybox", dest, push), "push after login");
  CHECK(pushed.blobsUploaded == 2);
  auto b = openStore(dir / "b");
  PullOptions pull;
  pull.registry = isolated(dir);
  PullResult pulled = must(pullImage(*b, dest, pull), "pull after login");
  CHECK(pulled.image.id == busybox.id);

  CHECK(must(logout(registry.host(), isolated(dir)), "logout"));
  CHECK_THAT(errorText(pullImage(*b, dest, pull)), Catch::Contains("authentication required"));
}
