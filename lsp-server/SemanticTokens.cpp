// Semantic tokens: keywords, flags and their values, variables, stage names, comments, directives,
// heredoc markers and ports. One pass over the instructions plus one sort: linear in practice.
#include "lsp-server/Features.h"
#include "lsp-server/Occurrences.h"

#include <llvm/ADT/StringExtras.h>

#include <algorithm>

namespace dfc::lsp {

namespace {

enum TokenType : uint32_t {
  Keyword,
  Comment,
  Parameter,
  String,
  Variable,
  Property,
  Namespace,
  Operator,
  Macro,
  Number
};
constexpr uint32_t Declaration = 1, Deprecated = 4; // bits of semanticTokenModifiers()

struct Token {
  uint32_t begin, end, type, mods;
};

} // namespace

const std::vector<std::string> &semanticTokenTypes() {
  static const std::vector<std::string> types = {"keyword",  "comment",   "parameter", "string", "variable",
                                                 "property", "namespace", "operator",  "macro",  "number"};
  return types;
}

const std::vector<std::string> &semanticTokenModifiers() {
  static const std::vector<std::string> mods = {"declaration", "readonly", "deprecated"};
  return mods;
}

std::vector<uint32_t> semanticTokens(const Document &doc, const std::optional<Range> &range) {
  const SyntaxTree &tree = doc.tree();
  const SourceText &src = tree.source;
  llvm::StringRef text = src.text();
  uint32_t firstLine = range ? static_cast<uint32_t>(range->start.line) : 0;
  uint32_t lastLine = range ? static_cast<uint32_t>(range->end.line) : UINT32_MAX;
  std::vector<Token> toks;
  toks.reserve(tree.instructions.size() * 6 + tree.comments.size());
  auto add = [&](uint32_t b, uint32_t e, uint32_t type, uint32_t mods = 0) {
    if (e > b)
      toks.push_back({b, e, type, mods});
  };
  auto addRange = [&](const dfc::Range &r, uint32_t type, uint32_t mods = 0) {
    if (r.end.line >= firstLine && r.begin.line <= lastLine)
      add(r.begin.offset, r.end.offset, type, mods);
  };

  for (const Occurrence &o : collectOccurrences(doc)) {
    dfc::Position p = src.position(o.begin);
    if (p.line < firstLine || p.line > lastLine)
      continue;
    if (o.kind == Occurrence::Kind::Stage)
      add(o.begin, o.end, Namespace, o.declaration ? Declaration : 0);
    else
      add(o.refBegin, o.declaration ? o.end : o.refEnd, Variable, o.declaration ? Declaration : 0);
  }
  for (const Directive &d : tree.directives)
    addRange(d.range, Macro);
  for (const dfc::Range &c : tree.comments)
    addRange(c, Comment);

  auto instruction = [&](const Instruction &ins, auto &self) -> void {
    if (ins.range.end.line < firstLine || ins.range.begin.line > lastLine)
      return;
    addRange(ins.keywordRange, Keyword, ins.kind == InstructionKind::Maintainer ? Deprecated : 0);
    for (const Flag &f : ins.flags) {
      llvm::StringRef ft = text.slice(f.range.begin.offset, f.range.end.offset);
      size_t eq = ft.find('=');
      uint32_t nameEnd =
          eq == llvm::StringRef::npos ? f.range.end.offset : f.range.begin.offset + static_cast<uint32_t>(eq);
      add(f.range.begin.offset, nameEnd, Parameter);
      if (eq == llvm::StringRef::npos)
        continue;
      if (f.name() != "mount") {
        add(nameEnd + 1, f.range.end.offset, String);
        continue;
      }
      // `--mount=k=v,k=v`: keys as properties, values as strings.
      uint32_t at = nameEnd + 1;
      for (llvm::StringRef item : llvm::split(ft.substr(eq + 1), ',')) {
        size_t ieq = item.find('=');
        uint32_t keyEnd = at + static_cast<uint32_t>(ieq == llvm::StringRef::npos ? item.size() : ieq);
        add(at, keyEnd, Property);
        if (ieq != llvm::StringRef::npos)
          add(keyEnd + 1, at + static_cast<uint32_t>(item.size()), String);
        at += static_cast<uint32_t>(item.size()) + 1;
      }
    }
    for (const Heredoc &h : ins.heredocs) {
      addRange(h.marker, Operator);
      addRange(h.terminator, Operator);
    }
    if (ins.trigger)
      self(*ins.trigger, self);
  };
  for (const Instruction &ins : tree.instructions)
    instruction(ins, instruction);

  for (const Stage &st : doc.program().stages) {
    if (st.name.empty() || st.nameRange.begin.line < firstLine || st.nameRange.begin.line > lastLine)
      continue;
    // The `AS` word before the stage name.
    uint32_t e = st.nameRange.begin.offset;
    while (e > 0 && (text[e - 1] == ' ' || text[e - 1] == '\t'))
      --e;
    uint32_t b = e;
    while (b > 0 && llvm::StringRef("aAsS").contains(text[b - 1]))
      --b;
    if (e - b == 2)
      add(b, e, Keyword);
  }
  for (const Stage &st : doc.program().stages)
    for (const AnyInstruction &ai : st.instructions)
      if (const ExposeInstruction *x = ai.as<ExposeInstruction>())
        for (const PortSpec &p : x->ports)
          addRange(p.range, Number);

  std::stable_sort(toks.begin(), toks.end(),
                   [](const Token &a, const Token &b) { return a.begin < b.begin; });
  std::vector<uint32_t> data;
  data.reserve(toks.size() * 5);
  uint32_t lastEnd = 0;
  int prevLine = 0, prevChar = 0;
  for (const Token &t : toks) {
    if (t.begin < lastEnd)
      continue; // tokens may not overlap: the first (outermost) wins
    lastEnd = t.end;
    // Tokens cannot span lines: emit one per line piece.
    uint32_t b = t.begin;
    while (b < t.end) {
      dfc::Position bp = src.position(b);
      llvm::StringRef line = src.line(bp.line);
      uint32_t lineEnd = src.lineStart(bp.line) + static_cast<uint32_t>(line.size());
      if (line.endswith("\r"))
        --lineEnd;
      uint32_t e = std::min(t.end, lineEnd);
      if (e > b && bp.line >= firstLine && bp.line <= lastLine) {
        Position s = doc.toLsp(bp), en = doc.toLsp(e);
        int dl = s.line - prevLine;
        int dc = dl == 0 ? s.character - prevChar : s.character;
        data.insert(data.end(), {static_cast<uint32_t>(dl), static_cast<uint32_t>(dc),
                                 static_cast<uint32_t>(en.character - s.character), t.type, t.mods});
        prevLine = s.line;
        prevChar = s.character;
      }
      if (bp.line + 1 >= src.lineCount())
        break;
      b = std::max(e, src.lineStart(bp.line + 1));
    }
  }
  return data;
}

} // namespace dfc::lsp
