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
  // Written as the words are split (a vector of words and a string each cost ~1 malloc a
  // corpus file): a word opens at its first byte or quote and closes at a blank or the end.
  std::string out;
  out.reserve(text.size() + 8);
  bool inWord = false, any = false;
  char quote = 0;
  auto open = [&] {
    if (!inWord)
      out += any ? ", \"" : "[\"";
    inWord = any = true;
  };
  auto put = [&](char c) {
    if (c == '"')
      out += '\\';
    out += c;
  };
  for (char c : text) {
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        put(c);
      continue;
    }
    if (c == '"' || c == '\'') {
      open();
      quote = c;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (inWord)
        out += '"';
      inWord = false;
    } else {
      open();
      put(c);
    }
  }
  if (quote || !any)
    return "";
  if (inWord)
    out += '"';
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
