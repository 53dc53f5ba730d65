// hadolint DL3036: Run zypper clean in the RUN that installs, so the cache stays out of the layer.
#include "ir/passes/lint/rules/RpmFamily.h"

namespace dfc::lint::rules {

static void check(Context &ctx) { checkCleaned(ctx, zypper(), "`zypper clean` missing after zypper use."); }

const Rule &ZypperClean() {
  static const Rule r{{"ZypperClean",
                       {"DL3036"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Run zypper clean in the RUN that installs, so the cache stays out of the layer"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
