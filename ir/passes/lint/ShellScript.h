// A POSIX-sh reader for RUN bodies, enough for lint rules: simple commands with their argv
// (quotes removed, expansions kept as written), how they are chained (&&, ||, ;, |), subshells
// and `$(...)` bodies flattened in order, and source ranges for every word. Not an interpreter.
#pragma once

#include "frontend/Source.h"
#include "frontend/SyntaxTree.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/SmallVector.h>
#include <llvm/Support/Allocator.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace dfc::lint {

// Words are views into their ShellScript's storage: valid while the script lives (it may move).
// Plain data (slices and numbers): commands hold their words as slices of the script's arena.
struct ShellWord {
  llvm::StringRef text; // quotes removed; `$VAR` and `$(...)` kept as written
  llvm::StringRef raw;  // exactly as written
  uint32_t begin = 0, end = 0; // offsets in the script text
  Range range;       // in the Dockerfile
  bool quoted = false;
};

enum class Connector : uint8_t { None, And, Or, Semicolon, Pipe, Background };

struct ShellCommand {
  // Slices of the script's arena (read-only views, valid while the script lives).
  llvm::ArrayRef<ShellWord> argv;        // argv[0] is the program (after leading VAR=x assignments)
  llvm::ArrayRef<ShellWord> assignments; // leading VAR=value words
  Connector next = Connector::None;        // how it connects to the following command
  unsigned depth = 0;                      // nesting: subshell, $(...), `...`, if/for bodies
  uint32_t begin = 0, end = 0;             // offsets in the script
  Range range;

  llvm::StringRef name() const { return argv.empty() ? llvm::StringRef() : argv[0].text; }
  // argv[i] for i >= 1 without options starting with '-' (and not after `--`... kept simple).
  llvm::SmallVector<const ShellWord *, 8> operands() const;
  bool hasFlag(llvm::StringRef shortOrLong) const; // "-y", "--yes", also in combined "-qy"
};

// Where one command calls a program: the command's index in ShellScript::commands and the
// program's word in its argv (past `sudo [-u user]`, so `sudo apt-get` calls apt-get at 1).
struct ShellCall {
  uint32_t command = 0;
  uint32_t program = 0;
};

struct ShellScript {
  ShellScript() = default;
  // A script whose storage is `arena` (its owner's, e.g. one for every RUN of a lint Context):
  // it and its slices live as long as the arena.
  explicit ShellScript(llvm::BumpPtrAllocator *arena) : Shared(arena) {}

  llvm::StringRef text; // the script as parsed, in the script's storage
  llvm::ArrayRef<ShellCommand> commands; // in the script's storage
  bool setsPipefail = false; // `set -o pipefail` (or -eo pipefail) appears before a pipe

  // Commands named `name` (after stripping a leading `sudo`/env path like /usr/bin/).
  llvm::SmallVector<const ShellCommand *, 4> find(llvm::StringRef name) const;
  // Every call of the program `name` (base name, looking through `sudo` and its options), in
  // script order. Rules ask for a few names per script; the index makes that a lookup.
  llvm::ArrayRef<ShellCall> calls(llvm::StringRef name) const;

  // Fills the indexes behind find() and calls(); parseShellScript does it once `commands` is final.
  void index();

  struct Calls {
    llvm::StringRef program;          // a base name, in the script's storage
    llvm::ArrayRef<uint32_t> named;   // commands whose argv[0] is it (in the script's storage)
    llvm::ArrayRef<ShellCall> called; // in the script's storage
  };
  // The index itself, one entry per program in order of first use (Context merges the RUNs'
  // indexes into one).
  llvm::ArrayRef<Calls> programs() const { return ByProgram; }

  // A copy of `s` in the script's storage (the reader keeps the script text and every word's
  // unquoted text there, so words are slices rather than strings of their own).
  llvm::StringRef keep(llvm::StringRef s) {
    if (s.empty())
      return llvm::StringRef();
    char *p = allocate<char>(s.size());
    std::memcpy(p, s.data(), s.size());
    return llvm::StringRef(p, s.size());
  }
  // A copy of `words` in the script's storage (a command's argv or assignments).
  llvm::ArrayRef<ShellWord> keep(llvm::ArrayRef<ShellWord> words) {
    if (words.empty())
      return {};
    ShellWord *p = allocate<ShellWord>(words.size());
    std::uninitialized_copy(words.begin(), words.end(), p);
    return llvm::ArrayRef<ShellWord>(p, words.size());
  }
  // Room for n plain objects in the script's storage.
  template <typename T> T *allocate(size_t n) { return Shared ? Shared->Allocate<T>(n) : Strings.Allocate<T>(n); }

private:
  // A script names a few programs: they are scanned; past 8 a hash index is kept beside them.
  llvm::SmallVector<Calls, 4> ByProgram;
  llvm::DenseMap<llvm::StringRef, uint32_t> ByName;
  const Calls *lookup(llvm::StringRef name) const;
  uint32_t entry(llvm::StringRef name);
  // The script text, rewritten words' text, every command and its words, the index's lists:
  // in the owner's arena when given one, else in the script's own (which moves with the
  // script; its slabs, and so every slice, stay put).
  llvm::BumpPtrAllocator *Shared = nullptr;
  llvm::BumpPtrAllocatorImpl<llvm::MallocAllocator, 4096> Strings;
};

// `mapOffset` maps an offset in `text` to a source offset (for ranges). With `arena`, the script
// keeps its storage there (see ShellScript(arena)).
ShellScript parseShellScript(llvm::StringRef text, const SourceText &src,
                             const std::function<uint32_t(uint32_t)> &mapOffset,
                             llvm::BumpPtrAllocator *arena = nullptr);
// A shell-form RUN body: offset `o` of `text` is offset `base + o` of the instruction's logical
// line, so `map` gives line and column directly (no search of the file's line index per word).
ShellScript parseShellScript(llvm::StringRef text, const SourceText &src, const OffsetMap &map,
                             uint32_t base, llvm::BumpPtrAllocator *arena = nullptr);
// The same, read into `out`: a fresh script made where it is kept (no move of the script).
void parseShellScript(ShellScript &out, llvm::StringRef text, const SourceText &src,
                      const std::function<uint32_t(uint32_t)> &mapOffset);
void parseShellScript(ShellScript &out, llvm::StringRef text, const SourceText &src, const OffsetMap &map,
                      uint32_t base);

} // namespace dfc::lint
