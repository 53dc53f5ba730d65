// BuildKit's InvalidDefaultArgInFrom: `FROM $IMAGE` where the ARG defaults leave the name empty
// or malformed, so a build without --build-arg fails with an unhelpful reference error.
#include "ir/passes/lint/Context.h"

#include <llvm/ADT/SmallVector.h>

#include <llvm/ADT/StringExtras.h>

namespace dfc::lint::rules {

// A docker reference `[domain[:port]/]path[:tag][@digest]`, checked the way the distribution
// reference grammar does for the parts that defaults typically break (empty parts, case).
static bool validReference(llvm::StringRef ref) {
  if (ref.empty())
    return false;
  auto [name, digest] = ref.split('@');
  if (ref.contains('@') && (digest.empty() || !digest.contains(':')))
    return false;
  llvm::StringRef path = name, tag;
  size_t colon = name.rfind(':');
  if (colon != llvm::StringRef::npos && !name.substr(colon).contains('/')) {
    path = name.take_front(colon);
    tag = name.drop_front(colon + 1);
    if (tag.empty() || tag.size() > 128 || !(llvm::isAlnum(tag[0]) || tag[0] == '_'))
      return false;
    for (char c : tag)
      if (!(llvm::isAlnum(c) || c == '_' || c == '.' || c == '-'))
        return false;
  }
  llvm::SmallVector<llvm::StringRef, 4> parts;
  path.split(parts, '/');
  for (size_t i = 0; i < parts.size(); ++i) {
    llvm::StringRef p = parts[i];
    if (p.empty())
      return false;
    bool domain = i == 0 && parts.size() > 1 && (p.contains('.') || p.contains(':') || p == "localhost");
    if (domain)
      continue;
    if (!llvm::isAlnum(p.front()) || !llvm::isAlnum(p.back()))
      return false;
    for (char c : p)
      if (!(llvm::isDigit(c) || (c >= 'a' && c <= 'z') || c == '.' || c == '_' || c == '-'))
        return false;
  }
  return true;
}

static void check(Context &ctx) {
  for (const Stage &s : ctx.program().stages) {
    if (!llvm::StringRef(s.baseName.raw).contains('$'))
      continue;
    if (std::holds_alternative<StageRef>(s.base))
      continue;
    if (validReference(s.baseName.expanded()) || s.baseName.expanded() == "scratch")
      continue;
    ctx.report(s.baseName.range, "Default value for ARG " + s.baseName.raw.str() +
                                     " results in empty or invalid base image name");
  }
}

const Rule &InvalidDefaultArgInFrom() {
  static const Rule r{{"InvalidDefaultArgInFrom", {}, Severity::Warning, RuleSource::BuildKit,
                       "Default value for global ARG results in an empty or invalid base image name"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
