// hadolint DL3015: recommended packages are pulled in by default and bloat the image.
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

static bool disablesRecommends(const Invocation &inv) {
  if (inv.hasFlag("--no-install-recommends"))
    return true;
  const auto &argv = inv.cmd->argv;
  for (size_t i = inv.program + 1; i < argv.size(); ++i) {
    llvm::StringRef t(argv[i].text);
    llvm::StringRef opt;
    if (t == "-o" && i + 1 < argv.size())
      opt = argv[i + 1].text;
    else if (t.startswith("-o"))
      opt = t.drop_front(2);
    else if (t.startswith("--option="))
      opt = t.drop_front(9);
    auto [key, value] = opt.split('=');
    if (key.equals_insensitive("APT::Install-Recommends") &&
        (value == "false" || value == "0" || value.equals_insensitive("no") ||
         value.equals_insensitive("off")))
      return true;
  }
  return false;
}

static void check(Context &ctx) {
  forEachInvocation(
      ctx, "apt-get",
      [&](const Stage &, size_t, const RunInstruction &, const ShellScript &, const Invocation &inv) {
        if (inv.subcommand({"-o", "-t", "-c", "--target-release", "--default-release", "--config-file"}) !=
            "install")
          return;
        if (!disablesRecommends(inv))
          ctx.report(inv.cmd->range, "Avoid additional packages by specifying `--no-install-recommends`");
      });
}

const Rule &AptGetNoInstallRecommends() {
  static const Rule r{{"AptGetNoInstallRecommends",
                       {"DL3015"},
                       Severity::Info,
                       RuleSource::Hadolint,
                       "Use --no-install-recommends with apt-get install"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
