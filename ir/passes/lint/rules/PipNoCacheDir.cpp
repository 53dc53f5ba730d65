// hadolint DL3042: pip's download cache ends up in the layer; --no-cache-dir (or
// PIP_NO_CACHE_DIR, or a cache mount over ~/.cache/pip) keeps it out.
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  if (!mayCallPip(ctx))
    return;
  for (const RunScript &r : ctx.runs()) {
    if (!r.script)
      continue;
    auto pipCache = [](const Mount &m) {
      return m.type == MountType::Cache && llvm::StringRef(m.target).rtrim('/').endswith(".cache/pip");
    };
    if (std::any_of(r.run->mounts.begin(), r.run->mounts.end(), pipCache) ||
        r.stage->envBefore(r.index).lookup("PIP_NO_CACHE_DIR"))
      continue;
    for (const Invocation &inv : pipInvocations(*r.script)) {
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
  }
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
