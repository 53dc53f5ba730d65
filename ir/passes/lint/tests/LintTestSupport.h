// Helpers for rule tests: lint a tiny Dockerfile and list "line:col RuleId" of what fired.
#pragma once

#include "ir/Build.h"
#include "ir/passes/lint/EveryRule.h"
#include "ir/passes/lint/Lint.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace dfc::lint::test {

// Findings one a line, all they hold: rule, range, severity, message, fix.
inline std::string describe(const std::vector<Finding> &fs) {
  std::string out;
  auto pos = [](const Position &p) {
    return std::to_string(p.line + 1) + ":" + std::to_string(p.column + 1) + "@" + std::to_string(p.offset);
  };
  for (const Finding &f : fs) {
    out += pos(f.range.begin) + "-" + pos(f.range.end) + " " + f.rule->id + " " +
           std::to_string(static_cast<int>(f.severity)) + " " + std::string(f.message);
    if (f.fix) {
      out += " fix '" + f.fix->title + "'";
      for (const TextEdit &e : f.fix->edits)
        out += " [" + pos(e.range.begin) + "-" + pos(e.range.end) + " '" + e.newText + "']";
    }
    out += "\n";
  }
  return out;
}

// lint(), after requiring that it finds exactly what lintEveryRule() finds: lint() skips a rule
// when the file has none of the instruction kinds rules/Rules.def gives it, and a kind declared
// wrongly there would drop findings silently. Every rule test's input goes through here.
inline Result checkedLint(const SyntaxTree &tree, const Program &program, const Config &config) {
  Result r = lint(tree, program, config);
  Result every = lintEveryRule(tree, program, config);
  INFO("lint() skipping rules by instruction kind must find what running every rule finds");
  REQUIRE(describe(r.findings) == describe(every.findings));
  return r;
}

// Findings of `rule` only (all rules when empty), as "line:col" (1-based).
inline std::vector<std::string> fired(const std::string &dockerfile, const std::string &rule = "",
                                      const Config &config = {}) {
  SyntaxTree tree = parseDockerfile(dockerfile);
  Program program = buildProgram(tree);
  Result r = checkedLint(tree, program, config);
  std::vector<std::string> out;
  for (const Finding &f : r.findings)
    if (rule.empty() || rule == f.rule->id)
      out.push_back(std::to_string(f.range.begin.line + 1) + ":" + std::to_string(f.range.begin.column + 1));
  return out;
}

inline std::vector<Finding> findings(const std::string &dockerfile, const std::string &rule,
                                     const Config &config = {}) {
  SyntaxTree tree = parseDockerfile(dockerfile);
  Program program = buildProgram(tree);
  std::vector<Finding> out;
  for (Finding &f : checkedLint(tree, program, config).findings)
    if (rule == f.rule->id)
      out.push_back(std::move(f));
  return out;
}

using Lines = std::vector<std::string>;

} // namespace dfc::lint::test
