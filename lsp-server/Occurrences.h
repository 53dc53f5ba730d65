// Every place a stage name or an ARG/ENV variable is declared or referenced, with its scope, so
// definition, references, rename, highlight, semantic tokens and inlay hints agree on one model.
#pragma once

#include "lsp-server/Document.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dfc::lsp {

struct Occurrence {
  enum class Kind : uint8_t { Stage, Variable } kind = Kind::Variable;
  std::string name;   // stage names lowercased; variables as written
  uint32_t begin = 0; // source bytes of the name itself (no `$`, braces or `--from=`)
  uint32_t end = 0;
  uint32_t refBegin = 0; // variables: the whole `$X` / `${X...}` reference (= begin/end for decls)
  uint32_t refEnd = 0;
  bool declaration = false;
  int syntaxIndex = -1; // instruction holding it
  // The symbol: "global" (global ARGs and their re-declarations), "stage:N" (a variable first
  // declared in stage N), "free:N"/"free:global" (references to nothing declared), or
  // "stage-name" for stages.
  std::string scope;
  static constexpr uint32_t NoTarget = UINT32_MAX;
  uint32_t target = NoTarget; // variable references: `begin` of the declaration in effect
};

// In source order. Linear in the size of the document.
std::vector<Occurrence> collectOccurrences(const Document &doc);

// The occurrence whose name range contains `offset` (ends inclusive), if any.
const Occurrence *occurrenceAt(const std::vector<Occurrence> &all, uint32_t offset);

// Declarations meaning the same symbol as `o`; the one `o` refers to first when it is a reference.
std::vector<const Occurrence *> declarationsOf(const std::vector<Occurrence> &all, const Occurrence &o);

// `$NAME` / `${NAME...}` references in `text` (escape-aware, skipping single quotes):
// (nameBegin, nameEnd, refBegin, refEnd) offsets into `text`.
struct VarRef {
  uint32_t nameBegin, nameEnd, refBegin, refEnd;
};
std::vector<VarRef> scanVarRefs(llvm::StringRef text, char escape);

} // namespace dfc::lsp
