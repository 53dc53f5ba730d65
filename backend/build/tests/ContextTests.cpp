// Unit tests of build-context reading: .dockerignore semantics, confinement, selection, digests
// and the stat cache (a touch re-hashes but keeps the digest).
#include "backend/build/Context.h"
#include "backend/store/Files.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

using namespace dfc::build;

namespace {

// Consumes an llvm::Error, printing it; true when there was none.
inline bool noError(llvm::Error e) {
  if (!e)
    return true;
  WARN(llvm::toString(std::move(e)));
  return false;
}

struct Dir {
  std::string path;
  Dir() {
    char t[] = "/tmp/dfc-context-test-XXXXXX";
    REQUIRE(::mkdtemp(t));
    path = t;
  }
  ~Dir() { llvm::consumeError(dfc::store::removeTree(path)); }
  void write(const std::string &rel, const std::string &text) {
    std::string p = path + "/" + rel;
    llvm::consumeError(dfc::store::makeDirs(llvm::StringRef(p).rsplit('/').first));
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, text.data(), text.size()) == ssize_t(text.size()));
    ::close(fd);
  }
};

std::vector<std::string> rels(const std::vector<SourceEntry> &es) {
  std::vector<std::string> out;
  for (const SourceEntry &e : es)
    out.push_back(e.relPath);
  return out;
}

} // namespace

TEST_CASE(".dockerignore patterns follow Docker's matcher", "[context]") {
  struct Case {
    const char *patterns, *path;
    bool ignored;
  } cases[] = {
      {"*.log", "a.log", true},
      {"*.log", "dir/a.log", false}, // `*` does not cross '/'
      {"**/*.log", "dir/sub/a.log", true},
      {"**/*.log", "a.log", true},
      {"dir", "dir/sub/file", true}, // a matched parent excludes its contents
      {"dir/*", "dir/x", true},
      {"dir/*", "dir", false},
      {"*.md\n!README.md", "README.md", false},
      {"*.md\n!README.md", "CHANGES.md", true},
      {"!README.md\n*.md", "README.md", true}, // the last match wins
      {"/secret", "secret", true},
      {"./a/../b", "b", true},
      {"# comment\n\n  spaced  ", "spaced", true},
      {"f?le", "file", true},
      {"f[a-h]le", "file", false},
      {"f[a-j]le", "file", true},
      {"node_modules\n!node_modules/keep", "node_modules/keep/x", false},
  };
  for (const Case &c : cases) {
    CAPTURE(c.patterns, c.path);
    CHECK(PatternList::parseDockerignore(c.patterns).matches(c.path) == c.ignored);
  }
}

TEST_CASE("sources cannot leave the context", "[context]") {
  Dir d;
  d.write("ctx/a", "a");
  d.write("outside", "secret");
  ::symlink("../outside", (d.path + "/ctx/up").c_str());
  ::symlink("/etc/passwd", (d.path + "/ctx/abs").c_str());
  ::symlink("a", (d.path + "/ctx/inside").c_str());
  SourceTree t(d.path + "/ctx", SourceTree::Kind::Context);
  for (const char *bad : {"../outside", "a/../../outside", "up", "abs"}) {
    CAPTURE(bad);
    auto r = t.expand(bad);
    bool failed = !r;
    if (!r)
      CHECK_THAT(llvm::toString(r.takeError()), Catch::Contains("outside the build context"));
    CHECK(failed);
  }
  auto ok = t.expand("inside");
  REQUIRE(bool(ok));
  auto host = t.resolve((*ok)[0]);
  REQUIRE(bool(host));
  CHECK(*host == d.path + "/ctx/a");
  // An absolute source names a path inside the context.
  auto abs = t.expand("/a");
  REQUIRE(bool(abs));
  CHECK((*abs)[0] == "a");
}

