// ShellCheck's part of the linter without the process: which RUN bodies to hand it, and how to map
// its JSON answer back to Dockerfile ranges as `ShellCheck` findings. The caller runs the tool.
#pragma once

#include "ir/passes/lint/Lint.h"

#include <string>
#include <vector>

namespace dfc::lint {

// One RUN body as ShellCheck sees it. `sourceOffsets[i]` is the Dockerfile offset of script byte
// i (one more entry, for the end), so any script position maps back into the file.
struct ShellBody {
  std::string script;
  std::string dialect; // "sh" or "bash": ShellCheck's -s
  std::vector<uint32_t> sourceOffsets;
  Range run; // the RUN instruction, for findings ShellCheck cannot place
};

// Shell-form and single-heredoc RUN bodies of every stage, skipping stages whose SHELL is not a
// POSIX shell (powershell, cmd) where ShellCheck has nothing to say.
std::vector<ShellBody> shellBodies(const SyntaxTree &tree, const Program &program);

// Parses `shellcheck -f json` output for `body` into findings of the ShellCheck rule (message
// "SC2086: ..."). Returns false and sets `error` when the output is not ShellCheck's JSON.
bool shellCheckFindings(const ShellBody &body, llvm::StringRef json, const SourceText &source,
                        std::vector<Finding> &out, std::string &error);

// Codes not reported: sourcing files ShellCheck cannot see, and variables that ARG/ENV define
// outside the script.
const char *shellCheckExcludes(); // "SC1090,SC1091,SC2154"

} // namespace dfc::lint
