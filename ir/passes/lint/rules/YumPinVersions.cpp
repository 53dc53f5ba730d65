// hadolint DL3033: Pin versions in yum install.
#include "ir/passes/lint/rules/RpmFamily.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  checkPinned(ctx, yum(), "Specify version with `yum install -y <package>-<version>`.");
}

const Rule &YumPinVersions() {
  static const Rule r{
      {"YumPinVersions", {"DL3033"}, Severity::Warning, RuleSource::Hadolint, "Pin versions in yum install"},
      check};
  return r;
}

} // namespace dfc::lint::rules
