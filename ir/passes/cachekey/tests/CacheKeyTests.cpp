// Unit tests of the cache-key pass: which edits change which step's key, and which must not
// (comments, positions, LABEL before a RUN, USER before a COPY, ...).
#include "ir/Build.h"
#include "ir/passes/cachekey/CacheKey.h"

#include <catch2/catch.hpp>

#include <map>

using namespace dfc;
using namespace dfc::cachekey;

namespace {

// A parsed and built Dockerfile that keeps its tree alive (the Program points into it).
struct Built {
  SyntaxTree tree;
  Program program;
  Built(const std::string &text, BuildOptions opts = {}) : tree(parseDockerfile(text)) {
    program = buildProgram(tree, opts);
  }
};

// Keys of the last stage's steps with a digester that reports `digests[source list]`.
std::vector<std::string> keysOf(const std::string &dockerfile, std::map<std::string, std::string> digests = {},
                                BuildOptions opts = {}, const std::string &base = "image-a") {
  Built b(dockerfile, opts);
  INFO(dockerfile);
  REQUIRE_FALSE(b.program.hasErrors());
  SourceDigester dig = [&](const Stage &, const AnyInstruction &inst) {
    std::string names;
    if (const auto *c = inst.as<CopyInstruction>())
      for (const Operand &s : c->sources)
        names += s.expanded().str() + ",";
    if (const auto *a = inst.as<AddInstruction>())
      for (const Operand &s : a->sources)
        names += s.expanded().str() + ",";
    auto it = digests.find(names);
    return it == digests.end() ? std::string("none") : it->second;
  };
  const Stage &st = b.program.stages.back();
  StepState init;
  init.platform = st.effectivePlatform;
  StageKeys keys = stageKeys(baseKey(base, st.effectivePlatform), st, init, dig);
  std::vector<std::string> out;
  for (const StepKey &k : keys.steps)
    out.push_back(k.key);
  return out;
}

// Indexes where two key lists differ.
std::vector<size_t> differing(const std::vector<std::string> &a, const std::vector<std::string> &b) {
  REQUIRE(a.size() == b.size());
  std::vector<size_t> out;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i])
      out.push_back(i);
  return out;
}

using Idx = std::vector<size_t>;

} // namespace

TEST_CASE("keys are stable and ignore comments and layout", "[cachekey]") {
  std::string a = "FROM x\nRUN echo hi\nCOPY a /a\n";
  std::string b = "# comment\nFROM x\n\nRUN   echo hi\n# more\nCOPY a   /a\n";
  CHECK(keysOf(a) == keysOf(a));
  CHECK(differing(keysOf(a), keysOf(b)).empty());
  for (const std::string &k : keysOf(a))
    CHECK(llvm::StringRef(k).startswith("sha256:"));
}

TEST_CASE("a content edit misses from the first step that reads it", "[cachekey]") {
  std::string df = "FROM x\nRUN one\nCOPY a /a\nRUN two\nCOPY b /b\nRUN three\n";
  auto before = keysOf(df, {{"a,", "d1"}, {"b,", "d2"}});
  SECTION("edit of b") {
    auto after = keysOf(df, {{"a,", "d1"}, {"b,", "d2-edited"}});
    CHECK(differing(before, after) == Idx{3, 4});
  }
  SECTION("edit of a") {
    auto after = keysOf(df, {{"a,", "d1-edited"}, {"b,", "d2"}});
    CHECK(differing(before, after) == Idx{1, 2, 3, 4});
  }
}

