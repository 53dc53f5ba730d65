// DFC_TRACE phase marks: one line per mark on stderr, written with one write(2) so marks from
// parallel stages do not interleave inside a line.
#include "backend/store/Trace.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <unistd.h>

namespace dfc::store::trace {
namespace {

using Clock = std::chrono::steady_clock;

struct State {
  State() {
    const char *v = std::getenv("DFC_TRACE");
    on = v && *v && llvm::StringRef(v) != "0";
  }
  bool on = false;
  std::mutex m;
  Clock::time_point first{}, last{};
  bool started = false;
};

State &state() {
  static State s;
  return s;
}

} // namespace

bool enabled() { return state().on; }

void mark(llvm::StringRef what) {
  State &s = state();
  if (!s.on)
    return;
  std::lock_guard<std::mutex> l(s.m);
  Clock::time_point now = Clock::now();
  if (!s.started) {
    s.first = s.last = now;
    s.started = true;
  }
  auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  char buf[512];
  int n = std::snprintf(buf, sizeof buf, "dfc-trace %9.3f ms %+9.3f ms  %.*s\n", ms(now - s.first), ms(now - s.last),
                        int(what.size() > 400 ? 400 : what.size()), what.data());
  s.last = now;
  if (n > 0)
    (void)!::write(2, buf, size_t(n < int(sizeof buf) ? n : int(sizeof buf) - 1));
}

} // namespace dfc::store::trace
