// hadolint DL3016: `npm install pkg` takes whatever the registry's latest dist-tag is today.
// `pkg@version`, `@scope/pkg@version`, paths, tarballs and git/http URLs count as decided.
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

static bool isDecided(llvm::StringRef p) {
  if (p.startswith(".") || p.startswith("/") || p.startswith("~") || p.contains("://") ||
      p.startswith("git") || p.startswith("file:") || p.endswith(".tgz") || p.endswith(".tar.gz"))
    return true;
  if (p.startswith("@")) // @scope/name[@version]
    return p.drop_front().contains('@');
  return p.contains('@') || p.contains('/') || p.contains('#');
}

static void check(Context &ctx) {
  forEachInvocation(
      ctx, "npm",
      [&](const Stage &, size_t, const RunInstruction &, const ShellScript &, const Invocation &inv) {
        static const std::initializer_list<llvm::StringRef> valued = {"--prefix", "--registry",  "--cache",
                                                                      "-w",       "--workspace", "--tag"};
        llvm::StringRef sub = inv.subcommand(valued);
        if (sub != "install" && sub != "i" && sub != "add" && sub != "isntall" && sub != "in")
          return;
        for (const ShellWord *p : inv.packages(valued))
          if (!isDecided(p->text) && !isUnknowable(*p))
            ctx.report(p->range, "Pin versions in npm. Instead of `npm install <package>` use `npm install "
                                 "<package>@<version>`");
      });
}

const Rule &NpmPinVersions() {
  static const Rule r{
      {"NpmPinVersions", {"DL3016"}, Severity::Warning, RuleSource::Hadolint, "Pin versions in npm install"},
      check};
  return r;
}

} // namespace dfc::lint::rules
