// hadolint DL3054: Labels of schema type spdx must hold an SPDX license expression.
#include "ir/passes/lint/rules/LabelSchema.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  checkLabelFormat(ctx, "spdx", isSpdxExpression, "is not a valid SPDX license identifier.");
}

const Rule &LabelSpdxInvalid() {
  static const Rule r{{"LabelSpdxInvalid",
                       {"DL3054"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Labels of schema type spdx must hold an SPDX license expression"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
