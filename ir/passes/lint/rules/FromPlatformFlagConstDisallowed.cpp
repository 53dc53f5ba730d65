// BuildKit's FromPlatformFlagConstDisallowed: a constant `FROM --platform=linux/amd64` pins the
// stage and breaks multi-platform builds; allowed when the stage name says which platform it is.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  for (const Stage &s : ctx.program().stages) {
    if (!s.platform || llvm::StringRef(s.platform->raw).contains('$') || s.platform->raw.empty())
      continue;
    // `FROM --platform=linux/arm64 x AS build-arm64`: the stage exists for that platform.
    llvm::StringRef platform(s.platform->raw);
    llvm::StringRef arch = platform.split('/').second.split('/').first;
    if (!s.name.empty() && !arch.empty() && llvm::StringRef(s.name).contains_insensitive(arch))
      continue;
    ctx.report(s.platform->range,
               "FROM --platform flag should not use constant value \"" + s.platform->raw.str() + "\"");
  }
}

const Rule &FromPlatformFlagConstDisallowed() {
  static const Rule r{{"FromPlatformFlagConstDisallowed", {}, Severity::Warning, RuleSource::BuildKit,
                       "FROM --platform flag should not use a constant value"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
