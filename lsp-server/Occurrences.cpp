// Builds the stage/variable occurrence list from the syntax tree and the program. A reference
// resolves as BuildKit expands it: to the last ARG/ENV before its instruction in the stage, else
// to an ENV of the base stage (ENV is inherited by `FROM <stage>`, ARG is not), else to nothing.
// Symbols (scopes): global ARGs, FROM lines and stage `ARG X` re-declarations of a global X share
// "global"; a stage's first ARG/ENV of a name starts "stage:N", which later declarations of the
// name in that stage and in stages built from it join; unresolved references are "free:N".
#include "lsp-server/Occurrences.h"

#include <llvm/ADT/StringExtras.h>

#include <algorithm>
#include <map>
#include <set>

namespace dfc::lsp {

namespace {
bool isNameStart(char c) { return llvm::isAlpha(c) || c == '_'; }
bool isNameChar(char c) { return llvm::isAlnum(c) || c == '_'; }
} // namespace

std::vector<VarRef> scanVarRefs(llvm::StringRef text, char escape) {
  std::vector<VarRef> out;
  bool single = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (single) {
      if (c == '\'')
        single = false;
      continue;
    }
    if (c == escape) {
      ++i;
      continue;
    }
    if (c == '\'') {
      single = true;
      continue;
    }
    if (c != '$' || i + 1 >= text.size())
      continue;
    size_t j = i + 1;
    bool braced = text[j] == '{';
    if (braced)
      ++j;
    if (j >= text.size() || !isNameStart(text[j]))
      continue;
    size_t nb = j;
    while (j < text.size() && isNameChar(text[j]))
      ++j;
    size_t ne = j, re = j;
    if (braced) {
      // The reference ends at the matching brace (defaults like ${X:-${Y}} nest).
      int depth = 1;
      size_t k = j;
      for (; k < text.size() && depth > 0; ++k) {
        if (text[k] == '{')
          ++depth;
        else if (text[k] == '}')
          --depth;
      }
      re = k;
    }
    out.push_back({static_cast<uint32_t>(nb), static_cast<uint32_t>(ne), static_cast<uint32_t>(i),
                   static_cast<uint32_t>(re)});
    // Nested references inside ${X:-$Y} are found by continuing after the name.
    i = ne - 1;
  }
  return out;
}

namespace {

// One ARG/ENV declaration, as the resolver sees it.
struct Decl {
  uint32_t syntaxIndex;
  uint32_t begin; // the name's offset: what a reference resolving to it records
  bool env;
  std::string scope;
};

struct Builder {
  const Document &Doc;
  const SyntaxTree &Tree;
  const Program &Prog;
  std::vector<Occurrence> Out;
  // Global ARGs (before the first FROM), name -> declarations in order.
  std::map<std::string, std::vector<Decl>> GlobalArgs;
  // Per stage, name -> its ARG/ENV declarations in order.
  std::vector<std::map<std::string, std::vector<Decl>>> StageDecls;

  explicit Builder(const Document &d) : Doc(d), Tree(d.tree()), Prog(d.program()) {}

  void add(Occurrence::Kind kind, std::string name, uint32_t b, uint32_t e, uint32_t rb, uint32_t re,
           bool decl, int syntaxIndex, std::string scope, uint32_t target = Occurrence::NoTarget) {
    Occurrence o;
    o.kind = kind;
    o.name = std::move(name);
    o.begin = b;
    o.end = e;
    o.refBegin = rb;
    o.refEnd = re;
    o.declaration = decl;
    o.syntaxIndex = syntaxIndex;
    o.scope = std::move(scope);
    o.target = target;
    Out.push_back(std::move(o));
  }

  // The ENV a stage leaves behind for stages built FROM it: its last ENV of `name`, else what it
  // inherited itself. ARGs end with their stage, so they are never inherited.
  const Decl *inheritedEnv(int stage, const std::string &name) const {
    for (int s = stage, hops = 0; s >= 0 && hops < 64; ++hops) {
      auto it = StageDecls[s].find(name);
      if (it != StageDecls[s].end())
        for (auto d = it->second.rbegin(); d != it->second.rend(); ++d)
          if (d->env)
            return &*d;
      const StageRef *base = std::get_if<StageRef>(&Prog.stages[s].base);
      if (!base || static_cast<int>(base->index) >= s)
        break;
      s = static_cast<int>(base->index);
    }
    return nullptr;
  }

