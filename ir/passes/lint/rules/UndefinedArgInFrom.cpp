// BuildKit's UndefinedArgInFrom: FROM sees only ARGs declared before the first FROM (plus the
// automatic platform args); anything else expands to "" without a word.
#include "ir/passes/lint/Context.h"
#include "ir/passes/lint/rules/Suggest.h"
#include "ir/passes/lint/rules/VarRef.h"

#include <algorithm>

namespace dfc::lint::rules {

static void check(Context &ctx) {
  const auto &stages = ctx.program().stages;
  if (std::none_of(stages.begin(), stages.end(), [](const Stage &s) { return !s.undefinedVars.empty(); }))
    return;
  std::vector<std::string> declared;
  for (const ArgInstruction &a : ctx.program().globalArgs)
    for (const ArgDecl &d : a.args)
      declared.push_back(d.key.expanded().str());
  for (const auto &[name, value] : ctx.program().globalScope().entries())
    declared.push_back(name);
  for (const Stage &s : ctx.program().stages) {
    if (!s.syntax)
      continue;
    for (const std::string &var : s.undefinedVars) {
      // `ARG X` without a default is declared: empty on purpose, the build is expected to pass it.
      if (std::find(declared.begin(), declared.end(), var) != declared.end())
        continue;
      std::string msg = "FROM argument '" + var + "' is not declared";
      std::string guess = closest(var, declared);
      if (!guess.empty())
        msg += " (did you mean " + guess + "?)";
      ctx.report(findVarRef(*s.syntax, ctx.source(), var).value_or(s.range), std::move(msg));
    }
  }
}

const Rule &UndefinedArgInFrom() {
  static const Rule r{{"UndefinedArgInFrom", {}, Severity::Warning, RuleSource::BuildKit,
                       "FROM command must use declared ARGs"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
