// hadolint DL3050: with strictLabels, only labels the schema lists may be set, so typos in
// label names do not slip through.
#include "ir/passes/lint/rules/LabelSchema.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  if (!ctx.config().strictLabels)
    return;
  forEachLabel(ctx, [&](const Stage &, const KeyValue &kv) {
    if (!schemaType(ctx, kv.key.expanded()))
      ctx.report(kv.key.range, "Superfluous label(s) present.");
  });
}

const Rule &LabelNotInSchema() {
  static const Rule r{{"LabelNotInSchema",
                       {"DL3050"},
                       Severity::Info,
                       RuleSource::Hadolint,
                       "With strict labels, only labels in the label schema may be set"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
