// Hover: instruction docs, flag docs (--mount keys), heredocs, resolved variables, stage info,
// and lint rule pages on findings.
#include "lsp-server/tests/TestSupport.h"

using namespace dfc::lsp;
using namespace dfc::lsp::test;

namespace {
std::string hoverText(const std::string &src, size_t point = 0, RuleDocLookup docs = nullptr) {
  Annotated a = annotate(src);
  Document d = open(a.text);
  INFO(src);
  REQUIRE(a.points.size() > point);
  std::optional<Hover> h = hover(d, a.points[point], docs);
  return h ? h->markdown : std::string();
}
} // namespace

TEST_CASE("hover on keywords shows the instruction page") {
  CHECK_THAT(hoverText("FROM alpine\nR^UN echo hi\n"), Catch::Contains("Runs a command"));
  CHECK_THAT(hoverText("FROM alpine\nwork^dir /x\n"), Catch::Contains("working directory"));
  CHECK_THAT(hoverText("FROM alpine\nONBUILD R^UN x\n"), Catch::Contains("Runs a command"));
  CHECK(hoverText("FROM alpine\nRUN echo ^hi\n").empty());
}

TEST_CASE("hover on flags shows the flag section, --mount keys their bullet") {
  CHECK_THAT(hoverText("FROM alpine\nCOPY --^link a /b\n"), Catch::Contains("independent layer"));
  CHECK_THAT(hoverText("FROM alpine\nCOPY --par^ents a /b\n"), Catch::Contains("parent directories"));
  CHECK_THAT(hoverText("FROM alpine\nADD --check^sum=sha256:ab a /b\n"), Catch::Contains("digest"));
  std::string m = hoverText("FROM alpine\nRUN --mount=type=cache,sha^ring=locked x\n");
  CHECK_THAT(m, Catch::Contains("cache concurrency"));
  CHECK_THAT(m, Catch::Contains("attaches a filesystem"));
}

TEST_CASE("hover on a heredoc marker explains heredocs") {
  CHECK_THAT(hoverText("FROM alpine\nRUN <<^EOF\necho\nEOF\n"), Catch::Contains("strips leading tabs"));
}

TEST_CASE("hover on variables shows the value at that point") {
  std::string src = "ARG BASE=alpine:3\nFROM $^BASE\nENV A=1\nRUN echo $^A\nENV A=2\nRUN echo ${^A}\n";
  CHECK_THAT(hoverText(src, 0), Catch::Contains("`alpine:3`"));
  CHECK_THAT(hoverText(src, 1), Catch::Contains("= `1`"));
  CHECK_THAT(hoverText(src, 2), Catch::Contains("= `2`"));
  CHECK_THAT(hoverText("FROM alpine\nRUN echo $^NOPE\n"), Catch::Contains("unset"));
}

TEST_CASE("hover on stage names shows stage info") {
  std::string src = "FROM alpine:3 AS ^build\nRUN x\nFROM scratch\nCOPY --from=bu^ild /a /b\n";
  std::string h = hoverText(src, 1);
  CHECK_THAT(h, Catch::Contains("Stage `build`"));
  CHECK_THAT(h, Catch::Contains("alpine:3"));
  CHECK_THAT(hoverText(src, 0), Catch::Contains("1 instructions"));
}

TEST_CASE("hover on a finding shows the rule page") {
  RuleDocLookup docs = [](const std::string &id) -> const char * {
    return id == "MaintainerDeprecated" ? "# MaintainerDeprecated\nthe page" : nullptr;
  };
  std::string h = hoverText("FROM alpine\nMAINT^AINER me\n", 0, docs);
  CHECK_THAT(h, Catch::Contains("**MaintainerDeprecated**"));
  CHECK_THAT(h, Catch::Contains("the page"));
}
