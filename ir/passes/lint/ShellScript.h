// A POSIX-sh reader for RUN bodies, enough for lint rules: simple commands with their argv
// (quotes removed, expansions kept as written), how they are chained (&&, ||, ;, |), subshells
// and `$(...)` bodies flattened in order, and source ranges for every word. Not an interpreter.
#pragma once

#include "frontend/Source.h"

#include <functional>

#include <string>
#include <vector>

namespace dfc::lint {

struct ShellWord {
  std::string text;  // quotes removed; `$VAR` and `$(...)` kept as written
  std::string raw;   // exactly as written
  uint32_t begin = 0, end = 0; // offsets in the script text
  Range range;       // in the Dockerfile
  bool quoted = false;
};

enum class Connector : uint8_t { None, And, Or, Semicolon, Pipe, Background };

struct ShellCommand {
  std::vector<ShellWord> argv; // argv[0] is the program (after leading VAR=x assignments)
  std::vector<ShellWord> assignments;      // leading VAR=value words
  Connector next = Connector::None;        // how it connects to the following command
  unsigned depth = 0;                      // nesting: subshell, $(...), `...`, if/for bodies
  uint32_t begin = 0, end = 0;             // offsets in the script
  Range range;

  llvm::StringRef name() const { return argv.empty() ? llvm::StringRef() : llvm::StringRef(argv[0].text); }
  // argv[i] for i >= 1 without options starting with '-' (and not after `--`... kept simple).
  std::vector<const ShellWord *> operands() const;
  bool hasFlag(llvm::StringRef shortOrLong) const; // "-y", "--yes", also in combined "-qy"
};

struct ShellScript {
  std::string text;
  std::vector<ShellCommand> commands;
  bool setsPipefail = false; // `set -o pipefail` (or -eo pipefail) appears before a pipe

  // Commands named `name` (after stripping a leading `sudo`/env path like /usr/bin/).
  std::vector<const ShellCommand *> find(llvm::StringRef name) const;
};

// `mapOffset` maps an offset in `text` to a source offset (for ranges).
ShellScript parseShellScript(std::string text, const SourceText &src,
                             const std::function<uint32_t(uint32_t)> &mapOffset);

} // namespace dfc::lint
