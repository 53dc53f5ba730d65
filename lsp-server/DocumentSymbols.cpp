// Document symbols: one per stage (named by its stage name) holding its instructions, with ARG and
// ENV keys as variables; instructions before the first FROM sit at the top level.
#include "lsp-server/Features.h"

namespace dfc::lsp {

namespace {

std::string shortArgs(const Instruction &ins) {
  llvm::StringRef a =
      llvm::StringRef(ins.line).substr(std::min<size_t>(ins.keyword.size(), ins.line.size())).trim();
  if (a.size() > 60)
    return a.substr(0, 57).str() + "...";
  return a.str();
}

SymbolKind kindOf(InstructionKind k) {
  switch (k) {
  case InstructionKind::Arg:
  case InstructionKind::Env:
    return SymbolKind::Variable;
  case InstructionKind::Label:
    return SymbolKind::Property;
  case InstructionKind::Expose:
    return SymbolKind::Constant;
  default:
    return SymbolKind::Function;
  }
}

} // namespace

std::vector<DocumentSymbol> documentSymbols(const Document &doc) {
  std::vector<DocumentSymbol> out;
  const SyntaxTree &tree = doc.tree();
  const Program &prog = doc.program();
  DocumentSymbol *stage = nullptr;
  for (size_t i = 0; i < tree.instructions.size(); ++i) {
    const Instruction &ins = tree.instructions[i];
    InstructionSite site = doc.site(i);
    if (site.isFrom()) {
      const Stage &st = prog.stages[site.stage];
      DocumentSymbol s;
      s.name = st.displayName();
      s.detail = "FROM " + st.baseName.raw.str();
      s.kind = SymbolKind::Module;
      s.range = doc.toLsp(ins.range);
      s.selectionRange = st.name.empty() ? doc.toLsp(ins.keywordRange) : doc.toLsp(st.nameRange);
      out.push_back(std::move(s));
      stage = &out.back();
      continue;
    }
    DocumentSymbol s;
    s.name = instructionName(ins.kind).empty() ? ins.keyword : instructionName(ins.kind).str();
    s.detail = shortArgs(ins);
    s.kind = kindOf(ins.kind);
    s.range = doc.toLsp(ins.range);
    s.selectionRange = doc.toLsp(ins.keywordRange);
    const AnyInstruction *ai = nullptr;
    if (site.stage >= 0 && site.instruction >= 0)
      ai = &prog.stages[site.stage].instructions[site.instruction];
    auto child = [&](const Operand &key) {
      DocumentSymbol c;
      c.name = key.raw;
      c.kind = SymbolKind::Variable;
      c.range = c.selectionRange = doc.toLsp(key.range);
      s.children.push_back(std::move(c));
    };
    if (ai) {
      if (const ArgInstruction *a = ai->as<ArgInstruction>())
        for (const ArgDecl &d : a->args)
          child(d.key);
      if (const EnvInstruction *e = ai->as<EnvInstruction>())
        for (const KeyValue &kv : e->pairs)
          child(kv.key);
    } else if (ins.kind == InstructionKind::Arg && site.stage < 0) {
      for (const ArgInstruction &g : prog.globalArgs)
        if (g.syntaxIndex == i)
          for (const ArgDecl &d : g.args)
            child(d.key);
    }
    if (stage && site.stage >= 0) {
      stage->range.end = s.range.end;
      stage->children.push_back(std::move(s));
    } else {
      out.push_back(std::move(s));
      stage = stage && site.stage >= 0 ? stage : nullptr;
    }
  }
  return out;
}

} // namespace dfc::lsp
