// hadolint DL4005: relinking /bin/sh changes the shell for every later RUN in a way the
// Dockerfile does not show; the SHELL instruction says it where readers look.
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEachInvocation(
      ctx, "ln",
      [&](const Stage &, size_t, const RunInstruction &, const ShellScript &, const Invocation &inv) {
        for (const ShellWord *w : inv.operands({"-t", "--target-directory", "-S", "--suffix"}))
          if (w->text == "/bin/sh") {
            ctx.report(inv.cmd->range, "Use SHELL to change the default shell");
            return;
          }
      });
}

const Rule &ShellInsteadOfLn() {
  static const Rule r{{"ShellInsteadOfLn",
                       {"DL4005"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Use SHELL to change the default shell, not ln /bin/sh"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
