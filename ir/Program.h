// The typed IR of a Dockerfile: Program -> Stage -> one struct per instruction, with every
// operand's raw text, its expansion and its source range (BuildKit's `instructions` package).
#pragma once

#include "frontend/Diagnostic.h"
#include "frontend/SyntaxTree.h"
#include "frontend/shell/ShellLex.h"

#include <llvm/ADT/SmallVector.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace dfc {

// One word of an instruction. `raw` is a view of the text in the SyntaxTree the Program was built
// from (a slice of its source or of its arena, see SyntaxTree.h): an operand copies no text (a
// std::string per long word was 3.6 of a BuildKit corpus file's 44 mallocs), and it is valid as
// long as that tree, like `InstructionBase::syntax`. `expanded()` equals `raw` where BuildKit
// does not expand (RUN text, MAINTAINER, COPY --from, ...), where expansion failed (a diagnostic
// says so) and wherever the expansion changes nothing, which is most words: a string is kept only
// when the expansion differs (owned by the operand, shared by its copies, immutable).
struct Operand {
  llvm::StringRef raw;
  Range range;

  Operand() = default;
  Operand(llvm::StringRef raw, const Range &range) : raw(raw), range(range) {}
  Operand(std::string &&, const Range &) = delete; // a view of a temporary would dangle

  llvm::StringRef expanded() const { return Expanded ? llvm::StringRef(*Expanded) : raw; }
  void setExpanded(std::string value) {
    if (llvm::StringRef(value) == raw)
      Expanded.reset();
    else
      Expanded = std::make_shared<const std::string>(std::move(value));
  }
  void resetExpanded() { Expanded.reset(); } // expanded() is raw again

private:
  std::shared_ptr<const std::string> Expanded; // null: the expansion is `raw` itself
};

// Fields every instruction has. `syntax` points into the SyntaxTree the Program was built
// from: valid while that tree lives (moving the tree keeps it valid, copying does not).
struct InstructionBase {
  InstructionKind kind = InstructionKind::Unknown;
  uint32_t syntaxIndex = 0; // index in SyntaxTree::instructions (of the ONBUILD for triggers)
  const Instruction *syntax = nullptr;
  Range range;
  Range keywordRange;
  std::vector<std::string> flagsUsed; // flag names as given, sorted (BuildKit's FlagsUsed)
  // Variables referenced while expanding this instruction that were unset and are not declared
  // ARGs of the stage (BuildKit's UndefinedVar input); sorted, unique.
  std::vector<std::string> undefinedVars;
  bool valid = true; // false: an instruction-level error left some operands unfilled
};

// An instruction's lists hold their usual count inline (one operand, one pair, one source): a
// std::vector here was a malloc and a free per instruction (6.3 of a BuildKit corpus file's 61
// mallocs). Pass them on as llvm::ArrayRef.
template <typename T, unsigned N = 1> using InlineList = llvm::SmallVector<T, N>;

// RUN/CMD/ENTRYPOINT/HEALTHCHECK command text. Shell form is one operand (the shell is
// prepended at run time); exec form has one operand per JSON element.
struct CommandLine {
  bool shellForm = true; // BuildKit's PrependShell
  InlineList<Operand, 2> args;
};

struct HeredocFile {
  std::string name;    // delimiter, quotes removed
  std::string content; // raw body (BuildKit's Content), terminator excluded
  std::string data;    // what is used: tab-chomped for `<<-` (COPY/ADD, single-heredoc RUN),
                       // and variable-expanded for COPY/ADD when `expand`
  bool expand = true;
  bool chomp = false;
  unsigned fileDescriptor = 0;
  Range marker; // `<<EOF` on the instruction line
  Range body;
};

enum class MountType : uint8_t { Bind, Cache, Tmpfs, Secret, Ssh };
llvm::StringRef mountTypeName(MountType t);

// RUN --mount, after dispatch-time expansion of every value.
struct Mount {
  std::string spec; // the flag value as written ("type=cache,target=/c")
  Range range;      // the --mount flag
  MountType type = MountType::Bind;
  std::string target, source, from, id, sharing, env;
  bool readOnly = true; // defaulted by type unless ro/rw given (bind, secret, ssh: true)
  bool required = false;
  std::optional<uint64_t> mode, uid, gid;
  std::optional<int64_t> sizeLimit; // tmpfs `size`, bytes
  std::optional<size_t> fromStage;  // `from` resolved to a stage index
};

