// hadolint DL3044: values of one ENV are all expanded with the environment from before it, so
// `ENV A=1 B=$A` gives B the old A (empty here, as A was not set before) rather than 1.
#include "ir/passes/lint/Context.h"

#include <cctype>

namespace dfc::lint::rules {

// Whether `raw` mentions `$name` or `${name...}` as a whole variable name.
static bool mentions(llvm::StringRef raw, llvm::StringRef name) {
  auto isNameChar = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t i = raw.find('$'); i != llvm::StringRef::npos; i = raw.find('$', i + 1)) {
    if (i > 0 && raw[i - 1] == '\\')
      continue;
    llvm::StringRef rest = raw.drop_front(i + 1);
    rest.consume_front("{");
    if (rest.startswith(name) && (rest.size() == name.size() || !isNameChar(rest[name.size()])))
      return true;
  }
  return false;
}

static void check(Context &ctx) {
  forEach<EnvInstruction>(ctx.program(), [&](const Stage &st, size_t i, const EnvInstruction &env) {
    // The environment before the ENV is built (on first use, per stage) only when a value
    // mentions an earlier name of the same ENV: most ENVs set one name, or mention none.
    const shell::Environment *before = nullptr;
    for (size_t j = 1; j < env.pairs.size(); ++j) {
      llvm::StringRef value = env.pairs[j].value.raw;
      if (value.find('$') == llvm::StringRef::npos)
        continue;
      for (size_t k = 0; k < j; ++k) {
        llvm::StringRef name = env.pairs[k].key.expanded();
        if (!mentions(value, name))
          continue;
        if (!before)
          before = &st.envBefore(i);
        if (!before->lookup(name)) {
          ctx.report(
              env.pairs[j].value.range,
              "Do not refer to an environment variable within the same `ENV` statement where it is defined.");
          break;
        }
      }
    }
  });
}

const Rule &EnvSameStatementReference() {
  static const Rule r{{"EnvSameStatementReference",
                       {"DL3044"},
                       Severity::Error,
                       RuleSource::Hadolint,
                       "Do not refer to a variable in the ENV statement that defines it"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
