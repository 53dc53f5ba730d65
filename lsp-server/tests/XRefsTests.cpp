// Definition, references, highlight and rename for stages and ARG/ENV variables.
#include "lsp-server/tests/TestSupport.h"

using namespace dfc::lsp;
using namespace dfc::lsp::test;

TEST_CASE("definition of a stage reference is the AS name") {
  Annotated a = annotate("FROM alpine AS ^builder\nRUN x\nFROM scratch\nCOPY --from=buil^der /a /b\n"
                         "FROM bu^ilder\nRUN --mount=type=bind,from=^builder,target=/t x\n");
  Document d = open(a.text);
  for (size_t i = 1; i < a.points.size(); ++i) {
    INFO("cursor " << i);
    auto defs = definition(d, a.points[i]);
    REQUIRE(defs.size() == 1);
    CHECK(*d.offsetOf(defs[0].range.start) == a.points[0]);
    CHECK(textOf(d, defs[0].range) == "builder");
  }
}

TEST_CASE("definition of a variable is the declaration in effect") {
  Annotated a =
      annotate("ARG ^VERSION=1\nFROM alpine:$VERS^ION\nENV ^A=1\nRUN echo $^A\nENV ^A=2\nRUN echo ${A^}\n");
  Document d = open(a.text);
  auto g = definition(d, a.points[1]);
  REQUIRE(g.size() == 1);
  CHECK(*d.offsetOf(g[0].range.start) == a.points[0]);
  auto first = definition(d, a.points[3]);
  REQUIRE(first.size() == 1);
  CHECK(*d.offsetOf(first[0].range.start) == a.points[2]);
  auto second = definition(d, a.points[5]);
  REQUIRE(second.size() == 1);
  CHECK(*d.offsetOf(second[0].range.start) == a.points[4]);
}

TEST_CASE("global ARG redeclared in a stage shares references with FROM") {
  Annotated a = annotate("ARG ^V=1\nFROM alpine:$V\nARG V\nRUN echo $V\nFROM alpine\nENV V=2\nRUN echo $V\n");
  Document d = open(a.text);
  auto refs = references(d, a.points[0], true);
  // The global decl, its use in FROM, the stage's `ARG V` and its use; not the second stage's ENV.
  CHECK(refs.size() == 4);
  auto noDecl = references(d, a.points[0], false);
  CHECK(noDecl.size() == 2);
  auto hl = documentHighlights(d, a.points[0]);
  CHECK(hl.size() == 4);
}

TEST_CASE("rename a stage and a variable") {
  Annotated a =
      annotate("FROM alpine AS ^build\nENV ^P=/x\nRUN echo $P\nFROM scratch\nCOPY --from=build $P /b\n");
  Document d = open(a.text);
  WorkspaceEdit e;
  std::string err;
  REQUIRE(rename(d, a.points[0], "compile", e, err));
  CHECK(applyEdits(d, e.changes[d.uri()]) ==
        "FROM alpine AS compile\nENV P=/x\nRUN echo $P\nFROM scratch\nCOPY --from=compile $P /b\n");
  WorkspaceEdit v;
  REQUIRE(rename(d, a.points[1], "PREFIX", v, err));
  // The second stage's $P is a different (undeclared) variable.
  CHECK(applyEdits(d, v.changes[d.uri()]) ==
        "FROM alpine AS build\nENV PREFIX=/x\nRUN echo $PREFIX\nFROM scratch\nCOPY --from=build $P /b\n");
  WorkspaceEdit bad;
  CHECK_FALSE(rename(d, a.points[1], "1x", bad, err));
  CHECK_FALSE(err.empty());
  CHECK(renameRange(d, a.points[0]));
}
