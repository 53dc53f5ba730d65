// BuildKit's MultipleInstructionsDisallowed / hadolint DL4003, DL4004: only the last CMD,
// ENTRYPOINT or HEALTHCHECK of a stage takes effect; earlier ones are dead text.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  for (const Stage &s : ctx.program().stages) {
    for (InstructionKind kind : {InstructionKind::Cmd, InstructionKind::Entrypoint, InstructionKind::Healthcheck}) {
      std::vector<const InstructionBase *> seen;
      for (const AnyInstruction &any : s.instructions)
        if (any.kind() == kind)
          seen.push_back(&any.base());
      for (size_t i = 0; i + 1 < seen.size(); ++i)
        ctx.report(seen[i]->keywordRange, "Multiple " + instructionName(kind).str() +
                                              " instructions should not be used in the same stage because only "
                                              "the last one will be used");
    }
  }
}

const Rule &MultipleInstructionsDisallowed() {
  static const Rule r{{"MultipleInstructionsDisallowed", {"DL4003", "DL4004"}, Severity::Warning,
                       RuleSource::BuildKit, "Multiple CMD, ENTRYPOINT or HEALTHCHECK instructions in one stage"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
