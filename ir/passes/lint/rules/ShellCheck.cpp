// The `ShellCheck` rule: findings come from the shellcheck tool run by the CLI on RUN bodies
// (ir/passes/lint/ShellCheck.h maps them), so the check itself does nothing.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &) {}

const Rule &ShellCheck() {
  static const Rule r{{"ShellCheck", {"SC"}, Severity::Warning, RuleSource::Hadolint,
                       "ShellCheck's findings in RUN shell bodies (when shellcheck is installed)"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
