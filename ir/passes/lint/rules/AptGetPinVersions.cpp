// hadolint DL3008: unpinned `apt-get install` gives a different image whenever the archive moves.
// `pkg=version`, a release (`pkg/bookworm`), a local `.deb` or a variable count as decided.
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEachInvocation(
      ctx, "apt-get",
      [&](const Stage &, size_t, const RunInstruction &, const ShellScript &, const Invocation &inv) {
        static const std::initializer_list<llvm::StringRef> valued = {
            "-o", "-t", "-c", "--target-release", "--default-release", "--config-file"};
        if (inv.subcommand(valued) != "install")
          return;
        for (const ShellWord *p : inv.packages(valued)) {
          llvm::StringRef t(p->text);
          if (t.contains('=') || t.contains('/') || t.endswith(".deb") || isUnknowable(*p))
            continue;
          ctx.report(p->range, "Pin versions in apt get install. Instead of `apt-get install <package>` use "
                               "`apt-get install <package>=<version>`");
        }
      });
}

const Rule &AptGetPinVersions() {
  static const Rule r{{"AptGetPinVersions",
                       {"DL3008"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Pin versions in apt-get install"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
