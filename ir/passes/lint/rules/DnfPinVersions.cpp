// hadolint DL3041: Pin versions in dnf install.
#include "ir/passes/lint/rules/RpmFamily.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  checkPinned(ctx, dnf(), "Specify version with `dnf install -y <package>-<version>`.");
}

const Rule &DnfPinVersions() {
  static const Rule r{
      {"DnfPinVersions", {"DL3041"}, Severity::Warning, RuleSource::Hadolint, "Pin versions in dnf install"},
      check};
  return r;
}

} // namespace dfc::lint::rules
