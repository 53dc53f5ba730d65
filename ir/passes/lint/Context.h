// What a rule sees while it runs: the syntax tree, the typed program, the configuration, shell
// parses of RUN bodies (computed once, shared by rules) and the report() sink.
#pragma once

#include "ir/passes/lint/Lint.h"
#include "ir/passes/lint/ShellScript.h"

#include <llvm/ADT/DenseMap.h>

#include <initializer_list>
#include <memory>
#include <optional>

namespace dfc::lint {

// One RUN of the program, in program order, with its shell parse (nullptr for exec form).
struct RunScript {
  const Stage *stage = nullptr;
  size_t index = 0; // in stage->instructions
  const RunInstruction *run = nullptr;
  const ShellScript *script = nullptr;
};

// Where a program is called in some RUN: runs()[run].script->commands[command], whose argv word
// `program` is the program (past `sudo [-u user]`).
struct ProgramCall {
  uint32_t run = 0;
  uint32_t command = 0;
  uint32_t program = 0;
};

class Context {
public:
  Context(const SyntaxTree &tree, const Program &program, const Config &config);
  ~Context();
  Context(const Context &) = delete;
  Context &operator=(const Context &) = delete;

  const SyntaxTree &tree() const { return Tree; }
  const Program &program() const { return Prog; }
  const Config &config() const { return Cfg; }
  const SourceText &source() const { return Tree.source; }

  // The rule now running (set by lint()).
  void setRule(const Rule *r) { Current = r; }
  // A literal message is kept by pointer (no allocation), a built one moved in (Message).
  void report(Range range, Message message, std::optional<Fix> fix = std::nullopt);

  // A RUN's shell-form body (or single-heredoc script) parsed into commands; nullptr for exec
  // form. Word ranges are source ranges.
  const ShellScript *script(const RunInstruction &run);

  // Every RUN of every stage (ONBUILD triggers excluded), scripts parsed once, in program order.
  // Rules that read RUN bodies walk this instead of every instruction.
  llvm::ArrayRef<RunScript> runs();
  // Every call of the program `name` (base name, past `sudo`) in every RUN, in program order:
  // one lookup for the whole program rather than one per RUN.
  llvm::ArrayRef<ProgramCall> calls(llvm::StringRef name);
  // Whether some command of some RUN is named `name` (argv[0]'s base name, ShellScript::find),
  // or calls it; for rules to return early when the commands they judge appear nowhere.
  bool names(llvm::StringRef name);
  bool namesAny(llvm::ArrayRef<llvm::StringRef> names);
  bool callsAny(llvm::ArrayRef<llvm::StringRef> names);
  // Whether some command of some RUN is named with `prefix` first (`pip3.12`, `python3`).
  bool namesPrefixed(llvm::StringRef prefix);

  // Stages reachable from the target (BuildKit only builds these); index set.
  bool isReachable(size_t stage) const;
  bool isFinalStage(size_t stage) const { return Prog.targetStage && *Prog.targetStage == stage; }

  // A replacement of [range] by text, as a one-edit fix.
  static Fix replace(Message title, Range range, Message text) {
    Fix f; // the edit moved in, not copied out of an initializer_list
    f.title = std::move(title);
    f.edits.push_back(TextEdit{range, std::move(text)});
    return f;
  }

  std::vector<Finding> takeFindings() { return std::move(Findings); }

private:
  const SyntaxTree &Tree;
  const Program &Prog;
  const Config &Cfg;
  const Rule *Current = nullptr;
  std::vector<Finding> Findings;
  // Filled together by indexRuns() on the first question about RUN bodies.
  // A file has a few RUNs: they and their scripts are held inline up to 8 (no malloc per file).
  bool RunsIndexed = false;
  llvm::SmallVector<RunScript, 8> Runs;
  // Every script's text, commands and words (one arena a file): the thread's spare arena when no
  // other Context holds it (reset after, its first slab kept: a fresh arena was a 4 KiB malloc per
  // file with RUNs), else OwnArena.
  llvm::BumpPtrAllocator OwnArena;
  llvm::BumpPtrAllocator &ScriptArena;
  llvm::SmallVector<ShellScript, 8> Scripts; // Runs[i].script's owners, reserved once (never reallocated)
  size_t ScriptCursor = 0;          // script(run) asks in program order: the next RUN is a hit
  std::vector<std::pair<const RunInstruction *, std::unique_ptr<ShellScript>>> Strays; // outside the stages
  // The program index: one entry per program name, in order of first use. A file names a few
  // programs, so entries are scanned (length first) below 16 and hashed past that; `Seen` has
  // a bit per name's length and ends, so most questions about absent programs end at one test.
  // Each entry's calls are one exact block of ScriptArena (counted first, then filled): growing a
  // list per entry and the entries' vector cost ~3.5 mallocs per corpus file.
  struct ProgramIndex {
    llvm::StringRef name;
    ProgramCall *called = nullptr;
    uint32_t calls = 0;
    bool named = false;
  };
  llvm::SmallVector<ProgramIndex, 16> Programs;
  llvm::DenseMap<llvm::StringRef, uint32_t> ProgramByName; // past 16 programs
  uint64_t Seen = 0;
  mutable std::optional<std::vector<size_t>> Reachable;

  static uint64_t seenBit(llvm::StringRef name) {
    return name.empty() ? 1 : uint64_t(1) << ((name.size() * 7 + static_cast<unsigned char>(name.front()) * 3 +
                                               static_cast<unsigned char>(name.back())) & 63);
  }
  const ProgramIndex *program(llvm::StringRef name) {
    if (!RunsIndexed)
      indexRuns();
    if (!(Seen & seenBit(name)))
      return nullptr;
    if (!ProgramByName.empty()) {
      auto it = ProgramByName.find(name);
      return it == ProgramByName.end() ? nullptr : &Programs[it->second];
    }
    for (const ProgramIndex &p : Programs)
      if (p.name == name)
        return &p;
    return nullptr;
  }
  uint32_t entry(llvm::StringRef name);
  void indexRuns();
  // Reads the RUN's script into `out` (false: exec form or no syntax, `out` untouched).
  bool parseRun(const RunInstruction &run, ShellScript &out) const;
};

// An instruction kind as a bit of a kind set.
constexpr uint32_t kindBit(InstructionKind k) { return uint32_t(1) << static_cast<unsigned>(k); }
// The instruction kinds each rule judges (rules/Rules.def), in allRules() order: lint() runs a
// rule only on files with one of them.
llvm::ArrayRef<uint32_t> ruleReads();

// Visits every instruction of every stage with its stage (ONBUILD triggers excluded).
template <typename T, typename F> void forEach(const Program &p, F &&f) {
  for (const Stage &s : p.stages)
    for (size_t i = 0; i < s.instructions.size(); ++i)
      if (const T *ins = s.instructions[i].template as<T>())
        f(s, i, *ins);
}

// Calls of `name` (past `sudo`) in every RUN of the program, in program order.
template <typename F> void forEachCall(Context &ctx, llvm::StringRef name, F &&f) {
  for (const ProgramCall &c : ctx.calls(name)) {
    const RunScript &r = ctx.runs()[c.run];
    f(r, r.script->commands[c.command], c.program);
  }
}

} // namespace dfc::lint
