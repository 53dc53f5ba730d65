// The `SyntaxError` rule: parse and instruction errors of the frontend and IR, reported by the CLI
// as lint findings so a file that does not parse still gets one report. The check does nothing.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &) {}

const Rule &SyntaxError() {
  static const Rule r{{"SyntaxError", {"DL1000"}, Severity::Error, RuleSource::Dfc,
                       "The Dockerfile does not parse, or an instruction is malformed"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
