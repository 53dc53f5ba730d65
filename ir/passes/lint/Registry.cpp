// The rule registry: an explicit list (rules/Rules.def) rather than static registration, which a
// static library would silently drop at link time.
#include "ir/passes/lint/Lint.h"

#include <llvm/ADT/DenseMap.h>

namespace dfc::lint::rules {
#define DFC_RULE(Name, Tag) const Rule &Name();
#include "ir/passes/lint/rules/Rules.def"
#undef DFC_RULE
} // namespace dfc::lint::rules

namespace dfc::lint {

const std::vector<const Rule *> &allRules() {
  static const std::vector<const Rule *> all = {
#define DFC_RULE(Name, Tag) &rules::Name(),
#include "ir/passes/lint/rules/Rules.def"
#undef DFC_RULE
  };
  return all;
}

RuleTag ruleTag(const RuleInfo &r) {
  static const llvm::DenseMap<const RuleInfo *, RuleTag> tags = [] {
    llvm::DenseMap<const RuleInfo *, RuleTag> m;
#define DFC_RULE(Name, Tag) m[&rules::Name().info] = RuleTag::Tag;
#include "ir/passes/lint/rules/Rules.def"
#undef DFC_RULE
    return m;
  }();
  auto it = tags.find(&r);
  return it == tags.end() ? RuleTag::None : it->second;
}

} // namespace dfc::lint
