// The script of a merged RUN group: which bodies may run inline in the one shell, and the join.
// Every body the proof below cannot cover keeps its own `SH -c` process, as before.
#include "ir/passes/lint/ShellScript.h"
#include "ir/passes/opt/Optimise.h"

#include <llvm/ADT/StringExtras.h>
#include <llvm/ADT/StringSwitch.h>

#include <algorithm>

namespace dfc::opt {

// Why `{ A
// } && hash -r && { B
// }` is exact for bodies that notInlinable() accepts (the outer shell is the RUN's own shell with
// no options, the same env, user, workdir and mounts, as for a `SH -c` join):
// - A body alone is `SH -c "A"`: a fresh shell. B, inlined, runs in the shell that ran A, so A
//   must leave that shell as it found it: no builtin that changes its state (cd, set, export,
//   unset, umask, ulimit, trap, alias, shopt, read, getopts, hash, ...), no assignment that
//   outlives its command (a bare `X=1`, `X=1` before a builtin, `${X=..}`, `$((X=..))`, `for`),
//   no function definition, nothing that leaves its own control flow (exit, return, break,
//   continue, exec, eval, source, which could do any of these). The one state a shell changes by
//   itself is its command hash table (A's `foo` found in /usr/bin stays found there even after A
//   installs /usr/local/bin/foo): `hash -r` (POSIX) empties it before each inlined body.
// - Nothing B reads differs then, except what names the process or the line: `$$`, `$PPID`,
//   `$!`, `$-`, `$_`, `$LINENO`, `$RANDOM`, `$SECONDS`, `$BASHPID`, ... refused. `$?` is 0 at the
//   start of B both ways (B runs only after A's group returned 0, and after `hash -r`).
// - `set -e` is never on: a body that sets it is refused (anywhere, subshells included: POSIX
//   ignores -e in whatever stands left of `&&`, which is the reason the old join used processes).
//   So a group's status is its last command's, as `SH -c "A"` exits with it, and `&&` stops at
//   the first failing body with its status, as O0 stops the build.
// - `{ A<newline>}` holds A whole: A's structure is checked to be self-contained (every `{`,
//   `(`, if, while/until, do opened in A is closed in A and nothing in A closes more), so A can
//   neither close the group early nor reach into B; the newline ends a trailing comment. A syntax
//   error inside A stays a syntax error of the script (status 2 both ways; the build fails).
// - A shell that stops on an error of a special builtin or an expansion (`${X?}`) exits with that
//   status; alone A exits with it as well and the build stops there either way.
// - A body the checks cannot read (dynamic command names, `((`, here-documents, `case`, `for`,
//   `[[`, words they do not expect where a reserved word may stand) is not inlined.

namespace {

// What may change the -e option (or run anything that does): refused in subshells too, since
// POSIX ignores -e in whatever stands left of `&&`, subshells included.
bool changesOptions(llvm::StringRef name) {
  return llvm::StringSwitch<bool>(name)
      .Cases("set", "shopt", "eval", "source", ".", "command", "builtin", "setopt", "emulate", true)
      .Default(false);
}

// Builtins (POSIX, dash, busybox ash, bash, ksh) that change the shell's own state or leave the
// body's control flow, and wrappers that could run one of those.
bool changesShell(llvm::StringRef name) {
  return llvm::StringSwitch<bool>(name)
      .Cases("cd", "chdir", "pushd", "popd", "dirs", "export", "unset", "set", "shopt", true)
      .Cases("trap", "umask", "ulimit", "alias", "unalias", "source", ".", "eval", "exec", true)
      .Cases("exit", "return", "break", "continue", "read", "getopts", "wait", "shift", true)
      .Cases("readonly", "local", "declare", "typeset", "let", "hash", "enable", "builtin", true)
      .Cases("command", "mapfile", "readarray", "jobs", "fg", "bg", "disown", "suspend", true)
      .Cases("logout", "kill", "fc", "history", "bind", "complete", "compgen", "caller", true)
      .Cases("coproc", "time", "times", "newgrp", "function", "select", "autoload", true)
      .Cases("functions", "integer", "nameref", "print", "whence", "emulate", "setopt", true)
      .Default(false);
}

// Every builtin name: a prefix assignment `X=1 name` may outlive the command for those.
bool isBuiltin(llvm::StringRef name) {
  return changesShell(name) || llvm::StringSwitch<bool>(name)
                                   .Cases(":", "[", "echo", "printf", "test", "true", "false", "pwd", true)
                                   .Cases("type", "help", "ulimit", "getconf", true)
                                   .Default(false);
}

// Variables the shell itself sets that differ between a fresh shell and one that ran A.
bool processParam(llvm::StringRef name) {
  return llvm::StringSwitch<bool>(name)
      .Cases("OLDPWD", "PWD", true) // the way back to the workdir may `cd`
      .Cases("PPID", "LINENO", "RANDOM", "SECONDS", "BASHPID", "OPTIND", "OPTARG", "REPLY", true)
      .Cases("SHLVL", "EPOCHSECONDS", "EPOCHREALTIME", "SRANDOM", "BASH_COMMAND", "BASH_LINENO", true)
      .Cases("BASH_SUBSHELL", "PIPESTATUS", "_", "BASH_EXECUTION_STRING", "BASH_ARGV", "BASH_ARGC", true)
      .Default(false);
}

bool nameChar(char c) { return llvm::isAlnum(c) || c == '_'; }

// An arithmetic expression that assigns: `=` that is not `==`, `!=`, `<=`, `>=` (but `<<=` and
// `>>=` are), `++`, `--`.
bool arithmeticAssigns(llvm::StringRef expr) {
  if (expr.contains("++") || expr.contains("--"))
    return true;
  for (size_t k = 0; k < expr.size(); ++k) {
    if (expr[k] != '=' || (k + 1 < expr.size() && expr[k + 1] == '='))
      continue;
    char p = k > 0 ? expr[k - 1] : '\0';
    bool shift = (p == '<' || p == '>') && k > 1 && expr[k - 2] == p;
    if (!llvm::StringRef("=!<>").contains(p) || shift)
      return true;
  }
  return false;
}

// Reads of process-specific parameters and assignments hidden in expansions, anywhere in the
// text (quotes included: a false alarm only keeps a body in its own shell).
std::optional<std::string> expansionReason(llvm::StringRef t) {
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i] == '(' && t[i + 1] == '(') {
      if (i == 0 || t[i - 1] != '$')
        return std::string("an arithmetic command '(('");
      size_t end = t.find("))", i);
      llvm::StringRef expr = t.slice(i + 2, end == llvm::StringRef::npos ? t.size() : end);
      if (arithmeticAssigns(expr))
        return std::string("an arithmetic assignment");
      continue;
    }
    if (t[i] != '$')
      continue;
    char c = t[i + 1];
    if (c == '[') // bash's old `$[ ]` arithmetic, which may assign
      return std::string("an arithmetic expansion '$['");
    if (c == '$' || c == '!' || c == '-')
      return "the special parameter $" + std::string(1, c);
    size_t k = i + 1;
    bool braced = c == '{';
    if (braced) {
      ++k;
      if (k < t.size() && llvm::StringRef("$!-_").contains(t[k]))
        return "the special parameter ${" + std::string(1, t[k]) + "}";
    }
    if (braced && k < t.size() && t[k] == '#') // ${#name}, ${#a[..]}: the length of what follows
      ++k;
    size_t nameBegin = k;
    while (k < t.size() && nameChar(t[k]))
      ++k;
    llvm::StringRef name = t.slice(nameBegin, k);
    if (processParam(name))
      return "the shell's own parameter $" + name.str();
    if (braced && !name.empty() && k < t.size() &&
        (t[k] == '=' || (t[k] == ':' && k + 1 < t.size() && t[k + 1] == '=')))
      return "an assignment in ${" + name.str() + "=...}";
    // bash evaluates an array subscript `${a[..]}` and a substring's `${X:offset:length}` as
    // arithmetic, which may assign.
    if (braced && !name.empty() && k < t.size() &&
        (t[k] == '[' || (t[k] == ':' && k + 1 < t.size() && !llvm::StringRef("-=?+").contains(t[k + 1])))) {
      size_t e = t.find('}', k);
      if (arithmeticAssigns(t.slice(k + 1, e == llvm::StringRef::npos ? t.size() : e)))
        return "an arithmetic assignment in ${" + name.str() + "...}";
    }
  }
  return std::nullopt;
}

