// hadolint DL3004: builds run as root already; sudo in RUN hides that and behaves differently
// (tty, environment) from one base image to the next.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  if (!ctx.names("sudo"))
    return;
  for (const RunScript &r : ctx.runs())
    if (r.script)
      for (const ShellCommand *c : r.script->find("sudo"))
        ctx.report(
            c->argv[0].range,
            "Do not use sudo as it leads to unpredictable behavior. Use a tool like gosu to enforce root");
}

const Rule &NoSudo() {
  static const Rule r{{"NoSudo", {"DL3004"}, Severity::Error, RuleSource::Hadolint, "Do not use sudo in RUN"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
