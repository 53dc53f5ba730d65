// Cuts the embedded instruction pages into the pieces hover and completion show: a page's head,
// one `## \`--flag\`` section, one option bullet, the syntax line.
#include "lsp-server/Docs.h"

namespace dfc::lsp {

namespace {

llvm::StringRef page(llvm::StringRef name) {
  const char *p = instructionPage(name);
  return p ? llvm::StringRef(p) : llvm::StringRef();
}

// The `## ` section whose heading starts with "## `--flag" followed by '`', '=' or ' '.
llvm::StringRef section(llvm::StringRef text, llvm::StringRef flag) {
  std::string head = "## `--" + flag.str();
  for (size_t at = text.find(head); at != llvm::StringRef::npos; at = text.find(head, at + 1)) {
    if (at != 0 && text[at - 1] != '\n')
      continue;
    size_t after = at + head.size();
    if (after < text.size() && text[after] != '`' && text[after] != '=' && text[after] != ' ')
      continue;
    size_t end = text.find("\n## ", after);
    return text.slice(at, end).trim();
  }
  return {};
}

} // namespace

std::string instructionDoc(llvm::StringRef name) {
  llvm::StringRef text = page(name);
  return text.substr(0, text.find("\n## ")).trim().str();
}

std::string flagDoc(llvm::StringRef instruction, llvm::StringRef flag) {
  return section(page(instruction), flag).str();
}

std::vector<std::string> documentedFlags(llvm::StringRef instruction) {
  std::vector<std::string> out;
  llvm::StringRef text = page(instruction);
  for (size_t at = text.find("\n## `--"); at != llvm::StringRef::npos; at = text.find("\n## `--", at + 1)) {
    llvm::StringRef name = text.substr(at + 7);
    name = name.take_until([](char c) { return c == '`' || c == '=' || c == ' ' || c == '\n'; });
    if (!name.empty())
      out.push_back(name.str());
  }
  return out;
}

std::string optionDoc(llvm::StringRef instruction, llvm::StringRef key) {
  llvm::StringRef text = page(instruction);
  std::string bullet = "\n- `" + key.str() + "=";
  size_t at = text.find(bullet);
  if (at == llvm::StringRef::npos)
    return {};
  llvm::StringRef rest = text.substr(at + 1);
  size_t end = rest.find("\n- ");
  size_t para = rest.find("\n\n");
  return rest.substr(0, std::min(end, para)).trim().str();
}

std::string instructionSyntax(llvm::StringRef name) {
  llvm::StringRef text = page(name);
  size_t at = text.find("```dockerfile\n");
  if (at == llvm::StringRef::npos)
    return {};
  llvm::StringRef rest = text.substr(at + 14);
  return rest.take_until([](char c) { return c == '\n'; }).trim().str();
}

} // namespace dfc::lsp
