// hadolint DL3002: the final image should not run as root (the last USER of the final stage).
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static bool isRoot(llvm::StringRef user) {
  llvm::StringRef name = user.split(':').first.trim();
  return name == "root" || name == "0";
}

static void check(Context &ctx) {
  for (const Stage &s : ctx.program().stages) {
    if (!ctx.isFinalStage(s.index))
      continue;
    const UserInstruction *last = nullptr;
    for (const AnyInstruction &ins : s.instructions)
      if (const UserInstruction *u = ins.as<UserInstruction>())
        last = u;
    if (last && isRoot(last->user.expanded()))
      ctx.report(last->range, "Last USER should not be root");
  }
}

const Rule &LastUserRoot() {
  static const Rule r{{"LastUserRoot",
                       {"DL3002"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "The last USER of the final stage should not be root"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
