// BuildKit's JSONArgsRecommended / hadolint DL3025: CMD and ENTRYPOINT in shell form run under
// `/bin/sh -c`, so the program is not PID 1 and never receives SIGTERM. Silent once the stage
// sets its own SHELL (the shell form is then a deliberate choice).
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

// The JSON array for a shell-form command when plain word splitting gives the same argv: no
// expansions, operators, globs or escapes. Empty when a faithful rewrite is not obvious.
static std::string toJson(llvm::StringRef text) {
  if (text.find_first_of("$`|&;<>()*?[]{}~\\#!") != llvm::StringRef::npos)
    return "";
  std::vector<std::string> words;
  std::string cur;
  bool inWord = false;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        cur.push_back(c);
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
      inWord = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (inWord)
        words.push_back(std::move(cur));
      cur.clear();
      inWord = false;
    } else {
      cur.push_back(c);
      inWord = true;
    }
  }
  if (quote)
    return "";
  if (inWord)
    words.push_back(std::move(cur));
  if (words.empty())
    return "";
  std::string out = "[";
  for (size_t i = 0; i < words.size(); ++i) {
    if (i)
      out += ", ";
    out += '"';
    for (char c : words[i]) {
      if (c == '"')
        out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "]";
}

static void check(Context &ctx) {
  for (const Stage &s : ctx.program().stages) {
    bool customShell = false;
    for (const AnyInstruction &any : s.instructions) {
      if (any.as<ShellInstruction>()) {
        customShell = true;
        continue;
      }
      const CommandLine *cmd = nullptr;
      const char *message = nullptr; // a literal per instruction: no string built per finding
      if (const auto *c = any.as<CmdInstruction>()) {
        cmd = &c->cmd;
        message = "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals";
      } else if (const auto *e = any.as<EntrypointInstruction>()) {
        cmd = &e->cmd;
        message = "JSON arguments recommended for ENTRYPOINT to prevent unintended behavior related to OS signals";
      }
      if (!cmd || !cmd->shellForm || cmd->args.empty() || customShell || !any.base().syntax)
        continue;
      if (!any.base().syntax->heredocs.empty())
        continue;
      const Operand &body = cmd->args[0];
      std::optional<Fix> fix;
      std::string json = toJson(body.raw);
      if (!json.empty())
        fix = Context::replace("Use the JSON (exec) form", body.range, std::move(json));
      ctx.report(any.base().range, Message::fromStatic(message), std::move(fix));
    }
  }
}

const Rule &JSONArgsRecommended() {
  static const Rule r{{"JSONArgsRecommended", {"DL3025"}, Severity::Warning, RuleSource::BuildKit,
                       "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
