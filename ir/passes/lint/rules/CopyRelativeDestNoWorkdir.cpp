// hadolint DL3045: a relative COPY destination lands in whatever WORKDIR the base image set,
// which the Dockerfile does not show. Fine once this stage (or its FROM <stage> chain) sets WORKDIR.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static bool isAbsolute(llvm::StringRef d) {
  if (d.startswith("/") || d.startswith("\\") || d.startswith("$"))
    return true;
  // Windows: C:\ or C:/
  return d.size() >= 2 && d[1] == ':' && ((d[0] >= 'a' && d[0] <= 'z') || (d[0] >= 'A' && d[0] <= 'Z'));
}

static void check(Context &ctx) {
  const Program &p = ctx.program();
  std::vector<bool> endHasWorkdir(p.stages.size(), false);
  for (const Stage &st : p.stages) {
    bool workdir = false;
    if (const StageRef *base = std::get_if<StageRef>(&st.base))
      if (base->index < st.index)
        workdir = endHasWorkdir[base->index];
    for (const AnyInstruction &ins : st.instructions) {
      if (ins.as<WorkdirInstruction>())
        workdir = true;
      const CopyInstruction *c = ins.as<CopyInstruction>();
      if (c && !workdir && !c->dest.raw.empty() && !isAbsolute(c->dest.raw))
        ctx.report(c->dest.range, "`COPY` to a relative destination without `WORKDIR` set.");
    }
    endHasWorkdir[st.index] = workdir;
  }
}

const Rule &CopyRelativeDestNoWorkdir() {
  static const Rule r{{"CopyRelativeDestNoWorkdir",
                       {"DL3045"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "COPY to a relative destination needs a WORKDIR"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
