// The parent half of dfc's runtime: turns a Bundle into a ChildPlan (every string, fd, capability and
// BPF program ready before clone), clones, runs prestart work, and waits, relaying output.
#include "backend/runtime/Runtime.h"

#include "backend/runtime/ContainerProcess.h"
#include "backend/runtime/SeccompFilter.h"

#include <llvm/ADT/StringExtras.h>
#include <llvm/ADT/Twine.h>
#include <llvm/Support/raw_ostream.h>

#include <mutex>
#include <thread>

#include <sys/capability.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <linux/magic.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace dfc::runtime {

char StartError::ID = 0;

void StartError::log(llvm::raw_ostream &os) const { os << message; }

std::error_code StartError::convertToErrorCode() const {
  return std::make_error_code(std::errc::operation_not_permitted);
}

namespace {

llvm::Error setupError(const llvm::Twine &message) {
  return llvm::make_error<StartError>(125, message.str());
}

llvm::Error sysError(const llvm::Twine &what) { return setupError(what + ": " + std::strerror(errno)); }

// A caller with closed stdio gets new fds at 0..2, where the child's dup2 onto 0..2 would clobber
// them: fds the child reads or writes are kept at 3 and above.
int aboveStdio(int fd) {
  if (fd < 0 || fd > 2)
    return fd;
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  return moved;
}

void closeFd(int &fd) {
  if (fd >= 0)
    ::close(fd);
  fd = -1;
}

bool writeText(const std::string &path, llvm::StringRef text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int err = errno;
  ::close(fd);
  errno = err;
  return ok;
}

bool makeDirs(const std::string &path) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    std::string prefix = path.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
      return false;
    if (slash == std::string::npos)
      return true;
  }
}

// Limits applied through cgroups: v2 when /sys/fs/cgroup is unified, else the v1 memory and pids
// hierarchies that exist. A relative cgroupsPath nests under our own cgroup, as runc does.
struct Cgroups {
  std::vector<std::string> dirs;
  std::vector<int> procsFds;
};

std::string ownCgroup(llvm::StringRef controller) {
  int fd = ::open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return "/";
  char buf[8192];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0)
    return "/";
  llvm::SmallVector<llvm::StringRef, 16> lines;
  llvm::StringRef(buf, static_cast<size_t>(n)).split(lines, '\n', -1, false);
  for (llvm::StringRef line : lines) {
    auto [id, rest] = line.split(':');
    auto [controllers, path] = rest.split(':');
    llvm::SmallVector<llvm::StringRef, 4> names;
    controllers.split(names, ',');
    bool match = controller.empty() ? controllers.empty() : llvm::is_contained(names, controller);
    if (match)
      return path.str();
  }
  return "/";
}

llvm::Error setUpCgroups(const Bundle &bundle, const RunOptions &options, Cgroups &out) {
  const Linux &l = bundle.linuxSpec;
  if (l.cgroupsPath.empty() && !l.resources)
    return llvm::Error::success();
  std::string path = l.cgroupsPath;
  if (path.empty()) {
    static std::atomic<unsigned> counter{0};
    path = "dfc/" + (options.containerId.empty() ? std::to_string(getpid()) + "-" + std::to_string(counter++)
                                                 : options.containerId);
  }
  std::optional<int64_t> memory = l.resources ? l.resources->memoryLimit : std::nullopt;
  std::optional<int64_t> pids = l.resources ? l.resources->pidsLimit : std::nullopt;

  auto join = [&](const std::string &dir) -> llvm::Error {
    int fd = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
      return sysError("open " + dir + "/cgroup.procs");
    out.procsFds.push_back(fd);
    return llvm::Error::success();
  };
  auto place = [&](const std::string &mountPoint, llvm::StringRef controller) -> std::string {
    std::string base = path[0] == '/' ? "" : ownCgroup(controller);
    if (base == "/")
      base.clear();
    return mountPoint + base + (path[0] == '/' ? "" : "/") + path;
  };

  struct statfs fs;
  if (::statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) {
    std::string dir = place("/sys/fs/cgroup", "");
    if (!makeDirs(dir))
      return sysError("mkdir " + dir);
    out.dirs.push_back(dir);
    if (memory && !writeText(dir + "/memory.max", std::to_string(*memory)))
      return sysError("write " + dir + "/memory.max");
    if (pids && !writeText(dir + "/pids.max", std::to_string(*pids)))
      return sysError("write " + dir + "/pids.max");
    return join(dir);
  }
  struct Hierarchy {
    const char *controller;
    std::optional<int64_t> limit;
    const char *file;
  };
  for (const Hierarchy &h :
       {Hierarchy{"memory", memory, "memory.limit_in_bytes"}, Hierarchy{"pids", pids, "pids.max"}}) {
    std::string mountPoint = std::string("/sys/fs/cgroup/") + h.controller;
    if (::access(mountPoint.c_str(), F_OK) != 0) {
      if (h.limit)
        return setupError(llvm::Twine("cgroup controller ") + h.controller +
                          " is not available on this host");
      continue;
    }
    std::string dir = place(mountPoint, h.controller);
    if (!makeDirs(dir))
      return sysError("mkdir " + dir);
    out.dirs.push_back(dir);
    if (h.limit && !writeText(dir + "/" + h.file, std::to_string(*h.limit)))
      return sysError("write " + dir + "/" + h.file);
    if (llvm::Error e = join(dir))
      return e;
  }
  return llvm::Error::success();
}

