// hadolint DL3018: `apk add pkg` installs whatever the repository has today; `pkg=version`
// (or `pkg~version`, `pkg>version`) pins it. Local .apk files and variables are not judged.
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

// apk options that take the next word as their value.
static const std::initializer_list<llvm::StringRef> ApkValued = {
    "-X",        "--repository", "-p",          "--root",     "-t",
    "--virtual", "--arch",       "--cache-dir", "--keys-dir", "--repositories-file"};

static void check(Context &ctx) {
  forEachInvocation(
      ctx, "apk",
      [&](const Stage &, size_t, const RunInstruction &, const ShellScript &, const Invocation &inv) {
        if (inv.subcommand(ApkValued) != "add")
          return;
        for (const ShellWord *p : inv.packages(ApkValued)) {
          llvm::StringRef t(p->text);
          if (t.find_first_of("=~<>") != llvm::StringRef::npos || t.endswith(".apk") || isUnknowable(*p))
            continue;
          ctx.report(
              p->range,
              "Pin versions in apk add. Instead of `apk add <package>` use `apk add <package>=<version>`");
        }
      });
}

const Rule &ApkPinVersions() {
  static const Rule r{
      {"ApkPinVersions", {"DL3018"}, Severity::Warning, RuleSource::Hadolint, "Pin versions in apk add"},
      check};
  return r;
}

} // namespace dfc::lint::rules
