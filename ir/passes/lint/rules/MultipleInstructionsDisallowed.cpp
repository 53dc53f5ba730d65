// BuildKit's MultipleInstructionsDisallowed / hadolint DL4003, DL4004: only the last CMD,
// ENTRYPOINT or HEALTHCHECK of a stage takes effect; earlier ones are dead text.
#include "ir/passes/lint/Context.h"


namespace dfc::lint::rules {

static void check(Context &ctx) {
  for (const Stage &s : ctx.program().stages) {
    static const char *const messages[3] = {
        "Multiple CMD instructions should not be used in the same stage because only the last one will be used",
        "Multiple ENTRYPOINT instructions should not be used in the same stage because only the last one will be "
        "used",
        "Multiple HEALTHCHECK instructions should not be used in the same stage because only the last one will be "
        "used"};
    // One walk for the last of each kind, one for the others.
    const AnyInstruction *last[3] = {};
    auto slot = [](InstructionKind k) {
      return k == InstructionKind::Cmd ? 0 : k == InstructionKind::Entrypoint ? 1 : k == InstructionKind::Healthcheck ? 2 : -1;
    };
    bool repeated = false;
    for (const AnyInstruction &any : s.instructions)
      if (int k = slot(any.kind()); k >= 0) {
        repeated |= last[k] != nullptr;
        last[k] = &any;
      }
    if (!repeated)
      continue;
    for (const AnyInstruction &any : s.instructions)
      if (int k = slot(any.kind()); k >= 0 && last[k] != &any)
        ctx.report(any.base().keywordRange, Message::fromStatic(messages[k])); // a literal: nothing built
  }
}

const Rule &MultipleInstructionsDisallowed() {
  static const Rule r{{"MultipleInstructionsDisallowed", {"DL4003", "DL4004"}, Severity::Warning,
                       RuleSource::BuildKit, "Multiple CMD, ENTRYPOINT or HEALTHCHECK instructions in one stage"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
