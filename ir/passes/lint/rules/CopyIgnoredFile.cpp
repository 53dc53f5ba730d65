// BuildKit's CopyIgnoredFile: a COPY/ADD source from the build context that .dockerignore
// excludes is never sent to the builder, so the instruction fails or copies less than it says.
#include "ir/passes/lint/Context.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/SmallVector.h>

namespace dfc::lint::rules {

// One path segment against one glob segment: `*`, `?`, `[...]` (with `^`/`!` negation and
// ranges) and `\` escapes, as Go's filepath.Match.
static bool matchSegment(llvm::StringRef pat, llvm::StringRef s) {
  if (pat.empty())
    return s.empty();
  char c = pat[0];
  if (c == '*') {
    for (size_t i = 0; i <= s.size(); ++i)
      if (matchSegment(pat.drop_front(), s.drop_front(i)))
        return true;
    return false;
  }
  if (s.empty())
    return false;
  if (c == '?')
    return matchSegment(pat.drop_front(), s.drop_front());
  if (c == '[') {
    size_t close = pat.find(']', 2);
    if (close == llvm::StringRef::npos)
      return false;
    llvm::StringRef set = pat.slice(1, close);
    bool negate = !set.empty() && (set[0] == '^' || set[0] == '!');
    if (negate)
      set = set.drop_front();
    bool in = false;
    for (size_t i = 0; i < set.size(); ++i) {
      if (i + 2 < set.size() && set[i + 1] == '-') {
        in |= s[0] >= set[i] && s[0] <= set[i + 2];
        i += 2;
      } else {
        in |= s[0] == set[i];
      }
    }
    return in != negate && matchSegment(pat.drop_front(close + 1), s.drop_front());
  }
  if (c == '\\' && pat.size() > 1) {
    c = pat[1];
    pat = pat.drop_front();
  }
  return c == s[0] && matchSegment(pat.drop_front(), s.drop_front());
}

static bool matchSegments(llvm::ArrayRef<llvm::StringRef> pat, llvm::ArrayRef<llvm::StringRef> path) {
  if (pat.empty())
    return path.empty();
  if (pat[0] == "**") {
    for (size_t i = 0; i <= path.size(); ++i)
      if (matchSegments(pat.drop_front(), path.drop_front(i)))
        return true;
    return false;
  }
  return !path.empty() && matchSegment(pat[0], path[0]) && matchSegments(pat.drop_front(), path.drop_front());
}

static llvm::SmallVector<llvm::StringRef, 8> segments(llvm::StringRef p) {
  llvm::SmallVector<llvm::StringRef, 8> parts, out;
  p.split(parts, '/', -1, false);
  for (llvm::StringRef s : parts)
    if (s != ".")
      out.push_back(s);
  return out;
}

// Moby's rule: patterns apply in order, the last match wins, and a pattern matching a parent
// directory matches everything under it.
static bool excluded(llvm::StringRef path, const std::vector<std::string> &patterns) {
  auto p = segments(path);
  bool out = false;
  for (const std::string &raw : patterns) {
    llvm::StringRef pat = llvm::StringRef(raw).trim();
    if (pat.empty() || pat.startswith("#"))
      continue;
    bool exception = pat.consume_front("!");
    auto ps = segments(pat.trim());
    if (ps.empty())
      continue;
    bool hit = false;
    for (size_t n = p.size(); n > 0 && !hit; --n)
      hit = matchSegments(ps, llvm::makeArrayRef(p).take_front(n));
    if (hit)
      out = !exception;
  }
  return out;
}

static void checkSources(Context &ctx, const CopyCommon &c, llvm::StringRef verb) {
  for (const Operand &src : c.sources) {
    llvm::StringRef s(src.expanded());
    if (s.contains("://") || s.startswith("git@") || s.find_first_of("*?[") != llvm::StringRef::npos)
      continue;
    if (s.empty() || segments(s).empty())
      continue;
    if (excluded(s, ctx.config().dockerignore))
      ctx.report(src.range, "Attempting to " + verb.str() + " file \"" + s.str() + "\" that is excluded by .dockerignore");
  }
}

static void check(Context &ctx) {
  if (ctx.config().dockerignore.empty())
    return;
  forEach<CopyInstruction>(ctx.program(), [&](const Stage &, size_t, const CopyInstruction &c) {
    if (!c.from)
      checkSources(ctx, c, "Copy");
  });
  forEach<AddInstruction>(ctx.program(), [&](const Stage &, size_t, const AddInstruction &a) {
    checkSources(ctx, a, "Add");
  });
}

const Rule &CopyIgnoredFile() {
  static const Rule r{{"CopyIgnoredFile", {}, Severity::Warning, RuleSource::BuildKit,
                       "Attempting to Copy file that is excluded by .dockerignore"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
