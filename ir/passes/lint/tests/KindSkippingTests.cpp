// lint() runs a rule only on files holding one of the instruction kinds rules/Rules.def declares
// for it. A kind declared wrongly drops findings without a sound, so real Dockerfiles are linted
// with skipping on and off and must give the same findings. (Every rule test's input is checked
// the same way, in LintTestSupport.h.)
#include "ir/Build.h"
#include "ir/passes/lint/tests/LintTestSupport.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace dfc::lint::test {
namespace {

namespace fs = std::filesystem;

// Files named Dockerfile* below `root`, in a stable order.
std::vector<fs::path> dockerfiles(const fs::path &root) {
  std::vector<fs::path> out;
  for (const auto &e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && llvm::StringRef(e.path().filename().string()).startswith("Dockerfile"))
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Lints every file with skipping on and off, under configs that wake the configured rules too
// (label schema, trusted registries); returns how many findings lint() gave.
size_t checkAll(const std::vector<fs::path> &files) {
  Config plain;
  Config configured;
  configured.labelSchema = {{"maintainer", "email"}, {"version", "semver"}, {"url", "url"},
                            {"org.opencontainers.image.created", "rfc3339"}};
  configured.strictLabels = true;
  configured.trustedRegistries = {"docker.io"};
  configured.dockerignore = {"*.md", "node_modules"};
  size_t found = 0;
  for (const fs::path &p : files) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    SyntaxTree tree = parseDockerfile(text.str());
    Program program = buildProgram(tree);
    INFO(p.string());
    found += checkedLint(tree, program, plain).findings.size();
    found += checkedLint(tree, program, configured).findings.size();
  }
  return found;
}

TEST_CASE("kind skipping: examples/ lint the same with every rule run", "[lint]") {
  std::vector<fs::path> files = dockerfiles(fs::path(DFC_SOURCE_DIR) / "examples");
  REQUIRE(files.size() >= 4);
  CHECK(checkAll(files) > 0);
}

TEST_CASE("kind skipping: BuildKit's corpus and the build peers lint the same with every rule run", "[lint]") {
  for (const char *dir : {"conformance/buildkit", "peers/build"}) {
    fs::path root = fs::path(DFC_SHARED_DIR) / dir;
    if (!fs::is_directory(root)) {
      WARN("SKIPPED " << root.string() << ": absent");
      continue;
    }
    std::vector<fs::path> files = dockerfiles(root);
    REQUIRE(!files.empty());
    CHECK(checkAll(files) > 0);
  }
}

} // namespace
} // namespace dfc::lint::test
