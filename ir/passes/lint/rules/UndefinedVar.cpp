// BuildKit's UndefinedVar: a `$VAR` that is neither an ARG nor an ENV of the stage (nor a
// proxy or platform arg) expands to "", which is almost always a typo.
#include "ir/passes/lint/Context.h"
#include "ir/passes/lint/rules/Suggest.h"
#include "ir/passes/lint/rules/VarRef.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  for (const Stage &s : ctx.program().stages) {
    for (size_t i = 0; i < s.instructions.size(); ++i) {
      const InstructionBase &b = s.instructions[i].base();
      if (b.undefinedVars.empty())
        continue;
      std::vector<std::string> declared = s.declaredArgs;
      for (const auto &[name, value] : s.envBefore(i).entries())
        declared.push_back(name);
      for (const std::string &var : b.undefinedVars) {
        std::string msg = "Usage of undefined variable '$" + var + "'";
        std::string guess = closest(var, declared);
        if (!guess.empty())
          msg += " (did you mean $" + guess + "?)";
        std::optional<Range> at;
        if (b.syntax)
          at = findVarRef(*b.syntax, ctx.source(), var);
        ctx.report(at.value_or(b.range), std::move(msg));
      }
    }
  }
}

const Rule &UndefinedVar() {
  static const Rule r{{"UndefinedVar", {}, Severity::Warning, RuleSource::BuildKit,
                       "Variables should be defined before their use"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
