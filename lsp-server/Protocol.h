// The LSP structures dfc speaks, as plain structs; Protocol.cpp is the one place that converts
// them to and from JSON, so features never touch raw JSON.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dfc::lsp {

using json = nlohmann::json;

// JSON-RPC and LSP error codes.
enum ErrorCode : int {
  ParseError = -32700,
  InvalidRequest = -32600,
  MethodNotFound = -32601,
  InvalidParams = -32602,
  InternalError = -32603,
  ServerNotInitialized = -32002,
  RequestCancelled = -32800,
  ContentModified = -32801,
};

// 0-based line and UTF-16 column, as LSP counts them.
struct Position {
  int line = 0;
  int character = 0;
  friend bool operator==(const Position &a, const Position &b) {
    return a.line == b.line && a.character == b.character;
  }
  friend bool operator<(const Position &a, const Position &b) {
    return a.line != b.line ? a.line < b.line : a.character < b.character;
  }
  friend bool operator<=(const Position &a, const Position &b) { return !(b < a); }
};

struct Range {
  Position start, end;
  friend bool operator==(const Range &a, const Range &b) { return a.start == b.start && a.end == b.end; }
  bool contains(Position p) const { return start <= p && p <= end; }
  bool overlaps(const Range &o) const { return start <= o.end && o.start <= end; }
};

struct Location {
  std::string uri;
  Range range;
};

struct TextEdit {
  Range range;
  std::string newText;
};

struct WorkspaceEdit {
  std::map<std::string, std::vector<TextEdit>> changes; // uri -> edits
};

enum class DiagnosticSeverity : int { Error = 1, Warning = 2, Information = 3, Hint = 4 };
enum class DiagnosticTag : int { Unnecessary = 1, Deprecated = 2 };

struct Diagnostic {
  Range range;
  DiagnosticSeverity severity = DiagnosticSeverity::Error;
  std::string code;
  std::string codeHref; // codeDescription.href; empty = none
  std::string source = "dfc";
  std::string message;
  std::vector<DiagnosticTag> tags;
};

struct PublishDiagnosticsParams {
  std::string uri;
  std::optional<int> version;
  std::vector<Diagnostic> diagnostics;
};

struct Hover {
  std::string markdown;
  std::optional<Range> range;
};

enum class CompletionItemKind : int {
  Text = 1,
  Method = 2,
  Function = 3,
  Field = 5,
  Variable = 6,
  Class = 7,
  Module = 9,
  Property = 10,
  Value = 12,
  Enum = 13,
  Keyword = 14,
  Snippet = 15,
  File = 17,
  Reference = 18,
  Constant = 21,
  EnumMember = 20,
  TypeParameter = 25,
};

struct CompletionItem {
  std::string label;
  CompletionItemKind kind = CompletionItemKind::Text;
  std::string detail;
  std::string documentation; // markdown; empty = none
  bool snippet = false;      // insertTextFormat 2
  std::optional<TextEdit> textEdit;
  std::string sortText;
  std::string filterText;
};

struct CompletionList {
  bool isIncomplete = false;
  std::vector<CompletionItem> items;
};

enum class SymbolKind : int {
  File = 1,
  Module = 2,
  Namespace = 3,
  Class = 5,
  Property = 7,
  Field = 8,
  Function = 12,
  Variable = 13,
  Constant = 14,
  String = 15,
  Key = 20,
  Event = 24,
  Operator = 25,
};

struct DocumentSymbol {
  std::string name;
  std::string detail;
  SymbolKind kind = SymbolKind::Function;
  Range range;
  Range selectionRange;
  std::vector<DocumentSymbol> children;
};

struct FoldingRange {
  int startLine = 0;
  int endLine = 0;
  std::string kind; // "comment", "region" or empty
};

enum class DocumentHighlightKind : int { Text = 1, Read = 2, Write = 3 };
struct DocumentHighlight {
  Range range;
  DocumentHighlightKind kind = DocumentHighlightKind::Text;
};

struct FormattingOptions {
  int tabSize = 4;
  bool insertSpaces = true;
};

struct CodeAction {
  std::string title;
  std::string kind; // "quickfix"
  std::vector<Diagnostic> diagnostics;
  WorkspaceEdit edit;
  bool isPreferred = false;
};

