// BuildKit's instruction-level test tables (tables/instructions.json and the instruction parts
// of tables/heredoc.json) run through parseDockerfile + buildProgram, one section per case.
#include "Corpus.h"

#include "ir/Build.h"
#include "ir/Json.h"
#include "ir/Operands.h"

#include <nlohmann/json.hpp>

#include <deque>

using nlohmann::json;

namespace {

// A Program's operands are views into its syntax tree: the trees of the run are kept until exit.
const dfc::SyntaxTree &kept(std::string text) {
  static std::deque<dfc::SyntaxTree> trees;
  trees.push_back(dfc::parseDockerfile(std::move(text)));
  return trees.back();
}

json table(const char *name) {
  return json::parse(dfc::corpus::readFile(dfc::corpus::root() / "tables" / name));
}

// The table Dockerfiles are a lone instruction; BuildKit parses it without a stage, so put a
// FROM in front (not for FROM/ARG cases) and look at the diagnostics of that instruction.
std::string inStage(const std::string &dockerfile) { return "FROM scratch\n" + dockerfile; }

const dfc::Diagnostic *firstError(const dfc::Program &p, const std::string &code) {
  for (const dfc::Diagnostic &d : p.diagnostics)
    if (d.severity == dfc::Severity::Error && d.code == code)
      return &d;
  return nullptr;
}

const dfc::AnyInstruction *onlyInstruction(const dfc::Program &p) {
  if (p.stages.size() != 1 || p.stages[0].instructions.size() != 1)
    return nullptr;
  return &p.stages[0].instructions[0];
}

} // namespace

TEST_CASE("instructions.json: instruction_errors", "[conformance][instructions]") {
  if (!dfc::corpus::available())
    return;
  json cases = table("instructions.json")["instruction_errors"]["cases"];
  REQUIRE(cases.size() == 18);
  for (const json &c : cases) {
    std::string df = c["dockerfile"];
    DYNAMIC_SECTION("dockerfile: " << df) {
      dfc::SyntaxTree tree = dfc::parseDockerfile(inStage(df));
      INFO("parser diagnostics: " << tree.diagnostics.size());
      REQUIRE_FALSE(tree.hasErrors());
      dfc::Program p = dfc::buildProgram(tree);
      const dfc::Diagnostic *d = firstError(p, "syntax");
      REQUIRE(d != nullptr);
      std::string expected = c["expectedError"];
      if (c["match"] == "equal")
        CHECK(d->message == expected);
      else
        CHECK_THAT(d->message, Catch::Contains(expected));
      // The error sits on the instruction's own lines (line 2 onwards after our FROM).
      CHECK(d->range.begin.line >= 1);
    }
  }
}

TEST_CASE("instructions.json: healthcheck_cmd_shell", "[conformance][instructions]") {
  if (!dfc::corpus::available())
    return;
  json c = table("instructions.json")["healthcheck_cmd_shell"];
  std::string df = c["dockerfile"];
  INFO("dockerfile: " << df);
  dfc::Program p = dfc::buildProgram(kept(inStage(df)));
  REQUIRE_FALSE(p.hasErrors());
  const dfc::AnyInstruction *i = onlyInstruction(p);
  REQUIRE(i);
  const auto *h = i->as<dfc::HealthcheckInstruction>();
  REQUIRE(h);
  CHECK(h->test == c["test"].get<std::vector<std::string>>());
}

