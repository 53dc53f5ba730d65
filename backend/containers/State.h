// The record a container keeps in the database's state column, and the pieces of the library that
// share it (launch, exec, port relays). Internal to dfc_containers.
#pragma once

#include "backend/containers/Containers.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <memory>
#include <thread>

namespace dfc::containers {

struct State {
  RunSpec spec; // as created: env files read, bare env names resolved
  std::string imageId;
  std::vector<std::string> args;
  Status status = Status::Created;
  int pid = 0;        // host pid of PID 1
  int supervisor = 0; // the process that waits for it (dfc itself when attached)
  unsigned long long supervisorStart = 0; // its /proc starttime: a reused pid is not ours
  int exitCode = 0;
  int restartCount = 0; // restarts by the policy since the supervisor started it
  int firstExitCode = -1;      // the first run's exit code once it ended (restarts reset exitCode to 0)
  int64_t firstRunLogEnd = -1; // the log's size then: the end of the first run's output
  int64_t startedAt = 0, finishedAt = 0;
  std::vector<PortBinding> ports;
  std::string error;
  std::string stopSignal;
  std::vector<VolumeBinding> mounts;
  // HEALTHCHECK, kept by the supervisor: status "starting" | "healthy" | "unhealthy" ("" without one).
  struct Probe {
    int64_t start = 0, end = 0; // unix milliseconds
    int exitCode = 0;
    std::string output;
  };
  std::string health;
  int failingStreak = 0;
  std::vector<Probe> healthLog; // the last five, as docker keeps them

  std::string toJson() const;
  static State fromJson(llvm::StringRef text);
};

// `dfc stop` (and kill with a fatal signal, rm -f) leave this file in the container's directory before
// they signal: the supervisor restarts nothing once it is there.
// Docker's rule for the names of volumes and networks: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at least minSize long.
bool validResourceName(llvm::StringRef name, size_t minSize);
// $DFC_ROOT/containers/<id>: a container's files (Containers::directory).
std::string containerDirectory(const store::ImageStore &store, llvm::StringRef id);
std::string stopRequestPath(const std::string &containerDir);
// Present while `dfc restart` stops a container: a --rm one is then kept (recorded Exited), not removed.
std::string restartRequestPath(const std::string &containerDir);
void requestStop(const std::string &containerDir);

unsigned long long processStartTime(int pid);
bool supervisorAlive(const State &s);
llvm::Expected<State> loadState(store::ImageStore &store, llvm::StringRef id);
// The record and the directory of a container that is no more (best effort: both may be gone), and a
// --rm container's anonymous volumes; it leaves its user network first.
// With the exit code of a --rm container's last run: kept a while in $DFC_ROOT/exits/<id> for a `dfc wait`
// from elsewhere that finds the record gone (docker wait prints the code of a removed container).
void removeContainer(store::ImageStore &store, const std::string &id, const std::string &dir,
                     std::optional<int> exitCode = std::nullopt);
std::optional<int> removedExitCode(store::ImageStore &store, const std::string &id);
// A container's namespace on its user network goes (best effort; nothing without one).
void leaveUserNetwork(store::ImageStore &store, const State &s);
// Joins a new container to spec.userNetwork: address, namespace and /etc/hosts lines (in spec). `lockFd`
// is an open lock on the network's record, held until the container's record is stored.
// Docker's error for a container name in use by `holder`.
llvm::Error nameConflict(llvm::StringRef name, llvm::StringRef holder);
// "name:address" lines for the other containers on spec.userNetwork now (names, short ids, aliases).
std::vector<std::string> userNetworkPeers(store::ImageStore &store, const RunSpec &spec);
llvm::Error joinUserNetwork(store::ImageStore &store, RunSpec &spec, int &lockFd);
llvm::Error saveState(store::ImageStore &store, llvm::StringRef id, const State &s);
int parseSignal(llvm::StringRef name); // "SIGTERM", "TERM", "15"; 0 when unknown
// Unix seconds as docker's JSON writes times ("2026-11-22T18:24:40Z"); 0 is Go's zero time.
std::string rfc3339(int64_t unixSeconds);
// Relays this process's terminal to a container pty (raw mode when interactive on a tty, window size
// kept in step, EOF passed on) until the pty closes: `dfc run -it` and `dfc exec -it`.
void relayTerminal(int master, bool interactive, int logFd = -1); // logFd >= 0: also logs the output

// Host ports relayed into a network namespace: each accepted connection gets a socket opened inside the
// namespace (by a thread that setns'd there) and connected to the container port on 127.0.0.1.
class PortRelay {
public:
  // Binds every host port now (so a taken port fails the start); hostPort 0 picks a free one.
  static llvm::Expected<std::unique_ptr<PortRelay>> listen(std::vector<PortBinding> &ports);
  ~PortRelay();
  // Starts relaying into the namespace at `netnsPath` (e.g. /proc/<pid>/ns/net).
  llvm::Error start(llvm::StringRef netnsPath);
  void stopAll();

private:
  struct Listener {
    int fd = -1;
    PortBinding binding;
  };
  std::vector<Listener> Listeners;
  int NetnsFd = -1;
  int WakeFd[2] = {-1, -1};
  std::thread Acceptor;
  std::atomic<bool> Stopping{false};
  void acceptLoop();
};

// HEALTHCHECK probes for a detached container, run by its supervisor (Health.cpp); results are written
// into `state` (guarded by stateMutex, shared with the supervisor) and saved.
class HealthMonitor {
public:
  // Null when the config has no test (or NONE).
  static std::unique_ptr<HealthMonitor> start(store::ImageStore &store, const std::string &id, State &state,
                                              std::mutex &stateMutex, const store::HealthConfig &config);
  ~HealthMonitor();
  // Returns after any probe under way has ended; no write to the state follows.
  void stop();

private:
  HealthMonitor(store::ImageStore &store, std::string id, State &state, std::mutex &stateMutex)
      : Store(store), Id(std::move(id)), S(state), StateMutex(stateMutex) {}
  void loop();
  State::Probe probe();
  store::ImageStore &Store;
  std::string Id;
  State &S;
  std::mutex &StateMutex;
  std::vector<std::string> Command;
  int64_t IntervalMs = 0, TimeoutMs = 0, StartPeriodMs = 0, StartIntervalMs = 0;
  int Retries = 3;
  std::mutex WakeMutex;
  std::condition_variable Wake;
  std::atomic<bool> Stopping{false};
  std::thread Thread;
};

} // namespace dfc::containers
