// dockerfile-utils' instruction casing check: every keyword in upper case (`run` -> `RUN`),
// ONBUILD triggers included. BuildKit accepts any case; its ConsistentInstructionCasing only asks
// for one case per file, so an all-lowercase file passes there and is reported here.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void checkKeyword(Context &ctx, const Instruction &ins) {
  llvm::StringRef kw(ins.keyword);
  if (llvm::none_of(kw, [](char c) { return c >= 'a' && c <= 'z'; }))
    return;
  std::string upper = kw.upper();
  ctx.report(ins.keywordRange,
             "Instruction '" + ins.keyword.str() + "' should be written in uppercase ('" + upper + "')",
             Context::replace("Change to " + upper, ins.keywordRange, upper));
}

static void check(Context &ctx) {
  for (const Instruction &ins : ctx.tree().instructions) {
    if (ins.kind == InstructionKind::Unknown)
      continue; // not an instruction: SyntaxError says so
    checkKeyword(ctx, ins);
    if (ins.trigger && ins.trigger->kind != InstructionKind::Unknown)
      checkKeyword(ctx, *ins.trigger);
  }
}

const Rule &InstructionCasing() {
  static const Rule r{{"InstructionCasing", {}, Severity::Style, RuleSource::DockerfileUtils,
                       "Instruction keywords should be written in uppercase"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