  // What `name` means just before instruction `syntaxIndex` of `stage`: the last ARG/ENV of that
  // name earlier in the stage (expansion sees the environment before the instruction, so a
  // declaration in the same instruction does not count), else an ENV inherited from the base
  // stage. A global ARG is visible in a stage only through such a re-declaration.
  const Decl *resolveInStage(int stage, const std::string &name, uint32_t syntaxIndex) const {
    auto it = StageDecls[stage].find(name);
    if (it != StageDecls[stage].end())
      for (auto d = it->second.rbegin(); d != it->second.rend(); ++d)
        if (d->syntaxIndex < syntaxIndex)
          return &*d;
    const StageRef *base = std::get_if<StageRef>(&Prog.stages[stage].base);
    if (base && static_cast<int>(base->index) < stage)
      return inheritedEnv(static_cast<int>(base->index), name);
    return nullptr;
  }

  // FROM lines and the global ARGs see the global ARGs declared before them.
  const Decl *resolveGlobal(const std::string &name, uint32_t offset) const {
    auto it = GlobalArgs.find(name);
    if (it != GlobalArgs.end())
      for (auto d = it->second.rbegin(); d != it->second.rend(); ++d)
        if (d->begin < offset)
          return &*d;
    return nullptr;
  }

  void declare(int stage, const std::string &name, const dfc::Range &key, uint32_t syntaxIndex, bool env) {
    std::string scope;
    if (stage < 0) {
      scope = "global";
      GlobalArgs[name].push_back({syntaxIndex, key.begin.offset, false, scope});
    } else {
      // A stage's `ARG X` of a global X is that build argument; a re-declaration or an ENV of a
      // name already in effect continues that variable; anything else starts the stage's own.
      if (!env && GlobalArgs.count(name))
        scope = "global";
      else if (const Decl *prev = resolveInStage(stage, name, syntaxIndex))
        scope = prev->scope;
      else
        scope = "stage:" + std::to_string(stage);
      StageDecls[stage][name].push_back({syntaxIndex, key.begin.offset, env, scope});
    }
    add(Occurrence::Kind::Variable, name, key.begin.offset, key.end.offset, key.begin.offset, key.end.offset,
        true, static_cast<int>(syntaxIndex), std::move(scope));
  }

  void declarations() {
    for (const ArgInstruction &a : Prog.globalArgs)
      for (const ArgDecl &d : a.args)
        declare(-1, d.key.raw.str(), d.key.range, a.syntaxIndex, false);
    StageDecls.resize(Prog.stages.size());
    for (const Stage &st : Prog.stages) {
      int s = static_cast<int>(st.index);
      for (const AnyInstruction &ai : st.instructions) {
        if (const ArgInstruction *a = ai.as<ArgInstruction>()) {
          for (const ArgDecl &d : a->args)
            declare(s, d.key.raw.str(), d.key.range, a->syntaxIndex, false);
        } else if (const EnvInstruction *e = ai.as<EnvInstruction>()) {
          for (const KeyValue &kv : e->pairs)
            declare(s, kv.key.raw.str(), kv.key.range, e->syntaxIndex, true);
        }
      }
    }
  }

  // A reference: joins the symbol it resolves to, or the unresolved names of its stage.
  void reference(const std::string &name, int stage, bool global, uint32_t syntaxIndex, uint32_t b,
                 uint32_t e, uint32_t rb, uint32_t re) {
    const Decl *d = global ? resolveGlobal(name, rb) : resolveInStage(stage, name, syntaxIndex);
    std::string scope = d ? d->scope : global ? "free:global" : "free:" + std::to_string(stage);
    add(Occurrence::Kind::Variable, name, b, e, rb, re, false, static_cast<int>(syntaxIndex),
        std::move(scope), d ? d->begin : Occurrence::NoTarget);
  }

  void references() {
    const SourceText &src = Tree.source;
    for (size_t i = 0; i < Tree.instructions.size(); ++i) {
      const Instruction &ins = Tree.instructions[i];
      InstructionSite site = Doc.site(i);
      int stage = site.stage;
      bool global = site.isFrom() || stage < 0;
      uint32_t si = static_cast<uint32_t>(i);
      llvm::StringRef line(ins.line);
      uint32_t from = static_cast<uint32_t>(std::min(ins.keyword.size(), line.size()));
      // ARG/ENV keys are declarations, not references; only their values are scanned.
      for (const VarRef &r : scanVarRefs(line.substr(from), Tree.escape))
        reference(line.slice(from + r.nameBegin, from + r.nameEnd).str(), stage, global, si,
                  ins.map.toSource(from + r.nameBegin), ins.map.toSource(from + r.nameEnd),
                  ins.map.toSource(from + r.refBegin), ins.map.toSource(from + r.refEnd));
      for (const Heredoc &h : ins.heredocs) {
        if (!h.expand)
          continue;
        uint32_t base = h.body.begin.offset;
        llvm::StringRef body = src.text().slice(base, h.body.end.offset);
        for (const VarRef &r : scanVarRefs(body, Tree.escape))
          reference(body.slice(r.nameBegin, r.nameEnd).str(), stage, global, si, base + r.nameBegin,
                    base + r.nameEnd, base + r.refBegin, base + r.refEnd);
      }
    }
  }

