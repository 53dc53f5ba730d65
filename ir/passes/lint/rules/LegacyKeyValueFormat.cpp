// BuildKit's LegacyKeyValueFormat: `ENV key value` (one pair, value = rest of the line) reads
// differently from `ENV key=value ...`; the legacy form is deprecated.
#include "ir/passes/lint/Context.h"

#include <llvm/ADT/Twine.h>

namespace dfc::lint::rules {

// `key=value` with the value quoted when the legacy form kept spaces; empty when unsure.
static std::string rewrite(const KeyValue &kv) {
  llvm::StringRef v(kv.value.raw);
  if (v.find_first_of(" \t") == llvm::StringRef::npos)
    return (kv.key.raw + "=" + v).str();
  if (v.find_first_of("\"'\\") != llvm::StringRef::npos)
    return "";
  return (kv.key.raw + "=\"" + v + "\"").str();
}

template <typename T> static void checkPairs(Context &ctx, const T &ins, llvm::StringRef name) {
  for (const KeyValue &kv : ins.pairs) {
    if (!kv.legacy)
      continue;
    std::optional<Fix> fix;
    std::string text = rewrite(kv);
    if (!text.empty() && kv.value.range.end.offset >= kv.key.range.begin.offset)
      fix = Context::replace(("Use " + name + " key=value").str(),
                             Range{kv.key.range.begin, kv.value.range.end}, std::move(text));
    ctx.report(ins.keywordRange,
               ("\"" + name + " key=value\" should be used instead of legacy \"" + name + " key value\" format")
                   .str(),
               std::move(fix));
  }
}

static void check(Context &ctx) {
  forEach<EnvInstruction>(ctx.program(), [&](const Stage &, size_t, const EnvInstruction &e) {
    checkPairs(ctx, e, "ENV");
  });
  forEach<LabelInstruction>(ctx.program(), [&](const Stage &, size_t, const LabelInstruction &l) {
    checkPairs(ctx, l, "LABEL");
  });
}

const Rule &LegacyKeyValueFormat() {
  static const Rule r{{"LegacyKeyValueFormat", {}, Severity::Warning, RuleSource::BuildKit,
                       "Legacy key/value format with whitespace separator should not be used"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
