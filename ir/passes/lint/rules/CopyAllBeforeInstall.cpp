// dfc's CopyAllBeforeInstall: `COPY . .` before the dependency install makes every source edit
// invalidate the install layer; copying the manifests first keeps that layer cached.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

// The install step a RUN performs, as the user would name it ("npm ci"); "" when none.
static std::string installStep(const ShellScript &script) {
  for (const ShellCommand &c : script.commands) {
    llvm::StringRef n = c.name();
    n = n.substr(n.rfind('/') + 1);
    auto sub = [&](size_t i) { return c.argv.size() > i ? llvm::StringRef(c.argv[i].text) : llvm::StringRef(); };
    auto ops = c.operands();
    llvm::StringRef first = ops.empty() ? llvm::StringRef() : llvm::StringRef(ops[0]->text);
    if ((n == "npm" || n == "yarn" || n == "pnpm") && (first == "install" || first == "ci" || first == "i"))
      return n.str() + " " + first.str();
    if (n == "yarn" && ops.empty())
      return "yarn";
    if ((n == "pip" || n == "pip3" || n == "poetry" || n == "pipenv" || n == "bundle" || n == "composer" ||
         n == "uv") &&
        (first == "install" || first == "sync"))
      return n.str() + " " + first.str();
    if ((n == "python" || n == "python3") && sub(1) == "-m" && (sub(2) == "pip") && sub(3) == "install")
      return "pip install";
    if (n == "go" && first == "mod" && ops.size() > 1 && ops[1]->text == "download")
      return "go mod download";
    if (n == "cargo" && (first == "fetch" || first == "build"))
      return "cargo " + first.str();
    if ((n == "apt-get" || n == "apt" || n == "apk" || n == "dnf" || n == "yum") &&
        (first == "install" || first == "add"))
      return n.str() + " " + first.str();
  }
  return "";
}

static bool copiesWholeContext(const CopyInstruction &c) {
  if (c.from)
    return false;
  for (const Operand &s : c.sources)
    if (s.expanded() == "." || s.expanded() == "./" || s.expanded() == "/")
      return true;
  return false;
}

static void check(Context &ctx) {
  for (const Stage &s : ctx.program().stages) {
    const CopyInstruction *copyAll = nullptr;
    for (const AnyInstruction &any : s.instructions) {
      if (const auto *c = any.as<CopyInstruction>()) {
        if (!copyAll && copiesWholeContext(*c))
          copyAll = c;
        continue;
      }
      const auto *run = any.as<RunInstruction>();
      if (!run || !copyAll)
        continue;
      const ShellScript *script = ctx.script(*run);
      if (!script)
        continue;
      std::string step = installStep(*script);
      if (step.empty())
        continue;
      ctx.report(copyAll->range, "COPY of the whole context before `" + step + "` (line " +
                                     std::to_string(run->range.begin.line + 1) +
                                     ") reruns the install on every source change; copy the dependency "
                                     "manifests first, install, then copy the rest");
      break;
    }
  }
}

const Rule &CopyAllBeforeInstall() {
  static const Rule r{{"CopyAllBeforeInstall", {}, Severity::Info, RuleSource::Dfc,
                       "Copy dependency manifests and install before copying the whole build context"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
