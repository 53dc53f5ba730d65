// BuildKit's ReservedStageName: `scratch` and `context` already mean something in FROM and
// --from, so a stage with that name is unreachable by name.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  for (const Stage &s : ctx.program().stages)
    if (s.name == "scratch" || s.name == "context")
      ctx.report(s.nameRange, "'" + s.name + "' is reserved and should not be used as a stage name");
}

const Rule &ReservedStageName() {
  static const Rule r{{"ReservedStageName", {}, Severity::Error, RuleSource::BuildKit,
                       "Reserved words should not be used as stage names"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
