// The container's first process: joins namespaces, builds the mount tree, pivot_roots,
// drops privileges and execs. Runs right after a raw clone(2) of a possibly multi-threaded parent, so it
// must not allocate or take locks: only system calls, libcap's syscall wrappers and stack buffers.
#include "backend/runtime/ContainerProcess.h"

#include <sys/capability.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

namespace dfc::runtime::detail {
namespace {

// A bounded string on the stack.
struct Text {
  char buf[1016];
  size_t len = 0;
  Text() { buf[0] = 0; }
  Text &add(const char *s) {
    while (s && *s && len + 1 < sizeof buf)
      buf[len++] = *s++;
    buf[len] = 0;
    return *this;
  }
  Text &add(long n) {
    char digits[24];
    int i = 0;
    bool negative = n < 0;
    unsigned long v = negative ? 0UL - static_cast<unsigned long>(n) : static_cast<unsigned long>(n);
    do {
      digits[i++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    if (negative)
      add("-");
    char one[2] = {0, 0};
    while (i > 0) {
      one[0] = digits[--i];
      add(one);
    }
    return *this;
  }
};

struct PathText {
  char buf[4096];
  size_t len = 0;
  PathText() { buf[0] = 0; }
  bool add(const char *s) {
    while (*s) {
      if (len + 1 >= sizeof buf)
        return false;
      buf[len++] = *s++;
    }
    buf[len] = 0;
    return true;
  }
  bool addRange(const char *begin, const char *end) {
    for (const char *p = begin; p < end; ++p) {
      if (len + 1 >= sizeof buf)
        return false;
      buf[len++] = *p;
    }
    buf[len] = 0;
    return true;
  }
};

const ChildPlan *current;

[[noreturn]] void fail(int exitCode, int errnum, const Text &what) {
  ChildError e;
  std::memset(&e, 0, sizeof e);
  e.exitCode = exitCode;
  e.errnum = errnum;
  std::memcpy(e.what, what.buf, what.len + 1);
  if (current && current->errorFd >= 0) {
    while (write(current->errorFd, &e, sizeof e) < 0 && errno == EINTR) {
    }
  }
  _exit(exitCode);
}

// "call(arg): <strerror(errno)>", exit 125.
[[noreturn]] void failCall(const char *call, const char *arg) {
  int err = errno;
  Text t;
  t.add(call).add("(").add(arg).add(")");
  fail(125, err, t);
}

void fdPath(int fd, PathText &out) {
  out.len = 0;
  out.add("/proc/self/fd/");
  Text n;
  n.add(static_cast<long>(fd));
  out.add(n.buf);
}

int openInRoot(int rootFd, const char *path, int flags) {
  struct open_how how;
  std::memset(&how, 0, sizeof how);
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(syscall(SYS_openat2, rootFd, path, &how, sizeof how));
}

int setMountAttr(int dfd, const char *path, unsigned flags, uint64_t set, uint64_t clear) {
  struct mount_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.attr_set = set;
  attr.attr_clr = clear;
  // The atime modes are one field: setting one means clearing the others.
  if (set & (MOUNT_ATTR_RELATIME | MOUNT_ATTR_NOATIME | MOUNT_ATTR_STRICTATIME))
    attr.attr_clr |= MOUNT_ATTR__ATIME;
  return static_cast<int>(syscall(SYS_mount_setattr, dfd, path, flags, &attr, sizeof attr));
}

// Opens `path` inside the root, creating missing directories (and the last component as a file when
// `lastIsDir` is false). Symlinks resolve inside the root, so an image cannot point a mount outside.
int ensureInRoot(int rootFd, const char *path, bool lastIsDir) {
  int fd = openInRoot(rootFd, path, O_PATH);
  if (fd >= 0 || errno != ENOENT)
    return fd;
  PathText prefix;
  const char *p = path;
  while (*p) {
    while (*p == '/')
      ++p;
    if (!*p)
      break;
    const char *start = p;
    while (*p && *p != '/')
      ++p;
    const char *rest = p;
    while (*rest == '/')
      ++rest;
    bool last = *rest == 0;

    int parent = prefix.len == 0 ? rootFd : openInRoot(rootFd, prefix.buf, O_PATH | O_DIRECTORY);
    if (parent < 0)
      return -1;
    if (!prefix.add("/") || !prefix.addRange(start, p)) {
      errno = ENAMETOOLONG;
      return -1;
    }
    int probe = openInRoot(rootFd, prefix.buf, O_PATH);
    if (probe >= 0) {
      close(probe);
    } else if (errno == ENOENT) {
      char name[256];
      size_t n = static_cast<size_t>(p - start);
      if (n >= sizeof name) {
        errno = ENAMETOOLONG;
        return -1;
      }
      std::memcpy(name, start, n);
      name[n] = 0;
      int rc;
      if (last && !lastIsDir) {
        rc = openat(parent, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (rc >= 0)
          close(rc);
      } else {
        rc = mkdirat(parent, name, 0755);
        if (rc != 0 && errno == EEXIST)
          rc = 0;
      }
      if (rc < 0) {
        if (parent != rootFd)
          close(parent);
        return -1;
      }
    } else {
      if (parent != rootFd)
        close(parent);
      return -1;
    }
    if (parent != rootFd)
      close(parent);
  }
  return openInRoot(rootFd, path, O_PATH);
}

void closeOtherFds(const ChildPlan &plan) {
  unsigned from = 3;
  for (size_t i = 0; i < plan.keepCount; ++i) {
    unsigned keep = static_cast<unsigned>(plan.keepFds[i]);
    if (keep > from)
      syscall(SYS_close_range, from, keep - 1, 0);
    if (keep + 1 > from)
      from = keep + 1;
  }
  syscall(SYS_close_range, from, ~0U, 0);
}

void bringLoopbackUp() {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    failCall("socket", "AF_INET");
  struct ifreq ifr;
  std::memset(&ifr, 0, sizeof ifr);
  std::memcpy(ifr.ifr_name, "lo", 3);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
    failCall("ioctl", "SIOCGIFFLAGS lo");
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
    failCall("ioctl", "SIOCSIFFLAGS lo");
  close(s);
}

// runc's default device nodes for a tmpfs /dev, and the usual symlinks.
void populateDev(int devFd, const ChildPlan &plan) {
  struct Node {
    const char *name;
    unsigned major, minor;
  };
  static const Node nodes[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                               {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
  for (const Node &n : nodes) {
    if (mknodat(devFd, n.name, S_IFCHR | 0666, makedev(n.major, n.minor)) == 0 || errno == EEXIST)
      continue;
    if (errno != EPERM)
      failCall("mknod", n.name);
    // In a user namespace mknod is refused: bind the host's node instead.
    int f = openat(devFd, n.name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (f < 0)
      failCall("create", n.name);
    close(f);
    f = openat(devFd, n.name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    PathText host, target;
    host.add("/dev/");
    host.add(n.name);
    fdPath(f, target);
    if (f < 0 || mount(host.buf, target.buf, nullptr, MS_BIND, nullptr) != 0)
      failCall("bind device", host.buf);
    close(f);
  }
  struct Link {
    const char *target, *name;
  };
  static const Link links[] = {{"/proc/self/fd", "fd"},
                               {"/proc/self/fd/0", "stdin"},
                               {"/proc/self/fd/1", "stdout"},
                               {"/proc/self/fd/2", "stderr"},
                               {"pts/ptmx", "ptmx"}};
  for (const Link &l : links)
    if (symlinkat(l.target, devFd, l.name) != 0 && errno != EEXIST)
      failCall("symlink", l.name);
  if (plan.hostHasKcore && symlinkat("/proc/kcore", devFd, "core") != 0 && errno != EEXIST)
    failCall("symlink", "core");
}

void doMount(int rootFd, const MountStep &m, int &devFd) {
  if (m.attrOnly) {
    int fd = openInRoot(rootFd, m.destination, O_PATH);
    if (fd < 0 || setMountAttr(fd, "", AT_EMPTY_PATH, m.attrSet, 0) != 0)
      failCall("mount_setattr", m.destination);
    close(fd);
    return;
  }
  int fd = ensureInRoot(rootFd, m.destination, !m.bind || m.sourceIsDir);
  if (fd < 0)
    failCall("mkdir", m.destination);
  PathText target;
  fdPath(fd, target);
  if (m.bind) {
    if (mount(m.source, target.buf, nullptr, MS_BIND | (m.recursive ? MS_REC : 0), nullptr) != 0)
      failCall("mount", m.destination);
  } else if (mount(m.source, target.buf, m.fstype, m.flags, m.data) != 0) {
    failCall("mount", m.destination);
  }
  close(fd);
  // Reopen so the fd is the new mount itself, not the directory under it.
  fd = openInRoot(rootFd, m.destination, O_PATH);
  if (fd < 0)
    failCall("open", m.destination);
  if (m.bind && m.attrSet &&
      setMountAttr(fd, "", AT_EMPTY_PATH | (m.recursive ? AT_RECURSIVE : 0), m.attrSet, 0) != 0)
    failCall("mount_setattr", m.destination);
  if (m.propagation) {
    fdPath(fd, target);
    if (mount(nullptr, target.buf, nullptr, m.propagation, nullptr) != 0)
      failCall("mount propagation", m.destination);
  }
  if (m.devTmpfs) {
    if (devFd >= 0)
      close(devFd);
    devFd = openInRoot(rootFd, m.destination, O_DIRECTORY | O_RDONLY);
    if (devFd < 0)
      failCall("open", m.destination);
  }
  close(fd);
}

// Read-only paths first, then masks, in runc's order.
void maskPaths(const ChildPlan &plan) {
  for (size_t i = 0; i < plan.readonlyCount; ++i) {
    const char *p = plan.readonlyPaths[i];
    if (mount(p, p, nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      if (errno == ENOENT)
        continue;
      failCall("bind", p);
    }
    if (setMountAttr(AT_FDCWD, p, AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0) != 0)
      failCall("mount_setattr", p);
  }
  for (size_t i = 0; i < plan.maskedCount; ++i) {
    const char *p = plan.maskedPaths[i];
    struct stat st;
    if (lstat(p, &st) != 0) {
      if (errno == ENOENT)
        continue;
      failCall("stat", p);
    }
    int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", p, "tmpfs", MS_RDONLY, nullptr)
                                 : mount("/dev/null", p, nullptr, MS_BIND, nullptr);
    if (rc != 0)
      failCall("mask", p);
  }
}

// Allocates the pty inside the container's devpts (so `tty` names it), binds it to /dev/console and
// sends the master to the parent. Returns the slave.
int setUpTerminal(const ChildPlan &plan) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    failCall("open", "/dev/ptmx");
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) != 0)
    failCall("ioctl", "TIOCSPTLCK");
  int number = -1;
  if (ioctl(master, TIOCGPTN, &number) != 0)
    failCall("ioctl", "TIOCGPTN");
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    failCall("ioctl", "TIOCGPTPEER");
  PathText slavePath;
  slavePath.add("/dev/pts/");
  Text n;
  n.add(static_cast<long>(number));
  slavePath.add(n.buf);
  int console = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (console >= 0)
    close(console);
  if (console < 0 || mount(slavePath.buf, "/dev/console", nullptr, MS_BIND, nullptr) != 0)
    failCall("bind", "/dev/console");

  char byte = 't';
  struct iovec iov = {&byte, 1};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  std::memset(control, 0, sizeof control);
  struct msghdr msg;
  std::memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &master, sizeof(int));
  if (sendmsg(plan.consoleSocket, &msg, MSG_NOSIGNAL) != 1)
    failCall("sendmsg", "terminal");
  close(master);
  close(plan.consoleSocket);
  return slave;
}

void applySeccomp(const ChildPlan &plan) {
  struct sock_fprog prog;
  prog.len = plan.filterLength;
  prog.filter = const_cast<struct sock_filter *>(plan.filter);
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
    failCall("prctl", "PR_SET_SECCOMP");
}

void setUser(const ChildPlan &plan) {
  if (syscall(SYS_setgroups, plan.groupCount, plan.groups) != 0)
    failCall("setgroups", "additionalGids");
  if (syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) != 0) {
    Text t;
    failCall("setresgid", t.add(static_cast<long>(plan.gid)).buf);
  }
  // seccomp needs CAP_SYS_ADMIN or no_new_privs: without the latter, load it while still privileged.
  if (plan.filterLength && !plan.noNewPrivileges)
    applySeccomp(plan);
  if (plan.setCapabilities) {
    for (int cap = 0; cap <= plan.lastCap; ++cap)
      if (!(plan.boundingMask & (uint64_t(1) << cap)) && cap_drop_bound(static_cast<cap_value_t>(cap)) != 0) {
        Text t;
        failCall("PR_CAPBSET_DROP", t.add(static_cast<long>(cap)).buf);
      }
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
      failCall("prctl", "PR_SET_KEEPCAPS");
  }
  if (syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) != 0) {
    Text t;
    failCall("setresuid", t.add(static_cast<long>(plan.uid)).buf);
  }
  if (plan.setCapabilities) {
    if (cap_set_proc(static_cast<cap_t>(plan.capState)) != 0)
      failCall("capset", "effective/permitted/inheritable");
    if (cap_reset_ambient() != 0 && errno != EINVAL)
      failCall("prctl", "PR_CAP_AMBIENT_CLEAR_ALL");
    for (int cap = 0; cap <= plan.lastCap; ++cap)
      if ((plan.ambientMask & (uint64_t(1) << cap)) &&
          cap_set_ambient(static_cast<cap_value_t>(cap), CAP_SET) != 0)
        failCall("prctl", "PR_CAP_AMBIENT_RAISE");
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  }
}

bool isExecutableFile(const char *path, bool &sawNotExecutable) {
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
    return false;
  if (access(path, X_OK) == 0)
    return true;
  sawNotExecutable = true;
  return false;
}

// Like runc: a bare name is looked up on the container's PATH.
void resolveExecutable(const ChildPlan &plan, PathText &out) {
  const char *name = plan.argv[0];
  if (std::strchr(name, '/')) {
    out.add(name);
    return;
  }
  bool sawNotExecutable = false;
  const char *p = plan.searchPath ? plan.searchPath : "";
  while (true) {
    const char *end = std::strchr(p, ':');
    if (!end)
      end = p + std::strlen(p);
    out.len = 0;
    out.buf[0] = 0;
    bool fits = (end == p ? out.add(".") : out.addRange(p, end)) && out.add("/") && out.add(name);
    if (fits && isExecutableFile(out.buf, sawNotExecutable))
      return;
    if (!*end)
      break;
    p = end + 1;
  }
  Text t;
  t.add("exec: \"")
      .add(name)
      .add(sawNotExecutable ? "\": permission denied" : "\": executable file not found in $PATH");
  fail(sawNotExecutable ? 126 : 127, 0, t);
}

[[noreturn]] void execProcess(const ChildPlan &plan, const char *path, int terminalSlave) {
  setsid();
  if (terminalSlave >= 0) {
    if (ioctl(terminalSlave, TIOCSCTTY, 0) != 0)
      failCall("ioctl", "TIOCSCTTY");
    for (int i = 0; i < 3; ++i)
      if (dup2(terminalSlave, i) < 0)
        failCall("dup2", "terminal");
    if (terminalSlave > 2)
      close(terminalSlave);
  }
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP)
      continue;
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(sig, &sa, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(path, plan.argv, plan.envp);
  int err = errno;
  Text t;
  t.add("exec ").add(path);
  fail(err == ENOENT || err == ENOTDIR || err == ELOOP ? 127 : 126, err, t);
}

// PID 1 when the process is not an init itself: forwards every signal to it, reaps orphans, and exits
// with its status.
[[noreturn]] void initLoop(pid_t mainPid) {
  sigset_t all;
  sigfillset(&all);
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0)
      continue;
    if (sig != SIGCHLD) {
      kill(mainPid, sig);
      continue;
    }
    for (;;) {
      int status = 0;
      pid_t done = waitpid(-1, &status, WNOHANG);
      if (done <= 0)
        break;
      if (done == mainPid)
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
  }
}

} // namespace

void runContainerProcess(const ChildPlan &plan) {
  current = &plan;
  // Signals stay blocked (the parent cloned with all blocked) until exec or the init loop.
  closeOtherFds(plan);

  for (size_t i = 0; i < plan.joinCount; ++i)
    if (setns(plan.joinFds[i], plan.joinTypes[i]) != 0)
      failCall("setns", "namespace path");
  if (plan.joinedFd >= 0) {
    char joined = 1;
    (void)!write(plan.joinedFd, &joined, 1);
    close(plan.joinedFd);
  }
  if (plan.goFd >= 0) {
    char go = 0;
    ssize_t n;
    while ((n = read(plan.goFd, &go, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1)
      _exit(125); // the parent gave up and reports why
    close(plan.goFd);
  }
  // A new user namespace leaves us as an unmapped uid until we become its root, which the id maps
  // written meanwhile allow; files we create would otherwise fail with EOVERFLOW.
  if (plan.userNamespace && (syscall(SYS_setresgid, 0, 0, 0) != 0 || syscall(SYS_setresuid, 0, 0, 0) != 0))
    failCall("setresuid", "0 in the user namespace");
  for (int i = 0; i < 3; ++i)
    if (plan.stdio[i] >= 0 && dup2(plan.stdio[i], i) < 0)
      failCall("dup2", "stdio");
  umask(0);

  if (plan.newNetwork)
    bringLoopbackUp();
  if (plan.hostname && sethostname(plan.hostname, std::strlen(plan.hostname)) != 0)
    failCall("sethostname", plan.hostname);

  // Our mounts must not propagate back to the host, nor the host's into the container.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    failCall("mount", "/ private");
  if (mount(plan.rootfs, plan.rootfs, nullptr, MS_BIND | MS_REC, nullptr) != 0)
    failCall("bind", plan.rootfs);
  int rootFd = open(plan.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootFd < 0)
    failCall("open", plan.rootfs);
  int devFd = -1;
  for (size_t i = 0; i < plan.mountCount; ++i)
    doMount(rootFd, plan.mounts[i], devFd);
  if (devFd >= 0) {
    populateDev(devFd, plan);
    close(devFd);
  }

  if (fchdir(rootFd) != 0)
    failCall("chdir", plan.rootfs);
  if (syscall(SYS_pivot_root, ".", ".") != 0)
    failCall("pivot_root", plan.rootfs);
  // The old root is stacked on "."; detach it so no host path stays reachable.
  if (umount2(".", MNT_DETACH) != 0)
    failCall("umount2", "old root");
  if (chdir("/") != 0)
    failCall("chdir", "/");
  close(rootFd);

  maskPaths(plan);
  int terminalSlave = plan.consoleSocket >= 0 ? setUpTerminal(plan) : -1;
  if (plan.readonlyRoot && setMountAttr(AT_FDCWD, "/", 0, MOUNT_ATTR_RDONLY, 0) != 0)
    failCall("mount_setattr", "/ read-only");

  for (size_t i = 0; i < plan.rlimitCount; ++i)
    if (setrlimit(static_cast<__rlimit_resource_t>(plan.rlimitTypes[i]), &plan.rlimitValues[i]) != 0)
      failCall("setrlimit", "process.rlimits");

  setUser(plan);
  if (chdir(plan.cwd) != 0)
    failCall("chdir", plan.cwd);
  if (plan.noNewPrivileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    failCall("prctl", "PR_SET_NO_NEW_PRIVS");
  if (plan.filterLength && plan.noNewPrivileges)
    applySeccomp(plan);
  umask(022);

  PathText path;
  resolveExecutable(plan, path);
  // Credentials changed above, which clears the parent-death signal: set it now.
  if (plan.killWithCaller)
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

  if (!plan.useInit)
    execProcess(plan, path.buf, terminalSlave);
  long mainPid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (mainPid < 0)
    failCall("clone", "init");
  if (mainPid == 0)
    execProcess(plan, path.buf, terminalSlave);
  // The init holds nothing open: the error pipe, the pty and output pipes belong to the process.
  syscall(SYS_close_range, 0U, ~0U, 0);
  prctl(PR_SET_NAME, "dfc-init", 0, 0, 0);
  initLoop(static_cast<pid_t>(mainPid));
}

} // namespace dfc::runtime::detail
