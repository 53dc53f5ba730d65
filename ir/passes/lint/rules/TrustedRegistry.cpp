// hadolint DL3026: with Config::trustedRegistries set, FROM images must come from one of them.
// Images without a registry are docker.io's; `*.example.com` matches any subdomain.
#include "ir/passes/lint/Context.h"
#include "ir/passes/lint/rules/ImageTag.h"

namespace dfc::lint::rules {

static bool isTrusted(llvm::StringRef registry, const std::vector<std::string> &trusted) {
  for (llvm::StringRef t : trusted) {
    if (t.equals_insensitive(registry))
      return true;
    if (t.startswith("*.") && registry.size() > t.size() - 1 &&
        registry.endswith_insensitive(t.drop_front(1)))
      return true;
    if (t == "*")
      return true;
  }
  return false;
}

static void check(Context &ctx) {
  const auto &trusted = ctx.config().trustedRegistries;
  if (trusted.empty())
    return;
  for (const Stage &s : ctx.program().stages) {
    if (!std::get_if<ImageRef>(&s.base))
      continue;
    llvm::StringRef ref(s.baseName.expanded());
    if (ref.empty() || ref.contains('$') || ref == "scratch")
      continue;
    if (auto st = ctx.program().findStage(ref); st && *st < s.index)
      continue;
    llvm::StringRef registry = splitImage(ref).registry;
    if (registry.empty())
      registry = "docker.io";
    if (!isTrusted(registry, trusted))
      ctx.report(s.baseName.range, "Use only an allowed registry in the FROM image");
  }
}

const Rule &TrustedRegistry() {
  static const Rule r{{"TrustedRegistry",
                       {"DL3026"},
                       Severity::Error,
                       RuleSource::Hadolint,
                       "FROM images must come from a trusted registry (when configured)"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