void removeCgroups(const std::vector<std::string> &dirs) {
  for (const std::string &dir : dirs)
    ::rmdir(dir.c_str());
}

struct MountFlag {
  const char *name;
  bool clear;
  unsigned long flag;
  uint64_t attr;
};

const MountFlag mountFlags[] = {
    {"ro", false, MS_RDONLY, MOUNT_ATTR_RDONLY},
    {"rw", true, MS_RDONLY, 0},
    {"nosuid", false, MS_NOSUID, MOUNT_ATTR_NOSUID},
    {"suid", true, MS_NOSUID, 0},
    {"nodev", false, MS_NODEV, MOUNT_ATTR_NODEV},
    {"dev", true, MS_NODEV, 0},
    {"noexec", false, MS_NOEXEC, MOUNT_ATTR_NOEXEC},
    {"exec", true, MS_NOEXEC, 0},
    {"sync", false, MS_SYNCHRONOUS, 0},
    {"async", true, MS_SYNCHRONOUS, 0},
    {"dirsync", false, MS_DIRSYNC, 0},
    {"noatime", false, MS_NOATIME, MOUNT_ATTR_NOATIME},
    {"atime", true, MS_NOATIME, 0},
    {"nodiratime", false, MS_NODIRATIME, MOUNT_ATTR_NODIRATIME},
    {"diratime", true, MS_NODIRATIME, 0},
    {"relatime", false, MS_RELATIME, MOUNT_ATTR_RELATIME},
    {"norelatime", true, MS_RELATIME, 0},
    {"strictatime", false, MS_STRICTATIME, MOUNT_ATTR_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME, 0},
    {"mand", false, 0, 0},
    {"nomand", true, 0, 0},
};

const std::pair<const char *, unsigned long> propagationFlags[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC}};

const std::pair<const char *, int> rlimitNames[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME}};

const std::pair<const char *, int> namespaceFlags[] = {
    {"pid", CLONE_NEWPID}, {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},     {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS}, {"user", CLONE_NEWUSER},   {"cgroup", CLONE_NEWCGROUP}};

// Fresh network namespaces made ahead of time by a helper thread: creating one costs ~1.5 ms, which
// would otherwise sit on every container's start path. Each is used once, so isolation is unchanged.
class NetworkNamespacePool {
public:
  static NetworkNamespacePool &get() {
    static NetworkNamespacePool pool;
    return pool;
  }
  // A namespace fd to join, or -1 (then the child makes its own). Starts a refill either way.
  int take() {
    int fd = -1;
    bool refill = false;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!spare.empty()) {
        fd = spare.back();
        spare.pop_back();
      }
      if (!refilling && spare.size() < target) {
        refilling = true;
        refill = true;
      }
    }
    if (refill)
      std::thread([this] { fill(); }).detach();
    return fd;
  }

private:
  static constexpr size_t target = 2;
  std::mutex mutex;
  std::vector<int> spare;
  bool refilling = false;

  void fill() {
    for (;;) {
      // unshare affects only this thread, which ends right after.
      int fd = -1;
      if (::unshare(CLONE_NEWNET) == 0)
        fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
      std::lock_guard<std::mutex> lock(mutex);
      if (fd >= 0)
        spare.push_back(fd);
      if (fd < 0 || spare.size() >= target) {
        refilling = false;
        return;
      }
    }
  }
};

bool isInit(llvm::StringRef arg0) {
  llvm::StringRef base = arg0.rsplit('/').second.empty() ? arg0 : arg0.rsplit('/').second;
  for (const char *name : {"init", "tini", "docker-init", "dumb-init", "catatonit", "systemd"})
    if (base == name)
      return true;
  return false;
}

