// Completion contexts: keywords, flags, --mount keys/values, stages, variables, ignore comments,
// directives.
#include "lsp-server/tests/TestSupport.h"

using namespace dfc::lsp;
using namespace dfc::lsp::test;

namespace {
std::vector<std::string> labels(const std::string &src) {
  Annotated a = annotate(src);
  Document d = open(a.text);
  std::vector<std::string> out;
  for (const CompletionItem &c : completion(d, a.points.at(0)).items)
    out.push_back(c.label);
  return out;
}
bool has(const std::vector<std::string> &v, const std::string &s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}
} // namespace

TEST_CASE("keywords complete at the start of a line, as snippets") {
  Annotated a = annotate("FROM alpine\nRU^\n");
  Document d = open(a.text);
  CompletionList l = completion(d, a.points[0]);
  auto it =
      std::find_if(l.items.begin(), l.items.end(), [](const CompletionItem &c) { return c.label == "RUN"; });
  REQUIRE(it != l.items.end());
  CHECK(it->snippet);
  REQUIRE(it->textEdit);
  CHECK(textOf(d, it->textEdit->range) == "RU");
  CHECK(has(labels("^"), "FROM"));
  CHECK(has(labels("FROM a\n\n^"), "COPY --from"));
}

TEST_CASE("flags complete per instruction") {
  auto copy = labels("FROM a\nCOPY --^ a b\n");
  CHECK(has(copy, "--from"));
  CHECK(has(copy, "--parents"));
  CHECK_FALSE(has(copy, "--mount"));
  auto run = labels("FROM a\nRUN --^\n");
  CHECK(has(run, "--mount"));
  CHECK(has(run, "--network"));
  CHECK(has(labels("FROM a\nRUN --network=^\n"), "none"));
}

TEST_CASE("--mount keys and values") {
  CHECK(has(labels("FROM a\nRUN --mount=^ x\n"), "type"));
  CHECK(has(labels("FROM a\nRUN --mount=type=cache,^ x\n"), "sharing"));
  CHECK(has(labels("FROM a\nRUN --mount=type=^ x\n"), "secret"));
  CHECK(has(labels("FROM a\nRUN --mount=type=cache,sharing=^ x\n"), "locked"));
  CHECK(has(labels("FROM a AS b\nFROM a\nRUN --mount=type=bind,from=^ x\n"), "b"));
}

TEST_CASE("stage names after --from=, only earlier stages") {
  auto l = labels("FROM a AS one\nFROM a AS two\nCOPY --from=^ x y\nFROM a AS three\n");
  CHECK(has(l, "one"));
  CHECK_FALSE(has(l, "two")); // its own stage
  CHECK_FALSE(has(l, "three"));
}

TEST_CASE("variables after $ and ${") {
  auto l = labels("ARG G=1\nFROM a\nARG V=2\nENV E=3\nRUN echo $^\n");
  CHECK(has(l, "V"));
  CHECK(has(l, "E"));
  CHECK_FALSE(has(l, "G")); // not re-declared in the stage
  Annotated a = annotate("FROM a\nENV HOME2=x\nRUN echo ${HO^\n");
  Document d = open(a.text);
  CompletionList c = completion(d, a.points[0]);
  auto it = std::find_if(c.items.begin(), c.items.end(),
                         [](const CompletionItem &i) { return i.label == "HOME2"; });
  REQUIRE(it != c.items.end());
  CHECK(it->textEdit->newText == "HOME2}");
  CHECK(has(labels("ARG G=1\nFROM $^\n"), "G"));
}

TEST_CASE("rule ids in ignore comments, directives at the top") {
  CHECK(has(labels("# dfc ignore=^\nFROM a\n"), "StageNameCasing"));
  auto h = labels("FROM a\n# hadolint ignore=^\nRUN x\n");
  CHECK(has(h, "DL3006"));
  CHECK(has(labels("# check=skip=^\nFROM a\n"), "FromAsCasing"));
  CHECK(has(labels("# ^\nFROM a\n"), "syntax"));
  CHECK(has(labels("# ^\nFROM a\n"), "escape"));
  CHECK_FALSE(has(labels("FROM a\n# ^\n"), "syntax"));
}
