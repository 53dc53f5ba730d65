// hadolint DL3030: Use yum install -y so the build never waits for an answer.
#include "ir/passes/lint/rules/RpmFamily.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  checkNonInteractive(ctx, yum(), "Use the -y switch to avoid manual input `yum install -y <package>`");
}

const Rule &YumYes() {
  static const Rule r{{"YumYes",
                       {"DL3030"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Use yum install -y so the build never waits for an answer"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
