// dfc's DeleteInLaterLayer: a file added by one instruction stays in that layer forever;
// `rm` in a later RUN hides it but the image does not get smaller. Delete in the same step,
// or use a bind/cache mount or a separate stage.
#include "ir/passes/lint/Context.h"
#include "ir/passes/lint/rules/StagePaths.h"

#include <algorithm>

namespace dfc::lint::rules {

struct Created {
  std::string path;
  uint32_t line; // 0-based line of the creating instruction
};

// Paths a RUN writes by name: download targets and created directories.
static void runOutputs(const ShellScript &script, llvm::StringRef cwd, uint32_t line, std::vector<Created> &out) {
  for (const ShellCommand &c : script.commands) {
    llvm::StringRef n = c.name();
    for (size_t i = 1; i + 1 < c.argv.size(); ++i) {
      llvm::StringRef a(c.argv[i].text);
      if ((n == "curl" && (a == "-o" || a == "--output")) || (n == "wget" && (a == "-O" || a == "--output-document")))
        if (c.argv[i + 1].text != "-")
          out.push_back({absolutePath(cwd, c.argv[i + 1].text), line});
    }
  }
}

static void check(Context &ctx) {
  if (!ctx.names("rm"))
    return;
  // Only stages with a RUN that names rm can report, and only up to their last such RUN: the
  // paths of other stages and of what follows are not worked out.
  std::vector<size_t> end(ctx.program().stages.size()); // last rm RUN's index + 1, 0 for none
  for (const RunScript &r : ctx.runs())
    if (r.script && !r.script->find("rm").empty())
      end[r.stage->index] = std::max(end[r.stage->index], r.index + 1);
  for (const Stage &s : ctx.program().stages) {
    if (!end[s.index])
      continue;
    std::string cwd = "/"; // the working directory before instruction i (as workdirs(s)[i])
    std::vector<Created> created;
    for (size_t i = 0; i < end[s.index]; ++i) {
      const AnyInstruction &any = s.instructions[i];
      if (const auto *w = any.as<WorkdirInstruction>()) {
        cwd = absolutePath(cwd, w->path.expanded());
        continue;
      }
      uint32_t line = any.base().range.begin.line;
      if (const auto *c = any.as<CopyInstruction>()) {
        for (std::string &p : copiedPaths(*c, cwd))
          created.push_back({std::move(p), line});
        continue;
      }
      if (const auto *a = any.as<AddInstruction>()) {
        for (std::string &p : copiedPaths(*a, cwd))
          created.push_back({std::move(p), line});
        continue;
      }
      const auto *run = any.as<RunInstruction>();
      if (!run)
        continue;
      const ShellScript *script = ctx.script(*run);
      if (!script)
        continue;
      for (const ShellCommand *rm : script->find("rm")) {
        for (const ShellWord *w : rm->operands()) {
          if (llvm::StringRef(w->text).contains('$'))
            continue;
          std::string target = absolutePath(cwd, w->text);
          for (const Created &c : created) {
            // `rm -rf /app/tmp` removes part of what `COPY . /app` added; `rm -rf /app/*` too.
            llvm::StringRef t(target);
            bool glob = t.endswith("/*");
            llvm::StringRef base = glob ? t.drop_back(2) : t;
            if (!(within(c.path, t) || within(t, c.path) || (glob && within(c.path, base))) || t == "/")
              continue;
            ctx.report(w->range, "'" + w->text.str() + "' was added in an earlier layer (line " +
                                     std::to_string(c.line + 1) +
                                     "); deleting it in a later RUN does not make the image smaller");
            break;
          }
        }
      }
      runOutputs(*script, cwd, line, created);
    }
  }
}

const Rule &DeleteInLaterLayer() {
  static const Rule r{{"DeleteInLaterLayer", {}, Severity::Warning, RuleSource::Dfc,
                       "Files should be deleted in the same layer that adds them"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
