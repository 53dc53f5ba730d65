// Directive detection over raw file bytes, as BuildKit selects a frontend (`# syntax=`) or reads
// `# check=` before parsing: independent of the main parser so it works on any text.
#include "frontend/SyntaxTree.h"

#include <llvm/ADT/StringExtras.h>
#include <nlohmann/json.hpp>

namespace dfc {
namespace {

bool isReSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

// One `<prefix>key=value` line; false when the line is not a directive.
bool matchDirective(llvm::StringRef line, llvm::StringRef prefix, std::string &key, std::string &value) {
  if (!line.consume_front(prefix))
    return false;
  line = line.ltrim(" \t\n\f\r");
  if (line.empty() || !llvm::isAlpha(line[0]))
    return false;
  size_t n = 1;
  while (n < line.size() && llvm::isAlnum(line[n]))
    ++n;
  key = line.take_front(n).lower();
  line = line.drop_front(n).ltrim(" \t\n\f\r");
  if (!line.consume_front("="))
    return false;
  line = line.ltrim(" \t\n\f\r");
  while (!line.empty() && isReSpace(line.back()))
    line = line.drop_back();
  if (line.empty())
    return false;
  value = line.str();
  return true;
}

DetectedDirective scan(llvm::StringRef text, llvm::StringRef key, llvm::StringRef prefix, uint32_t firstLine) {
  DetectedDirective out;
  uint32_t number = firstLine;
  while (!text.empty()) {
    auto [line, rest] = text.split('\n');
    text = rest;
    ++number;
    line = line.rtrim("\r\n").ltrim(" \t\n\v\f\r");
    std::string k, v;
    if (!matchDirective(line, prefix, k, v) || (k != "syntax" && k != "escape" && k != "check"))
      break;
    if (k == key) {
      out.found = true;
      out.cmdline = v;
      out.ref = llvm::StringRef(v).split(' ').first.str();
      out.line = number;
      return out;
    }
  }
  return out;
}

} // namespace

DetectedDirective detectDirective(llvm::StringRef text, llvm::StringRef key) {
  text.consume_front("\xEF\xBB\xBF");
  uint32_t first = 0;
  if (text.startswith("#!")) {
    text = text.split('\n').second;
    first = 1;
  }
  DetectedDirective d = scan(text, key, "#", first);
  if (d.found || key != "syntax")
    return d;
  d = scan(text, key, "//", first);
  if (d.found)
    return d;
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_object()) {
    auto it = j.find(key.str());
    if (it != j.end() && it->is_string()) {
      d.found = true;
      d.ref = d.cmdline = it->get<std::string>();
      d.line = first + 1;
    }
  }
  return d;
}

} // namespace dfc
