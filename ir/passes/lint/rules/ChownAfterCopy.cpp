// dfc's ChownAfterCopy: `COPY app /app` then `RUN chown -R u /app` stores every file twice (the
// chown rewrites them into a new layer); `COPY --chown=u app /app` sets the owner once.
#include "ir/passes/lint/Context.h"
#include "ir/passes/lint/rules/StagePaths.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  if (!ctx.names("chown"))
    return;
  // Only stages with a RUN that names chown can report: the others' paths are not worked out.
  std::vector<bool> named(ctx.program().stages.size());
  for (const RunScript &r : ctx.runs())
    if (r.script && !r.script->find("chown").empty())
      named[r.stage->index] = true;
  for (const Stage &s : ctx.program().stages) {
    if (!named[s.index])
      continue;
    std::vector<std::string> cwd = workdirs(s);
    struct Copied {
      std::string path;
      uint32_t line;
    };
    std::vector<Copied> copied;
    for (size_t i = 0; i < s.instructions.size(); ++i) {
      const AnyInstruction &any = s.instructions[i];
      const CopyCommon *c = any.as<CopyInstruction>();
      if (!c)
        c = any.as<AddInstruction>();
      if (c) {
        if (!c->chown)
          for (std::string &p : copiedPaths(*c, cwd[i]))
            copied.push_back({std::move(p), any.base().range.begin.line});
        continue;
      }
      const auto *run = any.as<RunInstruction>();
      if (!run)
        continue;
      const ShellScript *script = ctx.script(*run);
      if (!script)
        continue;
      for (const ShellCommand *chown : script->find("chown")) {
        auto ops = chown->operands();
        // operands: owner, then paths
        for (size_t k = 1; k < ops.size(); ++k) {
          std::string target = absolutePath(cwd[i], ops[k]->text);
          for (const Copied &c : copied) {
            if (!(within(c.path, target) || within(target, c.path)) || target == "/")
              continue;
            ctx.report(chown->range, "chown of '" + ops[k]->text.str() + "' copied at line " + std::to_string(c.line + 1) +
                                         " stores the files twice; use COPY --chown=" + ops[0]->text.str() + " instead");
            k = ops.size();
            break;
          }
        }
      }
    }
  }
}

const Rule &ChownAfterCopy() {
  static const Rule r{{"ChownAfterCopy", {}, Severity::Warning, RuleSource::Dfc,
                       "Use COPY --chown instead of RUN chown on copied files"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
