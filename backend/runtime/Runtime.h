// dfc's own OCI runtime: runs a Bundle's process in fresh namespaces on a prepared rootfs, with
// pivot_root, Docker's mounts, dropped capabilities, seccomp and no_new_privs, in a few milliseconds.
#pragma once

#include "backend/runtime/Bundle.h"

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace dfc::runtime {

// Where one of the container's standard streams goes.
struct Stdio {
  enum Kind { Inherit, Null, Fd, Capture };
  Kind kind = Inherit;
  int fd = -1; // Kind::Fd: the caller's descriptor (stays the caller's; the child gets a copy)

  static Stdio inherit() { return {Inherit, -1}; }
  static Stdio null() { return {Null, -1}; }
  static Stdio toFd(int fd) { return {Fd, fd}; }
  // stdout/stderr only: read into RunResult by wait(), or by the caller from Container's pipes.
  static Stdio capture() { return {Capture, -1}; }
};

enum class NetworkMode {
  // A new network namespace with only `lo` up. The caller may attach more (a veth, slirp4netns) from
  // RunOptions::prestart, which runs while the namespace exists and before the process starts.
  Default,
  None, // a new network namespace with only `lo` up, nothing attached
  Host, // the caller's network namespace
};

enum class InitMode {
  Auto,   // a small init as PID 1 unless args[0] is an init itself (init, tini, docker-init, dumb-init...)
  Always, // like docker run --init: PID 1 forwards signals to the process and reaps orphans
  Never,  // the process is PID 1
};

struct RunOptions {
  Stdio stdinTarget = Stdio::inherit();
  Stdio stdoutTarget = Stdio::inherit();
  Stdio stderrTarget = Stdio::inherit();
  NetworkMode network = NetworkMode::Default;
  InitMode init = InitMode::Auto;
  // Resolves a relative root.path; empty: the current directory.
  std::string bundleDir;
  // Written with the host pid of the container's PID 1 once it runs.
  std::string pidFile;
  // Names the cgroup ("/dfc/<id>") when the bundle sets resources without a cgroupsPath; runc's id too.
  std::string containerId;
  // SIGKILL the container when the thread that started it dies (RUN steps); off for detached containers.
  bool killWithCaller = true;
  // Take a fresh network namespace from a pool a helper thread keeps filled (a process that starts many,
  // as the builder). Off for one container per process: the pool would only make namespaces to discard.
  bool pooledNetwork = true;
  // Where compiled seccomp programs are kept between processes (the store's cache); empty: not kept.
  std::string cacheDir;
  // Runs in the caller after the namespaces exist and before the process starts, with the host pid of PID 1
  // (network setup, extra cgroup work). A returned error aborts the start.
  std::function<llvm::Error(pid_t)> prestart;
};

struct RunResult {
  // The process's exit code; 128+n when signal n ended it; 126 found but not executable, 127 not found,
  // 125 dfc could not set the container up.
  int exitCode = 125;
  // Why the process never ran ("pivot_root(/x): Invalid argument"); empty when it ran.
  std::string error;
  std::string stdoutText; // Stdio::capture() streams; with a terminal, what the terminal printed
  std::string stderrText;

  bool started() const { return error.empty(); }
};

// A started container. Movable; destroying one that was neither waited for nor released kills it.
class Container {
public:
  Container() = default;
  Container(Container &&other) noexcept;
  Container &operator=(Container &&other) noexcept;
  Container(const Container &) = delete;
  Container &operator=(const Container &) = delete;
  ~Container();

  // Host pid of the container's PID 1 (the init when there is one).
  pid_t pid() const { return initPid; }
  // process.terminal: the pty master, owned by the Container until takeTerminal().
  int terminal() const { return terminalFd; }
  int takeTerminal();
  // Read ends of Stdio::capture() pipes (-1 otherwise); wait() drains those still held.
  int stdoutPipe() const { return stdoutFd; }
  int stderrPipe() const { return stderrFd; }

  bool signal(int sig) const;
  // Drains captured output (and relays the terminal when it was not taken), reaps PID 1 and returns its
  // status; removes the cgroup the runtime made.
  RunResult wait();
  // Forgets the process: no kill on destruction and no wait (a supervisor takes over).
  void release();

private:
  friend llvm::Expected<Container> start(const Bundle &, const RunOptions &);
  void reset();

  pid_t initPid = -1;
  int terminalFd = -1;
  int stdoutFd = -1;
  int stderrFd = -1;
  int relayInFd = -1;  // terminal relay source for wait()
  int relayOutFd = -1; // terminal relay target for wait(); -1 with captureTerminal
  bool captureTerminal = false;
  std::vector<std::string> cgroupDirs;
};

// A container that failed before its process ran: carries the exit code run() reports (125/126/127).
class StartError : public llvm::ErrorInfo<StartError> {
public:
  static char ID;
  StartError(int exitCode, std::string message) : exitCode(exitCode), message(std::move(message)) {}
  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override;

  int exitCode;
  std::string message;
};

// The bundle as it runs under `mode`: Host drops the network namespace, None asks for a fresh one,
// Default keeps a listed one (a path joins it) or adds a fresh one. Runc runs use it too.
Bundle withNetworkMode(const Bundle &bundle, NetworkMode mode);

// A fresh network namespace with lo up, made by a short-lived thread (the caller's own stays as it was);
// the descriptor is close-on-exec. A container joins it through a namespace path such as
// /proc/<pid>/fd/<fd>.
llvm::Expected<int> newNetworkNamespace();

// Starts the bundle's process and returns once it has exec'd (or failed: a StartError).
llvm::Expected<Container> start(const Bundle &bundle, const RunOptions &options = {});
// start() + wait().
RunResult run(const Bundle &bundle, const RunOptions &options = {});

} // namespace dfc::runtime
