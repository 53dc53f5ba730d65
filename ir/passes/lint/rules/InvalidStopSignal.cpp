// dockerfile-utils' STOPSIGNAL check: the value must name a signal (SIGTERM, TERM, 9) or be a
// variable; a typo only shows up when the container is stopped and the signal cannot be sent.
#include "ir/passes/lint/Context.h"

#include <llvm/ADT/StringExtras.h>

namespace dfc::lint::rules {

static bool validSignal(llvm::StringRef s) {
  unsigned n = 0;
  if (!s.getAsInteger(10, n))
    return n >= 1 && n <= 64;
  std::string u = s.upper();
  llvm::StringRef name(u);
  name.consume_front("SIG");
  if (name.consume_front("RTMIN") || name.consume_front("RTMAX")) {
    if (name.empty())
      return true;
    unsigned k = 0;
    return (name.consume_front("+") || name.consume_front("-")) && !name.getAsInteger(10, k) && k <= 30;
  }
  static const char *names[] = {"ABRT", "ALRM", "BUS",  "CHLD", "CLD",    "CONT", "FPE",   "HUP",  "ILL",
                                "INT",  "IO",   "IOT",  "KILL", "PIPE",   "POLL", "PROF",  "PWR",  "QUIT",
                                "SEGV", "STKFLT", "STOP", "SYS", "TERM",  "TRAP", "TSTP",  "TTIN", "TTOU",
                                "URG",  "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", "UNUSED"};
  for (const char *n : names)
    if (name == n)
      return true;
  return false;
}

static void check(Context &ctx) {
  forEach<StopSignalInstruction>(ctx.program(), [&](const Stage &, size_t, const StopSignalInstruction &s) {
    if (llvm::StringRef(s.signal.raw).contains('$') || s.signal.raw.empty())
      return;
    if (!validSignal(s.signal.expanded()))
      ctx.report(s.signal.range, "Invalid stop signal: '" + s.signal.expanded().str() + "' is not a signal name or number");
  });
}

const Rule &InvalidStopSignal() {
  static const Rule r{{"InvalidStopSignal", {}, Severity::Error, RuleSource::DockerfileUtils,
                       "STOPSIGNAL must name a valid signal"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
