// Cross references for stages and ARG/ENV variables: definition, references, document
// highlight and rename, all answered from the one occurrence list (Occurrences.cpp).
#include "lsp-server/Features.h"
#include "lsp-server/Occurrences.h"

#include <llvm/ADT/StringExtras.h>

namespace dfc::lsp {

namespace {

std::vector<const Occurrence *> sameSymbol(const std::vector<Occurrence> &all, const Occurrence &o) {
  std::vector<const Occurrence *> out;
  for (const Occurrence &x : all)
    if (x.kind == o.kind && x.name == o.name && x.scope == o.scope)
      out.push_back(&x);
  return out;
}

Range nameRange(const Document &doc, const Occurrence &o) { return doc.toLsp(o.begin, o.end); }

} // namespace

std::vector<Location> definition(const Document &doc, uint32_t offset) {
  std::vector<Occurrence> all = collectOccurrences(doc);
  const Occurrence *o = occurrenceAt(all, offset);
  std::vector<Location> out;
  if (!o)
    return out;
  std::vector<const Occurrence *> decls = declarationsOf(all, *o);
  if (!decls.empty())
    out.push_back({doc.uri(), nameRange(doc, *decls.front())});
  return out;
}

std::vector<Location> references(const Document &doc, uint32_t offset, bool includeDeclaration) {
  std::vector<Occurrence> all = collectOccurrences(doc);
  const Occurrence *o = occurrenceAt(all, offset);
  std::vector<Location> out;
  if (!o)
    return out;
  for (const Occurrence *x : sameSymbol(all, *o))
    if (includeDeclaration || !x->declaration)
      out.push_back({doc.uri(), nameRange(doc, *x)});
  return out;
}

std::vector<DocumentHighlight> documentHighlights(const Document &doc, uint32_t offset) {
  std::vector<Occurrence> all = collectOccurrences(doc);
  const Occurrence *o = occurrenceAt(all, offset);
  std::vector<DocumentHighlight> out;
  if (!o)
    return out;
  for (const Occurrence *x : sameSymbol(all, *o))
    out.push_back(
        {nameRange(doc, *x), x->declaration ? DocumentHighlightKind::Write : DocumentHighlightKind::Read});
  return out;
}

std::optional<Range> renameRange(const Document &doc, uint32_t offset) {
  std::vector<Occurrence> all = collectOccurrences(doc);
  const Occurrence *o = occurrenceAt(all, offset);
  // Only symbols declared in this file rename (not predefined args such as TARGETPLATFORM).
  if (!o || declarationsOf(all, *o).empty())
    return std::nullopt;
  return nameRange(doc, *o);
}

bool rename(const Document &doc, uint32_t offset, const std::string &newName, WorkspaceEdit &edit,
            std::string &error) {
  std::vector<Occurrence> all = collectOccurrences(doc);
  const Occurrence *o = occurrenceAt(all, offset);
  if (!o || declarationsOf(all, *o).empty()) {
    error = "nothing to rename here: place the cursor on a stage name or an ARG/ENV variable declared in "
            "this file";
    return false;
  }
  llvm::StringRef n(newName);
  if (o->kind == Occurrence::Kind::Variable) {
    bool valid = !n.empty() && (llvm::isAlpha(n[0]) || n[0] == '_') &&
                 std::all_of(n.begin(), n.end(), [](char c) { return llvm::isAlnum(c) || c == '_'; });
    if (!valid) {
      error = "'" + newName + "' is not a valid variable name";
      return false;
    }
  } else {
    // BuildKit's stage name rule: ^[a-z][a-z0-9-_.]*$ (names are case-insensitive).
    bool valid = !n.empty() && llvm::isAlpha(n[0]) && std::all_of(n.begin(), n.end(), [](char c) {
      return llvm::isAlnum(c) || c == '-' || c == '_' || c == '.';
    });
    if (!valid) {
      error = "'" + newName + "' is not a valid stage name";
      return false;
    }
    if (auto other = doc.program().findStage(newName);
        other && doc.program().stages[*other].name != o->name) {
      error = "a stage named '" + newName + "' already exists";
      return false;
    }
  }
  std::vector<TextEdit> &edits = edit.changes[doc.uri()];
  for (const Occurrence *x : sameSymbol(all, *o))
    edits.push_back({nameRange(doc, *x), newName});
  return true;
}

} // namespace dfc::lsp
