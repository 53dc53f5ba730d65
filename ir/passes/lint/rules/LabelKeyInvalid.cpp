// hadolint DL3048: label keys follow Docker's convention (lowercase alphanumerics, `.` and `-`,
// starting with a letter, ending alphanumeric, no doubled separators) and stay out of the
// namespaces Docker reserves for itself.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static bool isValidKey(llvm::StringRef k) {
  if (k.empty() || !(k.front() >= 'a' && k.front() <= 'z'))
    return false;
  char last = k.back();
  if (!((last >= 'a' && last <= 'z') || (last >= '0' && last <= '9')))
    return false;
  for (size_t i = 0; i < k.size(); ++i) {
    char c = k[i];
    bool sep = c == '.' || c == '-';
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || sep))
      return false;
    if (sep && i + 1 < k.size() && (k[i + 1] == '.' || k[i + 1] == '-'))
      return false;
  }
  for (llvm::StringRef reserved : {"com.docker.", "io.docker.", "org.dockerproject."})
    if (k.startswith(reserved))
      return false;
  return true;
}

static void check(Context &ctx) {
  forEach<LabelInstruction>(ctx.program(), [&](const Stage &, size_t, const LabelInstruction &l) {
    for (const KeyValue &kv : l.pairs)
      if (!llvm::StringRef(kv.key.expanded()).contains('$') && !isValidKey(kv.key.expanded()))
        ctx.report(kv.key.range, "Invalid label key.");
  });
}

const Rule &LabelKeyInvalid() {
  static const Rule r{{"LabelKeyInvalid",
                       {"DL3048"},
                       Severity::Style,
                       RuleSource::Hadolint,
                       "Label keys should be lowercase, dotted and not in Docker's reserved namespaces"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
