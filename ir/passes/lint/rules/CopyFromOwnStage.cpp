// hadolint DL3023: a stage cannot copy from itself (it does not exist yet); BuildKit would look
// for an image of that name instead.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEach<CopyInstruction>(ctx.program(), [&](const Stage &s, size_t, const CopyInstruction &c) {
    if (!c.from)
      return;
    llvm::StringRef from(c.from->raw);
    bool own = (c.fromStage && *c.fromStage == s.index) ||
               (!s.name.empty() && from.equals_insensitive(s.name)) || from == std::to_string(s.index);
    if (own)
      ctx.report(c.from->range, "COPY --from cannot reference its own FROM alias");
  });
}

const Rule &CopyFromOwnStage() {
  static const Rule r{{"CopyFromOwnStage",
                       {"DL3023"},
                       Severity::Error,
                       RuleSource::Hadolint,
                       "COPY --from cannot reference its own stage"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
