// BuildKit's SecretsUsedInArgOrEnv: ARG and ENV values end up in the image config and history;
// a name that says "password" or "token" suggests a secret that belongs in a secret mount.
#include "ir/passes/lint/Context.h"

#include <llvm/ADT/SmallVector.h>

namespace dfc::lint::rules {

// BuildKit splits the name on '_' and looks for a deny-listed part, unless a part says "public".
static bool looksSecret(llvm::StringRef name) {
  llvm::SmallVector<llvm::StringRef, 8> parts;
  llvm::StringRef(name).split(parts, '_');
  bool secret = false;
  for (llvm::StringRef p : parts) {
    if (p.equals_insensitive("public"))
      return false;
    for (const char *deny : {"apikey", "auth", "credential", "credentials", "key", "password", "pword", "passwd",
                             "secret", "token"})
      if (p.equals_insensitive(deny))
        secret = true;
  }
  return secret;
}

static void check(Context &ctx) {
  auto visitArgs = [&](const ArgInstruction &a) {
    for (const ArgDecl &d : a.args)
      if (looksSecret(d.key.raw))
        ctx.report(d.key.range, "Do not use ARG or ENV instructions for sensitive data (ARG \"" + d.key.raw + "\")");
  };
  for (const ArgInstruction &a : ctx.program().globalArgs)
    visitArgs(a);
  forEach<ArgInstruction>(ctx.program(), [&](const Stage &, size_t, const ArgInstruction &a) { visitArgs(a); });
  forEach<EnvInstruction>(ctx.program(), [&](const Stage &, size_t, const EnvInstruction &e) {
    for (const KeyValue &kv : e.pairs)
      if (looksSecret(kv.key.raw))
        ctx.report(kv.key.range, "Do not use ARG or ENV instructions for sensitive data (ENV \"" + kv.key.raw + "\")");
  });
}

const Rule &SecretsUsedInArgOrEnv() {
  static const Rule r{{"SecretsUsedInArgOrEnv", {}, Severity::Warning, RuleSource::BuildKit,
                       "Sensitive data should not be used in the ARG or ENV commands"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
