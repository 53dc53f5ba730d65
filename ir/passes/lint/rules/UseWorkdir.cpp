// hadolint DL3003: `cd` in RUN lasts one instruction; WORKDIR states the directory for the rest.
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEachInvocation(
      ctx, "cd",
      [&](const Stage &, size_t, const RunInstruction &, const ShellScript &, const Invocation &inv) {
        ctx.report(inv.cmd->argv[inv.program].range, "Use WORKDIR to switch to a directory");
      });
}

const Rule &UseWorkdir() {
  static const Rule r{
      {"UseWorkdir", {"DL3003"}, Severity::Warning, RuleSource::Hadolint, "Use WORKDIR instead of cd in RUN"},
      check};
  return r;
}

} // namespace dfc::lint::rules
