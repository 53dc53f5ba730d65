// dfc's PreferCacheMount: cleaning a package manager's cache inside RUN keeps the image small
// but throws the cache away on every build; `RUN --mount=type=cache,target=<dir>` does both.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

struct CacheHint {
  std::string what;   // the cleanup as written
  std::string target; // the cache directory to mount
};

static std::optional<CacheHint> cleanup(const ShellCommand &c) {
  llvm::StringRef n = c.name();
  n = n.substr(n.rfind('/') + 1);
  if (n != "npm" && n != "yarn" && n != "pip" && n != "pip3" && n != "apt-get" && n != "apt" && n != "go" &&
      n != "rm")
    return std::nullopt; // none of the programs below: their operands are not worked out
  auto ops = c.operands();
  auto op = [&](size_t i) { return i < ops.size() ? llvm::StringRef(ops[i]->text) : llvm::StringRef(); };
  if (n == "npm" && op(0) == "cache" && op(1) == "clean")
    return CacheHint{"npm cache clean", "/root/.npm"};
  if (n == "yarn" && op(0) == "cache" && op(1) == "clean")
    return CacheHint{"yarn cache clean", "/usr/local/share/.cache/yarn"};
  if ((n == "pip" || n == "pip3") && op(0) == "cache" && op(1) == "purge")
    return CacheHint{n.str() + " cache purge", "/root/.cache/pip"};
  if ((n == "apt-get" || n == "apt") && (op(0) == "clean"))
    return CacheHint{n.str() + " clean", "/var/cache/apt"};
  if (n == "go" && op(0) == "clean" && (c.hasFlag("-modcache") || c.hasFlag("-cache")))
    return CacheHint{"go clean", "/root/.cache/go-build"};
  if (n == "rm") {
    static const std::pair<const char *, const char *> dirs[] = {
        {"/root/.cache/pip", "/root/.cache/pip"}, {"/root/.npm", "/root/.npm"},
        {"/var/cache/apk", "/var/cache/apk"},     {"/root/.cache/go-build", "/root/.cache/go-build"},
        {"/root/.cache", "/root/.cache"},         {"/usr/local/share/.cache/yarn", "/usr/local/share/.cache/yarn"},
        {"/root/.cargo/registry", "/root/.cargo/registry"}};
    for (const ShellWord *w : ops) {
      llvm::StringRef path = llvm::StringRef(w->text).rtrim("/*"); // once a word, not once a dir
      for (const auto &[dir, target] : dirs)
        if (path == dir)
          return CacheHint{"rm " + w->text.str(), target};
    }
  }
  return std::nullopt;
}

static void check(Context &ctx) {
  // The programs cleanup() knows (by argv[0]'s base name, as it reads them).
  if (!ctx.namesAny({"npm", "yarn", "pip", "pip3", "apt-get", "apt", "go", "rm"}))
    return;
  for (const RunScript &r : ctx.runs()) {
    const ShellScript *script = r.script;
    if (!script || std::any_of(r.run->mounts.begin(), r.run->mounts.end(),
                               [](const Mount &m) { return m.type == MountType::Cache; }))
      continue;
    for (const ShellCommand &c : script->commands)
      if (auto hint = cleanup(c)) {
        ctx.report(c.range, "`" + hint->what + "` throws the package cache away on every build; use RUN "
                                "--mount=type=cache,target=" + hint->target + " instead");
        break;
      }
  }
}

const Rule &PreferCacheMount() {
  static const Rule r{{"PreferCacheMount", {}, Severity::Info, RuleSource::Dfc,
                       "Use a cache mount instead of cleaning package manager caches"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
