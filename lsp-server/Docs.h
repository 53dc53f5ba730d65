// Instruction and flag documentation from docs/instructions/*.md, compiled into the binary
// (cmake/EmbedDocs.cmake), for hover, completion and signature help.
#pragma once

#include <llvm/ADT/StringRef.h>

#include <string>
#include <vector>

namespace dfc::lsp {

// The whole page of an instruction ("RUN", case-insensitive); nullptr when none.
const char *instructionPage(llvm::StringRef name);

// The page without its flag sections: the summary and syntax.
std::string instructionDoc(llvm::StringRef name);
// The section of flag `--flag` on the instruction's page; "" when none.
std::string flagDoc(llvm::StringRef instruction, llvm::StringRef flag);
// Flag names documented for an instruction, in page order ("mount", "network", ...).
std::vector<std::string> documentedFlags(llvm::StringRef instruction);
// The bullet documenting `key` of an option list on the page (e.g. `--mount` keys: "- `type=`").
std::string optionDoc(llvm::StringRef instruction, llvm::StringRef key);
// The "Syntax" code block's first line, e.g. "COPY [--from=<stage>] <src>... <dest>".
std::string instructionSyntax(llvm::StringRef name);

} // namespace dfc::lsp
