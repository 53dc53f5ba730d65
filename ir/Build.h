// Builds the typed Program from a syntax tree: instruction-level checks (BuildKit's
// `instructions`) and dispatch semantics (ARG scoping, expansion, stage resolution).
#pragma once

#include "ir/Program.h"

#include <map>
#include <string>

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

// "linux/amd64" etc. for the machine we run on (uname), in containerd's normalised form.
std::string hostPlatform();

} // namespace dfc
