// The optimiser: semantics-preserving rewrites of a Program into an execution plan (which stages
// run, in which waves, and which steps run together as one execution and one layer). Pure.
#pragma once

#include "ir/Program.h"

#include <llvm/ADT/StringRef.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dfc::opt {

// -O0: every stage, in file order, one step at a time (the reference the others must equal).
// -O1 (default): fold metadata-only steps, drop stages the target does not need, run independent
// stages in parallel waves. -O2: O1 plus merging consecutive RUNs (and COPYs) into one layer.
enum class Level { O0 = 0, O1 = 1, O2 = 2 };

// "0", "1", "2", "O2", "-O2"; nullopt otherwise.
std::optional<Level> parseLevel(llvm::StringRef text);

enum class UnitKind {
  Step,       // one instruction executed alone (a layer-making step, or any step at O0)
  Config,     // consecutive metadata-only steps folded into one image-config change
  MergedRun,  // consecutive shell-form RUNs executed as one process, one layer
  MergedCopy, // consecutive COPY/ADD steps written into one layer
};
llvm::StringRef unitKindName(UnitKind kind);

// What runs together: indexes into Stage::instructions, ascending. A merged unit's members may be
// separated by metadata steps that cannot change the merged steps' meaning (LABEL, EXPOSE, ...);
// those stay in their own Config units, applied after the merged unit.
struct Unit {
  UnitKind kind = UnitKind::Step;
  std::vector<size_t> steps;
  bool makesLayer() const { return kind != UnitKind::Config; }
};

// A merge the optimiser considered and refused, with why (shown by `dfc plan`, asserted by tests).
struct Refusal {
  size_t stage = 0;
  size_t first = 0, second = 0; // the two instructions that were not merged
  std::string reason;
};

struct StagePlan {
  size_t stage = 0;
  std::vector<Unit> units;
  // Units in execution order; a Config unit's steps run after the layer unit before them.
};

struct Plan {
  Level level = Level::O1;
  std::vector<StagePlan> stages;   // the stages that run, ascending index
  std::vector<size_t> dropped;     // stages not needed by the target (O1+)
  std::vector<std::vector<size_t>> waves; // stage indexes; a wave's stages need only earlier waves
  std::vector<Refusal> refusals;
  // The StagePlan of a stage, or null when it does not run.
  const StagePlan *stagePlan(size_t stage) const;
};

// The shell a shell-form RUN at (stage, index) runs with, when the caller knows it (the builder
// does: it has the base image's config); otherwise SHELL instructions of the stage are followed
// from /bin/sh -c. Merging needs a POSIX shell ending in -c.
using ShellLookup = std::function<std::vector<std::string>(size_t stage, size_t index)>;

Plan optimise(const Program &program, Level level, const ShellLookup &shellAt = {});

// Why RUN `run` cannot take part in a merge at all, or nullopt when it can (shell form, no
// heredoc, no tmpfs mount, a body that starts no background job and whose quoting the check can
// follow). See Optimise.cpp for the argument that the join is exact.
std::optional<std::string> unmergeableRun(const RunInstruction &run);
// Why `a` and `b` (both mergeable alone) cannot share one execution: mounts, network, security
// or devices differ.
std::optional<std::string> runsDiffer(const RunInstruction &a, const RunInstruction &b);

// Why a shell body cannot take part in a merge: empty, or quoting, `$( )`, `( )` or a background
// job the check cannot follow.
std::optional<std::string> unmergeableBody(llvm::StringRef body);

// Why a RUN body in a merged group must keep its own shell process, or nullopt when it may run
// inline in the group's shell: it changes no shell state and leaves no control flow (see
// RunJoin.cpp for the list and the argument). Reads the body with lint's ShellScript as well.
std::optional<std::string> notInlinable(llvm::StringRef body);

// The script the outer shell runs for a merged group, in order, stopping at the first failure
// with its status. A body notInlinable() accepts runs inline as `{ BODY<newline>}`, after
// `hash -r` when it is not the first (and then only when it sends its stderr nowhere but the log or
// /dev/null: the shell's messages name the script's line); any other body (or all, when `mayInline` is false: the
// shell reads a startup file such as $BASH_ENV per process) runs in a fresh `shell` process:
// `'/bin/sh' '-c' 'BODY'`. Example: `{ A\n} && hash -r && '/bin/sh' '-c' 'cd /x' && hash -r && { C\n}`.
// With `workdir` (the RUNs' absolute working directory), every body after the first starts with
// `{ hash -r; [ . -ef 'W' ] || { cd -P -- 'W' && unset OLDPWD; }; }` (no hash -r before a `SH -c`
// body): a body that removed and re-made W would otherwise leave the next in the deleted
// directory.
std::string joinRunScripts(const std::vector<std::string> &shell, const std::vector<std::string> &bodies,
                           bool mayInline = true, const std::string &workdir = "");

// The cache key of a merged unit: distinct from any single step's key (a merged layer holds the
// effect of several steps) and determined by the members' keys, which chain through each other.
std::string mergedKey(const std::vector<std::string> &memberKeys);

} // namespace dfc::opt
