// BuildKit's ConsistentInstructionCasing: every keyword in the case most keywords use (mixed
// case like `Run` never counts toward the majority and is always reported).
#include "ir/passes/lint/Context.h"

#include <llvm/ADT/STLExtras.h>

namespace dfc::lint::rules {

// Whether `kw` has no letter in the other case (what lower()/upper() would leave unchanged),
// asked without building either string.
static bool noneIn(llvm::StringRef kw, char from, char to) {
  return llvm::none_of(kw, [&](char c) { return c >= from && c <= to; });
}

static void check(Context &ctx) {
  unsigned lower = 0, upper = 0, mixed = 0;
  for (const Instruction &ins : ctx.tree().instructions) {
    llvm::StringRef kw(ins.keyword);
    if (noneIn(kw, 'A', 'Z'))
      ++lower;
    else if (noneIn(kw, 'a', 'z'))
      ++upper;
    else
      ++mixed;
  }
  bool majorityLower = lower > upper;
  // What the walk below reports: the minority case and every mixed keyword. Most files have none.
  if (mixed == 0 && (majorityLower ? upper : lower) == 0)
    return;
  for (const Instruction &ins : ctx.tree().instructions) {
    llvm::StringRef kw(ins.keyword);
    if (majorityLower ? noneIn(kw, 'A', 'Z') : noneIn(kw, 'a', 'z'))
      continue;
    std::string want = majorityLower ? kw.lower() : kw.upper();
    ctx.report(ins.keywordRange,
               "Command '" + ins.keyword.str() + "' should match the case of the command majority (" +
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
