// hadolint DL3042: pip's download cache ends up in the layer; --no-cache-dir (or
// PIP_NO_CACHE_DIR, or a cache mount over ~/.cache/pip) keeps it out.
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEach<RunInstruction>(ctx.program(), [&](const Stage &st, size_t i, const RunInstruction &run) {
    const ShellScript *s = ctx.script(run);
    if (!s)
      return;
    for (const Mount &m : run.mounts)
      if (m.type == MountType::Cache && llvm::StringRef(m.target).rtrim('/').endswith(".cache/pip"))
        return;
    if (st.envBefore(i).lookup("PIP_NO_CACHE_DIR"))
      return;
    for (const Invocation &inv : pipInvocations(*s)) {
      if (inv.subcommand({"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i",
                          "--index-url", "-t", "--target"}) != "install")
        continue;
      bool envSet = false;
      for (const ShellWord &a : inv.cmd->assignments)
        envSet |= llvm::StringRef(a.text).startswith("PIP_NO_CACHE_DIR=");
      if (!envSet && !inv.hasFlag("--no-cache-dir"))
        ctx.report(inv.cmd->range,
                   "Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`");
    }
  });
}

const Rule &PipNoCacheDir() {
  static const Rule r{{"PipNoCacheDir",
                       {"DL3042"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Use pip install --no-cache-dir"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
