// Semantic tokens: decoded back to (line, col, text, type) to check what is coloured.
#include "lsp-server/tests/TestSupport.h"

using namespace dfc::lsp;
using namespace dfc::lsp::test;

namespace {
struct Tok {
  int line, col;
  std::string text, type;
  uint32_t mods;
};
std::vector<Tok> decode(const Document &d, const std::vector<uint32_t> &data) {
  std::vector<Tok> out;
  int line = 0, col = 0;
  for (size_t i = 0; i + 4 < data.size(); i += 5) {
    line += static_cast<int>(data[i]);
    col = data[i] ? static_cast<int>(data[i + 1]) : col + static_cast<int>(data[i + 1]);
    Range r{{line, col}, {line, col + static_cast<int>(data[i + 2])}};
    out.push_back({line, col, textOf(d, r), semanticTokenTypes()[data[i + 3]], data[i + 4]});
  }
  return out;
}
bool has(const std::vector<Tok> &t, const std::string &text, const std::string &type) {
  return std::any_of(t.begin(), t.end(), [&](const Tok &x) { return x.text == text && x.type == type; });
}
} // namespace

TEST_CASE("tokens for keywords, flags, mount keys, variables, stages, comments") {
  Document d =
      open("# syntax=docker/dockerfile:1\n# note\nARG V=1\nFROM alpine AS build\n"
           "RUN --mount=type=cache,target=/c echo $V é${V}\nCOPY --from=build /a /b\nEXPOSE 80/tcp\n");
  auto t = decode(d, semanticTokens(d, std::nullopt));
  CHECK(has(t, "# syntax=docker/dockerfile:1", "macro"));
  CHECK(has(t, "# note", "comment"));
  CHECK(has(t, "FROM", "keyword"));
  CHECK(has(t, "AS", "keyword"));
  CHECK(has(t, "build", "namespace"));
  CHECK(has(t, "--mount", "parameter"));
  CHECK(has(t, "type", "property"));
  CHECK(has(t, "cache", "string"));
  CHECK(has(t, "$V", "variable"));
  CHECK(has(t, "${V}", "variable"));
  CHECK(has(t, "V", "variable"));
  CHECK(has(t, "80/tcp", "number"));
  // Tokens are sorted and do not overlap.
  for (size_t i = 1; i < t.size(); ++i)
    CHECK((t[i].line > t[i - 1].line || t[i].col >= t[i - 1].col + static_cast<int>(t[i - 1].text.size())));
}

TEST_CASE("range tokens cover only the requested lines") {
  Document d = open("FROM a\nRUN x\nRUN y\nRUN z\n");
  auto t = decode(d, semanticTokens(d, Range{{1, 0}, {2, 0}}));
  REQUIRE(t.size() == 2);
  CHECK(t[0].line == 1);
  CHECK(t[1].line == 2);
}
