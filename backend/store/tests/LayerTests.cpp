// Layer tars: reproducible digests, overlay whiteouts both ways, and confinement of hostile tars.
// Everything runs on real files in temp dirs.
#include "backend/store/Digest.h"
#include "backend/store/Layer.h"
#include "backend/store/tests/TestSupport.h"

#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <utime.h>

using namespace dfc::store;
using namespace dfc::store::test;

namespace {

void makeTree(const std::string &root) {
  REQUIRE(::mkdir((root + "/etc").c_str(), 0755) == 0);
  REQUIRE(::mkdir((root + "/usr").c_str(), 0755) == 0);
  REQUIRE(::mkdir((root + "/usr/bin").c_str(), 0755) == 0);
  writeFile(root + "/etc/hostname", "box\n");
  writeFile(root + "/usr/bin/tool", "#!/bin/sh\necho hi\n", 0755);
  writeFile(root + "/a-b", "dash\n");
  REQUIRE(::symlink("usr/bin", (root + "/bin").c_str()) == 0);
  REQUIRE(::link((root + "/usr/bin/tool").c_str(), (root + "/usr/bin/tool2").c_str()) == 0);
}

std::string tarOf(const std::string &dir, const std::string &out, const LayerWriteOptions &o,
                  LayerInfo *info = nullptr) {
  int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  auto r = writeLayer(dir, fd, o);
  ::close(fd);
  if (!r)
    FAIL("writeLayer " << dir << ": " << llvm::toString(r.takeError()));
  if (info)
    *info = *r;
  auto d = Digest::ofFile(out);
  REQUIRE(bool(d));
  CHECK(*d == r->diffId); // hashed in the same pass equals hashing the file afterwards
  return r->diffId.str();
}

void touchAll(const std::string &root, const std::vector<std::string> &rels) {
  for (const std::string &r : rels)
    REQUIRE(::utime((root + "/" + r).c_str(), nullptr) == 0);
}

} // namespace

