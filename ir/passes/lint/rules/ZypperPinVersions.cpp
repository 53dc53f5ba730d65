// hadolint DL3037: Pin versions in zypper install.
#include "ir/passes/lint/rules/RpmFamily.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  checkPinned(ctx, zypper(), "Specify version with `zypper install -y <package>=<version>`.");
}

const Rule &ZypperPinVersions() {
  static const Rule r{{"ZypperPinVersions",
                       {"DL3037"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Pin versions in zypper install"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