// Everything the child needs, owned here so the child only reads memory.
struct Prepared {
  std::deque<std::string> strings;
  std::vector<detail::MountStep> mounts;
  std::vector<const char *> masked, readonly;
  std::vector<int> joinFds, joinTypes;
  Cgroups cgroups;
  std::vector<int> rlimitTypes;
  std::vector<struct rlimit> rlimitValues;
  std::vector<gid_t> groups;
  cap_t caps = nullptr;
  std::vector<struct sock_filter> filter;
  std::vector<char *> argv, envp;
  std::vector<int> keep;
  std::vector<int> childFds; // closed in the parent once the child has them
  int cloneFlags = 0;
  bool terminal = false;
  detail::ChildPlan plan;

  ~Prepared() {
    if (caps)
      cap_free(caps);
    for (int fd : childFds)
      if (fd >= 0)
        ::close(fd);
    for (int fd : joinFds)
      ::close(fd);
    for (int fd : cgroups.procsFds)
      ::close(fd);
  }

  const char *keepString(std::string s) {
    strings.push_back(std::move(s));
    return strings.back().c_str();
  }
  char *keepMutable(std::string s) {
    strings.push_back(std::move(s));
    return strings.back().data();
  }
  // A copy of `fd` at >= 3 for the child to dup2 from.
  llvm::Expected<int> childCopy(int fd) {
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0)
      return sysError("dup stdio fd " + llvm::Twine(fd));
    childFds.push_back(copy);
    keep.push_back(copy);
    return copy;
  }
};

std::string resolvePath(llvm::StringRef path, llvm::StringRef bundleDir) {
  if (path.startswith("/"))
    return path.str();
  std::string base = bundleDir.str();
  if (base.empty()) {
    char cwd[4096];
    base = ::getcwd(cwd, sizeof cwd) ? cwd : ".";
  }
  return base + "/" + path.str();
}

// v1 and hybrid hosts: a tmpfs holding, per hierarchy, a read-only bind of the container's own cgroup
// (the one made for its limits, else ours), as runc shows them. The rest of the host's tree stays hidden.
void addCgroupV1Mounts(const detail::MountStep &request, Prepared &p) {
  std::string destination = request.destination;
  bool readonly = request.flags & MS_RDONLY;
  detail::MountStep tmpfs = request;
  tmpfs.fstype = "tmpfs";
  tmpfs.source = "tmpfs";
  tmpfs.flags &= ~MS_RDONLY;
  tmpfs.data = "mode=755";
  p.mounts.push_back(tmpfs);

  std::ifstream mounts("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mounts, line)) {
    // "id parent maj:min root mountpoint options... - fstype source superoptions"
    llvm::SmallVector<llvm::StringRef, 12> f;
    llvm::StringRef(line).split(f, ' ');
    auto dash = std::find(f.begin(), f.end(), "-");
    if (f.size() < 5 || dash == f.end() || dash + 1 == f.end() || dash[1] != "cgroup")
      continue;
    llvm::StringRef mountPoint = f[4];
    if (!mountPoint.consume_front("/sys/fs/cgroup/") || mountPoint.contains('/'))
      continue;
    std::string hostDir = "/sys/fs/cgroup/" + mountPoint.str();
    std::string source;
    for (const std::string &dir : p.cgroups.dirs)
      if (llvm::StringRef(dir).startswith(hostDir + "/"))
        source = dir;
    if (source.empty()) {
      llvm::StringRef controller = mountPoint.split(',').first;
      std::string own = ownCgroup(controller == "systemd" ? "name=systemd" : controller);
      source = hostDir + (own == "/" ? "" : own);
    }
    detail::MountStep bind;
    bind.destination = p.keepString(destination + "/" + mountPoint.str());
    bind.source = p.keepString(source);
    bind.bind = true;
    bind.attrSet = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    p.mounts.push_back(bind);
  }
  if (readonly) {
    detail::MountStep seal;
    seal.destination = p.keepString(destination);
    seal.attrOnly = true;
    seal.attrSet = MOUNT_ATTR_RDONLY;
    p.mounts.push_back(seal);
  }
}