TEST_CASE("instructions.json: healthcheck_durations", "[conformance][instructions]") {
  if (!dfc::corpus::available())
    return;
  json c = table("instructions.json")["healthcheck_durations"];
  for (const std::string &d : c["ok"].get<std::vector<std::string>>()) {
    DYNAMIC_SECTION("ok duration: " << d) {
      for (const char *flag : {"interval", "timeout", "start-period", "start-interval"}) {
        std::string df = "HEALTHCHECK --" + std::string(flag) + "=" + d + " CMD true";
        INFO("dockerfile: " << df);
        dfc::Program p = dfc::buildProgram(kept(inStage(df)));
        CHECK_FALSE(p.hasErrors());
      }
    }
  }
  for (const std::string &d : c["error"].get<std::vector<std::string>>()) {
    DYNAMIC_SECTION("bad duration: " << d) {
      for (const char *flag : {"interval", "timeout", "start-period", "start-interval"}) {
        std::string df = "HEALTHCHECK --" + std::string(flag) + "=" + d + " CMD true";
        INFO("dockerfile: " << df);
        dfc::Program p = dfc::buildProgram(kept(inStage(df)));
        const dfc::Diagnostic *e = firstError(p, "syntax");
        REQUIRE(e);
        CHECK(e->message == "Interval \"" + std::string(flag) + "\" cannot be less than 1ms");
      }
    }
  }
}

TEST_CASE("instructions.json: run_flags_used", "[conformance][instructions]") {
  if (!dfc::corpus::available())
    return;
  json c = table("instructions.json")["run_flags_used"];
  std::string df = c["dockerfile"];
  INFO("dockerfile: " << df);
  dfc::Program p = dfc::buildProgram(kept(inStage(df)));
  REQUIRE_FALSE(p.hasErrors());
  const dfc::AnyInstruction *i = onlyInstruction(p);
  REQUIRE(i);
  CHECK(i->base().flagsUsed == c["flagsUsed"].get<std::vector<std::string>>());
  const auto *run = i->as<dfc::RunInstruction>();
  REQUIRE(run);
  REQUIRE(run->mounts.size() == 1);
  CHECK(run->mounts[0].type == dfc::MountType::Tmpfs);
  CHECK(run->mounts[0].target == "/foo/");
}

TEST_CASE("instructions.json: doc_comments", "[conformance][instructions]") {
  if (!dfc::corpus::available())
    return;
  json c = table("instructions.json")["doc_comments"];
  std::string df = c["dockerfile"];
  INFO("dockerfile: " << df);
  json expect = c["expect"];
  dfc::Program p = dfc::buildProgram(kept(df));
  REQUIRE_FALSE(p.hasErrors());
  REQUIRE(p.stages.size() == 1);
  CHECK(p.stages[0].docComment == expect["stage0.DocComment"].get<std::string>());
  REQUIRE(p.globalArgs.size() == 1);
  CHECK(p.globalArgs[0].args[0].key.raw == expect["metaArgs[0].Args[0]"]["Key"]);
  CHECK(p.globalArgs[0].args[0].docComment == expect["metaArgs[0].Args[0]"]["DocComment"]);
  REQUIRE(p.stages[0].instructions.size() == 2);
  const auto *a0 = p.stages[0].instructions[0].as<dfc::ArgInstruction>();
  REQUIRE(a0);
  CHECK(a0->args[0].key.raw == expect["stage0.Commands[0].Args[0]"]["Key"]);
  CHECK(a0->args[0].docComment == expect["stage0.Commands[0].Args[0]"]["DocComment"]);
  const auto *a1 = p.stages[0].instructions[1].as<dfc::ArgInstruction>();
  REQUIRE(a1);
  json want = expect["stage0.Commands[1].Args"];
  REQUIRE(a1->args.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("arg " << i);
    CHECK(a1->args[i].key.raw == want[i]["Key"]);
    CHECK(a1->args[i].docComment == want[i]["DocComment"]);
  }
}

