// Inlay hints (resolved values) and signature help (active parameter).
#include "lsp-server/tests/TestSupport.h"

using namespace dfc::lsp;
using namespace dfc::lsp::test;

TEST_CASE("inlay hints show resolved values after references") {
  Document d = open("ARG BASE=alpine\nFROM $BASE\nENV DIR=/opt\nWORKDIR ${DIR}/app\nRUN echo $UNSET\n");
  auto hints = inlayHints(d, Range{{0, 0}, {10, 0}});
  REQUIRE(hints.size() == 2);
  CHECK(hints[0].label == "= alpine");
  CHECK(hints[0].position == (Position{1, 10}));
  CHECK(hints[1].label == "= /opt");
  CHECK(hints[1].position == (Position{3, 14}));
  CHECK(inlayHints(d, Range{{2, 0}, {2, 5}}).empty());
}

TEST_CASE("signature help tracks the argument under the cursor") {
  Annotated a = annotate("FROM a\nCOPY --fr^om=x ^src ^dest\nUSER ^x\n");
  Document d = open(a.text);
  auto s0 = signatureHelp(d, a.points[0]);
  REQUIRE(s0);
  CHECK_THAT(s0->signatures[0].label, Catch::StartsWith("COPY [--from=<stage>]"));
  CHECK(s0->activeParameter == 0);
  auto s1 = signatureHelp(d, a.points[1]);
  auto s2 = signatureHelp(d, a.points[2]);
  REQUIRE(s1);
  REQUIRE(s2);
  CHECK(s2->activeParameter == s1->activeParameter + 1);
  CHECK(s0->signatures[0].parameters[s1->activeParameter].label == "<src>...");
  auto u = signatureHelp(d, a.points[3]);
  REQUIRE(u);
  CHECK(u->signatures[0].label == "USER <user>[:<group>]");
}
