// hadolint DL3049: every label of the configured label schema should be set on the final image
// (labels are image config, so a FROM <stage> chain's labels count).
#include "ir/passes/lint/rules/LabelSchema.h"

#include <set>

namespace dfc::lint::rules {

static void check(Context &ctx) {
  const Program &p = ctx.program();
  if (ctx.config().labelSchema.empty() || !p.targetStage)
    return;
  std::set<std::string> present;
  for (size_t s = *p.targetStage;;) {
    for (const AnyInstruction &ins : p.stages[s].instructions)
      if (const LabelInstruction *l = ins.as<LabelInstruction>())
        for (const KeyValue &kv : l->pairs)
          present.insert(kv.key.expanded().str());
    const StageRef *base = std::get_if<StageRef>(&p.stages[s].base);
    if (!base || base->index >= s)
      break;
    s = base->index;
  }
  for (const auto &[label, type] : ctx.config().labelSchema)
    if (!present.count(label))
      ctx.report(p.stages[*p.targetStage].range, "Label `" + label + "` is missing.");
}

const Rule &LabelMissing() {
  static const Rule r{{"LabelMissing",
                       {"DL3049"},
                       Severity::Info,
                       RuleSource::Hadolint,
                       "Every label of the label schema should be set on the final image"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
