// BuildKit's AST dump (parser.Node.Dump) for the conformance corpus: Go's strconv.Quote for every
// value and fmt's %q for the flag list.
#include "frontend/SyntaxTree.h"

#include <llvm/Support/ConvertUTF.h>
#include <llvm/Support/Unicode.h>

namespace dfc {
namespace {

const char Hex[] = "0123456789abcdef";

void quoteInto(std::string &out, llvm::StringRef s) {
  out.push_back('"');
  const auto *p = reinterpret_cast<const llvm::UTF8 *>(s.data());
  const auto *end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\a': out += "\\a"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\v': out += "\\v"; continue;
      default:
        break;
      }
      if (c < 0x20 || c == 0x7f) {
        out += "\\x";
        out.push_back(Hex[c >> 4]);
        out.push_back(Hex[c & 15]);
      } else {
        out.push_back(static_cast<char>(c));
      }
      continue;
    }
    unsigned len = llvm::getNumBytesForUTF8(c);
    if (len > static_cast<unsigned>(end - p) || !llvm::isLegalUTF8Sequence(p, p + len)) {
      out += "\\x";
      out.push_back(Hex[c >> 4]);
      out.push_back(Hex[c & 15]);
      ++p;
      continue;
    }
    llvm::UTF32 cp = 0;
    llvm::UTF32 *o = &cp;
    const llvm::UTF8 *start = p;
    llvm::ConvertUTF8toUTF32(&p, p + len, &o, o + 1, llvm::strictConversion);
    if (llvm::sys::unicode::isPrintable(static_cast<int>(cp))) {
      out.append(reinterpret_cast<const char *>(start), len);
    } else if (cp < 0x10000) {
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4)
        out.push_back(Hex[(cp >> shift) & 15]);
    } else {
      out += "\\U";
      for (int shift = 28; shift >= 0; shift -= 4)
        out.push_back(Hex[(cp >> shift) & 15]);
    }
  }
  out.push_back('"');
}

void dumpInstruction(std::string &out, const Instruction &ins) {
  out += ins.lower;
  if (!ins.flags.empty()) {
    out += " [";
    for (size_t i = 0; i < ins.flags.size(); ++i) {
      if (i)
        out.push_back(' ');
      quoteInto(out, ins.flags[i].text);
    }
    out += "]";
  }
  if (ins.trigger) {
    out += " (";
    dumpInstruction(out, *ins.trigger);
    out += ")";
  }
  for (const Word &w : ins.args) {
    out.push_back(' ');
    quoteInto(out, w.value);
  }
}

} // namespace

std::string dumpBuildkit(const SyntaxTree &tree) {
  std::string out;
  for (const Instruction &ins : tree.instructions) {
    out.push_back('(');
    dumpInstruction(out, ins);
    out += ")\n";
  }
  return out;
}

} // namespace dfc
