// hadolint DL3019: `apk add` keeps its index and downloads in /var/cache/apk unless told
// --no-cache (or the cache is a mount that never reaches the layer).
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEachInvocation(
      ctx, "apk",
      [&](const Stage &, size_t, const RunInstruction &run, const ShellScript &, const Invocation &inv) {
        if (inv.subcommand({"-X", "--repository", "-p", "--root", "-t", "--virtual", "--arch"}) != "add" ||
            inv.hasFlag("--no-cache"))
          return;
        for (const Mount &m : run.mounts)
          if ((m.type == MountType::Cache || m.type == MountType::Tmpfs) &&
              llvm::StringRef(m.target).rtrim('/').startswith("/var/cache/apk"))
            return;
        ctx.report(inv.cmd->range,
                   "Use the `--no-cache` switch to avoid the need to use `--update` and remove "
                   "`/var/cache/apk/*` when done installing packages");
      });
}

const Rule &ApkNoCache() {
  static const Rule r{
      {"ApkNoCache", {"DL3019"}, Severity::Info, RuleSource::Hadolint, "Use apk add --no-cache"}, check};
  return r;
}

} // namespace dfc::lint::rules
