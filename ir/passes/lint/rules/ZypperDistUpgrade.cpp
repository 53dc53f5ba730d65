// hadolint DL3035: `zypper dist-upgrade` moves the whole base image to another distribution
// state; pick a newer base image instead.
#include "ir/passes/lint/rules/RpmFamily.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEachInvocation(
      ctx, "zypper",
      [&](const Stage &, size_t, const RunInstruction &, const ShellScript &, const Invocation &inv) {
        llvm::StringRef sub = inv.subcommand(rpmValued());
        if (sub == "dist-upgrade" || sub == "dup")
          ctx.report(inv.cmd->range, "Do not use `zypper dist-upgrade`.");
      });
}

const Rule &ZypperDistUpgrade() {
  static const Rule r{{"ZypperDistUpgrade",
                       {"DL3035"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Do not use zypper dist-upgrade"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