llvm::Error prepareMounts(const Bundle &bundle, const RunOptions &options, Prepared &p) {
  for (const Mount &m : bundle.mounts) {
    if (!llvm::StringRef(m.destination).startswith("/"))
      return setupError("mount destination must be absolute: " + m.destination);
    detail::MountStep step;
    step.destination = p.keepString(m.destination);
    bool bind = m.type == "bind";
    std::string data;
    for (const std::string &opt : m.options) {
      if (opt == "bind" || opt == "rbind") {
        bind = true;
        step.recursive |= opt == "rbind";
        continue;
      }
      const MountFlag *flag = std::find_if(std::begin(mountFlags), std::end(mountFlags),
                                           [&](const MountFlag &f) { return opt == f.name; });
      if (flag != std::end(mountFlags)) {
        if (flag->clear) {
          step.flags &= ~flag->flag;
        } else {
          step.flags |= flag->flag;
          step.attrSet |= flag->attr;
        }
        continue;
      }
      auto prop = std::find_if(std::begin(propagationFlags), std::end(propagationFlags),
                               [&](const auto &f) { return opt == f.first; });
      if (prop != std::end(propagationFlags)) {
        step.propagation = prop->second;
        continue;
      }
      if (opt == "tmpcopyup" || opt == "remount")
        continue;
      data += (data.empty() ? "" : ",") + opt;
    }
    step.bind = bind;
    if (bind) {
      std::string source = resolvePath(m.source, options.bundleDir);
      struct stat st;
      if (::stat(source.c_str(), &st) != 0)
        return sysError("bind mount source " + source);
      step.sourceIsDir = S_ISDIR(st.st_mode);
      step.source = p.keepString(source);
    } else if (m.type == "cgroup") {
      struct statfs fs;
      if (::statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) {
        step.fstype = "cgroup2";
        step.source = "cgroup2";
      } else {
        addCgroupV1Mounts(step, p);
        continue;
      }
    } else {
      step.fstype = p.keepString(m.type);
      step.source = p.keepString(m.source.empty() ? m.type : m.source);
      step.devTmpfs = m.destination == "/dev" && m.type == "tmpfs";
    }
    step.data = data.empty() ? nullptr : p.keepString(data);
    p.mounts.push_back(step);
  }
  return llvm::Error::success();
}

llvm::Expected<uint64_t> capabilityMask(const std::vector<std::string> &names) {
  uint64_t mask = 0;
  for (const std::string &name : names) {
    cap_value_t value;
    if (cap_from_name(llvm::StringRef(name).lower().c_str(), &value) != 0 || value < 0 || value >= 64)
      return setupError("unknown capability " + name);
    mask |= uint64_t(1) << value;
  }
  return mask;
}

llvm::Error prepareCapabilities(const Capabilities &caps, Prepared &p) {
  auto bounding = capabilityMask(caps.bounding);
  auto effective = capabilityMask(caps.effective);
  auto permitted = capabilityMask(caps.permitted);
  auto inheritable = capabilityMask(caps.inheritable);
  auto ambient = capabilityMask(caps.ambient);
  for (auto *e : {&bounding, &effective, &permitted, &inheritable, &ambient})
    if (!*e)
      return e->takeError();
  p.caps = cap_init();
  if (!p.caps)
    return sysError("cap_init");
  auto set = [&](cap_flag_t flag, uint64_t mask) {
    for (int c = 0; c < 64; ++c) {
      cap_value_t v = c;
      if (mask & (uint64_t(1) << c))
        cap_set_flag(p.caps, flag, 1, &v, CAP_SET);
    }
  };
  set(CAP_EFFECTIVE, *effective);
  set(CAP_PERMITTED, *permitted);
  set(CAP_INHERITABLE, *inheritable);
  p.plan.setCapabilities = true;
  p.plan.capState = p.caps;
  p.plan.boundingMask = *bounding;
  p.plan.ambientMask = *ambient;
  p.plan.lastCap = static_cast<int>(cap_max_bits()) - 1;
  return llvm::Error::success();
}

llvm::Error prepareStdio(const Stdio &target, int index, Prepared &p, int &parentEnd) {
  switch (target.kind) {
  case Stdio::Inherit:
    return llvm::Error::success();
  case Stdio::Null: {
    int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0)
      return sysError("open /dev/null");
    auto copy = p.childCopy(fd);
    ::close(fd);
    if (!copy)
      return copy.takeError();
    p.plan.stdio[index] = *copy;
    return llvm::Error::success();
  }
  case Stdio::Fd: {
    auto copy = p.childCopy(target.fd);
    if (!copy)
      return copy.takeError();
    p.plan.stdio[index] = *copy;
    return llvm::Error::success();
  }
  case Stdio::Capture: {
    if (index == 0)
      return setupError("stdin cannot be captured");
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
      return sysError("pipe");
    parentEnd = fds[0];
    auto copy = p.childCopy(fds[1]);
    ::close(fds[1]);
    if (!copy)
      return copy.takeError();
    p.plan.stdio[index] = *copy;
    return llvm::Error::success();
  }
  }
  return llvm::Error::success();
}

