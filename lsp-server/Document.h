// One open document: its text, the analysis (syntax tree, program, lint findings) of that text,
// and the single place where byte positions and LSP's UTF-16 positions are converted.
#pragma once

#include "frontend/SyntaxTree.h"
#include "ir/Program.h"
#include "ir/passes/lint/Lint.h"
#include "lsp-server/Protocol.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dfc::lsp {

// Where an instruction sits in the program: a stage's FROM (instruction == -1), an instruction
// of a stage, or outside every stage (global ARGs, stray instructions before the first FROM).
struct InstructionSite {
  const Instruction *syntax = nullptr;
  int syntaxIndex = -1;
  int stage = -1;
  int instruction = -1;
  bool isFrom() const { return stage >= 0 && instruction < 0; }
};

class Document {
public:
  Document(std::string uri, int version, std::string text);

  const std::string &uri() const { return Uri; }
  int version() const { return Version; }
  const std::string &text() const { return Text; }

  // Applies one change (range absent: replace all). False when the range lies outside the text.
  bool applyChange(const std::optional<Range> &range, const std::string &newText, int version);
  // Re-parses, re-builds and re-lints the current text.
  void analyze(const lint::Config &config);
  // Frees the analysis the last analyze() replaced. The server calls it after publishing the new
  // diagnostics: freeing a big file's tree costs about as much as linting it, and need not delay them.
  void dropPrevious() { Previous.reset(); }

  const SyntaxTree &tree() const { return A->tree; }
  const Program &program() const { return A->program; }
  const std::vector<lint::Finding> &findings() const { return A->findings; }
  // False when the configuration ignores the SyntaxError rule.
  bool reportSyntaxErrors() const { return ReportSyntax; }

  // --- positions: LSP (UTF-16) <-> byte offsets ---
  Position toLsp(const dfc::Position &p) const;
  Position toLsp(uint32_t offset) const;
  Range toLsp(const dfc::Range &r) const;
  Range toLsp(uint32_t begin, uint32_t end) const { return {toLsp(begin), toLsp(end)}; }
  // The byte offset of `p`; characters past a line's end clamp to it (as LSP says); nullopt when
  // the line lies past the end of the document.
  std::optional<uint32_t> offsetOf(const Position &p) const;

  // --- lookups on the analysis ---
  // The instruction whose range contains `offset` (ONBUILD triggers report the ONBUILD).
  std::optional<InstructionSite> instructionAt(uint32_t offset) const;
  InstructionSite site(size_t syntaxIndex) const { return Sites[syntaxIndex]; }
  // The build environment (ARG + ENV) an instruction sees; FROM and global ARGs see the global scope.
  const shell::ListEnvironment &envAt(const InstructionSite &s) const;

private:
  struct Analysis {
    SyntaxTree tree;
    Program program;
    std::vector<lint::Finding> findings;
  };
  std::string Uri;
  int Version;
  std::string Text;
  std::unique_ptr<Analysis> A, Previous;
  std::vector<InstructionSite> Sites; // by syntax index
  bool ReportSyntax = true;
  std::vector<bool> AsciiLine; // by line: no byte >= 0x80, so columns need no conversion
};

// Byte offset of an LSP position inside `text` (for incremental sync before re-analysis).
std::optional<uint32_t> offsetIn(llvm::StringRef text, const Position &p);

} // namespace dfc::lsp
