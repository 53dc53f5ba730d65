// dfc's AptUpdateAlone: `RUN apt-get update` on its own is cached as a layer of its own, so a
// later `RUN apt-get install` can run against package lists from whenever that layer was built.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void checkRun(Context &ctx, const ShellScript &script) {
  const ShellCommand *update = nullptr;
  for (llvm::StringRef tool : {"apt-get", "apt"}) {
    for (const ShellCommand *c : script.find(tool)) {
      auto ops = c->operands();
      if (ops.empty())
        continue;
      llvm::StringRef verb(ops[0]->text);
      if (verb == "update" && !update)
        update = c;
      else if (verb != "update")
        return; // installs (or upgrades, cleans) in the same RUN
    }
  }
  if (update)
    ctx.report(update->range, "`" + update->name().str() +
                                  " update` alone in a RUN is cached on its own and goes stale; run it in the "
                                  "same RUN as `" + update->name().str() + " install`");
}

static void check(Context &ctx) {
  if (!ctx.namesAny({"apt-get", "apt"}))
    return;
  for (const RunScript &r : ctx.runs())
    if (r.script)
      checkRun(ctx, *r.script);
}

const Rule &AptUpdateAlone() {
  static const Rule r{{"AptUpdateAlone", {}, Severity::Warning, RuleSource::Dfc,
                       "apt-get update should share its RUN with apt-get install"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
