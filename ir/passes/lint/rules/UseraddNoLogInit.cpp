// hadolint DL3046: `useradd -u <big uid>` without -l writes a sparse /var/log/lastlog and
// faillog sized by the UID, which the layer stores as gigabytes of zeros.
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEachInvocation(
      ctx, "useradd",
      [&](const Stage &, size_t, const RunInstruction &, const ShellScript &, const Invocation &inv) {
        if (inv.hasAnyFlag({"-l", "--no-log-init"}))
          return;
        const auto &argv = inv.cmd->argv;
        for (size_t i = inv.program + 1; i < argv.size(); ++i) {
          llvm::StringRef t(argv[i].text), uid;
          if ((t == "-u" || t == "--uid") && i + 1 < argv.size())
            uid = argv[i + 1].text;
          else if (t.startswith("--uid="))
            uid = t.drop_front(6);
          else if (t.startswith("-u") && t.size() > 2 && !t.startswith("--"))
            uid = t.drop_front(2);
          // More than five digits: lastlog grows with the UID.
          if (uid.size() > 5 && uid.find_first_not_of("0123456789") == llvm::StringRef::npos) {
            ctx.report(inv.cmd->range,
                       "`useradd` without flag `-l` and high UID will result in excessively large Image.");
            return;
          }
        }
      });
}

const Rule &UseraddNoLogInit() {
  static const Rule r{{"UseraddNoLogInit",
                       {"DL3046"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Use useradd -l with a high UID"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