// NAME=, bash's NAME+= and NAME[subscript]= (quotes in the value or the subscript do not matter;
// a quoted name taken for one only keeps the body in its own shell).
bool isAssignmentWord(llvm::StringRef w) {
  size_t n = 0;
  while (n < w.size() && nameChar(w[n]))
    ++n;
  if (n == 0 || llvm::isDigit(w[0]))
    return false;
  if (n < w.size() && w[n] == '[') {
    size_t close = w.find(']', n);
    if (close == llvm::StringRef::npos)
      return false;
    n = close + 1;
  }
  if (n < w.size() && w[n] == '+')
    ++n;
  return n < w.size() && w[n] == '=';
}

bool reservedLike(llvm::StringRef w) {
  return llvm::StringSwitch<bool>(w)
      .Cases("{", "}", "if", "then", "else", "elif", "fi", "while", "until", "do", true)
      .Cases("done", "for", "select", "case", "esac", "in", "function", "!", "[[", true)
      .Cases("]]", "coproc", "time", true)
      .Default(false);
}

// A body's top-level tokens: words (quotes and expansions skipped as a whole) and operators.
struct Token {
  enum Kind { Word, Op, End } kind = End;
  std::string text;     // operator text; for words the text with quote characters removed
  bool quoted = false;  // a word with quotes or escapes: never a reserved word
  bool dynamic = false; // a word with `$` or '`': its value is known only when it runs
};

