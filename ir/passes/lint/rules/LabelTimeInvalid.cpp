// hadolint DL3053: Labels of schema type rfc3339 must hold an RFC 3339 date-time.
#include "ir/passes/lint/rules/LabelSchema.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  checkLabelFormat(ctx, "rfc3339", isRfc3339, "is not a valid time format - must conform to RFC3339.");
}

const Rule &LabelTimeInvalid() {
  static const Rule r{{"LabelTimeInvalid",
                       {"DL3053"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Labels of schema type rfc3339 must hold an RFC 3339 date-time"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