struct Device {
  std::string name;
  bool required = false;
  Range range;
};

struct RunInstruction : InstructionBase {
  CommandLine cmd;
  std::vector<Mount> mounts;
  std::string network = "default";  // default | none | host
  std::string security = "sandbox"; // sandbox | insecure
  std::vector<Device> devices;
  std::vector<HeredocFile> heredocs;
};

// What COPY and ADD share (BuildKit's SourcesAndDest + common flags).
struct CopyCommon : InstructionBase {
  InlineList<Operand> sources;             // file sources (not heredocs), expanded
  std::vector<HeredocFile> heredocSources; // inline files, named by delimiter
  Operand dest;
  std::optional<Operand> chown, chmod; // expanded
  bool link = false;
  std::vector<std::string> exclude; // never expanded
  bool json = false;
};

struct CopyInstruction : CopyCommon {
  std::optional<Operand> from; // never expanded
  bool parents = false;
  // `from` resolved: a stage index, or (when no stage matches) an image / named context.
  std::optional<size_t> fromStage;
};

struct AddInstruction : CopyCommon {
  std::optional<Operand> checksum; // expanded
  std::optional<bool> keepGitDir;  // tri-state: unset, or explicitly true/false
  std::optional<bool> unpack;
};

struct KeyValue {
  Operand key;
  Operand value;
  bool legacy = false; // `ENV k v` form (lint LegacyKeyValueFormat)
};

struct EnvInstruction : InstructionBase {
  InlineList<KeyValue> pairs;
};

struct LabelInstruction : InstructionBase {
  InlineList<KeyValue> pairs;
};

struct ArgDecl {
  Operand key;
  std::optional<Operand> defaultValue; // raw default and its expansion
  std::optional<std::string> value;    // effective value after scoping; nullopt = unset
  std::string docComment;              // from a `# key text` comment above
  Range range;                         // the whole `key=value` word
};

struct ArgInstruction : InstructionBase {
  InlineList<ArgDecl> args;
};

struct PortSpec {
  Range range;
  std::string text;               // one expanded entry, e.g. "8080-8081/udp"
  uint32_t start = 0, end = 0;    // container port range (end == start for one port)
  std::string protocol = "tcp";   // lowercased
  std::string hostIP, hostPort;   // accepted but unusual (lint ExposeInvalidFormat)
  bool protocolUppercase = false; // lint ExposeProtoCasing
};

struct ExposeInstruction : InstructionBase {
  InlineList<Operand> words; // raw entries; `expanded` before splitting
  InlineList<PortSpec> ports;
};

struct VolumeInstruction : InstructionBase {
  InlineList<Operand> paths;
  bool json = false;
};

struct WorkdirInstruction : InstructionBase {
  Operand path;
};
struct UserInstruction : InstructionBase {
  Operand user;
};
struct StopSignalInstruction : InstructionBase {
  Operand signal;
};
struct MaintainerInstruction : InstructionBase {
  Operand maintainer;
};
struct CmdInstruction : InstructionBase {
  CommandLine cmd;
};
struct EntrypointInstruction : InstructionBase {
  CommandLine cmd;
  bool empty = false; // `ENTRYPOINT []`: BuildKit stores nil (resets the entrypoint)
};
struct ShellInstruction : InstructionBase {
  InlineList<Operand, 2> shell;
};

struct HealthcheckInstruction : InstructionBase {
  enum class Type : uint8_t { None, Cmd } type = Type::Cmd;
  std::vector<std::string> test; // ["NONE"], ["CMD-SHELL", line] or ["CMD", args...]
  CommandLine cmd;
  // Nanoseconds; 0 means "inherit" as in Docker's HealthConfig.
  int64_t interval = 0, timeout = 0, startPeriod = 0, startInterval = 0;
  int32_t retries = 0;
};

struct AnyInstruction;

struct OnbuildInstruction : InstructionBase {
  std::string expression; // BuildKit's stored expression (heredoc bodies re-appended)
  // The trigger parsed as an instruction (not dispatched: it runs in a downstream build).
  std::shared_ptr<const AnyInstruction> trigger;
};

