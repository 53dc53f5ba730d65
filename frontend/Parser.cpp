// The physical layer of a Dockerfile, as BuildKit's parser.Parse reads it: BOM, directives,
// comments, continuation joining, heredoc bodies; then keyword, flags and argument nodes per line.
// Unlike BuildKit it never stops at an error: each becomes a diagnostic and parsing resumes.
#include "frontend/LineParsers.h"
#include "frontend/SyntaxTree.h"

#include <llvm/ADT/STLExtras.h>
#include <llvm/ADT/StringExtras.h>
#include <llvm/Support/Compiler.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <type_traits>

namespace dfc {
namespace {

constexpr uint32_t MaxLineSize = 65535;

bool isAsciiSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
// Go's reWhitespace `[\t\v\f\r ]+` (no newline: lines are already split).
bool isSplitSpace(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }
bool isRegexSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

struct PhysicalLine {
  uint32_t begin; // first byte
  uint32_t end;   // end of content, line ending excluded
  uint32_t next;  // start of the next line
  uint32_t number; // 0-based
  uint32_t raw;    // start of the line, a BOM included
};

// Physical lines from the source's line index (built once, by SourceText).
class Lines {
public:
  explicit Lines(const SourceText &src)
      : Src(src), Data(src.text().data()), Size(static_cast<uint32_t>(src.text().size())),
        Count(static_cast<uint32_t>(src.lineCount())) {}
  // Inlined in every loop that reads lines: a call a line cost more than the work (~70
  // instructions a line, saving registers included).
  LLVM_ATTRIBUTE_ALWAYS_INLINE bool next(PhysicalLine &out) {
    if (Number >= Count)
      return false;
    uint32_t raw = Src.lineStart(Number);
    if (raw >= Size)
      return false;
    uint32_t next = Number + 1 < Count ? Src.lineStart(Number + 1) : Size;
    // The content ends before the '\n' and any '\r' before it.
    uint32_t end = next;
    if (Data[end - 1] == '\n')
      --end;
    while (end > raw && Data[end - 1] == '\r')
      --end;
    uint32_t begin = raw;
    if (LLVM_UNLIKELY(Number == 0) && end - begin >= 3 && std::memcmp(Data + begin, "\xEF\xBB\xBF", 3) == 0)
      begin += 3;
    out = {begin, end, next, Number++, raw};
    return true;
  }

private:
  const SourceText &Src;
  const char *Data;
  uint32_t Size;
  uint32_t Count;
  uint32_t Number = 0;
};

// Hands out the tree's arena in chunks of 1 KiB, bumped inline: BumpPtrAllocator::Allocate is an
// out-of-line call with its alignment arithmetic, and a ~450-byte corpus file made ~17 of them
// (~30 instructions each) for ~880 bytes in all. A piece over half a chunk is allocated alone.
class Carver {
public:
  explicit Carver(llvm::BumpPtrAllocator &arena) : Arena(arena) {}
  template <typename T> LLVM_ATTRIBUTE_ALWAYS_INLINE T *allocate(size_t n) {
    static_assert(std::is_trivially_destructible<T>::value, "the arena runs no destructors");
    uintptr_t at = (reinterpret_cast<uintptr_t>(Cur) + alignof(T) - 1) & ~uintptr_t(alignof(T) - 1);
    size_t bytes = n * sizeof(T);
    if (LLVM_UNLIKELY(at + bytes > reinterpret_cast<uintptr_t>(End)))
      return static_cast<T *>(refill(bytes, alignof(T)));
    Cur = reinterpret_cast<char *>(at + bytes);
    return reinterpret_cast<T *>(at);
  }

private:
  static constexpr size_t Chunk = 1024;
  llvm::BumpPtrAllocator &Arena;
  char *Cur = nullptr, *End = nullptr;