TEST_CASE("instructions.json: run_device", "[conformance][instructions]") {
  if (!dfc::corpus::available())
    return;
  json cases = table("instructions.json")["run_device"]["cases"];
  REQUIRE(cases.size() == 8);
  for (const json &c : cases) {
    std::string input = c["input"];
    DYNAMIC_SECTION("device: " << input) {
      std::string err;
      auto d = dfc::parseDevice(input, &err);
      if (c.contains("error")) {
        CHECK_FALSE(d);
        CHECK(err == c["error"].get<std::string>());
      } else {
        REQUIRE(d);
        CHECK(d->name == c["expected"]["Name"].get<std::string>());
        CHECK(d->required == c["expected"]["Required"].get<bool>());
        // The same through a whole RUN instruction.
        std::string df = "RUN --device=" + input + " true";
        dfc::Program p = dfc::buildProgram(kept(inStage(df)));
        INFO("dockerfile: " << df);
        REQUIRE_FALSE(p.hasErrors());
        const auto *run = onlyInstruction(p)->as<dfc::RunInstruction>();
        REQUIRE(run);
        REQUIRE(run->devices.size() == 1);
        CHECK(run->devices[0].name == d->name);
      }
    }
  }
}

TEST_CASE("instructions.json: builder_flags", "[conformance][instructions]") {
  if (!dfc::corpus::available())
    return;
  json cases = table("instructions.json")["builder_flags"]["cases"];
  REQUIRE(cases.size() == 12);
  for (size_t n = 0; n < cases.size(); ++n) {
    const json &c = cases[n];
    DYNAMIC_SECTION("case " << n << ": args " << c["args"].dump() << " defs " << c["defs"].dump()) {
      dfc::BuilderFlags flags;
      for (const json &def : c["defs"]) {
        if (def[1] == "bool")
          flags.addBool(def[0].get<std::string>(), def[2].get<bool>());
        else
          flags.addString(def[0].get<std::string>(), def[2].get<std::string>());
      }
      auto err = flags.parse(c["args"].get<std::vector<std::string>>());
      CHECK(!err == c["ok"].get<bool>());
      if (c.contains("why")) {
        REQUIRE(err);
        CHECK(*err == c["why"].get<std::string>());
      }
      if (c.contains("values")) {
        for (const auto &[name, value] : c["values"].items()) {
          const auto *v = flags.get(name);
          REQUIRE(v);
          std::string expected =
              value.is_boolean() ? (value.get<bool>() ? "true" : "false") : value.get<std::string>();
          CHECK(v->value == expected);
        }
      }
      if (c.contains("used_sorted"))
        CHECK(flags.used() == c["used_sorted"].get<std::vector<std::string>>());
    }
  }
}

TEST_CASE("heredoc.json: instruction_errors", "[conformance][heredoc]") {
  if (!dfc::corpus::available())
    return;
  json cases = table("heredoc.json")["instruction_errors"]["cases"];
  REQUIRE(cases.size() == 1);
  for (const json &c : cases) {
    std::string df = c["dockerfile"];
    DYNAMIC_SECTION("dockerfile: " << df) {
      dfc::SyntaxTree tree = dfc::parseDockerfile(inStage(df));
      REQUIRE_FALSE(tree.hasErrors());
      dfc::Program p = dfc::buildProgram(tree);
      const dfc::Diagnostic *d = firstError(p, "syntax");
      REQUIRE(d);
      CHECK_THAT(d->message, Catch::Contains(c["expectedError"].get<std::string>()));
    }
  }
}

TEST_CASE("heredoc.json: copy_heredoc", "[conformance][heredoc]") {
  if (!dfc::corpus::available())
    return;
  json cases = table("heredoc.json")["copy_heredoc"]["cases"];
  REQUIRE(cases.size() == 8);
  for (const json &c : cases) {
    std::string df = c["dockerfile"];
    DYNAMIC_SECTION("dockerfile: " << df) {
      dfc::Program p = dfc::buildProgram(kept(inStage(df)));
      REQUIRE_FALSE(p.hasErrors());
      const dfc::AnyInstruction *i = onlyInstruction(p);
      REQUIRE(i);
      const auto *copy = i->as<dfc::CopyInstruction>();
      REQUIRE(copy);
      json want = c["sourcesAndDest"];
      CHECK(copy->dest.raw == want["DestPath"].get<std::string>());
      std::vector<std::string> paths;
      for (const dfc::Operand &s : copy->sources)
        paths.push_back(s.raw.str());
      CHECK(paths == want["SourcePaths"].get<std::vector<std::string>>());
      REQUIRE(copy->heredocSources.size() == want["SourceContents"].size());
      for (size_t k = 0; k < copy->heredocSources.size(); ++k) {
        const json &w = want["SourceContents"][k];
        const dfc::HeredocFile &h = copy->heredocSources[k];
        INFO("heredoc " << k);
        CHECK(h.name == w["Path"].get<std::string>());
        // BuildKit's Data is tab-chomped at instruction level; no variables in these cases, so
        // dispatch-time expansion leaves it unchanged.
        CHECK((h.chomp ? dfc::chompHeredocContent(h.content) : h.content) == w["Data"].get<std::string>());
        CHECK(h.data == w["Data"].get<std::string>());
        CHECK(h.expand == w["Expand"].get<bool>());
      }
    }
  }
}

