// hadolint DL3029: `FROM --platform=...` pins the build to one platform; multi-platform builds
// choose it from outside. The BuildKit-provided `$BUILDPLATFORM`/`$TARGETPLATFORM` forms are how
// cross builds are written, so they stay silent.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  for (const Stage &s : ctx.program().stages) {
    if (!s.platform || !s.syntax)
      continue;
    llvm::StringRef raw(s.platform->raw);
    if (raw.contains("BUILDPLATFORM") || raw.contains("TARGETPLATFORM"))
      continue;
    for (const Flag &f : s.syntax->flags)
      if (f.name() == "platform")
        ctx.report(f.range, "Do not use --platform flag with FROM");
  }
}

const Rule &NoPlatformFlag() {
  static const Rule r{{"NoPlatformFlag",
                       {"DL3029"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Do not use --platform with FROM"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