  LLVM_ATTRIBUTE_NOINLINE void *refill(size_t bytes, size_t align) {
    if (bytes > Chunk / 2)
      return Arena.Allocate(bytes, llvm::Align(align));
    Cur = static_cast<char *>(Arena.Allocate(Chunk, llvm::Align(alignof(std::max_align_t))));
    End = Cur + Chunk;
    void *p = Cur; // a fresh chunk is aligned for anything
    Cur += bytes;
    return p;
  }
};

// Copies into the tree's arena.
llvm::StringRef save(Carver &arena, llvm::StringRef s) {
  if (s.empty())
    return {};
  char *p = arena.allocate<char>(s.size());
  std::memcpy(p, s.data(), s.size());
  return {p, s.size()};
}
template <typename T> llvm::ArrayRef<T> save(Carver &arena, llvm::ArrayRef<T> items) {
  if (items.empty())
    return {};
  T *p = arena.allocate<T>(items.size());
  std::uninitialized_copy(items.begin(), items.end(), p);
  return {p, items.size()};
}

class Parser {
public:
  Parser(SyntaxTree &tree) : Tree(tree), Text(tree.source.text()), Input(tree.source), Arena(tree.arena) {}
  void run();

private:
  SyntaxTree &Tree;
  llvm::StringRef Text;
  Lines Input;
  Carver Arena; // the tree's arena
  char Escape = '\\';
  bool DirectivesDone = false;
  // The comment block above the next instruction: slices of the source.
  llvm::SmallVector<llvm::StringRef, 8> Comments;
  // Reused across instructions: the pieces of a logical line, then copied once to the arena.
  llvm::SmallVector<OffsetMap::Segment, 16> MapBuf;

  void error(Range r, std::string message, Severity sev = Severity::Error, std::string code = "syntax") {
    Tree.diagnostics.push_back({r, sev, std::move(code), std::move(message)});
  }
  Range lineRange(const PhysicalLine &l) const {
    return {{l.number, l.begin - l.raw, l.begin}, {l.number, l.end - l.raw, l.end}};
  }
  LLVM_ATTRIBUTE_ALWAYS_INLINE bool readLine(PhysicalLine &l) {
    if (!Input.next(l))
      return false;
    if (LLVM_UNLIKELY(l.end - l.begin > MaxLineSize))
      lineTooLong(l);
    return true;
  }
  LLVM_ATTRIBUTE_NOINLINE void lineTooLong(const PhysicalLine &l) {
    error(lineRange(l), "dockerfile line greater than max allowed size of 65535");
  }
  // trimContinuationCharacter: `([^E])E[ \t]*$|^E[ \t]*$`. Returns the end of the kept text, or
  // `end` itself with `endOfLine` set when the line does not continue.
  uint32_t trimContinuation(uint32_t begin, uint32_t end, bool &endOfLine) const {
    uint32_t p = end;
    while (p > begin && (Text[p - 1] == ' ' || Text[p - 1] == '\t'))
      --p;
    if (p > begin && Text[p - 1] == Escape && (p - 1 == begin || Text[p - 2] != Escape)) {
      endOfLine = false;
      return p - 1;
    }
    endOfLine = true;
    return end;
  }
  void directive(const PhysicalLine &l, uint32_t begin);
  void readHeredocs(Instruction &ins, uint32_t &lastLine, uint32_t &lastEnd, uint32_t &lastNext);
};

// DirectiveParser.ParseLine on a left-trimmed first line.
void Parser::directive(const PhysicalLine &l, uint32_t begin) {
  if (DirectivesDone)
    return;
  llvm::StringRef s = Text.slice(begin, l.end);
  auto fail = [&] { DirectivesDone = true; };
  if (!s.consume_front("#"))
    return fail();
  size_t keyStart = s.find_if_not(isRegexSpace);
  if (keyStart == llvm::StringRef::npos)
    return fail();
  llvm::StringRef rest = s.drop_front(keyStart);
  if (rest.empty() || !llvm::isAlpha(rest[0]))
    return fail();
  size_t keyLen = 1;
  while (keyLen < rest.size() && llvm::isAlnum(rest[keyLen]))
    ++keyLen;
  llvm::StringRef key = rest.take_front(keyLen);
  rest = rest.drop_front(keyLen).ltrim(" \t\n\f\r");
  if (!rest.consume_front("="))
    return fail();
  llvm::StringRef value = rest.ltrim(" \t\n\f\r").rtrim(" \t\n\f\r");
  if (value.empty())
    return fail();
  std::string k = key.lower();
  if (k != "syntax" && k != "escape" && k != "check")
    return fail();
  Range r = Tree.source.range(begin, l.end);
  for (const Directive &d : Tree.directives)
    if (d.key == k) {
      error(r, "only one " + k + " parser directive can be used");
      return;
    }
  if (k == "escape") {
    if (value != "\\" && value != "`") {
      error(r, "invalid escape token '" + value.str() + "' does not match ` or \\");
      Tree.directives.push_back({k, value.str(), r});
      return;
    }
    Escape = value[0];
    Tree.escape = Escape;
  }
  Tree.directives.push_back({k, value.str(), r});
}

// Go's strings.TrimSpace bounds over ASCII whitespace.
void trimSpace(llvm::StringRef s, uint32_t &b, uint32_t &e) {
  while (b < e && isAsciiSpace(s[b]))
    ++b;
  while (e > b && isAsciiSpace(s[e - 1]))
    --e;
}

// OffsetMap::toPosition within one segment.
LLVM_ATTRIBUTE_ALWAYS_INLINE Position positionIn(const OffsetMap::Segment &s, uint32_t logical) {
  uint32_t delta = logical < s.logical ? 0 : std::min(logical - s.logical, s.length);
  return {s.line, s.column + delta, s.source + delta};
}

// Instruction::rangeOf, inline for an instruction on one physical line (one segment: most of
// them), which is every word's and flag's range: two calls and a search each cost more.
LLVM_ATTRIBUTE_ALWAYS_INLINE Range rangeIn(const Instruction &ins, uint32_t b, uint32_t e) {
  llvm::ArrayRef<OffsetMap::Segment> segments = ins.map.segments();
  if (LLVM_LIKELY(segments.size() == 1))
    return {positionIn(segments[0], b), positionIn(segments[0], e)};
  return {ins.map.toPosition(b), ins.map.toPosition(e)};
}

bool canHaveHeredoc(InstructionKind k) {
  return k == InstructionKind::Run || k == InstructionKind::Copy || k == InstructionKind::Add;
}

class LineParser {
public:
  // `escape` is the parser's: the escape directive sets it before the first instruction.
  LineParser(SyntaxTree &tree, Carver &arena, const char &escape)
      : Src(tree.source), Arena(arena), Escape(escape), Diags(tree.diagnostics) {}
  // newNodeFromLine: `ins.line` is the joined logical line, `ins.map` its source mapping.
  void parse(Instruction &ins);

private:
  const SourceText &Src;
  Carver &Arena;
  const char &Escape;
  std::vector<Diagnostic> &Diags;
  // The instruction's words and flags grow here, then go to the arena in one piece.
  llvm::SmallVector<Word, 16> Args;
  llvm::SmallVector<Flag, 4> Flags;
  llvm::SmallVector<WordBounds, 16> Bounds;
  std::string Scratch;