TEST_CASE("heredoc.json: run_heredoc", "[conformance][heredoc]") {
  if (!dfc::corpus::available())
    return;
  json cases = table("heredoc.json")["run_heredoc"]["cases"];
  REQUIRE(cases.size() == 6);
  for (const json &c : cases) {
    std::string df = c["dockerfile"];
    DYNAMIC_SECTION("dockerfile: " << df) {
      dfc::Program p = dfc::buildProgram(kept(inStage(df)));
      REQUIRE_FALSE(p.hasErrors());
      const dfc::AnyInstruction *i = onlyInstruction(p);
      REQUIRE(i);
      const auto *run = i->as<dfc::RunInstruction>();
      REQUIRE(run);
      CHECK(run->cmd.shellForm == c["prependShell"].get<bool>());
      std::vector<std::string> cmdLine;
      for (const dfc::Operand &o : run->cmd.args)
        cmdLine.push_back(o.raw.str());
      CHECK(cmdLine == c["cmdLine"].get<std::vector<std::string>>());
      REQUIRE(run->heredocs.size() == c["files"].size());
      for (size_t k = 0; k < run->heredocs.size(); ++k) {
        const json &w = c["files"][k];
        INFO("file " << k);
        CHECK(run->heredocs[k].name == w["Name"].get<std::string>());
        CHECK(run->heredocs[k].content == w["Data"].get<std::string>());
        CHECK(run->heredocs[k].chomp == w["Chomp"].get<bool>());
      }
    }
  }
}

TEST_CASE("parser corpus Dockerfiles build to a Program", "[conformance][instructions]") {
  if (!dfc::corpus::available())
    return;
  namespace fs = std::filesystem;
  size_t count = 0;
  for (const char *dir : {"parser/testfiles", "parser/testfiles-negative"}) {
    for (const auto &entry : fs::directory_iterator(dfc::corpus::root() / dir)) {
      fs::path file = entry.path() / "Dockerfile";
      if (!fs::exists(file))
        continue;
      ++count;
      DYNAMIC_SECTION(file.string()) {
        dfc::SyntaxTree tree = dfc::parseDockerfile(dfc::corpus::readFile(file));
        dfc::Program p = dfc::buildProgram(tree);
        // Every parser error stays in the Program, ahead of the IR's own.
        REQUIRE(p.diagnostics.size() >= tree.diagnostics.size());
        for (size_t i = 0; i < tree.diagnostics.size(); ++i)
          CHECK(p.diagnostics[i].message == tree.diagnostics[i].message);
        // Every instruction of the file is somewhere in the Program (unknown keywords aside).
        size_t known = 0;
        for (const dfc::Instruction &n : tree.instructions)
          known += n.kind != dfc::InstructionKind::Unknown;
        size_t placed = p.globalArgs.size();
        for (const dfc::Stage &s : p.stages) {
          placed += 1 + s.instructions.size();
          CHECK(s.finalEnv().lookup("PATH") != nullptr); // every stage sets PATH or inherits it
        }
        CHECK(placed <= known);
        CHECK_FALSE(nlohmann::json::parse(dfc::programToJson(p, -1)).is_null());
      }
    }
  }
  CHECK(count == 37);
}
