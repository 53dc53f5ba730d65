// store/Files.h: makeDirs (mkdir -p with one mkdir(2) when only the last directory is new).
#include "backend/store/Files.h"
#include "backend/store/tests/TestSupport.h"
#include "tests/support/CatchLlvm.h"

#include <sys/stat.h>

using namespace dfc::store;
using namespace dfc::store::test;

using dfc::test::errorText;
using dfc::test::must;

namespace {
unsigned modeOf(const std::string &path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  REQUIRE(S_ISDIR(st.st_mode));
  return st.st_mode & 07777;
}
} // namespace

TEST_CASE("makeDirs makes every missing directory with the mode, keeps existing ones", "[store][files]") {
  TempDir dir;
  ::umask(022);
  must(makeDirs(dir / "a/b/c", 0710), "nested");
  CHECK(modeOf(dir / "a") == 0710);
  CHECK(modeOf(dir / "a/b/c") == 0710);
  must(makeDirs(dir / "a/b/c"), "again");
  CHECK(modeOf(dir / "a/b/c") == 0710);
  must(makeDirs(dir / "a/b/d/"), "trailing slash");
  CHECK(modeOf(dir / "a/b/d") == 0755);
  must(makeDirs("/"), "root");
}

TEST_CASE("makeDirs refuses a file where a directory should be", "[store][files]") {
  TempDir dir;
  writeFile(dir / "file", "x");
  CHECK(errorText(makeDirs(dir / "file")).find("not a directory") != std::string::npos);
  CHECK(errorText(makeDirs(dir / "file/sub")) != "");
  CHECK(errorText(makeDirs(dir / "file/sub/deeper")) != "");
}