  // The source range of `value` inside the flag/operand text at [b, e), searched after `after`.
  bool locate(uint32_t b, uint32_t e, llvm::StringRef after, llvm::StringRef value, uint32_t &vb) const {
    llvm::StringRef text = Tree.source.text().slice(b, e);
    size_t at = after.empty() ? 0 : text.find_insensitive(after);
    if (at == llvm::StringRef::npos)
      return false;
    at += after.size();
    size_t v = text.find_insensitive(value, at);
    if (v == llvm::StringRef::npos)
      return false;
    vb = b + static_cast<uint32_t>(v);
    return true;
  }

  void stages() {
    for (const Stage &st : Prog.stages) {
      if (!st.name.empty())
        add(Occurrence::Kind::Stage, st.name, st.nameRange.begin.offset, st.nameRange.end.offset,
            st.nameRange.begin.offset, st.nameRange.end.offset, true, static_cast<int>(st.syntaxIndex),
            "stage-name");
      if (const StageRef *ref = std::get_if<StageRef>(&st.base)) {
        const Stage &target = Prog.stages[ref->index];
        uint32_t vb;
        if (!target.name.empty() &&
            locate(st.baseName.range.begin.offset, st.baseName.range.end.offset, "", target.name, vb))
          add(Occurrence::Kind::Stage, target.name, vb, vb + static_cast<uint32_t>(target.name.size()), vb,
              vb + static_cast<uint32_t>(target.name.size()), false, static_cast<int>(st.syntaxIndex),
              "stage-name");
      }
      for (const AnyInstruction &ai : st.instructions) {
        if (const CopyInstruction *c = ai.as<CopyInstruction>()) {
          if (c->fromStage && c->from)
            stageRef(*c->fromStage, c->from->range, "from=", c->syntaxIndex);
        } else if (const RunInstruction *r = ai.as<RunInstruction>()) {
          for (const Mount &m : r->mounts)
            if (m.fromStage)
              stageRef(*m.fromStage, m.range, "from=", r->syntaxIndex);
        }
      }
    }
  }

  void stageRef(size_t stage, const dfc::Range &range, llvm::StringRef after, uint32_t syntaxIndex) {
    const Stage &target = Prog.stages[stage];
    uint32_t vb;
    if (target.name.empty() || !locate(range.begin.offset, range.end.offset, after, target.name, vb))
      return;
    uint32_t ve = vb + static_cast<uint32_t>(target.name.size());
    add(Occurrence::Kind::Stage, target.name, vb, ve, vb, ve, false, static_cast<int>(syntaxIndex),
        "stage-name");
  }
};

} // namespace

std::vector<Occurrence> collectOccurrences(const Document &doc) {
  Builder b(doc);
  b.declarations();
  b.references();
  b.stages();
  std::stable_sort(b.Out.begin(), b.Out.end(),
                   [](const Occurrence &x, const Occurrence &y) { return x.begin < y.begin; });
  // A key scanned as a reference and also recorded as a declaration (e.g. `ENV A=$A`'s key is
  // never scanned, but keep the list unique by position anyway).
  b.Out.erase(std::unique(b.Out.begin(), b.Out.end(),
                          [](const Occurrence &x, const Occurrence &y) {
                            return x.begin == y.begin && x.end == y.end;
                          }),
              b.Out.end());
  return std::move(b.Out);
}

const Occurrence *occurrenceAt(const std::vector<Occurrence> &all, uint32_t offset) {
  auto it = std::upper_bound(all.begin(), all.end(), offset,
                             [](uint32_t off, const Occurrence &o) { return off < o.begin; });
  while (it != all.begin()) {
    --it;
    if (offset >= it->begin && offset <= it->end)
      return &*it;
    if (it->end + 64 < offset)
      break;
  }
  return nullptr;
}

std::vector<const Occurrence *> declarationsOf(const std::vector<Occurrence> &all, const Occurrence &o) {
  std::vector<const Occurrence *> decls;
  for (const Occurrence &d : all)
    if (d.declaration && d.kind == o.kind && d.name == o.name && d.scope == o.scope)
      decls.push_back(&d);
  // The declaration in effect first: the one the reference resolved to, else (stages) the last
  // one before it.
  auto inEffect = o.target != Occurrence::NoTarget
                      ? std::find_if(decls.rbegin(), decls.rend(),
                                     [&](const Occurrence *d) { return d->begin == o.target; })
                      : std::find_if(decls.rbegin(), decls.rend(),
                                     [&](const Occurrence *d) { return d->begin <= o.begin; });
  if (inEffect != decls.rend())
    std::rotate(decls.begin(), inEffect.base() - 1, inEffect.base());
  return decls;
}

} // namespace dfc::lsp
