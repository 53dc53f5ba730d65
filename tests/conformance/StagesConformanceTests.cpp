// BuildKit's stage-resolution cases (tables/stages.json, from dockerfile2llb/convert_test.go):
// --from by name or index, target lookup, blank base names, circular dependencies.
#include "Corpus.h"

#include "ir/Build.h"

#include <nlohmann/json.hpp>

#include <deque>

using nlohmann::json;

TEST_CASE("stages.json: stage resolution", "[conformance][stages]") {
  if (!dfc::corpus::available())
    return;
  json doc = json::parse(dfc::corpus::readFile(dfc::corpus::root() / "tables/stages.json"));
  json cases = doc["cases"];
  REQUIRE(cases.size() == 10);
  for (size_t n = 0; n < cases.size(); ++n) {
    const json &c = cases[n];
    std::string df = c["dockerfile"];
    std::string target = c.value("target", "");
    DYNAMIC_SECTION("case " << n << " target '" << target << "': " << df) {
      dfc::BuildOptions opts;
      opts.target = target;
      // The Program's operands are views into its tree: kept until exit.
      static std::deque<dfc::SyntaxTree> trees;
      trees.push_back(dfc::parseDockerfile(df));
      dfc::Program p = dfc::buildProgram(trees.back(), opts);
      std::string all;
      for (const dfc::Diagnostic &d : p.diagnostics)
        all += d.message + "\n";
      INFO("diagnostics:\n" << all);
      CHECK(p.hasErrors() == !c["ok"].get<bool>());
      if (c.contains("error")) {
        bool found = false;
        for (const dfc::Diagnostic &d : p.diagnostics)
          found |= d.message == c["error"].get<std::string>();
        CHECK(found);
      }
      if (c.contains("error_contains"))
        CHECK_THAT(all, Catch::Contains(c["error_contains"].get<std::string>()));
      if (c["ok"].get<bool>() && p.stages.size() == 2) {
        // `COPY --from=foo` and `--from=0` both resolve to stage 0; the target is stage 1
        // unless --target picks `foo` (case-insensitively).
        for (const dfc::AnyInstruction &i : p.stages[1].instructions)
          if (const auto *copy = i.as<dfc::CopyInstruction>()) {
            REQUIRE(copy->fromStage);
            CHECK(*copy->fromStage == 0);
          }
        REQUIRE(p.targetStage);
        CHECK(*p.targetStage == (target.empty() ? 1u : 0u));
        CHECK(p.reachableStages() == (target.empty() ? std::vector<size_t>{0, 1} : std::vector<size_t>{0}));
      }
    }
  }
}
