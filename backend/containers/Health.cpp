// HEALTHCHECK for detached containers: the supervisor probes with exec every interval, with docker's
// defaults (30 s interval and timeout, 3 retries, no start period) and its rules: the first success makes
// the container healthy, `retries` failures in a row unhealthy, failures within the start period do not
// count, and a start interval (when given) spaces the probes within it. Results go into the container's
// record, so `ps` and `inspect` show them.
#include "backend/containers/State.h"

#include <cerrno>
#include <chrono>
#include <sys/mman.h>
#include <unistd.h>

namespace dfc::containers {

namespace {

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t msOr(int64_t nanoseconds, int64_t fallbackMs) {
  return nanoseconds > 0 ? std::max<int64_t>(1, nanoseconds / 1000000) : fallbackMs;
}

} // namespace

std::unique_ptr<HealthMonitor> HealthMonitor::start(store::ImageStore &store, const std::string &id,
                                                    State &state, std::mutex &stateMutex,
                                                    const store::HealthConfig &config) {
  if (config.Test.empty() || config.Test[0] == "NONE")
    return nullptr;
  std::vector<std::string> command;
  if (config.Test[0] == "CMD")
    command.assign(config.Test.begin() + 1, config.Test.end());
  else if (config.Test[0] == "CMD-SHELL" && config.Test.size() > 1)
    command = {"/bin/sh", "-c", config.Test[1]};
  else
    return nullptr;
  if (command.empty())
    return nullptr;
  std::unique_ptr<HealthMonitor> m(new HealthMonitor(store, id, state, stateMutex));
  m->Command = std::move(command);
  m->IntervalMs = msOr(config.Interval, 30000);
  m->TimeoutMs = msOr(config.Timeout, 30000);
  m->StartPeriodMs = config.StartPeriod > 0 ? config.StartPeriod / 1000000 : 0;
  m->StartIntervalMs = config.StartInterval > 0 ? msOr(config.StartInterval, 0) : 0;
  m->Retries = config.Retries > 0 ? config.Retries : 3;
  {
    std::lock_guard<std::mutex> lock(stateMutex);
    state.health = "starting";
    state.failingStreak = 0;
    state.healthLog.clear();
  }
  m->Thread = std::thread([p = m.get()] { p->loop(); });
  return m;
}

void HealthMonitor::loop() {
  int64_t started = nowMs();
  for (;;) {
    // --start-interval (when given) spaces the probes within the start period.
    int64_t wait = StartIntervalMs > 0 && nowMs() - started < StartPeriodMs ? StartIntervalMs : IntervalMs;
    {
      std::unique_lock<std::mutex> lock(WakeMutex);
      if (Wake.wait_for(lock, std::chrono::milliseconds(wait), [this] { return Stopping.load(); }))
        return;
    }
    State::Probe p = probe();
    std::lock_guard<std::mutex> lock(StateMutex);
    if (Stopping)
      return;
    bool inStartPeriod = p.start - started < StartPeriodMs;
    if (p.exitCode == 0) {
      S.health = "healthy";
      S.failingStreak = 0;
    } else if (!inStartPeriod || S.health == "healthy") {
      if (++S.failingStreak >= Retries)
        S.health = "unhealthy";
    }
    S.healthLog.push_back(std::move(p));
    if (S.healthLog.size() > 5)
      S.healthLog.erase(S.healthLog.begin());
    llvm::consumeError(saveState(Store, Id, S));
  }
}

State::Probe HealthMonitor::probe() {
  State::Probe p;
  p.start = nowMs();
  ExecSpec e;
  e.command = Command;
  e.timeoutMs = TimeoutMs;
  int out = ::memfd_create("dfc-health", MFD_CLOEXEC);
  e.outputFd = out;
  Containers cs(Store);
  auto code = cs.exec(Id, e);
  if (code) {
    p.exitCode = *code;
  } else {
    Failure f = explain(code.takeError());
    // docker: -1 when the probe could not run to its end (timeout, no such command).
    p.exitCode = -1;
    p.output = "Health check " + f.message + "\n";
  }
  if (out >= 0) {
    char buf[4096];
    ssize_t got = ::pread(out, buf, sizeof buf, 0);
    if (got > 0)
      p.output = std::string(buf, static_cast<size_t>(got)) + p.output;
    ::close(out);
  }
  p.end = nowMs();
  return p;
}

void HealthMonitor::stop() {
  {
    std::lock_guard<std::mutex> lock(WakeMutex);
    Stopping = true;
  }
  Wake.notify_all();
  if (Thread.joinable())
    Thread.join();
}

HealthMonitor::~HealthMonitor() { stop(); }

} // namespace dfc::containers
