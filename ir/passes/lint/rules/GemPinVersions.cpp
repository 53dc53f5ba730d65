// hadolint DL3028: `gem install x` takes the newest release; `x:version` or `-v version` pins it.
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEachInvocation(
      ctx, "gem",
      [&](const Stage &, size_t, const RunInstruction &, const ShellScript &, const Invocation &inv) {
        static const std::initializer_list<llvm::StringRef> valued = {
            "-v",       "--version", "-i", "--install-dir",  "-n",         "--bindir",
            "--source", "-s",        "-P", "--trust-policy", "--platform", "-g",
            "--file"};
        llvm::StringRef sub = inv.subcommand(valued);
        if ((sub != "install" && sub != "i") || inv.hasAnyFlag({"-v", "--version"}))
          return;
        for (const ShellWord *p : inv.packages(valued)) {
          llvm::StringRef t(p->text);
          if (t.contains(':') || t.endswith(".gem") || isUnknowable(*p))
            continue;
          ctx.report(p->range, "Pin versions in gem install. Instead of `gem install <gem>` use `gem install "
                               "<gem>:<version>`");
        }
      });
}

const Rule &GemPinVersions() {
  static const Rule r{
      {"GemPinVersions", {"DL3028"}, Severity::Warning, RuleSource::Hadolint, "Pin versions in gem install"},
      check};
  return r;
}

} // namespace dfc::lint::rules
