// hadolint DL3057: an image without HEALTHCHECK reports "running" however broken it is.
// Info rather than hadolint's "ignore": many images are run by orchestrators with their own probes.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  const Program &p = ctx.program();
  if (!p.targetStage)
    return;
  // HEALTHCHECK is image config: a FROM <stage> chain inherits it.
  for (size_t s = *p.targetStage;;) {
    for (const AnyInstruction &ins : p.stages[s].instructions)
      if (ins.as<HealthcheckInstruction>())
        return;
    const StageRef *base = std::get_if<StageRef>(&p.stages[s].base);
    if (!base || base->index >= s)
      break;
    s = base->index;
  }
  ctx.report(p.stages[*p.targetStage].range, "`HEALTHCHECK` instruction missing.");
}

const Rule &HealthcheckMissing() {
  static const Rule r{{"HealthcheckMissing",
                       {"DL3057"},
                       Severity::Info,
                       RuleSource::Hadolint,
                       "The final stage has no HEALTHCHECK"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
