// The label-schema rules (DL3049-DL3058) share one walk over LABEL pairs and one value check
// per schema type (Config::labelSchema: label -> text, url, semver, hash, rfc3339, spdx, email).
#pragma once

#include "ir/passes/lint/Context.h"

#include "llvm/ADT/SmallVector.h"

#include <cctype>

namespace dfc::lint::rules {

// Every LABEL pair of the program with its instruction.
template <typename F> void forEachLabel(Context &ctx, F &&f) {
  forEach<LabelInstruction>(ctx.program(), [&](const Stage &st, size_t, const LabelInstruction &l) {
    for (const KeyValue &kv : l.pairs)
      f(st, kv);
  });
}

// A value given at build time (`$BUILD_DATE`) cannot be judged here.
inline bool isBuildTimeValue(const KeyValue &kv) { return llvm::StringRef(kv.value.raw).contains('$'); }

inline const std::string *schemaType(const Context &ctx, llvm::StringRef key) {
  if (ctx.config().labelSchema.empty())
    return nullptr;
  auto it = ctx.config().labelSchema.find(key.str());
  return it == ctx.config().labelSchema.end() ? nullptr : &it->second;
}

// Reports each schema label of type `type` whose value fails `valid`.
inline void checkLabelFormat(Context &ctx, llvm::StringRef type, bool (*valid)(llvm::StringRef),
                             const char *what) {
  if (ctx.config().labelSchema.empty())
    return;
  forEachLabel(ctx, [&](const Stage &, const KeyValue &kv) {
    const std::string *t = schemaType(ctx, kv.key.expanded());
    if (!t || *t != type || isBuildTimeValue(kv) || kv.value.expanded().empty() || valid(kv.value.expanded()))
      return;
    ctx.report(kv.value.range, "Label `" + kv.key.expanded().str() + "` " + what);
  });
}

inline bool allOf(llvm::StringRef s, int (*cls)(int)) {
  for (char c : s)
    if (!cls(static_cast<unsigned char>(c)))
      return false;
  return !s.empty();
}

// An absolute URI: scheme ":" something, no whitespace.
inline bool isUrl(llvm::StringRef v) {
  size_t colon = v.find(':');
  if (colon == llvm::StringRef::npos || colon == 0 || colon + 1 == v.size() ||
      !std::isalpha((unsigned char)v[0]))
    return false;
  for (char c : v.take_front(colon))
    if (!std::isalnum((unsigned char)c) && c != '+' && c != '-' && c != '.')
      return false;
  if (v.find_first_of(" \t\n") != llvm::StringRef::npos)
    return false;
  llvm::StringRef rest = v.drop_front(colon + 1);
  return !rest.startswith("//") || rest.size() > 2;
}

// Semantic Versioning 2.0: MAJOR.MINOR.PATCH[-pre][+build], no leading zeros in numbers.
inline bool isSemverIdentifiers(llvm::StringRef list, bool numericNoLeadingZero) {
  llvm::SmallVector<llvm::StringRef, 4> ids;
  list.split(ids, '.');
  for (llvm::StringRef id : ids) {
    if (!allOf(id, [](int c) { return std::isalnum(c) || c == '-' ? 1 : 0; }))
      return false;
    if (numericNoLeadingZero && allOf(id, isdigit) && id.size() > 1 && id[0] == '0')
      return false;
  }
  return true;
}

inline bool isSemver(llvm::StringRef v) {
  auto [rest, build] = v.split('+');
  if (v.contains('+') && !isSemverIdentifiers(build, false))
    return false;
  auto [core, pre] = rest.split('-');
  if (rest.contains('-') && !isSemverIdentifiers(pre, true))
    return false;
  llvm::SmallVector<llvm::StringRef, 3> parts;
  core.split(parts, '.');
  if (parts.size() != 3)
    return false;
  for (llvm::StringRef p : parts)
    if (!allOf(p, isdigit) || (p.size() > 1 && p[0] == '0'))
      return false;
  return true;
}

// A git commit id: 40 (SHA-1) or 64 (SHA-256) hex digits.
inline bool isGitHash(llvm::StringRef v) { return (v.size() == 40 || v.size() == 64) && allOf(v, isxdigit); }

// RFC 3339 date-time: 2024-05-01T12:00:00[.frac](Z|+hh:mm).
inline bool isRfc3339(llvm::StringRef v) {
  auto digits = [&](size_t at, size_t n) { return v.size() >= at + n && allOf(v.substr(at, n), isdigit); };
  if (!(digits(0, 4) && v.size() > 19 && v[4] == '-' && digits(5, 2) && v[7] == '-' && digits(8, 2) &&
        (v[10] == 'T' || v[10] == 't' || v[10] == ' ') && digits(11, 2) && v[13] == ':' && digits(14, 2) &&
        v[16] == ':' && digits(17, 2)))
    return false;
  int month = std::stoi(v.substr(5, 2).str()), day = std::stoi(v.substr(8, 2).str());
  int hour = std::stoi(v.substr(11, 2).str()), minute = std::stoi(v.substr(14, 2).str());
  int second = std::stoi(v.substr(17, 2).str());
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return false;
  llvm::StringRef rest = v.drop_front(19);
  if (rest.consume_front(".")) {
    size_t n = rest.find_first_not_of("0123456789");
    if (n == 0 || n == llvm::StringRef::npos)
      return false;
    rest = rest.drop_front(n);
  }
  if (rest == "Z" || rest == "z")
    return true;
  return rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && allOf(rest.substr(1, 2), isdigit) &&
         rest[3] == ':' && allOf(rest.substr(4, 2), isdigit);
}

// An SPDX license expression by its grammar: ids (letters, digits, `.`, `-`, optional `+`)
// joined by AND / OR / WITH, with parentheses. Whether an id is on the SPDX list is not checked.
inline bool isSpdxExpression(llvm::StringRef v) {
  std::string spaced;
  for (char c : v) {
    if (c == '(' || c == ')') {
      spaced += ' ';
      spaced += c;
      spaced += ' ';
    } else {
      spaced += c;
    }
  }
  llvm::SmallVector<llvm::StringRef, 8> toks;
  llvm::StringRef(spaced).split(toks, ' ', -1, false);
  int depth = 0;
  bool wantId = true;
  for (llvm::StringRef t : toks) {
    if (t == "(") {
      if (!wantId)
        return false;
      ++depth;
    } else if (t == ")") {
      if (wantId || --depth < 0)
        return false;
    } else if (t == "AND" || t == "OR" || t == "WITH") {
      if (wantId)
        return false;
      wantId = true;
    } else {
      if (!wantId)
        return false;
      llvm::StringRef id = t;
      id.consume_back("+");
      if (!allOf(id, [](int c) { return std::isalnum(c) || c == '.' || c == '-' ? 1 : 0; }))
        return false;
      wantId = false;
    }
  }
  return !wantId && depth == 0;
}

// local@domain.tld, no whitespace, one '@'.
inline bool isEmail(llvm::StringRef v) {
  auto [local, domain] = v.split('@');
  if (local.empty() || domain.empty() || domain.contains('@') ||
      v.find_first_of(" \t<>") != llvm::StringRef::npos)
    return false;
  return domain.contains('.') && !domain.startswith(".") && !domain.endswith(".") && !domain.contains("..");
}

} // namespace dfc::lint::rules
