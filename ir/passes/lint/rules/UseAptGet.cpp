// hadolint DL3027: `apt` is for people at a terminal; its output and interface are not stable
// for scripts (it says so itself), apt-get and apt-cache are.
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEachInvocation(
      ctx, "apt",
      [&](const Stage &, size_t, const RunInstruction &, const ShellScript &, const Invocation &inv) {
        ctx.report(inv.cmd->argv[inv.program].range,
                   "Do not use apt as it is meant to be a end-user tool, use apt-get or apt-cache instead");
      });
}

const Rule &UseAptGet() {
  static const Rule r{{"UseAptGet",
                       {"DL3027"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Use apt-get or apt-cache instead of apt"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
