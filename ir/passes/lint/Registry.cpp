// The rule registry: an explicit list (rules/Rules.def) rather than static registration, which a
// static library would silently drop at link time.
#include "ir/passes/lint/Lint.h"

namespace dfc::lint::rules {
#define DFC_RULE(Name) const Rule &Name();
#include "ir/passes/lint/rules/Rules.def"
#undef DFC_RULE
} // namespace dfc::lint::rules

namespace dfc::lint {

const std::vector<const Rule *> &allRules() {
  static const std::vector<const Rule *> all = {
#define DFC_RULE(Name) &rules::Name(),
#include "ir/passes/lint/rules/Rules.def"
#undef DFC_RULE
  };
  return all;
}

} // namespace dfc::lint