class Lexer {
public:
  explicit Lexer(llvm::StringRef text) : T(text) {}
  bool failed = false;                // a construct the lexer does not follow
  size_t offset() const { return P; } // where the next token starts (or blanks before it)

  Token next() {
    for (;;) {
      while (P < T.size() && (T[P] == ' ' || T[P] == '\t'))
        ++P;
      if (P + 1 < T.size() && T[P] == '\\' && T[P + 1] == '\n') {
        P += 2;
        continue;
      }
      if (P < T.size() && T[P] == '#') {
        while (P < T.size() && T[P] != '\n')
          ++P;
        continue;
      }
      break;
    }
    Token tok;
    if (P >= T.size())
      return tok;
    static const char *ops[] = {"&&", "||", ";;", "<<", ">>", "<&", ">&", "<>", ">|",
                                "&",  "|",  ";",  "(",  ")",  "<",  ">",  "\n"};
    size_t digits = P;
    while (digits < T.size() && llvm::isDigit(T[digits]))
      ++digits;
    size_t at = digits < T.size() && (T[digits] == '<' || T[digits] == '>') ? digits : P;
    for (const char *op : ops)
      if (T.substr(at).startswith(op)) {
        tok.kind = Token::Op;
        tok.text = op;
        P = at + llvm::StringRef(op).size();
        return tok;
      }
    tok.kind = Token::Word;
    while (P < T.size() && !llvm::StringRef(" \t\n;&|()<>").contains(T[P])) {
      char c = T[P];
      if (c == '\\' && P + 1 < T.size() && T[P + 1] == '\n') {
        P += 2; // a line continuation is gone before the shell reads words
      } else if (c == '\\') {
        tok.quoted = true;
        if (P + 1 < T.size())
          tok.text += T[P + 1];
        P += 2;
      } else if (c == '\'') {
        tok.quoted = true;
        size_t e = T.find('\'', P + 1);
        if (e == llvm::StringRef::npos)
          return fail();
        tok.text += T.slice(P + 1, e).str();
        P = e + 1;
      } else if (c == '"') {
        tok.quoted = true;
        ++P;
        while (P < T.size() && T[P] != '"') {
          char d = T[P];
          if (d == '\\') {
            if (P + 1 < T.size() && T[P + 1] != '\n')
              tok.text += T[P + 1];
            P += 2;
            continue;
          }
          if (d == '$' || d == '`')
            tok.dynamic = true;
          if (d == '$' && P + 1 < T.size() && T[P + 1] == '(') {
            if (!skipParens(P + 1))
              return fail();
            continue;
          }
          if (d == '`') {
            if (!skipBackquote())
              return fail();
            continue;
          }
          tok.text += d;
          ++P;
        }
        if (P >= T.size())
          return fail();
        ++P;
      } else if (c == '$' && P + 1 < T.size() && T[P + 1] == '\'') {
        return fail(); // $'...': its \' would end the quote for every reader here
      } else if (c == '$' || c == '`') {
        tok.dynamic = true;
        tok.text += c;
        if (c == '`') {
          if (!skipBackquote())
            return fail();
        } else if (P + 1 < T.size() && T[P + 1] == '(') {
          if (!skipParens(P + 1))
            return fail();
        } else if (P + 1 < T.size() && T[P + 1] == '{') {
          size_t e = T.find('}', P);
          if (e == llvm::StringRef::npos)
            return fail();
          P = e + 1;
        } else {
          ++P;
        }
      } else {
        tok.text += c;
        ++P;
      }
    }
    return tok;
  }

private:
  llvm::StringRef T;
  size_t P = 0;

