// BuildKit's StageNameCasing: stage names should be lowercase (BuildKit lowercases them anyway,
// so `FROM x AS Build` and `COPY --from=Build` look alike only by accident).
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  for (const Stage &s : ctx.program().stages) {
    if (!s.syntax || s.syntax->args.size() != 3)
      continue;
    const Word &name = s.syntax->args[2];
    std::string lower = llvm::StringRef(name.value).lower();
    if (lower != name.value)
      ctx.report(name.range, "Stage name '" + name.value.str() + "' should be lowercase",
                 Context::replace("Lowercase the stage name", name.range, lower));
  }
}

const Rule &StageNameCasing() {
  static const Rule r{{"StageNameCasing", {}, Severity::Warning, RuleSource::BuildKit,
                       "Stage names should be lowercase"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
