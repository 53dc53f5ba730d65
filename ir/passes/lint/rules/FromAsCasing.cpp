// BuildKit's FromAsCasing: the `AS` keyword should match the case of `FROM`.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static bool isUpper(llvm::StringRef s) { return s.upper() == s; }
static bool isLower(llvm::StringRef s) { return s.lower() == s; }

static void check(Context &ctx) {
  for (const Stage &s : ctx.program().stages) {
    const Instruction *from = s.syntax;
    if (!from || from->args.size() != 3)
      continue;
    const Word &as = from->args[1];
    llvm::StringRef kw(from->keyword);
    if (isUpper(kw) && !isUpper(as.value))
      ctx.report(as.range,
                 "'" + as.value.str() + "' and '" + from->keyword.str() + "' keywords' casing do not match",
                 Context::replace("Use AS", as.range, "AS"));
    else if (isLower(kw) && !isLower(as.value))
      ctx.report(as.range,
                 "'" + as.value.str() + "' and '" + from->keyword.str() + "' keywords' casing do not match",
                 Context::replace("Use as", as.range, "as"));
  }
}

const Rule &FromAsCasing() {
  static const Rule r{{"FromAsCasing", {}, Severity::Warning, RuleSource::BuildKit,
                       "The AS keyword should match the case of the FROM keyword"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
