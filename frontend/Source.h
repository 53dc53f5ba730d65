// Source text with a line index: maps byte offsets to (line, column) and back.
// Positions are 0-based lines and byte columns; printers add 1, the LSP converts columns to UTF-16.
#pragma once

#include <llvm/ADT/StringRef.h>

#include <cstdint>
#include <string>
#include <vector>

namespace dfc {

struct Position {
  uint32_t line = 0;   // 0-based
  uint32_t column = 0; // 0-based, in bytes
  uint32_t offset = 0; // byte offset into the source text
  friend bool operator==(const Position &a, const Position &b) { return a.offset == b.offset; }
  friend bool operator<(const Position &a, const Position &b) { return a.offset < b.offset; }
};

struct Range {
  Position begin;
  Position end; // exclusive
  bool contains(uint32_t offset) const { return offset >= begin.offset && offset <= end.offset; }
  friend bool operator==(const Range &a, const Range &b) { return a.begin == b.begin && a.end == b.end; }
};

// The text's buffer stays put when a SourceText is moved (the syntax tree keeps slices of it):
// the constructor makes sure the string is not held inline (short-string optimisation), and a
// moved std::string hands its heap buffer over.
class SourceText {
public:
  SourceText() = default;
  explicit SourceText(std::string text);

  llvm::StringRef text() const { return Text; }
  size_t lineCount() const { return LineStarts.size(); }
  // The physical line without its line ending.
  llvm::StringRef line(uint32_t line) const;
  uint32_t lineStart(uint32_t line) const { return LineStarts[line]; }
  Position position(uint32_t offset) const;
  Range range(uint32_t beginOffset, uint32_t endOffset) const {
    return {position(beginOffset), position(endOffset)};
  }

private:
  std::string Text;
  std::vector<uint32_t> LineStarts;
};

} // namespace dfc
