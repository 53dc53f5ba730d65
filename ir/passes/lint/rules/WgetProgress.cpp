// hadolint DL3047: wget's default progress bar writes thousands of lines into the build log.
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEachInvocation(
      ctx, "wget",
      [&](const Stage &, size_t, const RunInstruction &, const ShellScript &, const Invocation &inv) {
        if (inv.hasAnyFlag({"--progress", "-q", "--quiet", "-nv", "--no-verbose", "-o", "--output-file", "-a",
                            "--append-output"}))
          return;
        ctx.report(
            inv.cmd->argv[inv.program].range,
            "Avoid use of wget without progress bar. Use `wget --progress=dot:giga <url>`. Or consider using "
            "`-q` or `-nv` (shorthands for `--quiet` or `--no-verbose`).");
      });
}

const Rule &WgetProgress() {
  static const Rule r{{"WgetProgress",
                       {"DL3047"},
                       Severity::Info,
                       RuleSource::Hadolint,
                       "Use wget with --progress, -q or -nv"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
