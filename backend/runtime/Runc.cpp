// runc as a child process: a temporary bundle directory, posix_spawn with the caller's stdio, and the
// same capture loop as our runtime so both produce comparable RunResults.
#include "backend/runtime/Runc.h"

#include <llvm/ADT/STLExtras.h>
#include <llvm/ADT/SmallVector.h>
#include <llvm/ADT/StringRef.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace dfc::runtime {
namespace {

const char *stateRoot = "/run/dfc/runc";

bool makeDirs(const std::string &path) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    std::string prefix = path.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST)
      return false;
    if (slash == std::string::npos)
      return true;
  }
}

} // namespace

std::string findRunc() {
  const char *path = ::getenv("PATH");
  std::string dirs = std::string(path ? path : "") + ":/usr/sbin:/usr/bin:/sbin:/bin";
  llvm::SmallVector<llvm::StringRef, 16> parts;
  llvm::StringRef(dirs).split(parts, ':', -1, false);
  for (llvm::StringRef dir : parts) {
    std::string candidate = dir.str() + "/runc";
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return "";
}

RunResult runWithRunc(const Bundle &original, const RunOptions &options) {
  RunResult result;
  std::string runc = findRunc();
  if (runc.empty()) {
    result.error = "runc is not installed";
    return result;
  }
  static std::atomic<unsigned> counter{0};
  std::string id = options.containerId.empty()
                       ? "dfc-" + std::to_string(getpid()) + "-" + std::to_string(counter++)
                       : options.containerId;
  std::string dir = std::string(stateRoot) + "-bundles/" + id;
  if (!makeDirs(stateRoot) || !makeDirs(dir)) {
    result.error = "mkdir " + dir + ": " + std::strerror(errno);
    return result;
  }

  Bundle bundle = withNetworkMode(original, options.network);
  if (!llvm::StringRef(bundle.root.path).startswith("/")) {
    std::string base = options.bundleDir;
    if (base.empty()) {
      char cwd[4096];
      base = ::getcwd(cwd, sizeof cwd) ? cwd : ".";
    }
    bundle.root.path = base + "/" + bundle.root.path;
  }
  for (Mount &m : bundle.mounts) {
    bool bind =
        m.type == "bind" || llvm::is_contained(m.options, "bind") || llvm::is_contained(m.options, "rbind");
    if (bind && !m.source.empty() && m.source[0] != '/' && !options.bundleDir.empty())
      m.source = options.bundleDir + "/" + m.source;
  }
  auto cleanup = [&] {
    ::unlink((dir + "/config.json").c_str());
    ::rmdir(dir.c_str());
  };
  if (llvm::Error e = writeBundle(bundle, dir)) {
    result.error = llvm::toString(std::move(e));
    cleanup();
    return result;
  }

  std::vector<std::string> args = {runc, "--root", stateRoot, "run", "--bundle", dir};
  if (!options.pidFile.empty()) {
    args.push_back("--pid-file");
    args.push_back(options.pidFile);
  }
  args.push_back(id);
  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  int captured[3] = {-1, -1, -1};
  int childEnds[3] = {-1, -1, -1};
  const Stdio *targets[3] = {&options.stdinTarget, &options.stdoutTarget, &options.stderrTarget};
  for (int i = 0; i < 3; ++i) {
    switch (targets[i]->kind) {
    case Stdio::Inherit:
      break;
    case Stdio::Null:
      posix_spawn_file_actions_addopen(&actions, i, "/dev/null", O_RDWR, 0);
      break;
    case Stdio::Fd:
      posix_spawn_file_actions_adddup2(&actions, targets[i]->fd, i);
      break;
    case Stdio::Capture: {
      int fds[2];
      if (i == 0 || ::pipe2(fds, O_CLOEXEC) != 0)
        break;
      captured[i] = fds[0];
      childEnds[i] = fds[1];
      posix_spawn_file_actions_adddup2(&actions, fds[1], i);
      break;
    }
    }
  }
  pid_t pid = -1;
  int rc = posix_spawn(&pid, runc.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  for (int &fd : childEnds)
    if (fd >= 0)
      ::close(fd);
  if (rc != 0) {
    result.error = "spawn " + runc + ": " + std::strerror(rc);
    for (int fd : captured)
      if (fd >= 0)
        ::close(fd);
    cleanup();
    return result;
  }

  while (captured[1] >= 0 || captured[2] >= 0) {
    struct pollfd fds[2];
    int which[2];
    nfds_t n = 0;
    for (int i = 1; i < 3; ++i)
      if (captured[i] >= 0) {
        fds[n] = {captured[i], POLLIN, 0};
        which[n++] = i;
      }
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    for (nfds_t k = 0; k < n; ++k) {
      if (!fds[k].revents)
        continue;
      char buf[65536];
      ssize_t got = ::read(fds[k].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0) {
        ::close(captured[which[k]]);
        captured[which[k]] = -1;
        continue;
      }
      (which[k] == 1 ? result.stdoutText : result.stderrText).append(buf, static_cast<size_t>(got));
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  cleanup();
  return result;
}

} // namespace dfc::runtime
