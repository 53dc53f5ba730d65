// Document symbols (stages holding instructions) and folding ranges.
#include "lsp-server/tests/TestSupport.h"

using namespace dfc::lsp;
using namespace dfc::lsp::test;

TEST_CASE("symbols: stages contain their instructions, ARG/ENV keys are variables") {
  Document d =
      open("ARG V=1\nFROM alpine AS build\nENV A=1 B=2\nRUN x\nFROM scratch\nCOPY --from=build /a /b\n");
  auto s = documentSymbols(d);
  REQUIRE(s.size() == 3);
  CHECK(s[0].name == "ARG");
  REQUIRE(s[0].children.size() == 1);
  CHECK(s[0].children[0].name == "V");
  CHECK(s[1].name == "build");
  CHECK(s[1].kind == SymbolKind::Module);
  REQUIRE(s[1].children.size() == 2);
  CHECK(s[1].children[0].children.size() == 2);
  CHECK(s[1].range.end.line == 3);
  CHECK(s[2].name == "stage-1");
  CHECK(s[2].children.size() == 1);
}

TEST_CASE("folding: stages, multi-line instructions, heredocs, comment blocks") {
  Document d =
      open("# a\n# b\nFROM alpine\nRUN a \\\n  b \\\n  c\nRUN <<EOF\nx\ny\nEOF\nFROM scratch\nUSER x\n");
  auto f = foldingRanges(d);
  auto has = [&](int s, int e, const std::string &kind) {
    return std::any_of(f.begin(), f.end(), [&](const FoldingRange &r) {
      return r.startLine == s && r.endLine == e && r.kind == kind;
    });
  };
  CHECK(has(0, 1, "comment"));
  CHECK(has(2, 9, "region"));
  CHECK(has(3, 5, ""));
  CHECK(has(6, 9, ""));
  CHECK(has(10, 11, "region"));
}
