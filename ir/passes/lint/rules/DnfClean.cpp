// hadolint DL3040: Run dnf clean all in the RUN that installs, so the cache stays out of the layer.
#include "ir/passes/lint/rules/RpmFamily.h"

namespace dfc::lint::rules {

static void check(Context &ctx) { checkCleaned(ctx, dnf(), "`dnf clean all` missing after dnf command."); }

const Rule &DnfClean() {
  static const Rule r{{"DnfClean",
                       {"DL3040"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Run dnf clean all in the RUN that installs, so the cache stays out of the layer"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
