// Position conversion (UTF-16 <-> bytes) and incremental edits of a Document.
#include "lsp-server/tests/TestSupport.h"

using namespace dfc::lsp;
using namespace dfc::lsp::test;

TEST_CASE("UTF-16 columns round-trip on non-ASCII lines") {
  // "é" is 2 bytes / 1 unit; "😀" is 4 bytes / 2 units.
  Document d = open("FROM scratch\nLABEL a=\"é😀x\"\n");
  uint32_t x = static_cast<uint32_t>(d.text().find('x'));
  Position p = d.toLsp(x);
  CHECK(p.line == 1);
  CHECK(p.character == 12); // LABEL a=" (9) + é (1) + 😀 (2)
  CHECK(*d.offsetOf(p) == x);
  // Past the end of a line clamps to the line end.
  CHECK(*d.offsetOf({0, 99}) == 12);
  // A line past the end is an error; the line just after the last newline is the end.
  CHECK_FALSE(d.offsetOf({5, 0}));
}

TEST_CASE("incremental changes apply in order") {
  Document d("file:///x/Dockerfile", 1, "FROM alpine\nRUN echo hi\n");
  d.analyze({});
  REQUIRE(d.applyChange(Range{{1, 9}, {1, 11}}, "bye", 2));
  REQUIRE(d.applyChange(Range{{0, 5}, {0, 11}}, "debian", 3));
  CHECK(d.text() == "FROM debian\nRUN echo bye\n");
  CHECK_FALSE(d.applyChange(Range{{9, 0}, {9, 1}}, "x", 4));
  REQUIRE(d.applyChange(std::nullopt, "FROM scratch\n", 5));
  d.analyze({});
  CHECK(d.tree().instructions.size() == 1);
  CHECK(d.version() == 5);
}

TEST_CASE("instructionAt finds the instruction and its stage") {
  Annotated a = annotate("ARG ^V=1\nFROM alpine AS a\nRUN ^echo \\\n  ^x\n^\nFROM a\n");
  Document d = open(a.text);
  auto g = d.instructionAt(a.points[0]);
  REQUIRE(g);
  CHECK(g->stage == -1);
  auto r = d.instructionAt(a.points[1]);
  REQUIRE(r);
  CHECK(r->stage == 0);
  CHECK(r->instruction == 0);
  auto c = d.instructionAt(a.points[2]);
  REQUIRE(c);
  CHECK(c->syntaxIndex == r->syntaxIndex);
  CHECK_FALSE(d.instructionAt(a.points[3]));
}