  void fail(const Instruction &ins, uint32_t b, uint32_t e, std::string msg) {
    Diags.push_back({ins.rangeOf(Src, b, e), Severity::Error, "syntax", std::move(msg)});
  }
  LLVM_ATTRIBUTE_ALWAYS_INLINE void addWord(const Instruction &ins, llvm::StringRef value, uint32_t b, uint32_t e) {
    Args.push_back({value, rangeIn(ins, b, e)});
  }
  // A value a reader computed: the raw text's slice when equal to it, else a copy in the arena.
  llvm::StringRef keep(llvm::StringRef value, llvm::StringRef raw) {
    return value == raw ? raw : save(Arena, value);
  }
  // parseWords' value of a word of `text`.
  llvm::StringRef wordValue(llvm::StringRef text, const WordBounds &w, bool ascii) {
    llvm::StringRef raw = text.slice(w.begin, w.valueEnd);
    return !ascii && replaceInvalidUtf8(raw, Scratch) ? save(Arena, Scratch) : raw;
  }
  uint32_t flags(const Instruction &ins, llvm::StringRef line, uint32_t rest, uint32_t te);
  void splitWhitespace(const Instruction &ins, uint32_t b, uint32_t e);
  bool maybeJson(Instruction &ins, uint32_t b, uint32_t e, bool toList);
  void nameValue(const Instruction &ins, uint32_t b, uint32_t e, const char *key);
};

// extractBuilderFlags on line[rest, te), into Flags; returns where the arguments start. Flags
// without quotes or escapes (nearly all) are their own text: slices, no copy.
uint32_t LineParser::flags(const Instruction &ins, llvm::StringRef line, uint32_t rest, uint32_t te) {
  uint32_t pos = rest;
  while (true) {
    while (pos < te && isAsciiSpace(line[pos]))
      ++pos;
    if (pos + 1 >= te || line[pos] != '-' || line[pos + 1] != '-')
      return pos < te ? pos : te;
    uint32_t w = pos;
    bool plain = true;
    while (pos < te && !isAsciiSpace(line[pos])) {
      char c = line[pos];
      plain = plain && c != '\'' && c != '"' && c != Escape;
      ++pos;
    }
    if (!plain)
      break;
    if (pos - w == 2) // `--` ends the flags
      return pos;
    Flags.push_back({line.slice(w, pos), rangeIn(ins, w, pos)});
  }
  // Quotes or escapes: BuildKit's reader from the start.
  Flags.clear();
  std::vector<Span> spans;
  uint32_t at = rest + extractBuilderFlags(line.slice(rest, te), Escape, spans);
  for (Span &f : spans)
    Flags.push_back({keep(f.value, line.slice(rest + f.begin, rest + f.end)),
                     ins.rangeOf(Src, rest + f.begin, rest + f.end)});
  return at;
}

void LineParser::splitWhitespace(const Instruction &ins, uint32_t b, uint32_t e) {
  llvm::StringRef line = ins.line;
  uint32_t i = b;
  while (i < e) {
    uint32_t w = i;
    while (i < e && !isSplitSpace(line[i]))
      ++i;
    addWord(ins, line.slice(w, i), w, i);
    while (i < e && isSplitSpace(line[i]))
      ++i;
  }
}

// parseMaybeJSON / parseMaybeJSONToList. Returns false on the non-string-array error.
bool LineParser::maybeJson(Instruction &ins, uint32_t b, uint32_t e, bool toList) {
  if (b >= e)
    return true;
  llvm::StringRef line = ins.line;
  if (startsJsonArray(line.slice(b, e))) {
    // Words go straight to Args (a value that differs from its raw text to the arena); taken
    // back unless the whole text is an array of strings.
    size_t before = Args.size();
    JsonForm form = readJsonArray(line.slice(b, e), Scratch, [&](uint32_t sb, uint32_t se, llvm::StringRef value) {
      // The raw text between the quotes.
      llvm::StringRef raw = line.slice(b + sb + 1, b + se - 1);
      addWord(ins, keep(value, raw), b + sb, b + se);
    });
    if (form == JsonForm::Strings) {
      ins.json = true;
      return true;
    }
    Args.resize(before);
    if (form == JsonForm::NotStrings) {
      fail(ins, b, e, NotStringArrayError);
      return false;
    }
  }
  if (toList)
    splitWhitespace(ins, b, e);
  else
    addWord(ins, line.slice(b, e), b, e);
  return true;
}

void LineParser::nameValue(const Instruction &ins, uint32_t b, uint32_t e, const char *key) {
  llvm::StringRef line = ins.line;
  llvm::StringRef text = line.slice(b, e);
  Bounds.clear();
  bool ascii = splitWords(text, Escape, Bounds);
  if (Bounds.empty())
    return;
  // '=' is ASCII, so the raw text has one where the value does.
  if (!text.slice(Bounds[0].begin, Bounds[0].valueEnd).contains('=')) {
    // Legacy `KEY name value`: the value is everything after the first whitespace run.
    uint32_t k = b;
    while (k < e && !isSplitSpace(line[k]))
      ++k;
    uint32_t v = k;
    while (v < e && isSplitSpace(line[v]))
      ++v;
    if (k >= e) {
      fail(ins, b, e, std::string(key) + " must have two arguments");
      return;
    }
    addWord(ins, line.slice(b, k), b, k);
    addWord(ins, line.slice(v, e), v, e);
    addWord(ins, "", k, v);
    return;
  }
  for (const WordBounds &w : Bounds) {
    llvm::StringRef word = wordValue(text, w, ascii);
    size_t eq = word.find('=');
    if (eq == llvm::StringRef::npos) {
      fail(ins, b + w.begin, b + w.end,
           "Syntax error - can't find = in \"" + word.str() + "\". Must be of the form: name=value");
      return;
    }
    // The '=' position in the source: the value's own when the value is a slice of the text,
    // else found in the raw text, since the value can differ in length from it (invalid UTF-8
    // became U+FFFD).
    size_t rawAt = word.data() == text.data() + w.begin ? eq : text.slice(w.begin, w.end).find('=');
    uint32_t rawEq = b + w.begin + static_cast<uint32_t>(rawAt == llvm::StringRef::npos ? 0 : rawAt);
    addWord(ins, word.take_front(eq), b + w.begin, rawEq);
    addWord(ins, word.drop_front(eq + 1), rawEq + 1, b + w.end);
    addWord(ins, "=", rawEq, rawEq + 1);
  }
}

// The kind of a keyword, case-insensitively, without building its lower-case copy.
InstructionKind kindOf(llvm::StringRef keyword) {
  char buf[12];
  if (keyword.size() > sizeof buf)
    return InstructionKind::Unknown;
  for (size_t i = 0; i < keyword.size(); ++i)
    buf[i] = llvm::toLower(keyword[i]);
  return instructionKind(llvm::StringRef(buf, keyword.size()));
}

void LineParser::parse(Instruction &ins) {
  llvm::StringRef line = ins.line;
  uint32_t ts = 0, te = static_cast<uint32_t>(line.size());
  trimSpace(line, ts, te);
  uint32_t ke = ts;
  while (ke < te && !isSplitSpace(line[ke]))
    ++ke;
  ins.keyword = line.slice(ts, ke);
  ins.kind = kindOf(ins.keyword);
  if (ins.kind != InstructionKind::Unknown)
    ins.lower = instructionLowerName(ins.kind);
  else if (llvm::any_of(ins.keyword, [](char c) { return c >= 'A' && c <= 'Z'; }))
    ins.lower = save(Arena, ins.keyword.lower());
  else
    ins.lower = ins.keyword;
  ins.keywordRange = rangeIn(ins, ts, ke);
  uint32_t rest = ke;
  while (rest < te && isSplitSpace(line[rest]))
    ++rest;
  uint32_t b = te, e = te;
  if (rest < te) {
    Flags.clear();
    b = flags(ins, line, rest, te);
    ins.flags = save<Flag>(Arena, Flags);
    trimSpace(line, b, e);
  }
  ins.argsOffset = b;
  Args.clear();
  switch (ins.kind) {
  case InstructionKind::Run:
  case InstructionKind::Cmd:
  case InstructionKind::Entrypoint:
  case InstructionKind::Shell:
    maybeJson(ins, b, e, false);
    break;
  case InstructionKind::Add:
  case InstructionKind::Copy:
  case InstructionKind::Volume: {
    // parseMaybeJSONToList tries JSON on the text as is (no empty check first).
    if (b >= e)
      break;
    maybeJson(ins, b, e, true);
    break;
  }
  case InstructionKind::Expose:
  case InstructionKind::From:
    splitWhitespace(ins, b, e);
    break;
  case InstructionKind::Env:
    nameValue(ins, b, e, "ENV");
    break;
  case InstructionKind::Label:
    nameValue(ins, b, e, "LABEL");
    break;
  case InstructionKind::Arg: {
    llvm::StringRef text = line.slice(b, e);
    Bounds.clear();
    bool ascii = splitWords(text, Escape, Bounds);
    for (const WordBounds &w : Bounds)
      addWord(ins, wordValue(text, w, ascii), b + w.begin, b + w.end);
    break;
  }
  case InstructionKind::Maintainer:
  case InstructionKind::StopSignal:
  case InstructionKind::User:
  case InstructionKind::Workdir:
    if (b < e)
      addWord(ins, line.slice(b, e), b, e);
    break;
  case InstructionKind::Healthcheck: {
    uint32_t sep = b;
    while (sep < e && !isAsciiSpace(line[sep]))
      ++sep;
    if (sep == b)
      break;
    uint32_t next = sep;
    while (next < e && isAsciiSpace(line[next]))
      ++next;
    addWord(ins, line.slice(b, sep), b, sep);
    maybeJson(ins, next, e, false);
    break;
  }
  case InstructionKind::Onbuild: {
    if (b >= e)
      break;
    auto trigger = std::make_unique<Instruction>();
    trigger->line = line.slice(b, e);
    llvm::SmallVector<OffsetMap::Segment, 4> segments;
    for (const OffsetMap::Segment &s : ins.map.segments()) {
      uint32_t lo = std::max(s.logical, b), hi = std::min(s.logical + s.length, e);
      if (lo < hi)
        OffsetMap::append(segments, lo - b,
                          {s.line, s.column + (lo - s.logical), s.source + (lo - s.logical)}, hi - lo);
    }
    trigger->map = OffsetMap(save<OffsetMap::Segment>(Arena, segments));
    trigger->startLine = ins.startLine;
    trigger->endLine = ins.endLine;
    trigger->range = ins.rangeOf(Src, b, e);
    parse(*trigger); // its words, not this instruction's (which has none)
    ins.trigger = std::move(trigger);
    Args.clear();
    break;
  }
  case InstructionKind::Unknown:
    break;
  }
  ins.args = save<Word>(Arena, Args);
}

// Whether `s` holds "<<": memchr for each '<' (StringRef::find builds a skip table per call,
// which costs more than the scan on the short lines of a Dockerfile).
static bool containsHeredocMarker(llvm::StringRef s) {
  const char *p = s.data(), *end = s.data() + s.size();
  while (p < end) {
    const char *lt = static_cast<const char *>(std::memchr(p, '<', static_cast<size_t>(end - p)));
    if (!lt || lt + 1 >= end)
      return false;
    if (lt[1] == '<')
      return true;
    p = lt + 1;
  }
  return false;
}

void Parser::readHeredocs(Instruction &ins, uint32_t &lastLine, uint32_t &lastEnd, uint32_t &lastNext) {
  const Instruction &target = ins.trigger ? *ins.trigger : ins;
  if (!canHaveHeredoc(target.kind) || target.json || !containsHeredocMarker(ins.line))
    return;
  std::vector<Heredoc> heredocs = heredocsFromLine(ins.line);
  uint32_t searchFrom = 0;
  for (Heredoc &h : heredocs) {
    // Locate the marker on the line for its range: the next `<<` not yet used.
    size_t at = llvm::StringRef(ins.line).find("<<", searchFrom);
    if (at != llvm::StringRef::npos) {
      size_t b = at;
      while (b > 0 && llvm::isDigit(ins.line[b - 1]))
        --b;
      size_t e = at + 2;
      while (e < ins.line.size() && !isSplitSpace(ins.line[e]))
        ++e;
      h.marker = ins.rangeOf(Tree.source, b, e);
      searchFrom = static_cast<uint32_t>(e);
    }
    PhysicalLine l;
    bool terminated = false;
    uint32_t bodyBegin = lastNext;
    uint32_t bodyEnd = bodyBegin;
    while (readLine(l)) {
      lastLine = l.number;
      lastEnd = l.end;
      lastNext = l.next;
      llvm::StringRef candidate = Text.slice(l.begin, l.end);
      if (h.chomp)
        candidate = candidate.ltrim('\t');
      if (candidate == h.name) {
        terminated = true;
        h.terminator = lineRange(l);
        break;
      }
      // Raw body: line endings kept (a BOM is only ever stripped on line 0).
      h.content.append(Text.data() + l.raw, l.next - l.raw);
      bodyEnd = l.next;
    }
    h.body = Tree.source.range(bodyBegin, std::max(bodyBegin, bodyEnd));
    if (!terminated) {
      error(h.marker, "unterminated heredoc");
      h.terminator = Tree.source.range(Text.size(), Text.size());
    }
    ins.heredocs.push_back(std::move(h));
    if (!terminated)
      break;
  }
}

void Parser::run() {
  PhysicalLine l;
  LineParser lineParser(Tree, Arena, Escape);
  while (readLine(l)) {
    uint32_t begin = l.begin;
    while (begin < l.end && isAsciiSpace(Text[begin]))
      ++begin;
    bool wasDirectivePhase = !DirectivesDone;
    directive(l, begin);
    bool isDirective = wasDirectivePhase && !DirectivesDone && begin < l.end;
    if (begin < l.end && Text[begin] == '#') {
      if (Tree.comments.empty())
        Tree.comments.reserve(8); // growing 1, 2, 4 cost ~0.8 reallocations per corpus file
      Tree.comments.push_back({{l.number, begin - l.raw, begin}, {l.number, l.end - l.raw, l.end}});
      if (!isDirective) {
        // BuildKit trims the raw line after its first byte, so an indented `#` stays in the text.
        // StringRef::trim's white space, without its per-call character set.
        uint32_t cb = l.begin + 1, ce = l.end;
        trimSpace(Text, cb, ce);
        llvm::StringRef c = Text.slice(cb, ce);
        if (c.empty())
          Comments.clear();
        else
          Comments.push_back(c);
      }
      continue;
    }
    bool endOfLine = true;
    uint32_t keep = trimContinuation(begin, l.end, endOfLine);
    if (endOfLine && keep == begin)
      continue; // blank line
    Tree.instructions.emplace_back();
    Instruction &ins = Tree.instructions.back();
    ins.startLine = l.number + 1;
    MapBuf.clear();
    MapBuf.push_back({0, begin, keep - begin, l.number, begin - l.raw}); // the first piece
    // One piece: the line is a slice of the source. More: joined in the arena.
    bool joined = false;
    uint32_t logical = keep - begin; // the joined length so far
    uint32_t lastLine = l.number, lastEnd = l.end, lastNext = l.next;
    bool emptyContinuation = false;
    while (!endOfLine && readLine(l)) {
      lastLine = l.number;
      lastEnd = l.end;
      lastNext = l.next;
      uint32_t i = l.begin;
      while (i < l.end && isAsciiSpace(Text[i]))
        ++i;
      if (i < l.end && Text[i] == '#')
        continue; // a comment line inside the instruction
      if (i == l.end) {
        emptyContinuation = true;
        continue;
      }
      uint32_t k = trimContinuation(l.begin, l.end, endOfLine);
      joined = true;
      // OffsetMap::append inline: a piece that continues the last one extends it.
      OffsetMap::Segment &last = MapBuf.back();
      if (last.logical + last.length == logical && last.source + last.length == l.begin && last.line == l.number)
        last.length += k - l.begin;
      else
        MapBuf.push_back({logical, l.begin, k - l.begin, l.number, l.begin - l.raw});
      logical += k - l.begin;
    }
    llvm::StringRef line = Text.slice(begin, keep);
    if (joined && logical > 0) {
      char *out = Arena.allocate<char>(logical);
      line = {out, logical};
      for (const OffsetMap::Segment &s : MapBuf) {
        std::memcpy(out, Text.data() + s.source, s.length);
        out += s.length;
      }
    }
    // The logical line as BuildKit keeps it, without trailing whitespace.
    size_t trimmed = line.size();
    while (trimmed > 0 && isAsciiSpace(line[trimmed - 1]))
      --trimmed;
    ins.line = line.take_front(trimmed);
    ins.map = OffsetMap(save<OffsetMap::Segment>(Arena, MapBuf));
    lineParser.parse(ins);
    if (emptyContinuation)
      error(Tree.source.range(ins.map.toSource(0), lastEnd),
            "Empty continuation line found in: " + ins.line.str(), Severity::Warning, "NoEmptyContinuation");
    readHeredocs(ins, lastLine, lastEnd, lastNext);
    ins.endLine = lastLine + 1;
    uint32_t startOffset = ins.keywordRange.begin.offset;
    // Both ends are known positions: no search of the line index.
    Position end{lastLine, lastEnd - Tree.source.lineStart(lastLine), lastEnd};
    ins.range = {ins.keywordRange.begin, lastEnd >= startOffset ? end : ins.keywordRange.begin};
    ins.comments = save<llvm::StringRef>(Arena, Comments);
    Comments.clear();
  }
  if (Tree.instructions.empty())
    error(Tree.source.range(0, 0), "file with no instructions");
}

} // namespace

SyntaxTree parseDockerfile(std::string text, const ParseOptions &) {
  SyntaxTree tree;
  tree.source = SourceText(std::move(text));
  // At most one instruction a line; short files are often all instructions, long ones half.
  size_t lines = tree.source.lineCount();
  tree.instructions.reserve(std::min(lines, lines / 2 + 16));
  Parser(tree).run();
  // Mostly in order already (errors come line by line), and stable_sort takes a temporary buffer
  // even for one diagnostic.
  auto before = [](const Diagnostic &a, const Diagnostic &b) { return a.range.begin < b.range.begin; };
  if (!std::is_sorted(tree.diagnostics.begin(), tree.diagnostics.end(), before))
    std::stable_sort(tree.diagnostics.begin(), tree.diagnostics.end(), before);
  return tree;
}

} // namespace dfc
