// `exec`: a process that joins a running container's namespaces with setns(2) (the pid namespace
// takes effect for children, hence the second fork), takes its user, drops to Docker's capabilities.
#include "backend/containers/State.h"

#include "backend/runtime/Bundle.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <thread>
#include <unistd.h>

namespace dfc::containers {

namespace {

// "uid[:gid]" or names from the container's /etc/passwd (read through its root via /proc/<pid>/root).
bool lookupIds(int pid, const std::string &spec, uid_t &uid, gid_t &gid) {
  uid = 0;
  gid = 0;
  if (spec.empty())
    return true;
  std::string user = spec.substr(0, spec.find(':'));
  std::string group = spec.find(':') == std::string::npos ? "" : spec.substr(spec.find(':') + 1);
  std::string root = "/proc/" + std::to_string(pid) + "/root";
  auto field = [&](const std::string &file, const std::string &name, int col) -> long {
    FILE *f = std::fopen((root + file).c_str(), "r");
    if (!f)
      return -1;
    char line[1024];
    long found = -1;
    while (std::fgets(line, sizeof line, f)) {
      llvm::SmallVector<llvm::StringRef, 8> parts;
      llvm::StringRef(line).rtrim("\n").split(parts, ':');
      if (parts.size() > 3 && parts[0] == name) {
        long v = 0;
        if (!parts[col].getAsInteger(10, v))
          found = v;
        break;
      }
    }
    std::fclose(f);
    return found;
  };
  long u = 0;
  if (llvm::StringRef(user).getAsInteger(10, u)) {
    u = field("/etc/passwd", user, 2);
    if (u < 0)
      return false;
    gid = static_cast<gid_t>(std::max(0L, field("/etc/passwd", user, 3)));
  }
  uid = static_cast<uid_t>(u);
  if (!group.empty()) {
    long g = 0;
    if (llvm::StringRef(group).getAsInteger(10, g)) {
      g = field("/etc/group", group, 2);
      if (g < 0)
        return false;
    }
    gid = static_cast<gid_t>(g);
  }
  return true;
}

[[noreturn]] void execInside(int pid, const ExecSpec &spec, const std::vector<std::string> &env, int slave,
                             int errorFd) {
  auto die = [&](int code, const std::string &what) {
    std::string msg = what + ": " + std::strerror(errno);
    (void)!::write(errorFd, msg.data(), msg.size());
    ::_exit(code);
  };
  uid_t uid;
  gid_t gid;
  if (!lookupIds(pid, spec.user, uid, gid)) {
    errno = ENOENT;
    die(126, "unable to find user " + spec.user);
  }
  static const char *const kinds[] = {"ipc", "uts", "net", "pid", "cgroup", "mnt"};
  int fds[6];
  for (int i = 0; i < 6; ++i) {
    fds[i] = ::open(("/proc/" + std::to_string(pid) + "/ns/" + kinds[i]).c_str(), O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0)
      die(125, std::string("open namespace ") + kinds[i]);
  }
  for (int i = 0; i < 6; ++i)
    if (::setns(fds[i], 0) != 0 && std::strcmp(kinds[i], "cgroup") != 0)
      die(125, std::string("setns ") + kinds[i]);
  pid_t inner = ::fork();
  if (inner < 0)
    die(125, "fork");
  if (inner > 0) {
    // Waits in the container's pid namespace and passes the status up.
    ::close(errorFd);
    int status;
    while (::waitpid(inner, &status, 0) < 0 && errno == EINTR) {
    }
    ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (slave >= 0) {
    ::setsid();
    ::ioctl(slave, TIOCSCTTY, 0);
    for (int fd = 0; fd < 3; ++fd)
      ::dup2(slave, fd);
    if (slave > 2)
      ::close(slave);
  }
  std::string cwd = spec.workdir.empty() ? "/" : spec.workdir;
  if (::chdir(cwd.c_str()) != 0)
    die(126, "chdir " + cwd);
  // Docker's default capability set, no more: drop the rest from the bounding set first.
  std::vector<std::string> keep = runtime::dockerDefaultCapabilityNames();
  // The kernel may know more capabilities than the headers this was built with.
  int lastCap = CAP_LAST_CAP;
  if (FILE *f = std::fopen("/proc/sys/kernel/cap_last_cap", "r")) {
    if (std::fscanf(f, "%d", &lastCap) != 1)
      lastCap = CAP_LAST_CAP;
    std::fclose(f);
  }
  for (int cap = 0; cap <= lastCap; ++cap) {
    char *name = ::cap_to_name(cap);
    std::string upper = llvm::StringRef(name ? name : "").upper();
    ::cap_free(name);
    if (!llvm::StringRef(upper).startswith("CAP_"))
      upper = "CAP_" + upper;
    if (std::find(keep.begin(), keep.end(), upper) == keep.end())
      ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
  }
  ::setgroups(0, nullptr);
  if (::setgid(gid) != 0 || ::setuid(uid) != 0)
    die(126, "setuid");
  if (uid == 0) {
    cap_t caps = ::cap_get_proc();
    std::vector<cap_value_t> drop;
    for (int cap = 0; cap <= lastCap; ++cap)
      if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
        drop.push_back(cap);
    if (!drop.empty()) {
      ::cap_set_flag(caps, CAP_EFFECTIVE, static_cast<int>(drop.size()), drop.data(), CAP_CLEAR);
      ::cap_set_flag(caps, CAP_PERMITTED, static_cast<int>(drop.size()), drop.data(), CAP_CLEAR);
      ::cap_set_flag(caps, CAP_INHERITABLE, static_cast<int>(drop.size()), drop.data(), CAP_CLEAR);
    }
    ::cap_set_proc(caps);
    ::cap_free(caps);
  }
  ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  std::vector<char *> argv, envp;
  std::vector<std::string> args = spec.command, envCopy = env;
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  for (std::string &e : envCopy)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  ::environ = envp.data();
  ::execvp(argv[0], argv.data());
  int code = errno == ENOENT ? 127 : 126;
  die(code, "exec " + spec.command[0]);
  ::_exit(code);
}

} // namespace

llvm::Expected<int> Containers::exec(llvm::StringRef idOrName, const ExecSpec &spec) {
  auto c = info(idOrName);
  if (!c)
    return c.takeError();
  if (c->status != Status::Running)
    return runError(125, "container " + c->id.substr(0, 12) + " is not running");
  if (spec.command.empty())
    return runError(125, "no command specified");
  State s = State::fromJson(c->stateJson);
  // The container's environment (from its PID 1's child when there is an init), then -e.
  std::vector<std::string> env;
  {
    std::string path = "/proc/" + std::to_string(c->pid) + "/task/" + std::to_string(c->pid) + "/children";
    FILE *f = std::fopen(path.c_str(), "r");
    int child = 0;
    if (f) {
      if (std::fscanf(f, "%d", &child) != 1)
        child = 0;
      std::fclose(f);
    }
    std::string envPath = "/proc/" + std::to_string(child ? child : c->pid) + "/environ";
    FILE *e = std::fopen(envPath.c_str(), "r");
    if (e) {
      std::string text;
      char buf[4096];
      size_t got;
      while ((got = std::fread(buf, 1, sizeof buf, e)) > 0)
        text.append(buf, got);
      std::fclose(e);
      llvm::SmallVector<llvm::StringRef, 32> parts;
      llvm::StringRef(text).split(parts, '\0', -1, false);
      for (llvm::StringRef p : parts)
        env.push_back(p.str());
    }
  }
  for (const std::string &e : spec.env)
    env.push_back(e);
  ExecSpec effective = spec;
  if (effective.user.empty())
    effective.user = s.spec.user;

  int master = -1, slave = -1;
  if (spec.tty) {
    struct winsize ws {};
    bool have = ::ioctl(0, TIOCGWINSZ, &ws) == 0;
    if (::openpty(&master, &slave, nullptr, nullptr, have ? &ws : nullptr) != 0)
      return runError(125, llvm::Twine("openpty: ") + std::strerror(errno));
  }
  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0)
    return runError(125, llvm::Twine("pipe: ") + std::strerror(errno));
  pid_t child = ::fork();
  if (child == 0) {
    ::close(err[0]);
    if (master >= 0)
      ::close(master);
    if (!spec.interactive && !spec.tty) {
      int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, 0);
    }
    if (spec.outputFd >= 0) {
      ::dup2(spec.outputFd, 1);
      ::dup2(spec.outputFd, 2);
    }
    execInside(c->pid, effective, env, slave, err[1]);
  }
  ::close(err[1]);
  if (slave >= 0)
    ::close(slave);
  if (master >= 0) {
    relayTerminal(master, spec.interactive);
    ::close(master);
  }
  int status = 0;
  bool timedOut = false;
  if (spec.timeoutMs > 0) {
    // Killing our child kills the process inside too (its parent-death signal).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(spec.timeoutMs);
    for (int delay = 1;; delay = std::min(delay * 2, 50)) {
      pid_t r = ::waitpid(child, &status, WNOHANG);
      if (r == child || (r < 0 && errno != EINTR))
        break;
      if (!timedOut && std::chrono::steady_clock::now() >= deadline) {
        ::kill(child, SIGKILL);
        timedOut = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    }
  } else {
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
  }
  std::string message;
  char buf[1024];
  ssize_t got;
  while ((got = ::read(err[0], buf, sizeof buf)) > 0)
    message.append(buf, static_cast<size_t>(got));
  ::close(err[0]);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (timedOut)
    return runError(code, "exceeded timeout (" + std::to_string(spec.timeoutMs) + "ms)");
  if (!message.empty())
    return runError(code, message);
  return code;
}

} // namespace dfc::containers