TEST_CASE("rootfs trees resolve absolute symlinks inside the root", "[context]") {
  Dir d;
  d.write("etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  ::symlink("/etc/passwd", (d.path + "/link").c_str());
  ::symlink("../../../../etc", (d.path + "/climb").c_str());
  SourceTree t(d.path, SourceTree::Kind::Rootfs);
  CHECK(*t.resolve("link") == d.path + "/etc/passwd");
  CHECK(*t.resolve("climb/passwd") == d.path + "/etc/passwd");
}

TEST_CASE("selection applies .dockerignore, --exclude and wildcards", "[context]") {
  Dir d;
  d.write("src/a.c", "a");
  d.write("src/b.log", "b");
  d.write("src/sub/c.c", "c");
  d.write("src/tmp/x", "x");
  d.write("top.c", "t");
  SourceTree t(d.path, SourceTree::Kind::Context, PatternList::parseDockerignore("**/*.log\n"));
  auto all = t.select("src", PatternList::fromPatterns({"tmp"}));
  REQUIRE(bool(all));
  CHECK(rels(*all) == std::vector<std::string>{"", "a.c", "sub", "sub/c.c"});
  auto glob = t.expand("*.c");
  REQUIRE(bool(glob));
  CHECK(*glob == std::vector<std::string>{"top.c"});
  auto ignored = t.expand("src/b.log");
  CHECK_FALSE(bool(ignored));
  llvm::consumeError(ignored.takeError());
  auto none = t.expand("*.none");
  CHECK_FALSE(bool(none));
  llvm::consumeError(none.takeError());
}

// Many directories, and a file whose name sorts between a directory and its contents ("d3.c"
// between "d3" and "d3/a.c"): the selection is complete and in byte order of the paths.
TEST_CASE("a wide tree is selected completely and in order", "[context]") {
  Dir d;
  std::vector<std::string> expected{""};
  for (int i = 0; i < 12; ++i) {
    std::string dir = "d" + std::to_string(i);
    d.write("src/" + dir + "/a.c", dir);
    d.write("src/" + dir + "/deep/b.c", dir);
    d.write("src/" + dir + "/skip.log", dir);
    d.write("src/" + dir + "/tmp/x", dir);
    expected.insert(expected.end(), {dir, dir + "/a.c", dir + "/deep", dir + "/deep/b.c"});
  }
  d.write("src/d3.c", "file beside the directories");
  expected.push_back("d3.c");
  std::sort(expected.begin(), expected.end());
  SourceTree t(d.path, SourceTree::Kind::Context, PatternList::parseDockerignore("**/*.log\n"));
  auto all = t.select("src", PatternList::fromPatterns({"*/tmp"}));
  REQUIRE(bool(all));
  CHECK(rels(*all) == expected);
  for (const SourceEntry &e : *all)
    CHECK(e.hostPath == d.path + "/src" + (e.relPath.empty() ? "" : "/" + e.relPath));
}

TEST_CASE("digests see content and names, not mtimes; the stat cache re-hashes only changes", "[context]") {
  Dir d;
  d.write("ctx/f", "one");
  d.write("ctx/g", "two");
  StatCache cache(d.path + "/cache/stat");
  SourceTree t(d.path + "/ctx", SourceTree::Kind::Context, {}, &cache);
  auto digestOf = [&] {
    auto e = t.select("", {});
    REQUIRE(bool(e));
    auto dg = t.digest(*e);
    REQUIRE(bool(dg));
    return *dg;
  };
  std::string first = digestOf();
  CHECK(cache.hashedFiles() == 2);
  CHECK(digestOf() == first);
  CHECK(cache.hashedFiles() == 2); // nothing changed: nothing re-read
  struct timespec later[2] = {{2000000000, 0}, {2000000000, 0}};
  ::utimensat(AT_FDCWD, (d.path + "/ctx/f").c_str(), later, 0);
  CHECK(digestOf() == first); // touched: re-read, same content
  CHECK(cache.hashedFiles() == 3);
  REQUIRE(noError(cache.save()));
  StatCache reloaded(d.path + "/cache/stat");
  reloaded.load();
  SourceTree t2(d.path + "/ctx", SourceTree::Kind::Context, {}, &reloaded);
  auto e2 = t2.select("", {});
  REQUIRE(bool(e2));
  CHECK(*t2.digest(*e2) == first);
  CHECK(reloaded.hashedFiles() == 0); // the saved cache answered for both files
  d.write("ctx/g", "TWO");
  CHECK(digestOf() != first);
}

// The selection shortcut (what `dfc plan` mostly does on an unchanged context): a digest recorded
// with the stamps of its walk is reused only while every stamp holds, so each edit below, made
// after the recording, must give the digest a fresh walk gives (never the recorded one).
TEST_CASE("a recorded selection is reused until an edit it could miss", "[context]") {
  Dir d;
  d.write("ctx/src/a.c", "a");
  d.write("ctx/src/sub/b.c", "b");
  d.write("ctx/src/sub/deeper/c.c", "c");
  d.write("ctx/src/skip/kept.c", "k");
  d.write("ctx/src/skip/gone.c", "g");
  d.write("ctx/.dockerignore", "src/skip\n!src/skip/kept.c\n");
  std::string ctx = d.path + "/ctx", cacheFile = d.path + "/cache/stat";
  // Margin 0: the files are fresh; the sleep puts the recording walk (and every edit below) on
  // later clock ticks than the files' times, as the default 2 s margin does for real contexts.
  ::usleep(50000);
  auto ignore = [&] { return PatternList::parseDockerignore(*dfc::store::readFile(ctx + "/.dockerignore")); };
  auto fresh = [&] {
    SourceTree t(ctx, SourceTree::Kind::Context, ignore());
    auto e = t.select("src", {});
    REQUIRE(bool(e));
    return *t.digest(*e);
  };
  // As a `dfc plan` process sees it: the saved cache, read anew.
  auto cached = [&](uint64_t *reused = nullptr) {
    StatCache c(cacheFile, 0);
    c.load();
    SourceTree t(ctx, SourceTree::Kind::Context, ignore(), &c);
    auto dg = t.selectionDigest("src", {});
    REQUIRE(bool(dg));
    if (reused)
      *reused = c.selectionsReused();
    return *dg;
  };
  std::string recorded;
  {
    StatCache c(cacheFile, 0);
    c.load();
    SourceTree t(ctx, SourceTree::Kind::Context, ignore(), &c);
    recorded = *t.selectionDigest("src", {});
    CHECK(c.hashedFiles() == 4);
    REQUIRE(noError(c.save()));
  }
  CHECK(recorded == fresh());
  uint64_t reused = 0;
  CHECK(cached(&reused) == recorded);
  CHECK(reused == 1);
  {
    StatCache c(cacheFile, 0);
    c.load();
    SourceTree t(ctx, SourceTree::Kind::Context, ignore(), &c);
    CHECK(*t.selectionDigest("src", {}) == recorded);
    CHECK(c.hashedFiles() == 0); // neither listed nor read: the per-file rows were not even loaded
  }
  auto expectNoticed = [&](const char *what) {
    CAPTURE(what);
    std::string now = fresh();
    CHECK(now != recorded);
    uint64_t r = 1;
    CHECK(cached(&r) == now);
    CHECK(r == 0);
  };
  SECTION("a file changed, same size, under an unchanged directory") {
    d.write("ctx/src/sub/deeper/c.c", "C");
    expectNoticed("content");
  }
  SECTION("a new file") {
    d.write("ctx/src/sub/new.c", "n");
    expectNoticed("new file");
  }
  SECTION("a file re-included by `!` in an ignored directory") {
    d.write("ctx/src/skip/gone.c", "G"); // ignored: changes nothing
    CHECK(cached() == recorded);
    CHECK(fresh() == recorded);
    d.write("ctx/src/skip/kept.c", "K");
    expectNoticed("re-included file");
  }
  SECTION("a .dockerignore change") {
    d.write("ctx/.dockerignore", "src/skip\n");
    expectNoticed(".dockerignore");
  }
  SECTION("a file replaced by a symlink") {
    ::unlink((ctx + "/src/a.c").c_str());
    REQUIRE(::symlink("sub/b.c", (ctx + "/src/a.c").c_str()) == 0);
    expectNoticed("symlink");
  }
  SECTION("a mode change") {
    REQUIRE(::chmod((ctx + "/src/a.c").c_str(), 0600) == 0);
    expectNoticed("mode");
  }
}

// A selection of 1,100 entries is checked by two threads (halves in path order): an edit in either
// half is noticed.
TEST_CASE("a wide recorded selection notices an edit in either half", "[context]") {
  Dir d;
  for (int i = 0; i < 11; ++i)
    for (int j = 0; j < 99; ++j)
      d.write("ctx/d" + std::to_string(i) + "/f" + std::to_string(j), "x");
  std::string ctx = d.path + "/ctx", cacheFile = d.path + "/cache/stat";
  auto record = [&] {
    ::usleep(50000); // the walk (and the edit after it) on later clock ticks than every file's times
    StatCache c(cacheFile, 0);
    c.load();
    SourceTree t(ctx, SourceTree::Kind::Context, {}, &c);
    std::string dg = *t.selectionDigest("", {});
    REQUIRE(noError(c.save()));
    return dg;
  };
  auto cached = [&](uint64_t &reused) {
    StatCache c(cacheFile, 0);
    c.load();
    SourceTree t(ctx, SourceTree::Kind::Context, {}, &c);
    std::string dg = *t.selectionDigest("", {});
    reused = c.selectionsReused();
    return dg;
  };
  for (const char *edited : {"d0/f1", "d9/f98"}) { // sorted paths: d0 < d1 < d10 < d2 < ... < d9
    CAPTURE(edited);
    std::string recorded = record();
    uint64_t reused = 0;
    CHECK(cached(reused) == recorded);
    CHECK(reused == 1);
    d.write(std::string("ctx/") + edited, "y");
    SourceTree t(ctx, SourceTree::Kind::Context);
    std::string now = *t.digest(*t.select("", {}));
    CHECK(now != recorded);
    CHECK(cached(reused) == now);
    CHECK(reused == 0);
    d.write(std::string("ctx/") + edited, "x");
  }
}

TEST_CASE("a process saving its selections keeps the ones it did not use", "[context]") {
  Dir d;
  d.write("ctx/one/f", "1");
  d.write("ctx/two/g", "2");
  std::string ctx = d.path + "/ctx", cacheFile = d.path + "/cache/stat";
  ::usleep(50000);
  for (const char *source : {"one", "two"}) { // two builds, each copying one source
    StatCache c(cacheFile, 0);
    c.load();
    SourceTree t(ctx, SourceTree::Kind::Context, {}, &c);
    REQUIRE(bool(t.selectionDigest(source, {})));
    REQUIRE(noError(c.save()));
  }
  StatCache c(cacheFile, 0);
  c.load();
  SourceTree t(ctx, SourceTree::Kind::Context, {}, &c);
  REQUIRE(bool(t.selectionDigest("one", {})));
  REQUIRE(bool(t.selectionDigest("two", {})));
  CHECK(c.selectionsReused() == 2);
}

TEST_CASE("a selection walked right after a change is not recorded", "[context]") {
  Dir d;
  d.write("ctx/f", "fresh");
  // The default margin: a file this new could still change within its timestamps' granularity.
  StatCache c(d.path + "/cache/stat");
  c.load();
  SourceTree t(d.path + "/ctx", SourceTree::Kind::Context, {}, &c);
  std::string first = *t.selectionDigest("", {});
  CHECK(*t.selectionDigest("", {}) == first);
  CHECK(c.selectionsReused() == 0);
  CHECK(c.hashedFiles() == 1); // the per-file row still spares the re-read
}

TEST_CASE("cleanPath is Go's path.Clean", "[context]") {
  CHECK(cleanPath("a/./b/../c") == "a/c");
  CHECK(cleanPath("../a") == "../a");
  CHECK(cleanPath("/../a") == "/a");
  CHECK(cleanPath("") == ".");
  CHECK(cleanPath("a/..") == ".");
}
