// dfc's UnusedArg: an ARG nothing reads. A global ARG must appear in a FROM, another global ARG
// or be re-declared in a stage; a stage ARG must be referenced by a later instruction of the
// stage, or be followed by a RUN (its process sees every ARG as an environment variable).
#include "ir/passes/lint/Context.h"
#include "ir/passes/lint/rules/VarRef.h"

namespace dfc::lint::rules {

static bool references(const Instruction &ins, const SourceText &src, llvm::StringRef name) {
  if (findVarRef(ins, src, name))
    return true;
  for (const Heredoc &h : ins.heredocs) {
    llvm::StringRef body(h.content);
    for (size_t at = body.find('$'); at != llvm::StringRef::npos; at = body.find('$', at + 1)) {
      llvm::StringRef rest = body.substr(at + 1);
      rest.consume_front("{");
      if (rest.startswith(name) && (rest.size() == name.size() || !isNameChar(rest[name.size()])))
        return true;
    }
  }
  return false;
}

static void report(Context &ctx, const ArgDecl &d) {
  ctx.report(d.key.range, "ARG '" + d.key.raw.str() + "' is declared but never used");
}

static void check(Context &ctx) {
  const Program &p = ctx.program();
  const SourceText &src = ctx.source();
  for (size_t g = 0; g < p.globalArgs.size(); ++g) {
    for (const ArgDecl &d : p.globalArgs[g].args) {
      llvm::StringRef name(d.key.raw);
      bool used = false;
      for (size_t h = g; h < p.globalArgs.size() && !used; ++h)
        for (const ArgDecl &later : p.globalArgs[h].args)
          if (&later != &d && later.defaultValue && llvm::StringRef(later.defaultValue->raw).contains(name))
            used = used || (p.globalArgs[h].syntax && references(*p.globalArgs[h].syntax, src, name));
      for (const Stage &s : p.stages) {
        if (used)
          break;
        used = s.syntax && references(*s.syntax, src, name);
        for (const AnyInstruction &any : s.instructions)
          if (const auto *a = any.as<ArgInstruction>())
            for (const ArgDecl &x : a->args)
              used = used || x.key.raw == name;
      }
      if (!used)
        report(ctx, d);
    }
  }
  for (const Stage &s : p.stages) {
    for (size_t i = 0; i < s.instructions.size(); ++i) {
      const auto *a = s.instructions[i].as<ArgInstruction>();
      if (!a)
        continue;
      for (const ArgDecl &d : a->args) {
        bool used = false;
        for (size_t j = i; j < s.instructions.size() && !used; ++j) {
          const InstructionBase &b = s.instructions[j].base();
          if (b.kind == InstructionKind::Run && j > i)
            used = true;
          else if (b.syntax && j > i)
            used = references(*b.syntax, src, d.key.raw);
          else if (j == i && b.syntax)
            // `ARG A=1 B=$A`: a later key of the same instruction reads it.
            for (const ArgDecl &other : a->args)
              used = used || (&other != &d && other.defaultValue &&
                              llvm::StringRef(other.defaultValue->raw).contains("$" + d.key.raw.str()));
        }
        if (!used)
          report(ctx, d);
      }
    }
  }
}

const Rule &UnusedArg() {
  static const Rule r{{"UnusedArg", {}, Severity::Info, RuleSource::Dfc, "ARGs should be used after they are declared"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
