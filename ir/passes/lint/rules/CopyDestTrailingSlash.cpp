// hadolint DL3021: with several sources the destination is a directory, and BuildKit wants it
// written as one (trailing slash) so a typo cannot silently create a file.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEach<CopyInstruction>(ctx.program(), [&](const Stage &, size_t, const CopyInstruction &c) {
    if (c.sources.size() + c.heredocSources.size() < 2 || c.dest.raw.empty())
      return;
    llvm::StringRef dest(c.dest.expanded());
    if (!dest.endswith("/") && !dest.endswith("\\"))
      ctx.report(c.dest.range, "COPY with more than 2 arguments requires the last argument to end with /");
  });
}

const Rule &CopyDestTrailingSlash() {
  static const Rule r{{"CopyDestTrailingSlash",
                       {"DL3021"},
                       Severity::Error,
                       RuleSource::Hadolint,
                       "COPY with several sources needs a destination ending in /"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
