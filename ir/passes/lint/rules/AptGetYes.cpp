// hadolint DL3014: `apt-get install` without -y waits for an answer no build can give.
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEachInvocation(
      ctx, "apt-get",
      [&](const Stage &, size_t, const RunInstruction &, const ShellScript &, const Invocation &inv) {
        if (inv.subcommand({"-o", "-t", "-c", "--target-release", "--default-release", "--config-file"}) !=
            "install")
          return;
        // -qq implies --assume-yes (apt-get(8)).
        if (inv.hasAnyFlag({"-y", "--yes", "--assume-yes", "-qq", "--quiet=2", "-q=2"}))
          return;
        ctx.report(inv.cmd->range,
                   "Use the `-y` switch to avoid manual input `apt-get -y install <package>`");
      });
}

const Rule &AptGetYes() {
  static const Rule r{{"AptGetYes",
                       {"DL3014"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Use the -y switch with apt-get install"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