  Token fail() {
    failed = true;
    return Token();
  }
  // From the '(' at `open` past its matching ')', skipping quotes inside; P ends after it.
  bool skipParens(size_t open) {
    int depth = 0;
    for (size_t i = open; i < T.size(); ++i) {
      char c = T[i];
      if (c == '\\') {
        ++i;
      } else if (c == '$' && i + 1 < T.size() && T[i + 1] == '\'') {
        return false;
      } else if (c == '\'') {
        i = T.find('\'', i + 1);
        if (i == llvm::StringRef::npos)
          return false;
      } else if (c == '"') {
        for (++i; i < T.size() && T[i] != '"'; ++i)
          if (T[i] == '\\')
            ++i;
        if (i >= T.size())
          return false;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')' && --depth == 0) {
        P = i + 1;
        return true;
      }
    }
    return false;
  }
  bool skipBackquote() {
    for (size_t i = P + 1; i < T.size(); ++i) {
      if (T[i] == '\\')
        ++i;
      else if (T[i] == '`') {
        P = i + 1;
        return true;
      }
    }
    return false;
  }
};

// Walks the tokens as a shell parser would at the body's top level and in its compound commands
// (not inside `$( )`, which runs in a subshell: ShellScript's reading covers the commands there).
// Subshells `( )` of the body's top level: [after '(', at ')') offsets.
using Spans = std::vector<std::pair<size_t, size_t>>;

