// hadolint DL3052: Labels of schema type url must hold an absolute URL.
#include "ir/passes/lint/rules/LabelSchema.h"

namespace dfc::lint::rules {

static void check(Context &ctx) { checkLabelFormat(ctx, "url", isUrl, "is not a valid URL."); }

const Rule &LabelUrlInvalid() {
  static const Rule r{{"LabelUrlInvalid",
                       {"DL3052"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Labels of schema type url must hold an absolute URL"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
