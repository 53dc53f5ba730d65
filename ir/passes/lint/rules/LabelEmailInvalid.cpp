// hadolint DL3058: Labels of schema type email must hold an email address.
#include "ir/passes/lint/rules/LabelSchema.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  checkLabelFormat(ctx, "email", isEmail, "is not a valid email format - must conform to RFC5322.");
}

const Rule &LabelEmailInvalid() {
  static const Rule r{{"LabelEmailInvalid",
                       {"DL3058"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Labels of schema type email must hold an email address"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