llvm::Error prepare(const Bundle &original, const RunOptions &options, Prepared &p) {
  Bundle bundle = withNetworkMode(original, options.network);
  detail::ChildPlan &plan = p.plan;
  if (bundle.process.args.empty())
    return setupError("process.args is empty");
  if (bundle.root.path.empty())
    return setupError("root.path is empty");
  if (!bundle.hasNamespace("mount"))
    return setupError("dfc's runtime needs a mount namespace");

  std::string rootfs = resolvePath(bundle.root.path, options.bundleDir);
  char real[PATH_MAX];
  if (!::realpath(rootfs.c_str(), real))
    return sysError("rootfs " + rootfs);
  plan.rootfs = p.keepString(real);
  plan.readonlyRoot = bundle.root.readonly;
  plan.hostname = bundle.hostname.empty() ? nullptr : p.keepString(bundle.hostname);

  for (const Namespace &ns : bundle.linuxSpec.namespaces) {
    auto flag = std::find_if(std::begin(namespaceFlags), std::end(namespaceFlags),
                             [&](const auto &f) { return ns.type == f.first; });
    if (flag == std::end(namespaceFlags))
      return setupError("unknown namespace type " + ns.type);
    if (ns.path.empty() && flag->second == CLONE_NEWNET && options.pooledNetwork &&
        !bundle.hasNamespace("user") && bundle.linuxSpec.uidMappings.empty()) {
      if (int fd = aboveStdio(NetworkNamespacePool::get().take()); fd >= 0) {
        p.joinFds.push_back(fd);
        p.joinTypes.push_back(CLONE_NEWNET);
        p.keep.push_back(fd);
        plan.newNetwork = true;
        continue;
      }
    }
    if (ns.path.empty()) {
      p.cloneFlags |= flag->second;
      continue;
    }
    if (ns.type == "pid" || ns.type == "user")
      return setupError("joining an existing " + ns.type + " namespace is not supported");
    int fd = aboveStdio(::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd < 0)
      return sysError("open namespace " + ns.path);
    p.joinFds.push_back(fd);
    p.joinTypes.push_back(flag->second);
    p.keep.push_back(fd);
  }
  if (bundle.hostname.size() && !(p.cloneFlags & CLONE_NEWUTS) && !bundle.hasNamespace("uts"))
    return setupError("hostname needs a uts namespace");
  plan.newNetwork = plan.newNetwork || (p.cloneFlags & CLONE_NEWNET);
  plan.userNamespace = p.cloneFlags & CLONE_NEWUSER;

  if (llvm::Error e = setUpCgroups(bundle, options, p.cgroups))
    return e;
  if (llvm::Error e = prepareMounts(bundle, options, p))
    return e;
  for (const std::string &m : bundle.linuxSpec.maskedPaths)
    p.masked.push_back(p.keepString(m));
  for (const std::string &r : bundle.linuxSpec.readonlyPaths)
    p.readonly.push_back(p.keepString(r));
  struct stat st;
  plan.hostHasKcore = ::stat("/proc/kcore", &st) == 0;

  const Process &proc = bundle.process;
  for (const Rlimit &r : proc.rlimits) {
    auto it = std::find_if(std::begin(rlimitNames), std::end(rlimitNames),
                           [&](const auto &n) { return r.type == n.first; });
    if (it == std::end(rlimitNames))
      return setupError("unknown rlimit " + r.type);
    p.rlimitTypes.push_back(it->second);
    p.rlimitValues.push_back({static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard)});
  }
  plan.uid = proc.user.uid;
  plan.gid = proc.user.gid;
  p.groups.assign(proc.user.additionalGids.begin(), proc.user.additionalGids.end());
  if (proc.capabilities)
    if (llvm::Error e = prepareCapabilities(*proc.capabilities, p))
      return e;
  plan.noNewPrivileges = proc.noNewPrivileges;
  if (bundle.linuxSpec.seccomp) {
    auto filter = detail::compileSeccomp(*bundle.linuxSpec.seccomp, options.cacheDir);
    if (!filter)
      return setupError(llvm::toString(filter.takeError()));
    p.filter = std::move(*filter);
  }

  plan.cwd = p.keepString(proc.cwd.empty() ? "/" : proc.cwd);
  for (const std::string &a : proc.args)
    p.argv.push_back(p.keepMutable(a));
  p.argv.push_back(nullptr);
  std::string searchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const std::string &e : proc.env) {
    p.envp.push_back(p.keepMutable(e));
    if (llvm::StringRef(e).startswith("PATH="))
      searchPath = e.substr(5);
  }
  p.envp.push_back(nullptr);
  plan.searchPath = p.keepString(searchPath);
  plan.useInit =
      options.init == InitMode::Always || (options.init == InitMode::Auto && !isInit(proc.args[0]));
  plan.killWithCaller = options.killWithCaller;
  p.terminal = proc.terminal;

  return llvm::Error::success();
}

