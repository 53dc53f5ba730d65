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

namespace {
// The byte offset definition() answers at `offset`, or -1 for none.
long defAt(const Document &d, uint32_t offset) {
  auto defs = definition(d, offset);
  return defs.empty() ? -1 : static_cast<long>(*d.offsetOf(defs[0].range.start));
}
} // namespace

TEST_CASE("ENV is inherited by FROM <stage>, ARG is not") {
  Annotated a = annotate("FROM alpine AS base\nENV ^E=1\nARG A=2\nFROM base AS child\nRUN echo $^E $^A\n"
                         "FROM child\nRUN echo ${^E}\n");
  Document d = open(a.text);
  CHECK(defAt(d, a.points[1]) == a.points[0]);
  CHECK(defAt(d, a.points[2]) == -1);          // the base's ARG ended with its stage
  CHECK(defAt(d, a.points[3]) == a.points[0]); // two hops
  CHECK(references(d, a.points[0], true).size() == 3);
  WorkspaceEdit e;
  std::string err;
  REQUIRE(rename(d, a.points[1], "ENVVAR", e, err));
  CHECK(applyEdits(d, e.changes[d.uri()]) ==
        "FROM alpine AS base\nENV ENVVAR=1\nARG A=2\nFROM base AS child\nRUN echo $ENVVAR $A\n"
        "FROM child\nRUN echo ${ENVVAR}\n");
}

TEST_CASE("a global ARG needs a re-declaration in the stage; uses before it see nothing") {
  Annotated a = annotate("ARG ^G=1\nFROM alpine\nRUN echo $^G\nARG ^G\nRUN echo $^G\n"
                         "FROM alpine\nRUN echo $^G\n");
  Document d = open(a.text);
  CHECK(defAt(d, a.points[1]) == -1);
  CHECK(defAt(d, a.points[3]) == a.points[2]);
  CHECK(defAt(d, a.points[4]) == -1);
  // The build argument: the global declaration, the stage's re-declaration and the use after it.
  CHECK(references(d, a.points[0], true).size() == 3);
  CHECK(references(d, a.points[3], true).size() == 3);
  // The uses before the re-declaration and in the other stage are not it.
  WorkspaceEdit e;
  std::string err;
  REQUIRE(rename(d, a.points[0], "H", e, err));
  CHECK(applyEdits(d, e.changes[d.uri()]) ==
        "ARG H=1\nFROM alpine\nRUN echo $G\nARG H\nRUN echo $H\nFROM alpine\nRUN echo $G\n");
}

TEST_CASE("a stage shadowing an inherited ENV, and FROM lines seeing only global ARGs") {
  Annotated a = annotate("ARG ^V=1\nFROM alpine AS base\nARG V=2\nENV ^E=1\n"
                         "FROM base\nRUN echo $^E\nENV ^E=2\nRUN echo $^E\nFROM alpine:$^V\n");
  Document d = open(a.text);
  CHECK(defAt(d, a.points[2]) == a.points[1]);
  CHECK(defAt(d, a.points[4]) == a.points[3]);
  CHECK(defAt(d, a.points[5]) == a.points[0]); // not the stage's `ARG V=2`, though it is later
  // One variable E across both stages.
  CHECK(references(d, a.points[1], true).size() == 4);
}
