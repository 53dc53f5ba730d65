// hadolint DL4006: `RUN a | b` succeeds when `a` fails unless the shell runs with pipefail, so a
// failed download piped into a tool still builds. SHELL with `-o pipefail`, or `set -o pipefail`
// in the RUN before the pipe, fixes it; non-POSIX shells (pwsh, cmd) are not judged.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

enum class ShellKind { DefaultSh, PosixNoPipefail, PosixPipefail, Other };

static ShellKind classify(const ShellInstruction &sh) {
  if (sh.shell.empty())
    return ShellKind::Other;
  llvm::StringRef exe(sh.shell[0].expanded());
  exe = exe.substr(exe.find_last_of("/\\") + 1);
  if (exe.endswith_insensitive(".exe"))
    exe = exe.drop_back(4);
  if (exe != "sh" && exe != "bash" && exe != "ash" && exe != "dash" && exe != "zsh" && exe != "ksh" &&
      exe != "mksh" && exe != "busybox")
    return ShellKind::Other;
  for (size_t i = 1; i + 1 < sh.shell.size(); ++i) {
    llvm::StringRef o(sh.shell[i].expanded());
    if (o.startswith("-") && !o.startswith("--") && o.contains('o') && sh.shell[i + 1].expanded() == "pipefail")
      return ShellKind::PosixPipefail;
  }
  return ShellKind::PosixNoPipefail;
}

static void check(Context &ctx) {
  const Program &p = ctx.program();
  std::vector<ShellKind> endShell(p.stages.size(), ShellKind::DefaultSh);
  for (const Stage &st : p.stages) {
    ShellKind kind = ShellKind::DefaultSh;
    if (const StageRef *base = std::get_if<StageRef>(&st.base))
      if (base->index < st.index)
        kind = endShell[base->index]; // SHELL is image config: it carries into FROM <stage>
    for (const AnyInstruction &ins : st.instructions) {
      if (const ShellInstruction *sh = ins.as<ShellInstruction>()) {
        kind = classify(*sh);
        continue;
      }
      const RunInstruction *run = ins.as<RunInstruction>();
      if (!run || kind == ShellKind::PosixPipefail || kind == ShellKind::Other)
        continue;
      const ShellScript *s = ctx.script(*run);
      if (!s || s->setsPipefail)
        continue;
      for (const ShellCommand &c : s->commands)
        if (c.next == Connector::Pipe) {
          ctx.report(
              run->range,
              "Set the SHELL option -o pipefail before RUN with a pipe in it. If you are using /bin/sh in an "
              "alpine image or if your shell is symlinked to busybox then consider explicitly setting your "
              "SHELL to /bin/ash, or disable this check");
          break;
        }
    }
    endShell[st.index] = kind;
  }
}

const Rule &PipefailBeforePipe() {
  static const Rule r{{"PipefailBeforePipe",
                       {"DL4006"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Set -o pipefail before RUN with a pipe"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
