// The rule registry: an explicit list (rules/Rules.def) rather than static registration, which a
// static library would silently drop at link time.
#include "ir/passes/lint/Context.h"

#include <llvm/ADT/DenseMap.h>

namespace dfc::lint::rules {
#define DFC_RULE(Name, Tag, Reads) const Rule &Name();
#include "ir/passes/lint/rules/Rules.def"
#undef DFC_RULE
} // namespace dfc::lint::rules

namespace dfc::lint {

const std::vector<const Rule *> &allRules() {
  static const std::vector<const Rule *> all = {
#define DFC_RULE(Name, Tag, Reads) &rules::Name(),
#include "ir/passes/lint/rules/Rules.def"
#undef DFC_RULE
  };
  return all;
}

llvm::ArrayRef<uint32_t> ruleReads() {
#define K(Kind) kindBit(InstructionKind::Kind)
#define KAny (~uint32_t(0))
#define KNone uint32_t(0)
  static const uint32_t reads[] = {
#define DFC_RULE(Name, Tag, Reads) Reads,
#include "ir/passes/lint/rules/Rules.def"
#undef DFC_RULE
  };
#undef K
#undef KAny
#undef KNone
  return reads;
}

RuleTag ruleTag(const RuleInfo &r) {
  static const llvm::DenseMap<const RuleInfo *, RuleTag> tags = [] {
    llvm::DenseMap<const RuleInfo *, RuleTag> m;
#define DFC_RULE(Name, Tag, Reads) m[&rules::Name().info] = RuleTag::Tag;
#include "ir/passes/lint/rules/Rules.def"
#undef DFC_RULE
    return m;
  }();
  auto it = tags.find(&r);
  return it == tags.end() ? RuleTag::None : it->second;
}

} // namespace dfc::lint
