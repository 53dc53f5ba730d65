// What a rule sees while it runs: the syntax tree, the typed program, the configuration, shell
// parses of RUN bodies (computed once, shared by rules) and the report() sink.
#pragma once

#include "ir/passes/lint/Lint.h"
#include "ir/passes/lint/ShellScript.h"

#include <functional>
#include <memory>
#include <unordered_map>

namespace dfc::lint {

class Context {
public:
  Context(const SyntaxTree &tree, const Program &program, const Config &config)
      : Tree(tree), Prog(program), Cfg(config) {}

  const SyntaxTree &tree() const { return Tree; }
  const Program &program() const { return Prog; }
  const Config &config() const { return Cfg; }
  const SourceText &source() const { return Tree.source; }

  // The rule now running (set by lint()).
  void setRule(const Rule *r) { Current = r; }
  void report(Range range, std::string message, std::optional<Fix> fix = std::nullopt);

  // A RUN's shell-form body (or single-heredoc script) parsed into commands; nullptr for exec
  // form. Word ranges are source ranges.
  const ShellScript *script(const RunInstruction &run);

  // Stages reachable from the target (BuildKit only builds these); index set.
  bool isReachable(size_t stage) const;
  bool isFinalStage(size_t stage) const { return Prog.targetStage && *Prog.targetStage == stage; }

  // A replacement of [range] by text, as a one-edit fix.
  static Fix replace(std::string title, Range range, std::string text) {
    return Fix{std::move(title), {TextEdit{range, std::move(text)}}};
  }

  std::vector<Finding> takeFindings() { return std::move(Findings); }

private:
  const SyntaxTree &Tree;
  const Program &Prog;
  const Config &Cfg;
  const Rule *Current = nullptr;
  std::vector<Finding> Findings;
  std::unordered_map<const RunInstruction *, std::unique_ptr<ShellScript>> Scripts;
  mutable std::optional<std::vector<size_t>> Reachable;
};

// Visits every instruction of every stage with its stage (ONBUILD triggers excluded).
template <typename T, typename F> void forEach(const Program &p, F &&f) {
  for (const Stage &s : p.stages)
    for (size_t i = 0; i < s.instructions.size(); ++i)
      if (const T *ins = s.instructions[i].template as<T>())
        f(s, i, *ins);
}

} // namespace dfc::lint
