// Builds the typed Program from a syntax tree: instruction-level checks (BuildKit's
// `instructions`) and dispatch semantics (ARG scoping, expansion, stage resolution).
#pragma once

#include "ir/Program.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace dfc {

struct BuildOptions {
  std::map<std::string, std::string> buildArgs; // --build-arg NAME=value
  std::string target;                           // --target; empty = last stage
  std::string platform;                         // target platform; empty = the host's
  std::string buildPlatform;                    // empty = the host's (from uname)
};

// Never throws; always returns a Program. Every error of the file is reported as a diagnostic
// (code "syntax" for instruction-level errors, "semantic" for dispatch-level ones), and
// building continues with the next instruction.
Program buildProgram(const SyntaxTree &tree, const BuildOptions &opts = {});
// The Program's operands are views into `tree` (see Operand): a temporary tree would leave them
// dangling, so passing one does not compile.
Program buildProgram(SyntaxTree &&, const BuildOptions & = {}) = delete;

// An ONBUILD trigger a stage runs right after its FROM (Docker semantics; `dfc build` only).
struct OnbuildTrigger {
  unsigned number = 0; // 1-based, in the base's list
  std::string text;    // as the base stores it, "RUN echo hi"
  std::string origin;  // "image parent:1" or "stage base"
  // The trigger parsed on its own: its instruction's `syntax` and ranges point into this tree.
  std::shared_ptr<const SyntaxTree> tree;
};

struct TriggeredProgram {
  Program program;
  // Per stage: the triggers it runs; stage s's first triggers[s].size() instructions are them.
  std::vector<std::vector<OnbuildTrigger>> triggers;
};

// buildProgram as `dfc build` dispatches it: each stage first runs the triggers its base hands
// down (BuildKit's dispatchOnBuildTriggers): an earlier stage's ONBUILD instructions, or for an
// image base what imageTriggers(image) returns (the image config's OnBuild list; the IO stays
// with the caller). Triggers are parsed alone, dispatched with the stage's scope and not handed
// further; their errors are reported at the FROM, naming the trigger and the position inside it.
// ONBUILD, FROM and MAINTAINER are refused as triggers.
using ImageTriggers = std::function<std::vector<std::string>(const std::string &image)>;
TriggeredProgram buildProgramWithTriggers(const SyntaxTree &tree, const BuildOptions &opts,
                                          const ImageTriggers &imageTriggers);
TriggeredProgram buildProgramWithTriggers(SyntaxTree &&, const BuildOptions &, const ImageTriggers &) = delete;

// "linux/amd64" etc. for the machine we run on (uname), in containerd's normalised form.
const std::string &hostPlatform();

} // namespace dfc
