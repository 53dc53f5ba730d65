// Maps RUN bodies to ShellCheck input and ShellCheck's JSON back to Dockerfile ranges. The same
// body selection as Context::script, so ShellCheck and the shell-aware rules see one script.
#include "ir/passes/lint/ShellCheck.h"

#include <nlohmann/json.hpp>

namespace dfc::lint {

const Rule &findShellCheckRule();

const char *shellCheckExcludes() { return "SC1090,SC1091,SC2154"; }

namespace {

// ShellCheck's -s for a SHELL instruction's program; empty when it is not a POSIX-ish shell.
std::string dialectOf(llvm::ArrayRef<Operand> shell) {
  if (shell.empty())
    return "sh";
  llvm::StringRef prog = shell[0].expanded();
  prog = prog.substr(prog.rfind('/') + 1);
  if (prog == "bash")
    return "bash";
  if (prog == "sh" || prog == "dash" || prog == "ash" || prog == "busybox")
    return "sh";
  return "";
}

// Converts ShellCheck's 1-based line and column (tabs expanded to 8 columns, as it counts) to a
// byte offset in `script`.
uint32_t scriptOffset(llvm::StringRef script, int64_t line, int64_t column) {
  size_t at = 0;
  for (int64_t l = 1; l < line && at < script.size(); ++l) {
    size_t nl = script.find('\n', at);
    if (nl == llvm::StringRef::npos)
      return static_cast<uint32_t>(script.size());
    at = nl + 1;
  }
  int64_t col = 1;
  while (at < script.size() && script[at] != '\n' && col < column) {
    col = script[at] == '\t' ? ((col - 1) / 8 + 1) * 8 + 1 : col + 1;
    ++at;
  }
  return static_cast<uint32_t>(at);
}

} // namespace

std::vector<ShellBody> shellBodies(const SyntaxTree &tree, const Program &program) {
  std::vector<ShellBody> out;
  for (const Stage &stage : program.stages) {
    std::string dialect = "sh";
    for (const AnyInstruction &any : stage.instructions) {
      if (const auto *sh = any.as<ShellInstruction>()) {
        dialect = dialectOf(sh->shell);
        continue;
      }
      const auto *run = any.as<RunInstruction>();
      if (!run || !run->syntax || dialect.empty())
        continue;
      ShellBody body;
      body.dialect = dialect;
      body.run = run->range;
      const Instruction *syn = run->syntax;
      if (run->heredocs.size() == 1 && run->cmd.args.size() == 1 &&
          llvm::StringRef(run->cmd.args[0].raw).trim().startswith("<<")) {
        const HeredocFile &h = run->heredocs[0];
        body.script = h.content;
        for (uint32_t i = 0; i <= body.script.size(); ++i)
          body.sourceOffsets.push_back(h.body.begin.offset + i);
      } else if (run->cmd.shellForm && !run->cmd.args.empty() && run->heredocs.empty()) {
        body.script = run->cmd.args[0].raw;
        for (uint32_t i = 0; i <= body.script.size(); ++i)
          body.sourceOffsets.push_back(syn->map.toSource(syn->argsOffset + i));
      } else {
        continue;
      }
      if (!llvm::StringRef(body.script).trim().empty())
        out.push_back(std::move(body));
    }
  }
  (void)tree;
  return out;
}

bool shellCheckFindings(const ShellBody &body, llvm::StringRef text, const SourceText &source,
                        std::vector<Finding> &out, std::string &error) {
  nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) {
    error = "shellcheck did not print a JSON array";
    return false;
  }
  const RuleInfo &rule = findShellCheckRule().info;
  for (const nlohmann::json &c : doc) {
    if (!c.is_object() || !c.contains("code") || !c.contains("line"))
      continue;
    auto num = [&c](const char *k, int64_t dflt) {
      auto it = c.find(k);
      return it != c.end() && it->is_number_integer() ? it->get<int64_t>() : dflt;
    };
    int64_t line = num("line", 1), column = num("column", 1);
    int64_t endLine = num("endLine", line), endColumn = num("endColumn", column + 1);
    uint32_t b = scriptOffset(body.script, line, column);
    uint32_t e = std::max(b, scriptOffset(body.script, endLine, endColumn));
    Finding f;
    f.rule = &rule;
    f.range = source.range(body.sourceOffsets[b], std::max(body.sourceOffsets[b], body.sourceOffsets[e]));
    std::string level = c.value("level", std::string("warning"));
    f.severity = level == "error" ? Severity::Error
                 : level == "info" ? Severity::Info
                 : level == "style" ? Severity::Style
                                    : Severity::Warning;
    f.message = "SC" + std::to_string(num("code", 0)) + ": " + c.value("message", std::string());
    out.push_back(std::move(f));
  }
  return true;
}

const Rule &findShellCheckRule() {
  static const Rule *r = findRule("ShellCheck");
  return *r;
}

} // namespace dfc::lint
