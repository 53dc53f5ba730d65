// BuildKit's NoEmptyContinuation: an empty line inside a `\` continuation. The parser notices it
// (it has to skip the line anyway) and leaves a warning diagnostic; this rule turns it into a finding.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  for (const Diagnostic &d : ctx.tree().diagnostics)
    if (d.code == "NoEmptyContinuation")
      ctx.report(d.range, "Empty continuation line");
}

const Rule &NoEmptyContinuation() {
  static const Rule r{{"NoEmptyContinuation", {}, Severity::Warning, RuleSource::BuildKit,
                       "Empty continuation lines will become errors in a future release"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
