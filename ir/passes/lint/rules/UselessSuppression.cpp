// dfc's UselessSuppression: an ignore comment that suppresses nothing hides the next real
// finding of that rule and tells readers something false. The work happens in lint() (only it
// sees which suppressions matched); this entry gives the rule its id and metadata.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &) {}

const Rule &UselessSuppression() {
  static const Rule r{{"UselessSuppression", {}, Severity::Info, RuleSource::Dfc,
                       "Ignore comments should suppress something"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
