// Finds where a variable is referenced in an instruction's text (`$NAME` or `${NAME...}`), so
// findings about a variable point at the reference rather than at the whole instruction.
#pragma once

#include "frontend/SyntaxTree.h"

#include <llvm/ADT/StringExtras.h>

#include <optional>

namespace dfc::lint::rules {

inline bool isNameChar(char c) { return llvm::isAlnum(c) || c == '_'; }

// The source range of the first `$name` / `${name}` in `ins` (arguments and flags), if any.
inline std::optional<Range> findVarRef(const Instruction &ins, const SourceText &src, llvm::StringRef name) {
  llvm::StringRef line(ins.line);
  for (size_t at = line.find('$'); at != llvm::StringRef::npos; at = line.find('$', at + 1)) {
    size_t begin = at + 1;
    bool braced = begin < line.size() && line[begin] == '{';
    if (braced)
      ++begin;
    if (!line.substr(begin).startswith(name))
      continue;
    size_t end = begin + name.size();
    if (end < line.size() && isNameChar(line[end]))
      continue;
    if (braced) {
      size_t close = line.find('}', end);
      end = close == llvm::StringRef::npos ? line.size() : close + 1;
    }
    return ins.rangeOf(src, static_cast<uint32_t>(at), static_cast<uint32_t>(end));
  }
  return std::nullopt;
}

} // namespace dfc::lint::rules