TEST_CASE("Digest: known vectors, streaming and parsing", "[store][digest]") {
  CHECK(Digest::ofBytes("").str() ==
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256Hasher h;
  h.update("ab");
  h.update("c");
  CHECK(h.finish().str() == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  for (const char *bad :
       {"sha256:xyz", "md5:00", "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        "sha256:../../etc/passwd"}) {
    INFO(bad);
    auto d = Digest::parse(bad);
    CHECK(!d);
    llvm::consumeError(d.takeError());
  }
}

TEST_CASE("writeLayer: the same directory gives the same diff_id", "[store][layer]") {
  TempDir t;
  std::string a = t / "a", b = t / "b";
  REQUIRE(::mkdir(a.c_str(), 0755) == 0);
  REQUIRE(::mkdir(b.c_str(), 0755) == 0);
  makeTree(a);
  LayerWriteOptions plain;
  LayerInfo info;
  std::string first = tarOf(a, t / "1.tar", plain, &info);
  CHECK(tarOf(a, t / "2.tar", plain) == first);
  CHECK(info.entries == 8);

  // Entries come sorted, parents first, with a hardlink to the first path of the inode.
  std::vector<std::string> names = tarNames(t / "1.tar");
  CHECK(names == std::vector<std::string>{"a-b", "bin", "etc/", "etc/hostname", "usr/", "usr/bin/",
                                          "usr/bin/tool", "usr/bin/tool2"});

  SECTION("touch changes the digest without SOURCE_DATE_EPOCH") {
    struct utimbuf old = {1000, 1000};
    REQUIRE(::utime((a + "/etc/hostname").c_str(), &old) == 0);
    std::string before = tarOf(a, t / "3.tar", plain);
    touchAll(a, {"etc/hostname"});
    CHECK(tarOf(a, t / "4.tar", plain) != before);
  }
  SECTION("touch keeps the digest with SOURCE_DATE_EPOCH") {
    LayerWriteOptions sde;
    sde.sourceDateEpoch = 1600000000;
    std::string before = tarOf(a, t / "3.tar", sde);
    touchAll(a, {"etc/hostname", "usr/bin/tool", "etc", "usr", "."});
    CHECK(tarOf(a, t / "4.tar", sde) == before);
    // A copy made at another time, same content: same digest.
    makeTree(b);
    CHECK(tarOf(b, t / "5.tar", sde) == before);
    // A content edit must change it.
    writeFile(a + "/etc/hostname", "other\n");
    CHECK(tarOf(a, t / "6.tar", sde) != before);
  }
}

TEST_CASE("writeLayer/applyLayer: overlay whiteouts and opaque dirs round trip", "[store][layer]") {
  if (!isRoot()) {
    WARN("SKIP: needs root for mknod and trusted.* xattrs");
    return;
  }
  TempDir t;
  std::string upper = t / "upper";
  REQUIRE(::mkdir(upper.c_str(), 0755) == 0);
  REQUIRE(::mknod((upper + "/gone").c_str(), S_IFCHR | 0, makedev(0, 0)) == 0);
  REQUIRE(::mkdir((upper + "/opq").c_str(), 0750) == 0);
  REQUIRE(::setxattr((upper + "/opq").c_str(), "trusted.overlay.opaque", "y", 1, 0) == 0);
  writeFile(upper + "/opq/new", "new\n");
  writeFile(upper + "/kept", "kept\n");
  REQUIRE(::setxattr((upper + "/kept").c_str(), "user.note", "hello", 5, 0) == 0);

  LayerWriteOptions o;
  o.sourceDateEpoch = 1600000000;
  tarOf(upper, t / "l.tar", o);
  CHECK(tarNames(t / "l.tar") ==
        std::vector<std::string>{".wh.gone", "kept", "opq/", "opq/.wh..wh..opq", "opq/new"});

  SECTION("overlay snapshot mode recreates the overlay markers") {
    std::string snap = t / "snap";
    REQUIRE(::mkdir(snap.c_str(), 0755) == 0);
    auto r = applyLayerFile(t / "l.tar", snap, {WhiteoutMode::Overlay, true});
    REQUIRE(bool(r));
    struct stat st;
    REQUIRE(::lstat((snap + "/gone").c_str(), &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
    CHECK(st.st_rdev == makedev(0, 0));
    char v[4] = {};
    CHECK(::getxattr((snap + "/opq").c_str(), "trusted.overlay.opaque", v, sizeof v) == 1);
    CHECK(v[0] == 'y');
    CHECK(slurp(snap + "/opq/new") == "new\n");
    char note[16] = {};
    CHECK(::getxattr((snap + "/kept").c_str(), "user.note", note, sizeof note) == 5);
    REQUIRE(::lstat((snap + "/opq").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0750);
    CHECK(st.st_mtime == 1600000000);
    // And the snapshot tars back to the very same layer.
    std::string again = tarOf(snap, t / "again.tar", o);
    CHECK(again == Digest::ofFile(t / "l.tar")->str());
  }
  SECTION("flat mode deletes what the whiteouts name") {
    std::string root = t / "rootfs";
    REQUIRE(::mkdir(root.c_str(), 0755) == 0);
    writeFile(root + "/gone", "old\n");
    REQUIRE(::mkdir((root + "/opq").c_str(), 0755) == 0);
    writeFile(root + "/opq/old", "old\n");
    auto r = applyLayerFile(t / "l.tar", root, {WhiteoutMode::Flat, true});
    REQUIRE(bool(r));
    CHECK(!exists(root + "/gone"));
    CHECK(!exists(root + "/opq/old"));
    CHECK(slurp(root + "/opq/new") == "new\n");
    CHECK(slurp(root + "/kept") == "kept\n");
  }
}

TEST_CASE("applyLayer: hostile archives cannot write outside the target", "[store][layer]") {
  TempDir t;
  std::string outside = t / "outside";
  std::string target = t / "target";
  REQUIRE(::mkdir(outside.c_str(), 0755) == 0);
  REQUIRE(::mkdir(target.c_str(), 0755) == 0);
  struct stat passwdBefore;
  REQUIRE(::stat("/etc/passwd", &passwdBefore) == 0);

  struct Case {
    const char *name;
    std::function<void(TarBuilder &)> build;
    bool mayFail;
  };
  std::string outsideAbs = outside;
  std::vector<Case> cases = {
      {"dot-dot file", [](TarBuilder &b) { b.file("../outside/x", "pwned"); }, true},
      {"nested dot-dot", [](TarBuilder &b) { b.file("a/../../outside/x", "pwned"); }, true},
      {"absolute path", [&](TarBuilder &b) { b.file(outsideAbs + "/x", "pwned"); }, true},
      {"symlink to absolute dir, then write through it",
       [&](TarBuilder &b) {
         b.symlink("evil", outsideAbs);
         b.file("evil/x", "pwned");
       },
       true},
      {"symlink climbing with .., then write through it",
       [](TarBuilder &b) {
         b.symlink("evil", "../../../../../../../../../../tmp");
         b.file("evil/dfc-store-test-escape", "pwned");
       },
       true},
      {"symlink chain",
       [&](TarBuilder &b) {
         b.dir("d");
         b.symlink("d/up", "..");
         b.symlink("d/up2", "up/../..");
         b.file("d/up2/outside/x", "pwned");
       },
       true},
      {"hardlink to /etc/passwd", [](TarBuilder &b) { b.hardlink("passwd-link", "/etc/passwd"); }, true},
      {"hardlink through dot-dot",
       [](TarBuilder &b) { b.hardlink("passwd-link", "../../../../../../etc/passwd"); }, true},
      {"symlink then replace a file through it",
       [&](TarBuilder &b) {
         b.symlink("etc", "/etc");
         b.file("etc/dfc-store-test-escape", "pwned");
       },
       true},
  };
  for (const Case &c : cases) {
    DYNAMIC_SECTION(c.name) {
      std::string tar = t / "evil.tar";
      {
        TarBuilder b(tar);
        c.build(b);
      }
      auto r = applyLayerFile(tar, target, {WhiteoutMode::Flat, true});
      if (!r)
        llvm::consumeError(r.takeError());
      INFO("case: " << c.name);
      CHECK(!exists(outside + "/x"));
      CHECK(!exists("/tmp/dfc-store-test-escape"));
      CHECK(!exists("/etc/dfc-store-test-escape"));
      struct stat passwdAfter;
      REQUIRE(::stat("/etc/passwd", &passwdAfter) == 0);
      CHECK(passwdAfter.st_nlink == passwdBefore.st_nlink);
      CHECK(slurp("/etc/passwd").find("pwned") == std::string::npos);
    }
  }
  SECTION("escapes are refused or land inside") {
    std::string tar = t / "evil2.tar";
    {
      TarBuilder b(tar);
      b.file("/abs/file", "inside");
      b.symlink("link", "/abs");
      b.file("link/through", "inside too");
    }
    auto r = applyLayerFile(tar, target, {WhiteoutMode::Flat, true});
    REQUIRE(bool(r));
    CHECK(slurp(target + "/abs/file") == "inside");
    CHECK(slurp(target + "/abs/through") == "inside too");
    std::string tar2 = t / "evil3.tar";
    {
      TarBuilder b(tar2);
      b.file("../x", "pwned");
    }
    auto r2 = applyLayerFile(tar2, target, {WhiteoutMode::Flat, true});
    REQUIRE(!r2);
    CHECK(llvm::toString(r2.takeError()).find("escapes") != std::string::npos);
  }
}

TEST_CASE("compress: gzip and zstd are reproducible and decompress back", "[store][layer]") {
  TempDir t;
  std::string data;
  for (int i = 0; i < 20000; ++i)
    data += "line " + std::to_string(i) + "\n";
  writeFile(t / "in", data);
  for (Compression c : {Compression::Gzip, Compression::Zstd}) {
    INFO("compression " << int(c));
    std::string out1, out2;
    for (std::string *out : {&out1, &out2}) {
      int fd = ::open((t / "in").c_str(), O_RDONLY);
      REQUIRE(fd >= 0);
      ByteSink sink = [out](const void *d, size_t n) {
        out->append(static_cast<const char *>(d), n);
        return llvm::Error::success();
      };
      REQUIRE(!compress(fd, sink, c));
      ::close(fd);
    }
    CHECK(out1 == out2);
    CHECK(out1.size() < data.size() / 3);
    writeFile(t / "c", out1);
    std::string back;
    int fd = ::open((t / "c").c_str(), O_RDONLY);
    ByteSink sink = [&back](const void *d, size_t n) {
      back.append(static_cast<const char *>(d), n);
      return llvm::Error::success();
    };
    REQUIRE(!decompress(fd, sink));
    ::close(fd);
    CHECK(back == data);
  }
}
