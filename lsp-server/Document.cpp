// Document text, incremental edits, analysis and the UTF-16 <-> byte conversion. All LSP
// positions pass through here, so no feature ever mixes the two column units.
#include "lsp-server/Document.h"

#include "ir/Build.h"

#include <algorithm>

namespace dfc::lsp {

namespace {

// UTF-16 code units of the UTF-8 bytes in `s`: 4-byte sequences are surrogate pairs, invalid
// bytes count as one unit each (as editors show them as one replacement character).
int utf16Length(llvm::StringRef s) {
  int n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) == 0x80)
      continue; // continuation byte
    n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}

// Bytes of `line` that make up `units` UTF-16 code units (clamped to the line).
uint32_t bytesForUtf16(llvm::StringRef line, int units) {
  size_t i = 0;
  while (i < line.size() && units > 0) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    units -= c >= 0xF0 ? 2 : 1;
    ++i;
    while (i < line.size() && (static_cast<unsigned char>(line[i]) & 0xC0) == 0x80)
      ++i;
  }
  return static_cast<uint32_t>(i);
}

llvm::StringRef lineText(llvm::StringRef line) {
  if (line.endswith("\r"))
    line = line.drop_back();
  return line;
}

} // namespace

std::optional<uint32_t> offsetIn(llvm::StringRef text, const Position &p) {
  size_t start = 0;
  for (int l = 0; l < p.line; ++l) {
    size_t nl = text.find('\n', start);
    if (nl == llvm::StringRef::npos)
      return std::nullopt;
    start = nl + 1;
  }
  llvm::StringRef line = text.substr(start);
  line = lineText(line.take_until([](char c) { return c == '\n'; }));
  return static_cast<uint32_t>(start + bytesForUtf16(line, p.character));
}

Document::Document(std::string uri, int version, std::string text)
    : Uri(std::move(uri)), Version(version), Text(std::move(text)) {}

bool Document::applyChange(const std::optional<Range> &range, const std::string &newText, int version) {
  Version = version;
  if (!range) {
    Text = newText;
    return true;
  }
  std::optional<uint32_t> begin = offsetIn(Text, range->start), end = offsetIn(Text, range->end);
  if (!begin || !end || *end < *begin)
    return false;
  Text.replace(*begin, *end - *begin, newText);
  return true;
}

void Document::analyze(const lint::Config &config) {
  auto a = std::make_unique<Analysis>();
  a->tree = parseDockerfile(Text);
  a->program = buildProgram(a->tree);
  a->findings = lint::lint(a->tree, a->program, config).findings;
  Previous = std::move(A);
  A = std::move(a);
  ReportSyntax = true;
  for (const std::string &id : config.ignored)
    if (llvm::StringRef(id).equals_insensitive("SyntaxError") ||
        llvm::StringRef(id).equals_insensitive("DL1000"))
      ReportSyntax = false;

  const SourceText &src = A->tree.source;
  AsciiLine.assign(src.lineCount(), true);
  for (size_t l = 0; l < src.lineCount(); ++l) {
    llvm::StringRef line = src.line(static_cast<uint32_t>(l));
    AsciiLine[l] =
        std::all_of(line.begin(), line.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  }

  Sites.assign(A->tree.instructions.size(), InstructionSite{});
  for (size_t i = 0; i < Sites.size(); ++i) {
    Sites[i].syntax = &A->tree.instructions[i];
    Sites[i].syntaxIndex = static_cast<int>(i);
  }
  for (const Stage &st : A->program.stages) {
    if (st.syntaxIndex < Sites.size())
      Sites[st.syntaxIndex].stage = static_cast<int>(st.index);
    for (size_t k = 0; k < st.instructions.size(); ++k) {
      uint32_t si = st.instructions[k].base().syntaxIndex;
      if (si < Sites.size()) {
        Sites[si].stage = static_cast<int>(st.index);
        Sites[si].instruction = static_cast<int>(k);
      }
    }
  }
}

Position Document::toLsp(const dfc::Position &p) const {
  const SourceText &src = A->tree.source;
  if (p.line >= src.lineCount())
    return {static_cast<int>(p.line), 0};
  if (AsciiLine[p.line])
    return {static_cast<int>(p.line), static_cast<int>(p.column)};
  llvm::StringRef line = src.text().substr(src.lineStart(p.line), p.column);
  return {static_cast<int>(p.line), utf16Length(line)};
}

Position Document::toLsp(uint32_t offset) const { return toLsp(A->tree.source.position(offset)); }

Range Document::toLsp(const dfc::Range &r) const { return {toLsp(r.begin), toLsp(r.end)}; }

std::optional<uint32_t> Document::offsetOf(const Position &p) const {
  const SourceText &src = A->tree.source;
  if (p.line < 0 || p.character < 0)
    return std::nullopt;
  size_t lines = src.lineCount();
  if (static_cast<size_t>(p.line) >= lines) {
    // One past the last line is the end of the text (editors send it for "end of document").
    if (static_cast<size_t>(p.line) == lines && p.character == 0)
      return static_cast<uint32_t>(src.text().size());
    return std::nullopt;
  }
  uint32_t start = src.lineStart(static_cast<uint32_t>(p.line));
  llvm::StringRef line = lineText(src.line(static_cast<uint32_t>(p.line)));
  if (AsciiLine[p.line])
    return start + std::min<uint32_t>(static_cast<uint32_t>(p.character), static_cast<uint32_t>(line.size()));
  return start + bytesForUtf16(line, p.character);
}

std::optional<InstructionSite> Document::instructionAt(uint32_t offset) const {
  const auto &ins = A->tree.instructions;
  // Instructions are in source order; find the last one starting at or before `offset`.
  auto it = std::upper_bound(ins.begin(), ins.end(), offset,
                             [](uint32_t off, const Instruction &i) { return off < i.range.begin.offset; });
  if (it == ins.begin())
    return std::nullopt;
  --it;
  if (!it->range.contains(offset))
    return std::nullopt;
  return Sites[static_cast<size_t>(it - ins.begin())];
}

const shell::ListEnvironment &Document::envAt(const InstructionSite &s) const {
  const Program &p = A->program;
  if (s.stage < 0 || s.instruction < 0 || static_cast<size_t>(s.stage) >= p.stages.size())
    return p.globalScope();
  return p.stages[s.stage].envBefore(static_cast<size_t>(s.instruction));
}

} // namespace dfc::lsp