void finishPlan(Prepared &p) {
  detail::ChildPlan &plan = p.plan;
  plan.mounts = p.mounts.data();
  plan.mountCount = p.mounts.size();
  plan.maskedPaths = p.masked.data();
  plan.maskedCount = p.masked.size();
  plan.readonlyPaths = p.readonly.data();
  plan.readonlyCount = p.readonly.size();
  plan.joinFds = p.joinFds.data();
  plan.joinTypes = p.joinTypes.data();
  plan.joinCount = p.joinFds.size();
  plan.rlimitTypes = p.rlimitTypes.data();
  plan.rlimitValues = p.rlimitValues.data();
  plan.rlimitCount = p.rlimitTypes.size();
  plan.groups = p.groups.data();
  plan.groupCount = p.groups.size();
  plan.filter = p.filter.data();
  plan.filterLength = static_cast<unsigned short>(p.filter.size());
  plan.argv = p.argv.data();
  plan.envp = p.envp.data();
  std::sort(p.keep.begin(), p.keep.end());
  p.keep.erase(std::unique(p.keep.begin(), p.keep.end()), p.keep.end());
  plan.keepFds = p.keep.data();
  plan.keepCount = p.keep.size();
}

llvm::Error writeIdMaps(pid_t pid, const Linux &l) {
  auto write = [&](const char *file, const std::vector<IdMapping> &maps) -> llvm::Error {
    if (maps.empty())
      return llvm::Error::success();
    std::string text;
    for (const IdMapping &m : maps)
      text += std::to_string(m.containerID) + " " + std::to_string(m.hostID) + " " + std::to_string(m.size) +
              "\n";
    std::string path = "/proc/" + std::to_string(pid) + "/" + file;
    if (!writeText(path, text))
      return sysError("write " + path);
    return llvm::Error::success();
  };
  if (llvm::Error e = write("uid_map", l.uidMappings))
    return e;
  return write("gid_map", l.gidMappings);
}

int receiveTerminal(int socket) {
  char byte;
  struct iovec iov = {&byte, 1};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  struct msghdr msg;
  std::memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n != 1)
    return -1;
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
    return -1;
  int fd;
  std::memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
  return fd;
}

int statusToExitCode(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return 125;
}

pid_t waitFor(pid_t pid, int &status) {
  pid_t r;
  while ((r = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  return r;
}

llvm::Error writePidFile(const std::string &path, pid_t pid) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return sysError("open " + tmp);
  std::string text = std::to_string(pid);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0)
    return sysError("write " + path);
  return llvm::Error::success();
}

} // namespace

llvm::Expected<int> newNetworkNamespace() {
  int fd = -1, err = 0;
  const char *what = "";
  // unshare(2) changes only the calling thread, which ends right after.
  std::thread([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      err = errno;
      what = "unshare(CLONE_NEWNET)";
      return;
    }
    fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int s = fd < 0 ? -1 : ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr {};
    std::memcpy(ifr.ifr_name, "lo", 3);
    if (s < 0 || ::ioctl(s, SIOCGIFFLAGS, &ifr) != 0 ||
        (ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING),
         ::ioctl(s, SIOCSIFFLAGS, &ifr) != 0)) {
      err = errno;
      what = "network namespace: lo up";
    }
    if (s >= 0)
      ::close(s);
  }).join();
  if (err) {
    if (fd >= 0)
      ::close(fd);
    errno = err;
    return sysError(what);
  }
  return fd;
}

Bundle withNetworkMode(const Bundle &bundle, NetworkMode mode) {
  Bundle out = bundle;
  switch (mode) {
  case NetworkMode::Host:
    out.setNamespace("network", false);
    break;
  case NetworkMode::None:
    out.setNamespace("network", false);
    out.setNamespace("network", true);
    break;
  case NetworkMode::Default:
    out.setNamespace("network", true);
    break;
  }
  return out;
}

Container::Container(Container &&other) noexcept { *this = std::move(other); }

Container &Container::operator=(Container &&other) noexcept {
  if (this != &other) {
    reset();
    initPid = std::exchange(other.initPid, -1);
    terminalFd = std::exchange(other.terminalFd, -1);
    stdoutFd = std::exchange(other.stdoutFd, -1);
    stderrFd = std::exchange(other.stderrFd, -1);
    relayInFd = std::exchange(other.relayInFd, -1);
    relayOutFd = std::exchange(other.relayOutFd, -1);
    captureTerminal = other.captureTerminal;
    cgroupDirs = std::move(other.cgroupDirs);
    other.cgroupDirs.clear();
  }
  return *this;
}

Container::~Container() { reset(); }

void Container::reset() {
  if (initPid > 0) {
    ::kill(initPid, SIGKILL);
    int status;
    waitFor(initPid, status);
    removeCgroups(cgroupDirs);
  }
  initPid = -1;
  closeFd(terminalFd);
  closeFd(stdoutFd);
  closeFd(stderrFd);
  cgroupDirs.clear();
}

int Container::takeTerminal() { return std::exchange(terminalFd, -1); }

bool Container::signal(int sig) const { return initPid > 0 && ::kill(initPid, sig) == 0; }

