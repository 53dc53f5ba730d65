// hadolint DL3009: `apt-get update` leaves /var/lib/apt/lists in the layer unless the same RUN
// removes it (or it is a cache mount). Only stages that end up in the final image matter.
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

// The final stage and the stages it is built FROM.
static bool shipsInFinalImage(const Context &ctx, size_t stage) {
  const Program &p = ctx.program();
  if (!p.targetStage)
    return false;
  for (size_t s = *p.targetStage;;) {
    if (s == stage)
      return true;
    const StageRef *base = std::get_if<StageRef>(&p.stages[s].base);
    if (!base || base->index >= s)
      return false;
    s = base->index;
  }
}

static bool removesLists(const ShellScript &s) {
  for (const Invocation &rm : invocations(s, "rm"))
    for (const ShellWord *w : rm.operands())
      if (llvm::StringRef(w->text).startswith("/var/lib/apt/lists"))
        return true;
  return false;
}

static void check(Context &ctx) {
  if (ctx.calls("apt-get").empty())
    return;
  for (const RunScript &r : ctx.runs()) {
    if (!r.script || !shipsInFinalImage(ctx, r.stage->index))
      continue;
    auto cached = [](const Mount &m) {
      return (m.type == MountType::Cache || m.type == MountType::Tmpfs) &&
             llvm::StringRef(m.target).rtrim('/').startswith("/var/lib/apt");
    };
    if (std::any_of(r.run->mounts.begin(), r.run->mounts.end(), cached) || removesLists(*r.script))
      continue;
    for (const Invocation &inv : invocations(*r.script, "apt-get"))
      if (inv.subcommand({"-o", "-c", "--config-file"}) == "update") {
        ctx.report(inv.cmd->range, "Delete the apt-get lists after installing something");
        break;
      }
  }
}

const Rule &AptListsNotDeleted() {
  static const Rule r{{"AptListsNotDeleted",
                       {"DL3009"},
                       Severity::Info,
                       RuleSource::Hadolint,
                       "Delete the apt-get lists after installing something"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
