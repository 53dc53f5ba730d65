// hadolint DL3022: `COPY --from=name` that matches no earlier stage is pulled as an image
// named `name` from a registry, which is rarely what a bare word meant. Image references
// (with a tag, digest, registry or path) are taken as intended.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEach<CopyInstruction>(ctx.program(), [&](const Stage &s, size_t, const CopyInstruction &c) {
    if (!c.from)
      return;
    // BuildKit accepts a later stage too; hadolint asks for an earlier one, so the order reads
    // top to bottom.
    if (c.fromStage) {
      if (*c.fromStage > s.index)
        ctx.report(c.from->range, "COPY --from should reference a previously defined FROM alias");
      return;
    }
    llvm::StringRef from(c.from->raw);
    if (from.empty() || from.find_first_of(":/@$") != llvm::StringRef::npos)
      return;
    if (from.equals_insensitive(s.name) || from == std::to_string(s.index))
      return; // DL3023's case
    ctx.report(c.from->range, "COPY --from should reference a previously defined FROM alias");
  });
}

const Rule &CopyFromUnknownStage() {
  static const Rule r{{"CopyFromUnknownStage",
                       {"DL3022"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "COPY --from should reference a previously defined FROM alias"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
