// hadolint DL3034: Use zypper -n so the build never waits for an answer.
#include "ir/passes/lint/rules/RpmFamily.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  checkNonInteractive(ctx, zypper(),
                      "Non-interactive switch missing from `zypper` command: `zypper install -y`");
}

const Rule &ZypperNonInteractive() {
  static const Rule r{{"ZypperNonInteractive",
                       {"DL3034"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Use zypper -n so the build never waits for an answer"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