void Container::release() {
  initPid = -1;
  cgroupDirs.clear();
  reset();
}

RunResult Container::wait() {
  RunResult result;
  if (initPid <= 0) {
    result.error = "container was not started";
    return result;
  }
  // Drain output before reaping, or a chatty process would block on a full pipe.
  int inputFd = terminalFd >= 0 ? relayInFd : -1;
  while (stdoutFd >= 0 || stderrFd >= 0 || terminalFd >= 0) {
    struct pollfd fds[4];
    int *owners[4];
    nfds_t n = 0;
    for (int *fd : {&stdoutFd, &stderrFd, &terminalFd}) {
      if (*fd >= 0) {
        fds[n] = {*fd, POLLIN, 0};
        owners[n++] = fd;
      }
    }
    if (inputFd >= 0) {
      fds[n] = {inputFd, POLLIN, 0};
      owners[n++] = &inputFd;
    }
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (!fds[i].revents)
        continue;
      char buf[65536];
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR)
        continue;
      int *owner = owners[i];
      if (owner == &inputFd) {
        if (got <= 0) {
          // End of input: send the terminal's EOF character so a reading process sees it too.
          char eof = 4;
          (void)!::write(terminalFd, &eof, 1);
          inputFd = -1;
        } else {
          (void)!::write(terminalFd, buf, static_cast<size_t>(got));
        }
        continue;
      }
      if (got <= 0) { // EOF, or EIO once a pty's last slave closes
        closeFd(*owner);
        continue;
      }
      std::string_view chunk(buf, static_cast<size_t>(got));
      if (owner == &stdoutFd)
        result.stdoutText.append(chunk);
      else if (owner == &stderrFd)
        result.stderrText.append(chunk);
      else if (captureTerminal)
        result.stdoutText.append(chunk);
      else if (relayOutFd >= 0)
        (void)!::write(relayOutFd, buf, static_cast<size_t>(got));
    }
  }
  int status = 0;
  if (waitFor(initPid, status) < 0) {
    result.error = std::string("waitpid: ") + std::strerror(errno);
  } else {
    result.exitCode = statusToExitCode(status);
  }
  initPid = -1;
  removeCgroups(cgroupDirs);
  cgroupDirs.clear();
  closeFd(terminalFd);
  return result;
}