TEST_CASE("metadata steps reach later steps only through what they change", "[cachekey]") {
  struct Case {
    const char *name, *before, *after;
    Idx changed;
  } cases[] = {
      {"LABEL does not touch RUN", "FROM x\nLABEL a=1\nRUN r\n", "FROM x\nLABEL a=2\nRUN r\n", {0}},
      {"ENV reaches RUN", "FROM x\nENV a=1\nRUN r\n", "FROM x\nENV a=2\nRUN r\n", {0, 1}},
      {"ENV does not reach COPY", "FROM x\nENV a=1\nCOPY f /f\n", "FROM x\nENV a=2\nCOPY f /f\n", {0}},
      {"USER reaches RUN", "FROM x\nUSER a\nRUN r\n", "FROM x\nUSER b\nRUN r\n", {0, 1}},
      {"USER does not reach COPY", "FROM x\nUSER a\nCOPY f /f\n", "FROM x\nUSER b\nCOPY f /f\n", {0}},
      {"WORKDIR reaches COPY", "FROM x\nWORKDIR /a\nCOPY f g\n", "FROM x\nWORKDIR /b\nCOPY f g\n", {0, 1}},
      {"SHELL reaches shell-form RUN", "FROM x\nSHELL [\"sh\",\"-c\"]\nRUN r\n",
       "FROM x\nSHELL [\"bash\",\"-c\"]\nRUN r\n", {0, 1}},
      {"SHELL does not reach exec-form RUN", "FROM x\nSHELL [\"sh\",\"-c\"]\nRUN [\"r\"]\n",
       "FROM x\nSHELL [\"bash\",\"-c\"]\nRUN [\"r\"]\n", {0}},
      {"CMD is metadata", "FROM x\nCMD a\nRUN r\n", "FROM x\nCMD b\nRUN r\n", {0}},
      {"exec-form words are length-delimited", "FROM x\nRUN [\"a\",\"bc\"]\n", "FROM x\nRUN [\"ab\",\"c\"]\n", {0}},
      {"RUN network", "FROM x\nRUN r\n", "FROM x\nRUN --network=none r\n", {0}},
      {"COPY --chmod", "FROM x\nCOPY f /f\n", "FROM x\nCOPY --chmod=600 f /f\n", {0}},
  };
  for (const Case &c : cases) {
    DYNAMIC_SECTION(c.name) { CHECK(differing(keysOf(c.before), keysOf(c.after)) == c.changed); }
  }
}

TEST_CASE("build args change only the steps that see them", "[cachekey]") {
  std::string df = "FROM x\nCOPY f /f\nARG V=1\nRUN r\nCOPY g /g\n";
  BuildOptions one, two;
  two.buildArgs["V"] = "2";
  auto a = keysOf(df, {}, one), b = keysOf(df, {}, two);
  // The ARG step itself, the RUN that sees V in its env, and the COPY chained after the RUN.
  CHECK(differing(a, b) == Idx{1, 2, 3});
  BuildOptions unused;
  unused.buildArgs["OTHER"] = "x";
  CHECK(differing(a, keysOf(df, {}, unused)).empty());
}

TEST_CASE("the base changes every key", "[cachekey]") {
  std::string df = "FROM x\nRUN r\nLABEL a=b\n";
  CHECK(differing(keysOf(df, {}, {}, "image-a"), keysOf(df, {}, {}, "image-b")) == Idx{0, 1});
  CHECK(baseKey("a", "linux/amd64") != baseKey("a", "linux/arm64"));
  CHECK(baseKey("a", "linux/amd64", "epoch=1") != baseKey("a", "linux/amd64", "epoch=2"));
}

TEST_CASE("state follows ENV, ARG, WORKDIR, USER and SHELL", "[cachekey]") {
  Built b("FROM x\nENV A=1 B=2\nARG C=3\nARG A=9\nWORKDIR app\nWORKDIR ../srv/./x\nUSER nobody\n"
          "SHELL [\"/bin/bash\", \"-c\"]\nENV A=4\n");
  REQUIRE_FALSE(b.program.hasErrors());
  StepState s;
  for (const AnyInstruction &i : b.program.stages[0].instructions)
    advance(s, i);
  CHECK(s.env == EnvList{{"A", "4"}, {"B", "2"}});
  CHECK(s.args == EnvList{{"C", "3"}, {"A", "9"}});
  // ENV wins over an ARG of the same name in RUN's environment.
  CHECK(s.runEnv() == EnvList{{"A", "4"}, {"B", "2"}, {"C", "3"}});
  CHECK(s.workdir == "/srv/x");
  CHECK(s.user == "nobody");
  CHECK(s.shell == std::vector<std::string>{"/bin/bash", "-c"});
}

TEST_CASE("resolveWorkdir", "[cachekey]") {
  CHECK(resolveWorkdir("/", "a") == "/a");
  CHECK(resolveWorkdir("/a", "/b/../c/") == "/c");
  CHECK(resolveWorkdir("/a/b", "../../..") == "/");
  CHECK(resolveWorkdir("", "x") == "/x");
}
