// Formatting: canonical (upper-case) keywords, no indent before a keyword, one indent level on
// continuation lines. Heredoc bodies and text inside quotes that span lines are never touched.
#include "lsp-server/Features.h"

namespace dfc::lsp {

namespace {

struct Formatter {
  const Document &Doc;
  const SourceText &Src;
  std::string Indent;
  uint32_t FirstLine = 0, LastLine = UINT32_MAX;
  std::vector<TextEdit> Edits;

  void replace(uint32_t b, uint32_t e, std::string text) {
    dfc::Position p = Src.position(b);
    if (p.line < FirstLine || p.line > LastLine)
      return;
    Edits.push_back({Doc.toLsp(b, e), std::move(text)});
  }

  // True when `upto` lies inside a quoted string that started in the instruction at `from`.
  bool insideQuotes(uint32_t from, uint32_t upto, char escape) const {
    llvm::StringRef t = Src.text().slice(from, upto);
    char quote = 0;
    for (size_t i = 0; i < t.size(); ++i) {
      char c = t[i];
      if (c == escape && quote != '\'') {
        ++i;
        continue;
      }
      if (quote) {
        if (c == quote)
          quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '#' && (i == 0 || t[i - 1] == '\n')) {
        i = t.find('\n', i); // a comment line inside a continuation
        if (i == llvm::StringRef::npos)
          break;
      }
    }
    return quote != 0;
  }

  void keyword(const Instruction &ins) {
    llvm::StringRef canonical = instructionName(ins.kind);
    if (!canonical.empty() && ins.keyword != canonical)
      replace(ins.keywordRange.begin.offset, ins.keywordRange.end.offset, canonical.str());
    if (ins.trigger)
      keyword(*ins.trigger);
  }

  void instruction(const Instruction &ins, char escape) {
    uint32_t first = ins.range.begin.line;
    uint32_t lineStart = Src.lineStart(first);
    if (ins.keywordRange.begin.offset > lineStart &&
        Src.text().slice(lineStart, ins.keywordRange.begin.offset).trim().empty())
      replace(lineStart, ins.keywordRange.begin.offset, "");
    keyword(ins);
    uint32_t last = ins.range.end.line;
    if (ins.range.end.column == 0 && last > first)
      --last;
    for (const Heredoc &h : ins.heredocs)
      last = std::min(last, h.marker.end.line); // bodies and terminators stay as written
    for (uint32_t l = first + 1; l <= last && l < Src.lineCount(); ++l) {
      llvm::StringRef line = Src.line(l);
      size_t ws = line.find_first_not_of(" \t");
      if (ws == llvm::StringRef::npos)
        continue; // blank continuation lines keep nothing to indent
      if (line.substr(0, ws) == Indent)
        continue;
      uint32_t start = Src.lineStart(l);
      if (insideQuotes(ins.range.begin.offset, start, escape))
        continue;
      replace(start, start + static_cast<uint32_t>(ws), Indent);
    }
  }
};

std::string indentFor(const FormattingOptions &opts) {
  return opts.insertSpaces ? std::string(static_cast<size_t>(std::max(1, std::min(opts.tabSize, 16))), ' ')
                           : "\t";
}

} // namespace

std::vector<TextEdit> formatDocument(const Document &doc, const FormattingOptions &opts,
                                     const std::optional<Range> &range) {
  const SyntaxTree &tree = doc.tree();
  Formatter f{doc, tree.source, indentFor(opts), 0, UINT32_MAX, {}};
  if (range) {
    f.FirstLine = static_cast<uint32_t>(range->start.line);
    f.LastLine = static_cast<uint32_t>(range->end.line);
    if (range->end.character == 0 && range->end.line > range->start.line)
      --f.LastLine;
  }
  for (const Instruction &ins : tree.instructions) {
    if (ins.range.end.line < f.FirstLine || ins.range.begin.line > f.LastLine)
      continue;
    f.instruction(ins, tree.escape);
  }
  return f.Edits;
}

std::vector<TextEdit> formatOnType(const Document &doc, Position position, const FormattingOptions &opts) {
  Range lines{{std::max(0, position.line - 1), 0}, {position.line, 0}};
  lines.end.character = 1; // keep the cursor's line in range
  std::vector<TextEdit> edits = formatDocument(doc, opts, lines);
  // A new line after a continuation gets the continuation indent right away.
  const SourceText &src = doc.tree().source;
  uint32_t l = static_cast<uint32_t>(position.line);
  if (l > 0 && l < src.lineCount() && src.line(l).trim().empty()) {
    llvm::StringRef prev = src.line(l - 1).rtrim();
    std::string indent = indentFor(opts);
    if (!prev.empty() && prev.back() == doc.tree().escape && src.line(l) != indent) {
      bool covered = false;
      for (const TextEdit &e : edits)
        covered |= e.range.start.line == position.line;
      if (!covered) {
        uint32_t start = src.lineStart(l);
        edits.push_back({doc.toLsp(start, start + static_cast<uint32_t>(src.line(l).size())), indent});
      }
    }
  }
  return edits;
}

} // namespace dfc::lsp
