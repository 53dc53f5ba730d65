// hadolint DL3051: a label the schema asks for should say something.
#include "ir/passes/lint/rules/LabelSchema.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEachLabel(ctx, [&](const Stage &, const KeyValue &kv) {
    if (schemaType(ctx, kv.key.expanded()) && !isBuildTimeValue(kv) &&
        llvm::StringRef(kv.value.expanded()).trim().empty())
      ctx.report(kv.key.range, "Label `" + kv.key.expanded().str() + "` is empty.");
  });
}

const Rule &LabelEmpty() {
  static const Rule r{{"LabelEmpty",
                       {"DL3051"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Labels in the label schema should not be empty"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
