// Helpers for rule tests: lint a tiny Dockerfile and list "line:col RuleId" of what fired.
#pragma once

#include "ir/Build.h"
#include "ir/passes/lint/Lint.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace dfc::lint::test {

// Findings of `rule` only (all rules when empty), as "line:col" (1-based).
inline std::vector<std::string> fired(const std::string &dockerfile, const std::string &rule = "",
                                      const Config &config = {}) {
  SyntaxTree tree = parseDockerfile(dockerfile);
  Program program = buildProgram(tree);
  Result r = lint(tree, program, config);
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
  for (Finding &f : lint(tree, program, config).findings)
    if (rule == f.rule->id)
      out.push_back(std::move(f));
  return out;
}

using Lines = std::vector<std::string>;

} // namespace dfc::lint::test
