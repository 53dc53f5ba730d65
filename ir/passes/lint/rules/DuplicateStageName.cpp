// BuildKit's DuplicateStageName / hadolint DL3024: two stages with one name (compared
// case-insensitively, as BuildKit lowercases names) make `--from` and `--target` ambiguous.
#include "ir/passes/lint/Context.h"

#include <llvm/ADT/DenseSet.h>

namespace dfc::lint::rules {

static void check(Context &ctx) {
  if (ctx.program().stages.size() < 2)
    return;
  llvm::DenseSet<llvm::StringRef> seen; // the stages' own names: no copies
  for (const Stage &s : ctx.program().stages) {
    if (s.name.empty())
      continue;
    if (!seen.insert(s.name).second)
      ctx.report(s.nameRange, "Duplicate stage name \"" + s.name + "\", stage names should be unique");
  }
}

const Rule &DuplicateStageName() {
  static const Rule r{{"DuplicateStageName", {"DL3024"}, Severity::Error, RuleSource::BuildKit,
                       "Stage names should be unique"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