std::optional<std::string> structureReason(llvm::StringRef body, Spans &subshells) {
  Lexer lex(body);
  std::vector<size_t> opens; // offsets after each open '('

  // What is open: '(' subshell, '{' group, 'i' if/elif condition, 't' then part, 'e' else part,
  // 'w' while/until condition, 'd' loop body; and `commands` when it opened or last moved on, since
  // each of these parts needs a command of its own (else the body is a syntax error, which the
  // shell would report for the whole joined script before running anything).
  std::vector<char> open;
  std::vector<size_t> since;
  bool cmdStart = true; // a reserved word would be recognised here
  bool haveName = false, haveAssign = false, haveRedirect = false, afterClose = false;
  bool expectTarget = false;
  bool bang = false; // a `!` that still needs its command
  std::string name;
  size_t commands = 0;
  std::string lastOp;
  auto endCommand = [&]() -> std::optional<std::string> {
    if (haveAssign && !haveName && std::find(open.begin(), open.end(), '(') == open.end())
      return std::string("an assignment without a command");
    if (!haveName && (haveAssign || haveRedirect))
      ++commands; // `X=1` in a subshell, `> file`
    if (bang && !haveName && !haveAssign && !haveRedirect && !afterClose)
      return std::string("a '!' without a command");
    bang = false;
    cmdStart = true;
    haveName = haveAssign = haveRedirect = afterClose = false;
    name.clear();
    return std::nullopt;
  };
  for (;;) {
    Token t = lex.next();
    if (lex.failed)
      return std::string("quoting the check cannot follow");
    if (t.kind == Token::End)
      break;
    if (expectTarget) {
      if (t.kind != Token::Word)
        return std::string("a redirection without a target");
      expectTarget = false;
      continue;
    }
    if (t.kind == Token::Word) {
      std::string prevOp = std::move(lastOp);
      lastOp.clear();
      if (afterClose)
        return "'" + t.text + "' after a compound command";
      bool reserved = !t.quoted && !t.dynamic && reservedLike(t.text);
      if (reserved && cmdStart && !haveName && !haveAssign && !haveRedirect) {
        llvm::StringRef w(t.text);
        auto top = [&] { return open.empty() ? '\0' : open.back(); };
        // Moves the open part on (or closes it) when it had a command of its own.
        auto step = [&](llvm::StringRef from, char to) -> std::optional<std::string> {
          if (!from.contains(top()))
            return "a '" + w.str() + "' where it does not belong";
          if (commands == since.back())
            return "an empty part before '" + w.str() + "'";
          if (to) {
            open.back() = to;
            since.back() = commands;
          } else {
            open.pop_back();
            since.pop_back();
            ++commands; // the compound command, in the list around it
            cmdStart = false;
            afterClose = true;
          }
          return std::nullopt;
        };
        std::optional<std::string> why;
        if (w == "{" || w == "if" || w == "while" || w == "until") {
          open.push_back(w == "{" ? '{' : w == "if" ? 'i' : 'w');
          since.push_back(commands);
        } else if (w == "then") {
          why = step("i", 't');
        } else if (w == "elif") {
          why = step("t", 'i');
        } else if (w == "else") {
          why = step("t", 'e');
        } else if (w == "fi") {
          why = step("te", 0);
        } else if (w == "do") {
          why = step("w", 'd');
        } else if (w == "done") {
          why = step("d", 0);
        } else if (w == "}") {
          why = step("{", 0);
        } else if (w == "!") {
          if (bang || prevOp == "|") // `! !`, `a | ! b`: syntax errors in some shells
            return std::string("a '!' the check does not place");
          bang = true;
        } else {
          return "'" + w.str() + "'";
        }
        if (why)
          return why;
        continue;
      }
      if (reserved && !haveName)
        return "'" + t.text + "' where the check cannot tell a reserved word from a command";
      if (!haveName && isAssignmentWord(t.text)) {
        haveAssign = true;
        cmdStart = false;
        continue;
      }
      if (!haveName) {
        if (t.dynamic)
          return std::string("a command name known only when it runs");
        haveName = true;
        cmdStart = false;
        name = t.text;
        ++commands;
        // In a subshell `( )` state changes and exits end with it; options still matter.
        bool inSubshell = std::find(open.begin(), open.end(), '(') != open.end();
        if (inSubshell ? changesOptions(name) : changesShell(name))
          return "'" + name + "', which changes the shell or its control flow";
        if (haveAssign && !inSubshell && isBuiltin(name))
          return "an assignment before the builtin '" + name + "'";
        continue;
      }
      if (name == "printf" && llvm::StringRef(t.text).startswith("-v"))
        return std::string("printf -v, which assigns a variable");
      continue;
    }
    // An operator.
    const std::string &op = t.text;
    if (op != "\n")
      lastOp = op;
    if (op == "&")
      return std::string("a background job ('&')");
    if (op == ";;")
      return std::string("';;'");
    if (op == "<<")
      return std::string("a here-document");
    if (op[0] == '<' || op[0] == '>') {
      expectTarget = true;
      if (!haveName)
        haveRedirect = true;
      cmdStart = false;
      continue;
    }
    if (op == "(") {
      if (haveName || haveAssign || haveRedirect || afterClose || !cmdStart)
        return std::string("a function definition or a '(' the check cannot place");
      open.push_back('(');
      since.push_back(commands);
      opens.push_back(lex.offset());
      continue;
    }
    if (op == ")") {
      if (open.empty() || open.back() != '(')
        return std::string("a ')' that closes what the body did not open");
      if (auto why = endCommand())
        return why;
      if (commands == since.back())
        return std::string("an empty subshell");
      open.pop_back();
      since.pop_back();
      ++commands;
      subshells.push_back({opens.back(), lex.offset()});
      opens.pop_back();
      cmdStart = false;
      afterClose = true;
      continue;
    }
    // ; | && || newline
    bool empty = !haveName && !haveAssign && !haveRedirect && !afterClose;
    if (empty && op != "\n")
      return "'" + op + "' after no command";
    if (auto why = endCommand())
      return why;
  }
  if (expectTarget)
    return std::string("a redirection without a target");
  if (auto why = endCommand())
    return why;
  if (!open.empty())
    return std::string("a compound command the body does not close");
  if (lastOp == "&&" || lastOp == "||" || lastOp == "|")
    return "a trailing '" + lastOp + "'";
  if (commands == 0)
    return std::string("no command");
  return std::nullopt;
}