llvm::Expected<Container> start(const Bundle &bundle, const RunOptions &options) {
  Prepared p;
  if (llvm::Error e = prepare(bundle, options, p)) {
    removeCgroups(p.cgroups.dirs);
    return e;
  }
  Container c;
  c.cgroupDirs = p.cgroups.dirs;
  auto fail = [&](llvm::Error e) -> llvm::Expected<Container> {
    c.reset();
    removeCgroups(p.cgroups.dirs);
    return e;
  };

  int noParentEnd = -1;
  if (llvm::Error e = prepareStdio(options.stdinTarget, 0, p, noParentEnd))
    return fail(std::move(e));
  if (llvm::Error e = prepareStdio(options.stdoutTarget, 1, p, c.stdoutFd))
    return fail(std::move(e));
  if (llvm::Error e = prepareStdio(options.stderrTarget, 2, p, c.stderrFd))
    return fail(std::move(e));

  int errorPipe[2];
  if (::pipe2(errorPipe, O_CLOEXEC) != 0)
    return fail(sysError("pipe"));
  int errorRead = errorPipe[0];
  errorPipe[1] = aboveStdio(errorPipe[1]);
  p.childFds.push_back(errorPipe[1]);
  p.keep.push_back(errorPipe[1]);
  p.plan.errorFd = errorPipe[1];
  struct CloseOnExit {
    int &fd;
    ~CloseOnExit() { closeFd(fd); }
  };
  CloseOnExit closeError{errorRead};

  int goWrite = -1;
  CloseOnExit closeGo{goWrite};
  // The child waits while we place it in cgroups, map its ids and run prestart.
  if (options.prestart || p.plan.userNamespace || !p.cgroups.procsFds.empty()) {
    int goPipe[2];
    if (::pipe2(goPipe, O_CLOEXEC) != 0)
      return fail(sysError("pipe"));
    goWrite = goPipe[1];
    goPipe[0] = aboveStdio(goPipe[0]);
    p.childFds.push_back(goPipe[0]);
    p.keep.push_back(goPipe[0]);
    p.plan.goFd = goPipe[0];
  }
  // A namespace the child joins (a pooled network one) is its own only once it has called setns(2):
  // prestart waits for that, or /proc/<pid>/ns/ would still show ours.
  int joinedRead = -1;
  CloseOnExit closeJoined{joinedRead};
  if (options.prestart && !p.joinFds.empty()) {
    int joinedPipe[2];
    if (::pipe2(joinedPipe, O_CLOEXEC) != 0)
      return fail(sysError("pipe"));
    joinedRead = joinedPipe[0];
    joinedPipe[1] = aboveStdio(joinedPipe[1]);
    p.childFds.push_back(joinedPipe[1]);
    p.keep.push_back(joinedPipe[1]);
    p.plan.joinedFd = joinedPipe[1];
  }
  int consoleParent = -1;
  CloseOnExit closeConsole{consoleParent};
  if (p.terminal) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
      return fail(sysError("socketpair"));
    consoleParent = pair[0];
    pair[1] = aboveStdio(pair[1]);
    p.childFds.push_back(pair[1]);
    p.keep.push_back(pair[1]);
    p.plan.consoleSocket = pair[1];
  }
  finishPlan(p);

  // Blocked in the child too until exec: a handler of ours must never run in the container.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  long pid = ::syscall(SYS_clone, p.cloneFlags | SIGCHLD, nullptr, nullptr, nullptr, 0);
  if (pid == 0)
    detail::runContainerProcess(p.plan);
  int cloneErrno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) {
    errno = cloneErrno;
    return fail(sysError("clone"));
  }
  c.initPid = static_cast<pid_t>(pid);
  for (int &fd : p.childFds)
    closeFd(fd);

  for (int fd : p.cgroups.procsFds) {
    std::string pidText = std::to_string(c.initPid);
    if (::write(fd, pidText.data(), pidText.size()) != static_cast<ssize_t>(pidText.size()))
      return fail(sysError("join cgroup"));
  }
  if (p.plan.userNamespace)
    if (llvm::Error e = writeIdMaps(c.initPid, bundle.linuxSpec))
      return fail(std::move(e));
  // The child failed to join when it closes the pipe unwritten: its error follows on the error pipe.
  bool joinFailed = false;
  if (joinedRead >= 0) {
    char joined = 0;
    ssize_t n;
    while ((n = ::read(joinedRead, &joined, 1)) < 0 && errno == EINTR) {
    }
    closeFd(joinedRead);
    joinFailed = n != 1;
  }
  if (options.prestart && !joinFailed)
    if (llvm::Error e = options.prestart(c.initPid))
      return fail(std::move(e));
  if (goWrite >= 0 && !joinFailed) {
    char go = 1;
    if (::write(goWrite, &go, 1) != 1)
      return fail(sysError("sync pipe"));
    closeFd(goWrite);
  }
  if (consoleParent >= 0)
    c.terminalFd = receiveTerminal(consoleParent);

  detail::ChildError childError;
  size_t got = 0;
  while (got < sizeof childError) {
    ssize_t n = ::read(errorRead, reinterpret_cast<char *>(&childError) + got, sizeof childError - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += static_cast<size_t>(n);
  }
  if (got != 0) {
    int status = 0;
    waitFor(c.initPid, status);
    c.initPid = -1;
    std::string message;
    int code = 125;
    if (got == sizeof childError) {
      childError.what[sizeof childError.what - 1] = 0;
      message = childError.what;
      if (childError.errnum)
        message += std::string(": ") + std::strerror(childError.errnum);
      code = childError.exitCode;
    } else {
      message = "container setup failed (exit " + std::to_string(statusToExitCode(status)) + ")";
    }
    return fail(llvm::make_error<StartError>(code, message));
  }
  if (p.terminal && c.terminalFd < 0)
    return fail(setupError("no terminal from the container"));
  if (p.terminal) {
    // run() relays the pty; a start() caller takes it with takeTerminal().
    c.captureTerminal = options.stdoutTarget.kind == Stdio::Capture;
    c.relayOutFd = options.stdoutTarget.kind == Stdio::Fd        ? options.stdoutTarget.fd
                   : options.stdoutTarget.kind == Stdio::Inherit ? 1
                                                                 : -1;
    c.relayInFd = options.stdinTarget.kind == Stdio::Fd        ? options.stdinTarget.fd
                  : options.stdinTarget.kind == Stdio::Inherit ? 0
                                                               : -1;
  }
  if (!options.pidFile.empty())
    if (llvm::Error e = writePidFile(options.pidFile, c.initPid))
      return fail(std::move(e));
  return c;
}

RunResult run(const Bundle &bundle, const RunOptions &options) {
  auto container = start(bundle, options);
  if (!container) {
    RunResult result;
    llvm::handleAllErrors(
        container.takeError(),
        [&](const StartError &e) {
          result.exitCode = e.exitCode;
          result.error = e.message;
        },
        [&](const llvm::ErrorInfoBase &e) { result.error = e.message(); });
    if (result.error.empty())
      result.error = "container failed to start";
    return result;
  }
  return container->wait();
}

} // namespace dfc::runtime
