// The language features, one .cpp each, as functions of an analysed Document and protocol
// structs. They never see JSON and never do IO; the Server maps requests onto them.
#pragma once

#include "lsp-server/Document.h"
#include "lsp-server/Protocol.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dfc::lsp {

// Looks up a lint rule's documentation page by dfc rule id; nullptr when there is none.
using RuleDocLookup = std::function<const char *(const std::string &id)>;

// What the local image store knows of one image. The CLI reads the store (backend/store) and
// hands these over; features never open it.
struct LocalImage {
  std::string name;     // familiar "repository:tag" ("alpine:3.19"); "" when untagged
  std::string id;       // "sha256:<config digest>"
  std::string created;  // RFC 3339, "" when unknown
  uint64_t size = 0;    // bytes of its layers
  std::string platform; // "linux/amd64", with "/variant" when there is one
  size_t layers = 0;
};
// The image a FROM name means in the store; nullopt when it is not there.
using ImageLookup = std::function<std::optional<LocalImage>(const std::string &name)>;

// Diagnostics.cpp: parse + IR diagnostics and lint findings. `ruleDocsUrl` is a prefix the rule
// id and ".md" are appended to for codeDescription (empty: no links).
std::vector<Diagnostic> diagnostics(const Document &doc, const std::string &ruleDocsUrl);
// Findings of `doc`'s text made elsewhere (ShellCheck's, by the CLI) as diagnostics of `doc`.
std::vector<Diagnostic> toDiagnostics(const Document &doc, const std::vector<lint::Finding> &findings,
                                      const std::string &ruleDocsUrl);

// Hover.cpp. With `findImage`, a FROM image also shows what the local store knows of it.
std::optional<Hover> hover(const Document &doc, uint32_t offset, const RuleDocLookup &ruleDoc,
                           const ImageLookup &findImage = nullptr);

// Completion.cpp. `images`: tagged images of the local store, offered after FROM.
CompletionList completion(const Document &doc, uint32_t offset, const std::vector<LocalImage> &images = {});

// XRefs.cpp: stages and ARG/ENV variables.
std::vector<Location> definition(const Document &doc, uint32_t offset);
std::vector<Location> references(const Document &doc, uint32_t offset, bool includeDeclaration);
std::vector<DocumentHighlight> documentHighlights(const Document &doc, uint32_t offset);
// The range that rename would change at `offset` (prepareRename); nullopt when nothing renames.
std::optional<Range> renameRange(const Document &doc, uint32_t offset);
// Fails with a message when `newName` is not a valid name for the symbol.
bool rename(const Document &doc, uint32_t offset, const std::string &newName, WorkspaceEdit &edit,
            std::string &error);

// DocumentSymbols.cpp
std::vector<DocumentSymbol> documentSymbols(const Document &doc);

// FoldingRanges.cpp
std::vector<FoldingRange> foldingRanges(const Document &doc);

// SemanticTokens.cpp: LSP's relative encoding; `range` limits the lines covered.
const std::vector<std::string> &semanticTokenTypes();
const std::vector<std::string> &semanticTokenModifiers();
std::vector<uint32_t> semanticTokens(const Document &doc, const std::optional<Range> &range);

// Formatting.cpp: keyword case, continuation indent; heredoc bodies untouched.
std::vector<TextEdit> formatDocument(const Document &doc, const FormattingOptions &opts,
                                     const std::optional<Range> &range);
std::vector<TextEdit> formatOnType(const Document &doc, Position position, const FormattingOptions &opts);

// CodeActions.cpp: lint fixes and "ignore this rule here" for findings touching `range`.
std::vector<CodeAction> codeActions(const Document &doc, const Range &range, const std::string &ruleDocsUrl);

// InlayHints.cpp: resolved ARG/ENV values after references.
std::vector<InlayHint> inlayHints(const Document &doc, const Range &range);

// SignatureHelp.cpp
std::optional<SignatureHelp> signatureHelp(const Document &doc, uint32_t offset);

} // namespace dfc::lsp
