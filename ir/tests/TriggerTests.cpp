// buildProgramWithTriggers: ONBUILD triggers handed down by an image (through the callback) or an
// earlier stage come first in the stage, dispatched with its scope; refusals and dispatch errors
// are reported at the FROM with the trigger named; plain buildProgram never runs triggers.
#include "ir/Build.h"

#include <catch2/catch.hpp>

using namespace dfc;

namespace {

std::vector<std::string> none(const std::string &) { return {}; }

std::string errors(const Program &p) {
  std::string out;
  for (const Diagnostic &d : p.diagnostics)
    if (d.severity == Severity::Error)
      out += std::to_string(d.range.begin.line + 1) + ":" + std::to_string(d.range.begin.column + 1) + " " +
             d.message + "\n";
  return out;
}

} // namespace

TEST_CASE("an image's triggers run first in its stage, with the stage's args", "[ir][onbuild]") {
  SyntaxTree t = parseDockerfile("FROM parent:1\nARG WHO=me\nRUN echo $WHO\n");
  std::vector<std::string> asked;
  TriggeredProgram tp = buildProgramWithTriggers(t, {}, [&](const std::string &image) {
    asked.push_back(image);
    return std::vector<std::string>{"ENV FROM_TRIGGER=yes", "COPY a.txt /a-$FROM_TRIGGER"};
  });
  CHECK(errors(tp.program) == "");
  CHECK(asked == std::vector<std::string>{"parent:1"});
  REQUIRE(tp.triggers.size() == 1);
  REQUIRE(tp.triggers[0].size() == 2);
  CHECK(tp.triggers[0][1].number == 2);
  CHECK(tp.triggers[0][1].origin == "image parent:1");
  const Stage &st = tp.program.stages[0];
  REQUIRE(st.instructions.size() == 4);
  CHECK(st.instructions[0].kind() == InstructionKind::Env);
  const auto *copy = st.instructions[1].as<CopyInstruction>();
  REQUIRE(copy);
  CHECK(copy->dest.expanded() == "/a-yes"); // expanded with the env the first trigger set
  CHECK(copy->syntax == &tp.triggers[0][1].tree->instructions.front());
  CHECK(st.instructions[2].kind() == InstructionKind::Arg);

  Program plain = buildProgram(t);
  CHECK(plain.stages[0].instructions.size() == 2);
}

TEST_CASE("a stage FROM a stage runs its ONBUILD instructions; they go no further", "[ir][onbuild]") {
  SyntaxTree t = parseDockerfile("FROM scratch AS base\nONBUILD WORKDIR /w\nFROM base AS mid\nFROM mid\n");
  TriggeredProgram tp = buildProgramWithTriggers(t, {}, none);
  CHECK(errors(tp.program) == "");
  REQUIRE(tp.program.stages.size() == 3);
  CHECK(tp.triggers[1].size() == 1);
  CHECK(tp.triggers[1][0].origin == "stage base");
  REQUIRE(tp.program.stages[1].instructions.size() == 1);
  CHECK(tp.program.stages[1].instructions[0].kind() == InstructionKind::Workdir);
  CHECK(tp.triggers[2].empty()); // mid declared no ONBUILD of its own
}

TEST_CASE("refused and broken triggers are errors at the FROM", "[ir][onbuild]") {
  SyntaxTree t = parseDockerfile("ARG X=1\n  FROM img\n");
  auto with = [&](std::vector<std::string> triggers) {
    return errors(buildProgramWithTriggers(t, {}, [&](const std::string &) { return triggers; }).program);
  };
  CHECK(with({"FROM busybox"}) == "2:3 ONBUILD trigger 1 of image img (FROM busybox): FROM isn't allowed as an ONBUILD trigger\n");
  CHECK(with({"RUN true", "MAINTAINER me"}) ==
        "2:3 ONBUILD trigger 2 of image img (MAINTAINER me): MAINTAINER isn't allowed as an ONBUILD trigger\n");
  CHECK(with({"ONBUILD RUN x"}) ==
        "2:3 ONBUILD trigger 1 of image img (ONBUILD RUN x): Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed\n");
  CHECK(with({"RUN a\nRUN b"}) ==
        "2:3 ONBUILD trigger 1 of image img (RUN a): onbuild trigger should be a single expression\n");
  std::string e = with({"WORKDIR ${X"});
  CHECK(llvm::StringRef(e).startswith("2:3 ONBUILD trigger 1 of image img (WORKDIR ${X) at 1:9: "));
}
