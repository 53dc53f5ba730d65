// dfc's UnusedStage: BuildKit builds only the stages the target needs; a stage nothing reaches
// is dead code (often a leftover, or a target meant to be built with --target).
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  const Program &p = ctx.program();
  if (!p.targetStage)
    return;
  std::string target; // the target's name, built for the first report
  for (const Stage &s : p.stages) {
    if (ctx.isReachable(s.index))
      continue;
    if (target.empty())
      target = p.stages[*p.targetStage].displayName();
    Range at = s.name.empty() ? (s.syntax ? s.syntax->keywordRange : s.range) : s.nameRange;
    ctx.report(at, "Stage '" + s.displayName() + "' is not used by the target stage '" + target +
                       "' and is never built (unless selected with --target)");
  }
}

const Rule &UnusedStage() {
  static const Rule r{{"UnusedStage", {}, Severity::Info, RuleSource::Dfc,
                       "Stages the target does not depend on are never built"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
