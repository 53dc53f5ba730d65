// For tests of lint() itself: lint() runs a rule only on files holding an instruction kind the rule
// declares in rules/Rules.def; a kind declared wrongly would drop findings silently. This entry
// runs every enabled rule on every file (no skipping by kind), so tests can require the same
// findings from both.
#pragma once

#include "ir/passes/lint/Lint.h"

namespace dfc::lint {

// lint() without skipping rules by the instruction kinds the file holds. Same findings, slower.
Result lintEveryRule(const SyntaxTree &tree, const Program &program, const Config &config = {});

} // namespace dfc::lint
