// hadolint DL3001: commands for interactive machines (editors, service managers, process
// viewers, ssh) do nothing useful while building an image.
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  static const llvm::StringRef names[] = {"ssh", "vim",  "shutdown", "service", "ps",
                                          "free", "top", "kill",     "mount",   "ifconfig"};
  if (!ctx.callsAny(names))
    return;
  for (const RunScript &r : ctx.runs()) {
    if (!r.script)
      continue;
    for (llvm::StringRef name : names)
      for (const Invocation &inv : invocations(*r.script, name))
        ctx.report(inv.cmd->argv[inv.program].range,
                   "For some bash commands it makes no sense running them in a Docker container like `ssh`, "
                   "`vim`, `shutdown`, `service`, `ps`, `free`, `top`, `kill`, `mount`, `ifconfig`");
  }
}

const Rule &IrrelevantCommand() {
  static const Rule r{{"IrrelevantCommand",
                       {"DL3001"},
                       Severity::Info,
                       RuleSource::Hadolint,
                       "Commands like ssh, vim, service or top make no sense in a build"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
