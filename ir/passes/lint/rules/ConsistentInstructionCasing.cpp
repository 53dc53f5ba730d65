// BuildKit's ConsistentInstructionCasing: every keyword in the case most keywords use (mixed
// case like `Run` never counts toward the majority and is always reported).
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  unsigned lower = 0, upper = 0;
  for (const Instruction &ins : ctx.tree().instructions) {
    llvm::StringRef kw(ins.keyword);
    if (kw.lower() == kw)
      ++lower;
    else if (kw.upper() == kw)
      ++upper;
  }
  bool majorityLower = lower > upper;
  for (const Instruction &ins : ctx.tree().instructions) {
    llvm::StringRef kw(ins.keyword);
    std::string want = majorityLower ? kw.lower() : kw.upper();
    if (want == kw)
      continue;
    ctx.report(ins.keywordRange,
               "Command '" + ins.keyword + "' should match the case of the command majority (" +
                   (majorityLower ? "lowercase" : "uppercase") + ")",
               Context::replace("Change to " + want, ins.keywordRange, want));
  }
}

const Rule &ConsistentInstructionCasing() {
  static const Rule r{{"ConsistentInstructionCasing", {}, Severity::Warning, RuleSource::BuildKit,
                       "All commands within the Dockerfile should use the same casing (either upper or lower)"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
