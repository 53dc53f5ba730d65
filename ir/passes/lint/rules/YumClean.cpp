// hadolint DL3032: Run yum clean all in the RUN that installs, so the cache stays out of the layer.
#include "ir/passes/lint/rules/RpmFamily.h"

namespace dfc::lint::rules {

static void check(Context &ctx) { checkCleaned(ctx, yum(), "`yum clean all` missing after yum command."); }

const Rule &YumClean() {
  static const Rule r{{"YumClean",
                       {"DL3032"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Run yum clean all in the RUN that installs, so the cache stays out of the layer"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