struct InlayHint {
  Position position;
  std::string label;
  int kind = 1; // 1 = Type, 2 = Parameter; values are closest to "type"
  bool paddingLeft = false;
};

struct ParameterInformation {
  std::string label;
  std::string documentation;
};
struct SignatureInformation {
  std::string label;
  std::string documentation;
  std::vector<ParameterInformation> parameters;
};
struct SignatureHelp {
  std::vector<SignatureInformation> signatures;
  int activeSignature = 0;
  int activeParameter = 0;
};

// --- request parameters ---
struct TextDocumentItem {
  std::string uri;
  std::string languageId;
  int version = 0;
  std::string text;
};
struct ContentChange {
  std::optional<Range> range; // absent: the whole document
  std::string text;
};
struct DidChangeParams {
  std::string uri;
  int version = 0;
  std::vector<ContentChange> changes;
};
struct PositionParams {
  std::string uri;
  Position position;
};
struct RenameParams {
  std::string uri;
  Position position;
  std::string newName;
};
struct RangeParams {
  std::string uri;
  std::optional<Range> range; // absent = whole document
};
struct FormattingParams {
  std::string uri;
  std::optional<Range> range;       // rangeFormatting
  std::optional<Position> position; // onTypeFormatting
  std::string ch;                   // onTypeFormatting
  FormattingOptions options;
};
struct CodeActionParams {
  std::string uri;
  Range range;
};

// The editor's settings (vscode-extension/src/settings.ts ServerSettings): sent as
// initializationOptions and in workspace/didChangeConfiguration, as `{lint: {...}}` or wrapped in
// `{dfc: {...}}`. Applied on top of the lint configuration file.
struct EditorSettings {
  // Rule id or alias -> "error", "warning", "info", "style" or "off" (lowercase).
  std::map<std::string, std::string> severityOverrides;
  bool shellcheck = true;
  std::string configFile; // used for every document instead of the nearest one; empty = nearest
  friend bool operator==(const EditorSettings &a, const EditorSettings &b) {
    return a.severityOverrides == b.severityOverrides && a.shellcheck == b.shellcheck &&
           a.configFile == b.configFile;
  }
};

// The whole `textDocument/publishDiagnostics` notification as JSON text, written directly: on big
// files it is the largest message the server sends after every keystroke.
std::string publishDiagnosticsMessage(const PublishDiagnosticsParams &p);

// --- conversions: each fromJSON returns false when a required field is missing or mistyped ---
void to_json(json &j, const Position &p);
void to_json(json &j, const Range &r);
void to_json(json &j, const Location &l);
void to_json(json &j, const TextEdit &e);
void to_json(json &j, const WorkspaceEdit &e);
void to_json(json &j, const Diagnostic &d);
void to_json(json &j, const PublishDiagnosticsParams &p);
void to_json(json &j, const Hover &h);
void to_json(json &j, const CompletionItem &c);
void to_json(json &j, const CompletionList &c);
void to_json(json &j, const DocumentSymbol &s);
void to_json(json &j, const FoldingRange &f);
void to_json(json &j, const DocumentHighlight &h);
void to_json(json &j, const CodeAction &a);
void to_json(json &j, const InlayHint &h);
void to_json(json &j, const SignatureHelp &s);

bool fromJSON(const json &j, Position &out);
bool fromJSON(const json &j, Range &out);
bool fromJSON(const json &j, TextDocumentItem &out);
bool fromJSON(const json &j, DidChangeParams &out);
bool fromJSON(const json &j, PositionParams &out);
bool fromJSON(const json &j, RenameParams &out);
bool fromJSON(const json &j, RangeParams &out);
bool fromJSON(const json &j, FormattingParams &out);
bool fromJSON(const json &j, CodeActionParams &out);
// False when `j` holds no dfc settings (neither shape); entries of the wrong type are skipped and
// named in `problems`, the rest are read.
bool fromJSON(const json &j, EditorSettings &out, std::vector<std::string> &problems);
// textDocument.uri of any request; false when absent.
bool documentUri(const json &params, std::string &uri);

} // namespace dfc::lsp
