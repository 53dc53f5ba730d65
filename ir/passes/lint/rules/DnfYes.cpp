// hadolint DL3038: Use dnf install -y so the build never waits for an answer.
#include "ir/passes/lint/rules/RpmFamily.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  checkNonInteractive(ctx, dnf(), "Use the -y switch to avoid manual input `dnf install -y <package>`");
}

const Rule &DnfYes() {
  static const Rule r{{"DnfYes",
                       {"DL3038"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Use dnf install -y so the build never waits for an answer"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