// The same command checks on lint's reading of the body, which also looks into `$( )` and
// backquotes (subshells, depth > 0, where only option changes matter) and sees through wrappers
// such as `env`, `nohup` (which is why a command it reads without argv is not taken for a bare
// assignment: structureReason finds those at the top level).
std::optional<std::string> commandsReason(llvm::StringRef body, const Spans &subshells) {
  SourceText src(body.str());
  lint::ShellScript script = lint::parseShellScript(body, src, [](uint32_t o) { return o; });
  for (const lint::ShellCommand &c : script.commands) {
    if (c.next == lint::Connector::Background)
      return std::string("a background job ('&')");
    if (c.argv.empty())
      continue;
    // ShellScript's depth counts `$( )` and backquotes; its top-level `( )` spans come from the
    // lexer (the reader closes a subshell before it files the command that ends it).
    bool inSubshell = c.depth > 0 || llvm::any_of(subshells, [&](const std::pair<size_t, size_t> &sp) {
                        return c.begin >= sp.first && c.begin < sp.second;
                      });
    llvm::StringRef name(c.argv[0].text);
    if (name.contains('$') || name.contains('`'))
      return std::string("a command name known only when it runs");
    if (inSubshell ? changesOptions(name) : changesShell(name))
      return "'" + name.str() + "', which changes the shell or its control flow";
    if (!inSubshell && !c.assignments.empty() && isBuiltin(name))
      return "an assignment before the builtin '" + name.str() + "'";
  }
  return std::nullopt;
}

// Whether the body may send its stderr anywhere but the RUN's own (the build log) or /dev/null:
// the shell's own messages (`sh: 1: foo: not found`, `bash: line 1: ...`) carry the line number,
// which counts from the top of the joined script for every body but the first (`2>`, `2<>`, `&>`,
// bash's `>&file` and `|&`; quotes included: a false alarm only keeps a body in its own shell).
bool mayCaptureStderr(llvm::StringRef t) {
  auto toNull = [&](size_t i) { // after a redirection operator: /dev/null and a word's end?
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t'))
      ++i;
    llvm::StringRef rest = t.substr(i);
    return rest.startswith("/dev/null") &&
           (rest.size() == 9 || llvm::StringRef(" \t\n;&|)").contains(rest[9]));
  };
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    char c = t[i], d = t[i + 1];
    if (c == '2' && d == '>') {
      size_t k = i + 2;
      if (k < t.size() && (t[k] == '>' || t[k] == '|'))
        ++k;
      if (!toNull(k))
        return true;
    } else if (c == '2' && d == '<' && i + 2 < t.size() && t[i + 2] == '>') {
      return true;
    } else if (c == '&' && d == '>') {
      size_t k = i + 2;
      if (k < t.size() && t[k] == '>')
        ++k;
      if (!toNull(k))
        return true;
    } else if (c == '>' && d == '&' && i + 2 < t.size() && !llvm::isDigit(t[i + 2]) && t[i + 2] != '-') {
      return true;
    } else if (c == '|' && d == '&') {
      return true;
    }
  }
  return false;
}

std::string singleQuoted(llvm::StringRef s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

} // namespace

std::optional<std::string> notInlinable(llvm::StringRef body) {
  if (auto why = unmergeableBody(body))
    return why;
  if (auto why = expansionReason(body))
    return why;
  Spans subshells;
  if (auto why = structureReason(body, subshells))
    return why;
  return commandsReason(body, subshells);
}

std::string joinRunScripts(const std::vector<std::string> &shell, const std::vector<std::string> &bodies,
                           bool mayInline, const std::string &workdir) {
  std::string prefix;
  for (const std::string &a : shell)
    prefix += singleQuoted(a) + " ";
  // Each RUN alone starts in the workdir, which the runtime (re)creates; a body that removed and
  // made it again would leave the next one in the deleted directory: go back to it, by its
  // physical path as getcwd() gives a fresh shell its $PWD, only when `.` is not it, and forget
  // the OLDPWD that cd sets (a fresh shell has none; the builder passes no workdir when the env
  // sets one).
  std::string back = workdir.empty() ? std::string()
                                     : "[ . -ef " + singleQuoted(workdir) + " ] || { cd -P -- " +
                                           singleQuoted(workdir) + " && unset OLDPWD; }";
  std::string out;
  for (const std::string &b : bodies) {
    bool inlined = mayInline && !notInlinable(b) && (out.empty() || !mayCaptureStderr(b));
    if (!out.empty()) {
      if (!back.empty())
        out += " && { " + std::string(inlined ? "hash -r; " : "") + back + "; }";
      else if (inlined)
        out += " && hash -r";
      out += " && ";
    }
    out += inlined ? "{ " + b + "\n}" : prefix + singleQuoted(b);
  }
  return out;
}

} // namespace dfc::opt
