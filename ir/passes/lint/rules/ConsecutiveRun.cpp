// hadolint DL3059: each RUN is a layer; consecutive RUNs with the same options can usually be
// one. RUNs with different flags (mounts, network, security) cannot, so they stay silent.
#include "ir/passes/lint/Context.h"

#include <algorithm>

namespace dfc::lint::rules {

// The RUN's flags as written, sorted (slices of the syntax tree: no copies).
static llvm::SmallVector<llvm::StringRef, 4> flagTexts(const RunInstruction &r) {
  llvm::SmallVector<llvm::StringRef, 4> out;
  if (r.syntax)
    for (const Flag &f : r.syntax->flags)
      out.push_back(f.text);
  std::sort(out.begin(), out.end());
  return out;
}

static void check(Context &ctx) {
  for (const Stage &st : ctx.program().stages)
    for (size_t i = 1; i < st.instructions.size(); ++i) {
      const RunInstruction *prev = st.instructions[i - 1].as<RunInstruction>();
      const RunInstruction *cur = st.instructions[i].as<RunInstruction>();
      if (prev && cur && flagTexts(*prev) == flagTexts(*cur))
        ctx.report(cur->range, "Multiple consecutive `RUN` instructions. Consider consolidation.");
    }
}

const Rule &ConsecutiveRun() {
  static const Rule r{{"ConsecutiveRun",
                       {"DL3059"},
                       Severity::Info,
                       RuleSource::Hadolint,
                       "Consolidate consecutive RUN instructions"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
