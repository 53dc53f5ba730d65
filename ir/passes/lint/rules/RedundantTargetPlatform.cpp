// BuildKit's RedundantTargetPlatform: `FROM --platform=$TARGETPLATFORM` is what FROM does
// anyway; the flag only adds noise (and hides the cases where it matters).
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  for (const Stage &s : ctx.program().stages) {
    if (!s.platform || !s.syntax)
      continue;
    llvm::StringRef raw(s.platform->raw);
    if (raw != "$TARGETPLATFORM" && raw != "${TARGETPLATFORM}")
      continue;
    std::optional<Fix> fix;
    for (const Flag &f : s.syntax->flags)
      if (f.name() == "platform") {
        // Remove the flag and the blank that follows it.
        llvm::StringRef text = ctx.source().text();
        uint32_t end = f.range.end.offset;
        while (end < text.size() && (text[end] == ' ' || text[end] == '\t'))
          ++end;
        fix = Context::replace("Remove --platform", ctx.source().range(f.range.begin.offset, end), "");
      }
    ctx.report(s.platform->range, "Setting platform to predefined " + raw.str() +
                                      " in FROM is redundant as this is the default behavior",
               std::move(fix));
  }
}

const Rule &RedundantTargetPlatform() {
  static const Rule r{{"RedundantTargetPlatform", {}, Severity::Warning, RuleSource::BuildKit,
                       "Setting platform to predefined $TARGETPLATFORM in FROM is redundant"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
