// hadolint DL4001: one download tool per stage is enough; having both means two packages to
// install, patch and keep out of the image.
#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  if (ctx.calls("curl").empty() || ctx.calls("wget").empty())
    return;
  for (const Stage &st : ctx.program().stages) {
    std::vector<const ShellWord *> curl, wget;
    for (const AnyInstruction &ins : st.instructions)
      if (const RunInstruction *run = ins.as<RunInstruction>())
        if (const ShellScript *s = ctx.script(*run)) {
          for (const Invocation &inv : invocations(*s, "curl"))
            curl.push_back(&inv.cmd->argv[inv.program]);
          for (const Invocation &inv : invocations(*s, "wget"))
            wget.push_back(&inv.cmd->argv[inv.program]);
        }
    if (curl.empty() || wget.empty())
      continue;
    // Report the tool the stage started using second.
    const auto &second = curl.front()->range.begin < wget.front()->range.begin ? wget : curl;
    for (const ShellWord *w : second)
      ctx.report(w->range, "Either use Wget or Curl but not both");
  }
}

const Rule &WgetAndCurl() {
  static const Rule r{{"WgetAndCurl",
                       {"DL4001"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Use either wget or curl, not both"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
