// The syntax tree of a Dockerfile: BuildKit's parser layer (lines, directives, continuations,
// heredocs, keyword + flags + raw argument nodes), with an exact source range on every node.
// A tree is a value: it owns its text and never refers back to files. Its strings and arrays are
// views (StringRef, ArrayRef) into that text or into the tree's arena, so they live as long as
// the tree; moving the tree keeps them valid.
#pragma once

#include "frontend/Diagnostic.h"
#include "frontend/Source.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/SmallVector.h>
#include <llvm/Support/Allocator.h>

#include <memory>
#include <string>
#include <vector>

namespace dfc {

enum class InstructionKind : uint8_t {
  Unknown,
  Add,
  Arg,
  Cmd,
  Copy,
  Entrypoint,
  Env,
  Expose,
  From,
  Healthcheck,
  Label,
  Maintainer,
  Onbuild,
  Run,
  Shell,
  StopSignal,
  User,
  Volume,
  Workdir,
};

// Lowercase keyword -> kind; Unknown for anything else.
InstructionKind instructionKind(llvm::StringRef keyword);
// Canonical upper-case spelling ("RUN", "STOPSIGNAL"); "" for Unknown.
llvm::StringRef instructionName(InstructionKind kind);
// Lower-case spelling ("run", "stopsignal"); "" for Unknown.
llvm::StringRef instructionLowerName(InstructionKind kind);

// Maps offsets in an instruction's joined logical line back to source offsets. Continuation
// joining removes escape characters and skipped lines, so the mapping is piecewise linear.
class OffsetMap {
public:
  // Each segment is a piece of one physical line, so it also knows its line and column: ranges
  // come straight from the map, without searching the whole file's line index.
  struct Segment {
    uint32_t logical; // first offset in the logical line
    uint32_t source;  // the source offset it came from
    uint32_t length;
    uint32_t line;    // of `source`, 0-based
    uint32_t column;  // of `source`, 0-based bytes
  };
  OffsetMap() = default;
  // `segments` ordered by `logical`; they are not copied (the parser keeps them in the tree's arena).
  explicit OffsetMap(llvm::ArrayRef<Segment> segments) : Segments(segments) {}
  // Appends a piece to segments being built, extending the last one when it continues it.
  static void append(llvm::SmallVectorImpl<Segment> &segments, uint32_t logical, Position source,
                     uint32_t length);
  // An offset at a segment's end maps to that segment's end (so ranges stay on their line).
  Position toPosition(uint32_t logical) const;
  uint32_t toSource(uint32_t logical) const { return toPosition(logical).offset; }
  llvm::ArrayRef<Segment> segments() const { return Segments; }

private:
  llvm::ArrayRef<Segment> Segments;
};

// One argument node of BuildKit's AST. `value` is what BuildKit stores (quotes kept or removed
// as BuildKit does for that instruction); the range covers the text it came from.
struct Word {
  llvm::StringRef value;
  Range range;
};

// A leading `--flag[=value]`: `text` is BuildKit's form (quotes removed, escapes processed).
struct Flag {
  llvm::StringRef text; // "--from=a b"
  Range range;
  llvm::StringRef name() const;   // "from"
  bool hasValue() const;          // an '=' follows the name
  llvm::StringRef value() const;  // after '=' ("" when none)
};

struct Heredoc {
  std::string name;    // delimiter with quotes removed
  std::string content; // raw body, line endings kept, terminator excluded
  bool expand = true;  // false when any part of the delimiter was quoted
  bool chomp = false;  // `<<-`
  unsigned fileDescriptor = 0;
  Range marker;     // `<<EOF` on the instruction line
  Range body;       // the body lines
  Range terminator; // the delimiter line
};

// Its text fields are slices of the source when it has them unchanged (`line` of a one-line
// instruction, `keyword`, most words), else copies in the tree's arena, as are the arrays.
struct Instruction {
  InstructionKind kind = InstructionKind::Unknown;
  llvm::StringRef keyword; // as written ("From")
  llvm::StringRef lower;   // lowercased, as BuildKit dumps it
  llvm::StringRef line;    // joined logical line, trimmed (BuildKit's `Original`), heredoc bodies excluded
  OffsetMap map;           // offsets in `line` -> source offsets
  Range range;         // whole instruction, heredoc terminators included
  Range keywordRange;
  uint32_t startLine = 0, endLine = 0; // 1-based, inclusive, as BuildKit numbers them
  llvm::ArrayRef<Flag> flags;
  uint32_t argsOffset = 0;                  // where the arguments start in `line`
  llvm::ArrayRef<Word> args;                // ENV/LABEL: (key, value, separator) triples
  bool json = false;                        // exec (JSON) form
  std::vector<Heredoc> heredocs;            // rare: owns its strings
  std::unique_ptr<Instruction> trigger;     // ONBUILD's instruction
  llvm::ArrayRef<llvm::StringRef> comments; // comment block directly above (BuildKit's PrevComment)

  llvm::StringRef argsText() const { return line.substr(argsOffset); }
  // Source range of [begin, end) in `line`.
  Range rangeOf(const SourceText &, uint32_t begin, uint32_t end) const {
    return {map.toPosition(begin), map.toPosition(end)};
  }
};

struct Directive {
  std::string key; // lowercased: syntax, escape, check
  std::string value;
  Range range;
};

struct SyntaxTree {
  SourceText source; // its buffer never moves (see SourceText), so slices of it survive a move
  // Holds what the instructions' views point at that is not in `source`: joined continuation
  // lines, words whose value differs from their text, arrays, offset maps.
  llvm::BumpPtrAllocator arena;
  std::vector<Directive> directives;
  char escape = '\\';
  std::vector<Instruction> instructions;
  std::vector<Range> comments;         // every comment line (for folding and highlighting)
  std::vector<Diagnostic> diagnostics; // parse errors and parser warnings, in source order

  bool hasErrors() const;
  const Directive *directive(llvm::StringRef key) const;
};

struct ParseOptions {
  // BuildKit aborts at the first error; we always recover and report every error, but can
  // stop early for callers that only need a yes/no (e.g. fuzzing the fast path).
  bool stopAtFirstError = false;
};

// Parses any bytes; never throws, never fails: errors are diagnostics on the returned tree.
SyntaxTree parseDockerfile(std::string text, const ParseOptions &opts = {});

// BuildKit's `parser.Node.Dump()` of the tree plus "\n" per instruction (the corpus `result`).
std::string dumpBuildkit(const SyntaxTree &tree);

} // namespace dfc

namespace dfc {
// BuildKit's ParseDirective/DetectSyntax: finds `# key=value` among the leading directives (after
// a BOM and a `#!` line); for `syntax` also `//syntax=` lines and a whole-file JSON object.
struct DetectedDirective {
  bool found = false;
  std::string ref;     // the value up to the first space
  std::string cmdline; // the whole value
  uint32_t line = 0;   // 1-based
};
DetectedDirective detectDirective(llvm::StringRef text, llvm::StringRef key);
} // namespace dfc
