// Signature help: the instruction's syntax line with its parameters, the active one being the
// argument the cursor is in (flags count as the first parameter group).
#include "lsp-server/Docs.h"
#include "lsp-server/Features.h"

#include <llvm/ADT/StringExtras.h>

namespace dfc::lsp {

std::optional<SignatureHelp> signatureHelp(const Document &doc, uint32_t offset) {
  std::optional<InstructionSite> site = doc.instructionAt(offset);
  if (!site)
    return std::nullopt;
  const Instruction *ins = site->syntax;
  if (ins->trigger && offset >= ins->trigger->keywordRange.begin.offset)
    ins = ins->trigger.get();
  if (offset < ins->keywordRange.end.offset)
    return std::nullopt;
  std::string syntax = instructionSyntax(ins->keyword);
  if (syntax.empty())
    return std::nullopt;
  SignatureInformation sig;
  sig.label = syntax;
  sig.documentation = instructionDoc(ins->keyword);
  // Parameters: the bracketed or angle-bracketed words after the keyword.
  llvm::StringRef rest = llvm::StringRef(syntax).drop_front(std::min(syntax.size(), ins->keyword.size()));
  for (llvm::StringRef w : llvm::split(rest, ' ')) {
    w = w.trim();
    if (!w.empty())
      sig.parameters.push_back({w.str(), {}});
  }
  SignatureHelp h;
  // Which parameter: flags map to the leading `[--...]` parameters, then one per word.
  const SourceText &src = doc.tree().source;
  llvm::StringRef typed = src.text().slice(ins->keywordRange.end.offset, offset);
  int words = 0, flags = 0;
  bool inWord = false;
  for (size_t i = 0; i < typed.size(); ++i) {
    char c = typed[i];
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == doc.tree().escape;
    if (!space && !inWord) {
      if (typed.substr(i).startswith("--"))
        ++flags;
      else
        ++words;
    }
    inWord = !space;
  }
  int flagParams = 0;
  for (const ParameterInformation &p : sig.parameters)
    flagParams += llvm::StringRef(p.label).startswith("[--") ? 1 : 0;
  // A word being typed is a flag or a positional argument; a fresh word is the next positional.
  bool inFlag = inWord && llvm::StringRef(typed).rsplit(' ').second.startswith("--");
  int active =
      inFlag ? std::min(flags - 1, std::max(0, flagParams - 1)) : flagParams + (inWord ? words - 1 : words);
  if (!sig.parameters.empty())
    active = std::min<int>(active, static_cast<int>(sig.parameters.size()) - 1);
  h.activeParameter = std::max(0, active);
  h.signatures.push_back(std::move(sig));
  return h;
}

} // namespace dfc::lsp
