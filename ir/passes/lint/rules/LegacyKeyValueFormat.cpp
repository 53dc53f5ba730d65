// BuildKit's LegacyKeyValueFormat: `ENV key value` (one pair, value = rest of the line) reads
// differently from `ENV key=value ...`; the legacy form is deprecated.
#include "ir/passes/lint/Context.h"

#include <initializer_list>

namespace dfc::lint::rules {

// Strings built by appending into one reserved buffer (Twine's str() prints through a stream:
// the corpus's most frequent finding made it one of lint's costliest rules).
static std::string concat(std::initializer_list<llvm::StringRef> parts) {
  size_t n = 0;
  for (llvm::StringRef p : parts)
    n += p.size();
  std::string out;
  out.reserve(n);
  for (llvm::StringRef p : parts)
    out.append(p.data(), p.size());
  return out;
}

// `key=value` with the value quoted when the legacy form kept spaces; empty when unsure.
static std::string rewrite(const KeyValue &kv) {
  llvm::StringRef v(kv.value.raw);
  if (v.find_first_of(" \t") == llvm::StringRef::npos)
    return concat({kv.key.raw, "=", v});
  if (v.find_first_of("\"'\\") != llvm::StringRef::npos)
    return "";
  return concat({kv.key.raw, "=\"", v, "\""});
}

// The message and the fix's title are literals, one pair per instruction, kept by pointer (the
// corpus's most frequent fix: built, they were 2 of its 5 mallocs a finding).
template <typename T>
static void checkPairs(Context &ctx, const T &ins, const Message &message, const Message &title) {
  for (const KeyValue &kv : ins.pairs) {
    if (!kv.legacy)
      continue;
    std::optional<Fix> fix;
    std::string text = rewrite(kv);
    if (!text.empty() && kv.value.range.end.offset >= kv.key.range.begin.offset)
      fix = Context::replace(title, Range{kv.key.range.begin, kv.value.range.end}, std::move(text));
    ctx.report(ins.keywordRange, message, std::move(fix));
  }
}

static void check(Context &ctx) {
  forEach<EnvInstruction>(ctx.program(), [&](const Stage &, size_t, const EnvInstruction &e) {
    checkPairs(ctx, e, "\"ENV key=value\" should be used instead of legacy \"ENV key value\" format",
               "Use ENV key=value");
  });
  forEach<LabelInstruction>(ctx.program(), [&](const Stage &, size_t, const LabelInstruction &l) {
    checkPairs(ctx, l, "\"LABEL key=value\" should be used instead of legacy \"LABEL key value\" format",
               "Use LABEL key=value");
  });
}

const Rule &LegacyKeyValueFormat() {
  static const Rule r{{"LegacyKeyValueFormat", {}, Severity::Warning, RuleSource::BuildKit,
                       "Legacy key/value format with whitespace separator should not be used"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
