// hadolint DL3060: `yarn install` fills the yarn cache inside the layer unless the same RUN
// runs `yarn cache clean` (or the cache is a mount).
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  if (ctx.calls("yarn").empty())
    return;
  forEach<RunInstruction>(ctx.program(), [&](const Stage &, size_t, const RunInstruction &run) {
    const ShellScript *s = ctx.script(run);
    if (!s)
      return;
    for (const Mount &m : run.mounts)
      if (m.type == MountType::Cache && llvm::StringRef(m.target).contains("yarn"))
        return;
    const Invocation *install = nullptr;
    auto yarns = invocations(*s, "yarn");
    for (const Invocation &inv : yarns) {
      auto ops = inv.operands({"--cwd", "--cache-folder", "--modules-folder"});
      if (ops.size() >= 2 && ops[0]->text == "cache" && ops[1]->text == "clean")
        return;
      if (!install && (ops.empty() || ops[0]->text == "install"))
        install = &inv;
    }
    if (install)
      ctx.report(install->cmd->range, "`yarn cache clean` missing after `yarn install` was run.");
  });
}

const Rule &YarnCacheClean() {
  static const Rule r{{"YarnCacheClean",
                       {"DL3060"},
                       Severity::Info,
                       RuleSource::Hadolint,
                       "Run yarn cache clean after yarn install"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
