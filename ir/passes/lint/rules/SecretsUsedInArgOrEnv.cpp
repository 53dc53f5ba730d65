// BuildKit's SecretsUsedInArgOrEnv: ARG and ENV values end up in the image config and history;
// a name that says "password" or "token" suggests a secret that belongs in a secret mount.
#include "ir/passes/lint/Context.h"

#include <llvm/ADT/SmallVector.h>

namespace dfc::lint::rules {

// BuildKit splits the name on '_' and looks for a deny-listed part, unless a part says "public".
// Parts are walked in place and compared only with the deny-listed words of their length.
static bool looksSecret(llvm::StringRef name) {
  bool secret = false;
  for (;;) {
    auto [p, rest] = name.split('_');
    switch (p.size()) {
    case 3: secret |= p.equals_insensitive("key"); break;
    case 4: secret |= p.equals_insensitive("auth"); break;
    case 5: secret |= p.equals_insensitive("pword") || p.equals_insensitive("token"); break;
    case 6:
      if (p.equals_insensitive("public"))
        return false;
      secret |= p.equals_insensitive("apikey") || p.equals_insensitive("passwd") || p.equals_insensitive("secret");
      break;
    case 8: secret |= p.equals_insensitive("password"); break;
    case 10: secret |= p.equals_insensitive("credential"); break;
    case 11: secret |= p.equals_insensitive("credentials"); break;
    default: break;
    }
    if (p.size() == name.size())
      return secret;
    name = rest;
  }
}

static void check(Context &ctx) {
  auto visitArgs = [&](const ArgInstruction &a) {
    for (const ArgDecl &d : a.args)
      if (looksSecret(d.key.raw))
        ctx.report(d.key.range, "Do not use ARG or ENV instructions for sensitive data (ARG \"" + d.key.raw.str() + "\")");
  };
  for (const ArgInstruction &a : ctx.program().globalArgs)
    visitArgs(a);
  forEach<ArgInstruction>(ctx.program(), [&](const Stage &, size_t, const ArgInstruction &a) { visitArgs(a); });
  forEach<EnvInstruction>(ctx.program(), [&](const Stage &, size_t, const EnvInstruction &e) {
    for (const KeyValue &kv : e.pairs)
      if (looksSecret(kv.key.raw))
        ctx.report(kv.key.range, "Do not use ARG or ENV instructions for sensitive data (ENV \"" + kv.key.raw.str() + "\")");
  });
}

const Rule &SecretsUsedInArgOrEnv() {
  static const Rule r{{"SecretsUsedInArgOrEnv", {}, Severity::Warning, RuleSource::BuildKit,
                       "Sensitive data should not be used in the ARG or ENV commands"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
