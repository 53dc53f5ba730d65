// hadolint DL3055: Labels of schema type hash must hold a git commit hash.
#include "ir/passes/lint/rules/LabelSchema.h"

namespace dfc::lint::rules {

static void check(Context &ctx) { checkLabelFormat(ctx, "hash", isGitHash, "is not a valid git hash."); }

const Rule &LabelHashInvalid() {
  static const Rule r{{"LabelHashInvalid",
                       {"DL3055"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Labels of schema type hash must hold a git commit hash"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