// Why a std::variant and not a class hierarchy: the set of instructions is closed (BuildKit's
// 17 commands + FROM, which is a Stage here), passes want exhaustive std::visit so that adding
// a kind breaks every pass that forgot it at compile time, and values copy/compare without
// heap allocation per instruction. Common fields sit in InstructionBase; `base()` reaches them.
using InstructionVariant =
    std::variant<RunInstruction, CopyInstruction, AddInstruction, EnvInstruction, LabelInstruction,
                 ArgInstruction, ExposeInstruction, VolumeInstruction, WorkdirInstruction, UserInstruction,
                 StopSignalInstruction, MaintainerInstruction, CmdInstruction, EntrypointInstruction,
                 ShellInstruction, HealthcheckInstruction, OnbuildInstruction>;

struct AnyInstruction : InstructionVariant {
  using InstructionVariant::InstructionVariant;
  const InstructionBase &base() const;
  InstructionBase &base();
  InstructionKind kind() const { return base().kind; }
  template <typename T> const T *as() const { return std::get_if<T>(this); }
  template <typename T> T *as() { return std::get_if<T>(this); }
};

struct ImageRef {
  std::string raw;      // as written after FROM
  std::string expanded; // with global args
};
struct StageRef {
  size_t index; // an earlier stage
};
struct Scratch {};
using StageBase = std::variant<ImageRef, StageRef, Scratch>;

// A stage-to-stage edge from COPY --from or RUN --mount=from.
struct StageDependency {
  size_t stage;       // the stage depended on
  size_t instruction; // index in the depending stage's instructions
};

struct Stage {
  size_t index = 0;
  std::string name; // lowercased; empty when unnamed
  Range nameRange;
  std::string docComment; // `# name text` above the FROM
  uint32_t syntaxIndex = 0;
  const Instruction *syntax = nullptr; // the FROM
  Range range;                         // the FROM instruction
  Operand baseName;                    // raw and expanded (global args only)
  StageBase base = Scratch{};
  std::optional<Operand> platform; // --platform, raw and expanded (global args only)
  std::string effectivePlatform;   // --platform, else the base stage's, else the target platform
  std::vector<AnyInstruction> instructions;
  std::vector<StageDependency> dependencies;
  std::vector<std::string> declaredArgs;  // ARG names in scope at the end (inherited included)
  std::vector<std::string> undefinedVars; // in FROM image/--platform (global scope)

  // BuildKit's `stage-N` for unnamed stages.
  std::string displayName() const;
  // The build env (ARG + ENV) in effect before instruction i; i == instructions.size() gives
  // the env at the end of the stage. Built on first use (most passes never ask): from the env
  // the stage started with and the changes its instructions made, once per distinct env (the
  // reference stays valid while the Stage lives); safe to call from several threads.
  const shell::ListEnvironment &envBefore(size_t i) const;
  const shell::ListEnvironment &finalEnv() const { return envBefore(instructions.size()); }

  // What envBefore() is built from; set by buildProgram (null in a default-constructed Stage).
  // Copies of a Stage share it.
  struct EnvHistory;
  std::shared_ptr<EnvHistory> Envs;
};

struct Program {
  std::vector<Directive> directives;
  char escape = '\\';
  std::vector<ArgInstruction> globalArgs; // ARGs before the first FROM, with resolved values
  // Automatic platform args + resolved meta args: what FROM lines and `ARG X` without a
  // default see. Immutable and shared: the files of a run without meta args or build args share
  // one table (a copy per file was a malloc). Null only in a default-constructed Program.
  std::shared_ptr<const shell::ListEnvironment> globalScopeTable;
  const shell::ListEnvironment &globalScope() const;
  // Proxy build args (HTTP_PROXY...) passed to RUN without an ARG declaration.
  std::vector<std::pair<std::string, std::string>> proxyEnv;
  std::vector<Stage> stages;
  std::optional<size_t> targetStage;   // unset when no stage or the target is unknown
  std::vector<Diagnostic> diagnostics; // syntax tree's, then instruction and dispatch errors

  bool hasErrors() const;
  // Stages the target needs (via FROM <stage>, COPY --from, RUN --mount=from), ascending.
  std::vector<size_t> reachableStages() const;
  // Case-insensitive lookup by stage name; nullopt if none.
  std::optional<size_t> findStage(llvm::StringRef name) const;
};

} // namespace dfc
