// BuildKit's WorkdirRelativePath / hadolint DL3000: a relative WORKDIR before any absolute one
// in the stage resolves against the base image's working directory, which can change under you.
#include "ir/passes/lint/Context.h"

#include <llvm/ADT/StringExtras.h>

namespace dfc::lint::rules {

static bool isAbsolute(llvm::StringRef p) {
  if (p.startswith("/") || p.startswith("\\"))
    return true;
  // Windows: C:\ or C:/
  return p.size() >= 3 && llvm::isAlpha(p[0]) && p[1] == ':' && (p[2] == '\\' || p[2] == '/');
}

static void check(Context &ctx) {
  for (const Stage &s : ctx.program().stages) {
    for (const AnyInstruction &any : s.instructions) {
      const auto *w = any.as<WorkdirInstruction>();
      if (!w)
        continue;
      llvm::StringRef path(w->path.expanded());
      // A path that is only a variable depends on build args: nothing to say statically.
      if (path.empty() || llvm::StringRef(w->path.raw).startswith("$"))
        break;
      if (isAbsolute(path))
        break;
      ctx.report(w->path.range, "Relative workdir \"" + path.str() +
                                    "\" can have unexpected results if the base image changes");
      break;
    }
  }
}

const Rule &WorkdirRelativePath() {
  static const Rule r{{"WorkdirRelativePath", {"DL3000"}, Severity::Warning, RuleSource::BuildKit,
                       "Relative paths in WORKDIR should be avoided until an absolute WORKDIR is set"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
