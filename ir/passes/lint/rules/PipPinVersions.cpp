// hadolint DL3013: unpinned `pip install` resolves to whatever PyPI has on build day.
// Version specifiers, URLs, local paths, archives and requirement files count as decided.
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

// pip install options that take the next word as their value.
static const std::initializer_list<llvm::StringRef> PipValued = {"-r",
                                                                 "--requirement",
                                                                 "-c",
                                                                 "--constraint",
                                                                 "-e",
                                                                 "--editable",
                                                                 "-i",
                                                                 "--index-url",
                                                                 "--extra-index-url",
                                                                 "-f",
                                                                 "--find-links",
                                                                 "-t",
                                                                 "--target",
                                                                 "--prefix",
                                                                 "--root",
                                                                 "--platform",
                                                                 "--python-version",
                                                                 "--implementation",
                                                                 "--abi",
                                                                 "--src",
                                                                 "--upgrade-strategy",
                                                                 "--progress-bar",
                                                                 "--cache-dir",
                                                                 "--log",
                                                                 "--proxy",
                                                                 "--retries",
                                                                 "--timeout",
                                                                 "--exists-action",
                                                                 "--trusted-host",
                                                                 "--cert",
                                                                 "--client-cert",
                                                                 "--global-option",
                                                                 "--install-option",
                                                                 "-C",
                                                                 "--config-settings",
                                                                 "--no-binary",
                                                                 "--only-binary"};

static bool isDecided(llvm::StringRef p) {
  if (p.find_first_of("=<>~!@") != llvm::StringRef::npos || p.contains('/') || p.startswith("."))
    return true;
  for (llvm::StringRef ext : {".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2"})
    if (p.endswith(ext))
      return true;
  return false;
}

static void check(Context &ctx) {
  if (!mayCallPip(ctx))
    return;
  for (const RunScript &r : ctx.runs()) {
    if (!r.script)
      continue;
    for (const Invocation &inv : pipInvocations(*r.script)) {
      if (inv.subcommand(PipValued) != "install")
        continue;
      for (const ShellWord *p : inv.packages(PipValued))
        if (!isDecided(p->text) && !isUnknowable(*p))
          ctx.report(p->range, "Pin versions in pip. Instead of `pip install <package>` use `pip install "
                               "<package>==<version>` or `pip install --requirement <requirements file>`");
    }
  }
}

const Rule &PipPinVersions() {
  static const Rule r{
      {"PipPinVersions", {"DL3013"}, Severity::Warning, RuleSource::Hadolint, "Pin versions in pip install"},
      check};
  return r;
}

} // namespace dfc::lint::rules
