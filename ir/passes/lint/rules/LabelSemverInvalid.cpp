// hadolint DL3056: Labels of schema type semver must hold a semantic version.
#include "ir/passes/lint/rules/LabelSchema.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  checkLabelFormat(ctx, "semver", isSemver, "does not conform to semantic versioning.");
}

const Rule &LabelSemverInvalid() {
  static const Rule r{{"LabelSemverInvalid",
                       {"DL3056"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Labels of schema type semver must hold a semantic version"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
