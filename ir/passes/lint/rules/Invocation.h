// What the hadolint-style package rules share: a command read past `sudo`, its subcommand and
// its package operands, so `sudo apt-get -q install -y x` reads like `apt-get install x`.
#pragma once

#include "ir/passes/lint/Context.h"

#include <initializer_list>

namespace dfc::lint::rules {

// One call of a program in a RUN body. `program` indexes the program's word in cmd->argv
// (1 or more after `sudo [-u user]`).
struct Invocation {
  const ShellCommand *cmd = nullptr;
  size_t program = 0;

  llvm::StringRef name() const {
    llvm::StringRef n(cmd->argv[program].text);
    size_t slash = n.rfind('/');
    return slash == llvm::StringRef::npos ? n : n.drop_front(slash + 1);
  }
  bool hasFlag(llvm::StringRef f) const { return cmd->hasFlag(f); }
  bool hasAnyFlag(std::initializer_list<llvm::StringRef> fs) const {
    for (llvm::StringRef f : fs)
      if (cmd->hasFlag(f))
        return true;
    return false;
  }
  // Words after the program that are not options. Options in `valued` take the next word as
  // their value unless written `--opt=value` (so `-o Dpkg::x=y` or `-r reqs.txt` are not operands).
  // Inline storage: rules ask for these on every call, and most commands have few words.
  using Words = llvm::SmallVector<const ShellWord *, 8>;

  Words operands(std::initializer_list<llvm::StringRef> valued = {}) const {
    Words out;
    bool endOfOptions = false;
    for (size_t i = program + 1; i < cmd->argv.size(); ++i) {
      llvm::StringRef t(cmd->argv[i].text);
      if (!endOfOptions && t == "--") {
        endOfOptions = true;
        continue;
      }
      if (!endOfOptions && t.size() > 1 && t.startswith("-")) {
        for (llvm::StringRef v : valued)
          if (t == v) {
            ++i;
            break;
          }
        continue;
      }
      out.push_back(&cmd->argv[i]);
    }
    return out;
  }
  // The first operand ("install" in `apt-get -q install x`), empty when none.
  llvm::StringRef subcommand(std::initializer_list<llvm::StringRef> valued = {}) const {
    if (const ShellWord *w = firstOperand(valued))
      return w->text;
    return llvm::StringRef();
  }
  // Operands after the subcommand: the packages of `apt-get install a b`.
  Words packages(std::initializer_list<llvm::StringRef> valued = {}) const {
    auto ops = operands(valued);
    if (!ops.empty())
      ops.erase(ops.begin());
    return ops;
  }

private:
  // operands(valued)[0] without collecting the rest.
  const ShellWord *firstOperand(std::initializer_list<llvm::StringRef> valued) const {
    bool endOfOptions = false;
    for (size_t i = program + 1; i < cmd->argv.size(); ++i) {
      llvm::StringRef t(cmd->argv[i].text);
      if (!endOfOptions && t == "--") {
        endOfOptions = true;
        continue;
      }
      if (!endOfOptions && t.size() > 1 && t.startswith("-")) {
        for (llvm::StringRef v : valued)
          if (t == v) {
            ++i;
            break;
          }
        continue;
      }
      return &cmd->argv[i];
    }
    return nullptr;
  }
};

inline llvm::StringRef baseName(llvm::StringRef n) {
  size_t slash = n.rfind('/');
  return slash == llvm::StringRef::npos ? n : n.drop_front(slash + 1);
}

// Every call of `name` in the script, looking through `sudo` and its options (ShellScript's
// index: a lookup, not a scan of every command).
inline llvm::SmallVector<Invocation, 4> invocations(const ShellScript &s, llvm::StringRef name) {
  llvm::SmallVector<Invocation, 4> out;
  for (const ShellCall &c : s.calls(name))
    out.push_back(Invocation{&s.commands[c.command], c.program});
  return out;
}

// Whether pipInvocations() can find anything in the program: the word it reads is argv[0], or
// one after `sudo`.
inline bool mayCallPip(Context &ctx) {
  return ctx.names("sudo") || ctx.namesPrefixed("pip") || ctx.namesPrefixed("python");
}

// `pip`, `pip3`, `pip3.12`, `python3 -m pip`: the Invocation's program is the `pip` word.
inline llvm::SmallVector<Invocation, 4> pipInvocations(const ShellScript &s) {
  llvm::SmallVector<Invocation, 4> out;
  for (const ShellCommand &c : s.commands) {
    size_t i = 0;
    if (!c.argv.empty() && baseName(c.argv[0].text) == "sudo")
      for (i = 1; i < c.argv.size() && llvm::StringRef(c.argv[i].text).startswith("-");)
        ++i;
    if (i >= c.argv.size())
      continue;
    llvm::StringRef n = baseName(c.argv[i].text);
    if (n.consume_front("python")) {
      if (n.find_first_not_of("0123456789.") != llvm::StringRef::npos || i + 2 >= c.argv.size() ||
          c.argv[i + 1].text != "-m" || c.argv[i + 2].text != "pip")
        continue;
      out.push_back(Invocation{&c, i + 2});
    } else if (n.consume_front("pip") && n.find_first_not_of("0123456789.") == llvm::StringRef::npos) {
      out.push_back(Invocation{&c, i});
    }
  }
  return out;
}

// Calls of `name` with the given subcommand (`apt-get install`), in every RUN of the program.
// One lookup in the program's index, not one per RUN.
template <typename F> void forEachInvocation(Context &ctx, llvm::StringRef name, F &&f) {
  forEachCall(ctx, name, [&](const RunScript &r, const ShellCommand &cmd, size_t program) {
    f(*r.stage, r.index, *r.run, *r.script, Invocation{&cmd, program});
  });
}

// A package word whose version is decided elsewhere (a variable) cannot be judged.
inline bool isUnknowable(const ShellWord &w) { return llvm::StringRef(w.text).contains('$'); }

} // namespace dfc::lint::rules
