// Starting a created container: overlay rootfs over the image's layers, a bundle from the image config
// and the run flags, network (tap0 + slirp4netns for outbound access, relays for published ports), and then
// either an attached run in this process or a detached one kept by a supervisor that writes the logs.
#include "backend/containers/State.h"

#include "backend/build/Filesystem.h"
#include "backend/runtime/Outbound.h"
#include "backend/runtime/Runtime.h"
#include "backend/store/Files.h"
#include "backend/store/Trace.h"

#include <llvm/ADT/STLExtras.h>
#include <llvm/ADT/ScopeExit.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <optional>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace dfc::containers {

namespace {

constexpr const char *SupervisorVariable = "DFC_CONTAINER_SUPERVISOR"; // "<id>:<store root>"
constexpr int SupervisorReportFd = 3;

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

llvm::Error fail(const llvm::Twine &message) { return runError(125, message); }

// Everything a running container holds on the host side.
struct Launch {
  std::string dir;
  // Where the overlay's upper and work go when not under `dir` (an attached --rm container: its
  // writes belong on the store's disk, not on the tmpfs that holds its other files).
  std::string layerDir;
  build::OverlayMount rootfs;
  runtime::Bundle bundle;
  runtime::RunOptions options;
  std::unique_ptr<PortRelay> relay;
  // Set by the prestart hook, which runs while the namespace exists and before the process starts
  // (or in prepare() for a joined namespace).
  std::shared_ptr<std::unique_ptr<runtime::Outbound>> outbound =
      std::make_shared<std::unique_ptr<runtime::Outbound>>();
  int netnsFd = -1;
};

llvm::Error writeFile(const std::string &path, const std::string &text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out)
    return fail("write " + path);
  return llvm::Error::success();
}

// Our mounts stay private to this process (and the container) and go away with them.
bool mountsPrivate = false;
void privateMounts() {
  mountsPrivate =
      ::unshare(CLONE_NEWNS) == 0 && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
}

// The directory of a container that runs attached and goes when it ends (--rm): on a tmpfs mounted in
// this process's private mount namespace, so its files and mount point never touch the store's disk
// (creating and removing a dozen inodes on a busy ext4 cost more CPU than the rest of the start), and
// it vanishes with this process, killed or not. "" when it cannot be had there. The overlay's upper
// and work stay on the store's disk (Launch::layerDir): what the container writes may be far more
// than a tmpfs holds (half the RAM, never paged out).
std::string ephemeralDirectory(const std::string &root, const std::string &id) {
  if (!mountsPrivate)
    return "";
  std::string mountPoint = root + "/run";
  if ((::mkdir(mountPoint.c_str(), 0700) != 0 && errno != EEXIST) ||
      ::mount("tmpfs", mountPoint.c_str(), "tmpfs", 0, "mode=0700") != 0)
    return "";
  std::string dir = mountPoint + "/" + id;
  return ::mkdir(dir.c_str(), 0710) == 0 ? dir : "";
}

// A joined namespace (compose's `ip netns` ones under /run/netns) is held by an fd; then our private copy
// of /run/netns goes, so this process never keeps other projects' namespaces alive after they are deleted.
llvm::Expected<std::string> holdNetworkNamespace(const std::string &path, int &fd) {
  fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail("network namespace " + path + ": " + std::strerror(errno));
  return "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(fd);
}
// Only when it holds any: unmounting costs an RCU grace period (4-8 ms here) even when nothing is under it.
void dropNetnsMounts() {
  if (!mountsPrivate)
    return;
  DIR *d = ::opendir("/run/netns");
  if (!d)
    return;
  bool any = false;
  while (struct dirent *e = ::readdir(d))
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      any = true;
      break;
    }
  ::closedir(d);
  if (any)
    ::umount2("/run/netns", MNT_DETACH);
}

// A container's own network namespace with tap0, made on a helper thread while prepare() mounts the
// rootfs and writes the files; the container joins it (held by fd, as a compose container joins its
// project's) instead of making one at clone and tap0 in a prestart hook on the start path.
class NetworkAhead {
public:
  explicit NetworkAhead(const std::string &socketDir) {
    Thread = std::thread([this, socketDir] {
      auto fd = runtime::newNetworkNamespace();
      if (!fd) {
        Error = llvm::toString(fd.takeError());
        return;
      }
      Fd = *fd;
      auto attached = runtime::Outbound::attach("/proc/self/fd/" + std::to_string(Fd), socketDir);
      if (!attached)
        Error = llvm::toString(attached.takeError());
      else
        Outbound = std::move(*attached);
    });
  }
  NetworkAhead(const NetworkAhead &) = delete;
  NetworkAhead &operator=(const NetworkAhead &) = delete;
  ~NetworkAhead() {
    if (Thread.joinable())
      Thread.join();
    if (Fd >= 0)
      ::close(Fd);
  }
  // Waits for it; the namespace's fd and the outbound access pass to the caller.
  llvm::Error take(int &fd, std::unique_ptr<runtime::Outbound> &outbound) {
    Thread.join();
    if (!Error.empty())
      return fail(Error);
    fd = std::exchange(Fd, -1);
    outbound = std::move(Outbound);
    return llvm::Error::success();
  }

private:
  std::thread Thread;
  int Fd = -1;
  std::unique_ptr<runtime::Outbound> Outbound;
  std::string Error;
};

llvm::Error prepare(store::ImageStore &store, const std::string &id, const std::string &dir, State &s, Launch &l) {
  l.dir = dir;
  const RunSpec &spec = s.spec;
  bool slirp = spec.network == Network::Default && runtime::Outbound::available();
  std::optional<NetworkAhead> ownNetwork;
  if (slirp && spec.networkNamespace.empty())
    ownNetwork.emplace(dir);
  auto img = store.resolve(s.imageId);
  if (!img)
    return fail("image " + s.spec.image + ": " + llvm::toString(img.takeError()));
  auto lowers = store.lowerDirs(*img);
  if (!lowers)
    return fail(llvm::toString(lowers.takeError()));
  const std::string &layers = l.layerDir.empty() ? dir : l.layerDir;
  // A container started again (dfc start) keeps its upper layer; its overlay work directory is
  // scratch, and after a volatile mount the kernel refuses it (EINVAL) until its marker is gone.
  // Also after a start that failed once mounted (its host port taken): it ended, never started.
  if (s.startedAt != 0 || s.finishedAt != 0)
    if (llvm::Error e = store::removeTree(layers + "/work"))
      return e;
  for (const std::string &sub : {layers + "/upper", layers + "/work", dir + "/empty", dir + "/rootfs"})
    if (llvm::Error e = store::makeDirs(sub))
      return e;
  auto mount =
      build::OverlayMount::mount(*lowers, layers + "/upper", layers + "/work", dir + "/rootfs", dir + "/empty", true);
  if (!mount)
    return fail(llvm::toString(mount.takeError()));
  l.rootfs = std::move(*mount);
  const store::ImageConfig &c = img->spec.config;

  auto ids = build::lookupUser(l.rootfs.path(), spec.user.empty() ? c.User : spec.user);
  if (!ids)
    return fail("unable to find user " + (spec.user.empty() ? c.User : spec.user) + ": " +
                llvm::toString(ids.takeError()));
  std::string cwd = !spec.workdir.empty() ? spec.workdir : c.WorkingDir.empty() ? "/" : c.WorkingDir;
  if (cwd != "/") {
    // Docker creates a missing working directory (owned by root unless the image made it).
    auto made = build::makeDirsIn(l.rootfs.path(), llvm::StringRef(cwd).drop_front(), build::Ids{});
    if (!made)
      return fail("workdir " + cwd + ": " + llvm::toString(made.takeError()));
  }

  runtime::Bundle &b = l.bundle;
  b = runtime::dockerDefaults(l.rootfs.path());
  b.process.args = s.args;
  b.process.env = c.Env;
  for (const std::string &e : spec.env) {
    std::string key = e.substr(0, e.find('='));
    auto same = std::find_if(b.process.env.begin(), b.process.env.end(),
                             [&](const std::string &x) { return x.substr(0, x.find('=')) == key; });
    if (same != b.process.env.end())
      *same = e;
    else
      b.process.env.push_back(e);
  }
  std::string hostname = !spec.hostname.empty() ? spec.hostname : id.substr(0, 12);
  if (std::none_of(b.process.env.begin(), b.process.env.end(),
                   [](const std::string &x) { return llvm::StringRef(x).startswith("HOSTNAME="); }))
    b.process.env.push_back("HOSTNAME=" + hostname);
  if (spec.tty && std::none_of(b.process.env.begin(), b.process.env.end(),
                               [](const std::string &x) { return llvm::StringRef(x).startswith("TERM="); }))
    b.process.env.push_back("TERM=xterm");
  b.process.cwd = cwd;
  b.process.user.uid = ids->uid;
  b.process.user.gid = ids->gid;
  b.process.capabilities = runtime::dockerCapabilities(ids->uid);
  b.process.terminal = spec.tty;
  b.root.readonly = spec.readOnly;
  b.hostname = hostname;
  if (spec.memoryBytes || spec.pidsLimit) {
    runtime::Resources r;
    r.memoryLimit = spec.memoryBytes;
    r.pidsLimit = spec.pidsLimit;
    b.linuxSpec.resources = r;
  }

  // /etc/hosts, /etc/hostname and /etc/resolv.conf as Docker writes them, one set per container.
  // A joined namespace (a compose project's) gets its own outbound access too, beside its project network.
  std::string hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  std::string ownAddress = slirp && spec.networkNamespace.empty() ? "10.0.2.100" : "127.0.1.1";
  hosts += ownAddress + "\t" + hostname + "\n";
  std::vector<std::string> hostLines = spec.extraHosts;
  // On a user network: also those that joined after it (a run again after they came).
  for (std::string &peer : userNetworkPeers(store, spec))
    if (!llvm::is_contained(hostLines, peer))
      hostLines.push_back(std::move(peer));
  for (const std::string &h : hostLines) {
    size_t colon = h.rfind(':');
    if (colon != std::string::npos)
      hosts += h.substr(colon + 1) + "\t" + h.substr(0, colon) + "\n";
  }
  std::string resolv = slirp ? "nameserver 10.0.2.3\n" : "";
  if (!slirp) {
    auto host = store::readFile("/etc/resolv.conf");
    if (host)
      resolv = *host;
    else
      llvm::consumeError(host.takeError());
  }
  if (spec.network == Network::Host) {
    auto h = store::readFile("/etc/hosts");
    if (h)
      hosts = *h;
    else
      llvm::consumeError(h.takeError());
  }
  for (auto [file, text] : {std::pair<const char *, std::string>{"hosts", hosts},
                            {"hostname", hostname + "\n"},
                            {"resolv.conf", resolv}}) {
    if (llvm::Error e = writeFile(dir + "/" + file, text))
      return e;
    b.mounts.push_back({std::string("/etc/") + file, "bind", dir + "/" + file, {"rbind", "rprivate"}});
  }

  // Volumes: binds and named volumes, then every mount of the --volumes-from containers.
  std::vector<VolumeBinding> mounts;
  for (const std::string &from : spec.volumesFrom) {
    Containers all(store);
    auto other = all.resolve(from);
    if (!other)
      return fail(llvm::toString(other.takeError()));
    auto os = loadState(store, *other);
    if (!os)
      return fail(llvm::toString(os.takeError()));
    for (const VolumeBinding &v : os->mounts)
      mounts.push_back(v);
  }
  for (VolumeBinding v : spec.volumes) {
    if (v.tmpfs)
      continue;
    if (v.named) {
      auto path = namedVolumePath(store, v.source);
      if (!path)
        return path.takeError();
      v.source = *path;
    } else if (::access(v.source.c_str(), F_OK) != 0) {
      if (v.mustExist)
        return fail("invalid mount config for type \"bind\": bind source path does not exist: " + v.source);
      // Docker creates a missing host directory for -v.
      if (llvm::Error e = store::makeDirs(v.source))
        return e;
    }
    mounts.push_back(v);
  }
  for (const VolumeBinding &v : mounts) {
    std::vector<std::string> opts = {"rbind", "rprivate"};
    if (v.readOnly)
      opts.push_back("ro");
    b.mounts.push_back({v.destination, "bind", v.source, opts});
  }
  // --tmpfs and --mount type=tmpfs: docker's nosuid,nodev,noexec, then what was asked (exec, size=...).
  for (const VolumeBinding &v : spec.volumes)
    if (v.tmpfs) {
      std::vector<std::string> opts = {"nosuid", "nodev", "noexec"};
      if (v.readOnly)
        opts.push_back("ro");
      opts.insert(opts.end(), v.tmpfsOptions.begin(), v.tmpfsOptions.end());
      b.mounts.push_back({v.destination, "tmpfs", "tmpfs", opts});
    }
  s.mounts = mounts; // what --volumes-from takes: binds and volumes, not a tmpfs (as docker)

  // Network.
  runtime::RunOptions &o = l.options;
  o.containerId = id;
  o.pooledNetwork = false;
  o.cacheDir = store.root() + "/cache";
  std::vector<PortBinding> ports = spec.ports;
  if (spec.publishAll)
    for (const auto &[port, unused] : c.ExposedPorts) {
      llvm::StringRef text(port);
      auto [num, proto] = text.split('/');
      PortBinding p;
      unsigned n = 0;
      if (num.getAsInteger(10, n) || !n || n > 65535)
        continue;
      p.containerPort = static_cast<uint16_t>(n);
      p.protocol = proto.empty() ? "tcp" : proto.str();
      if (std::none_of(ports.begin(), ports.end(), [&](const PortBinding &q) {
            return q.containerPort == p.containerPort && q.protocol == p.protocol;
          }))
        ports.push_back(p);
    }
  if (spec.network == Network::Host) {
    o.network = runtime::NetworkMode::Host;
    ports.clear(); // Docker ignores -p with host networking
  } else if (spec.network == Network::None) {
    o.network = runtime::NetworkMode::None;
  } else {
    o.network = runtime::NetworkMode::Default;
    if (!spec.networkNamespace.empty()) {
      auto held = holdNetworkNamespace(spec.networkNamespace, l.netnsFd);
      if (!held)
        return held.takeError();
      for (runtime::Namespace &ns : b.linuxSpec.namespaces)
        if (ns.type == "network")
          ns.path = *held;
      if (slirp) {
        auto attached = runtime::Outbound::attach(*held, dir);
        if (!attached)
          return runError(125, llvm::toString(attached.takeError()));
        *l.outbound = std::move(*attached);
      }
    } else if (ownNetwork) {
      if (llvm::Error e = ownNetwork->take(l.netnsFd, *l.outbound))
        return e;
      std::string path = "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(l.netnsFd);
      for (runtime::Namespace &ns : b.linuxSpec.namespaces)
        if (ns.type == "network")
          ns.path = path;
    }
  }
  dropNetnsMounts();
  auto relay = PortRelay::listen(ports);
  if (!relay)
    return relay.takeError();
  l.relay = std::move(*relay);
  s.ports = ports;
  return llvm::Error::success();
}

void finish(Launch &l) {
  if (l.relay)
    l.relay->stopAll();
  if (*l.outbound)
    (*l.outbound)->stop();
  if (l.netnsFd >= 0)
    ::close(std::exchange(l.netnsFd, -1));
  llvm::consumeError(l.rootfs.unmount());
}

llvm::Error markStarted(store::ImageStore &store, const std::string &id, State &s, pid_t pid) {
  s.status = Status::Running;
  s.pid = pid;
  s.supervisor = ::getpid();
  s.supervisorStart = processStartTime(s.supervisor);
  s.startedAt = nowSeconds();
  s.exitCode = 0;
  s.error.clear();
  return saveState(store, id, s);
}

void markExited(store::ImageStore &store, const std::string &id, State &s, int exitCode, const std::string &error) {
  s.status = Status::Exited;
  s.exitCode = exitCode;
  if (s.firstExitCode < 0)
    s.firstExitCode = exitCode;
  s.error = error;
  s.finishedAt = nowSeconds();
  llvm::consumeError(saveState(store, id, s));
}

std::atomic<pid_t> forwardTo{-1};
void forwardSignal(int sig) {
  pid_t p = forwardTo.load();
  if (p > 0)
    ::kill(p, sig);
}

int64_t logSize(int fd) {
  struct stat st;
  return fd >= 0 && ::fstat(fd, &st) == 0 ? st.st_size : -1;
}

// One json-file log line, as Docker's json-file driver writes them.
void logLine(int fd, const char *stream, llvm::StringRef text) {
  char when[64];
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  ::gmtime_r(&ts.tv_sec, &tm);
  size_t n = std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(when + n, sizeof when - n, ".%09ldZ", ts.tv_nsec);
  nlohmann::json j = {{"log", std::string(text)}, {"stream", stream}, {"time", when}};
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  (void)!::write(fd, line.data(), line.size());
}

// One stream's output split into lines, each logged (json-file) as it completes; what is left when
// the stream closes. No log when fd < 0.
struct LineLog {
  LineLog(int fd, const char *name) : fd(fd), name(name) {}
  int fd;
  const char *name;
  std::string pending;

  void add(const char *data, size_t size) {
    if (fd < 0)
      return;
    pending.append(data, size);
    size_t start = 0, nl;
    while ((nl = pending.find('\n', start)) != std::string::npos) {
      logLine(fd, name, llvm::StringRef(pending).slice(start, nl + 1));
      start = nl + 1;
    }
    pending.erase(0, start);
  }
  void close() {
    if (fd >= 0 && !pending.empty())
      logLine(fd, name, pending);
    pending.clear();
  }
};

// Reads the container's output until every stream closed, logging it by lines; with `echo` also
// writes stdout (and the terminal) to our fd 1 and stderr to our fd 2 as it comes (an attached run).
void pumpLogs(int logFd, int out, int err, int terminal, bool echo = false) {
  LineLog logs[3] = {{logFd, "stdout"}, {logFd, "stderr"}, {logFd, "stdout"}};
  int fds3[3] = {out, err, terminal};
  const int echoTo[3] = {1, 2, 1};
  for (;;) {
    struct pollfd fds[3];
    int n = 0, which[3];
    for (int i = 0; i < 3; ++i)
      if (fds3[i] >= 0) {
        fds[n] = {fds3[i], POLLIN, 0};
        which[n++] = i;
      }
    if (!n)
      break;
    if (::poll(fds, static_cast<nfds_t>(n), -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    for (int k = 0; k < n; ++k) {
      if (!fds[k].revents)
        continue;
      int i = which[k];
      char buf[65536];
      ssize_t got = ::read(fds3[i], buf, sizeof buf);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0) {
        logs[i].close();
        fds3[i] = -1;
        continue;
      }
      if (echo && llvm::errorToBool(store::writeAll(echoTo[i], buf, static_cast<size_t>(got), "stdout"))) {
        // Where it goes takes no more (`dfc run ... | head -1`): the container's writes must fail as
        // they did when it wrote there itself, so its end of the pipe closes — our read end becomes
        // /dev/null (the Container still owns and closes the descriptor).
        int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null >= 0) {
          ::dup3(null, fds3[i], O_CLOEXEC);
          ::close(null);
        }
        logs[i].close();
        fds3[i] = -1;
        continue;
      }
      logs[i].add(buf, static_cast<size_t>(got));
    }
  }
}

// Runs in the supervisor: never returns.
[[noreturn]] void supervise(const std::string &root, const std::string &id, int report) {
  auto sendReport = [&](int code, const std::string &message) {
    if (report < 0)
      return;
    int32_t c = code;
    (void)!::write(report, &c, sizeof c);
    (void)!::write(report, message.data(), message.size());
    ::close(std::exchange(report, -1));
  };
  auto opened = store::ImageStore::open(root);
  if (!opened) {
    sendReport(125, llvm::toString(opened.takeError()));
    ::_exit(125);
  }
  store::ImageStore &store = **opened;
  Containers all(store);
  std::string dir = all.directory(id);
  auto loaded = loadState(store, id);
  if (!loaded) {
    sendReport(125, llvm::toString(loaded.takeError()));
    ::_exit(125);
  }
  State s = *loaded;
  privateMounts();
  Launch l;
  // A --rm container's directory is made by whoever runs it (Containers::create).
  if (llvm::Error e = store::makeDirs(dir, 0710)) {
    Failure f = explain(std::move(e));
    markExited(store, id, s, f.exitCode, f.message);
    sendReport(f.exitCode, f.message);
    if (s.spec.autoRemove)
      removeContainer(store, id, dir);
    ::_exit(f.exitCode);
  }
  auto failStart = [&](llvm::Error e) {
    Failure f = explain(std::move(e));
    markExited(store, id, s, f.exitCode, f.message);
    finish(l);
    sendReport(f.exitCode, f.message);
    if (s.spec.autoRemove)
      removeContainer(store, id, dir, f.exitCode);
    ::_exit(f.exitCode);
  };
  if (llvm::Error e = prepare(store, id, dir, s, l))
    failStart(std::move(e));
  auto policy = parseRestartPolicy(s.spec.restart);
  if (!policy)
    failStart(policy.takeError());
  // A stop request left by an earlier life of this container is not for this one.
  ::unlink(stopRequestPath(dir).c_str());
  auto stopRequested = [&] { return ::access(stopRequestPath(dir).c_str(), F_OK) == 0; };
  // The image's HEALTHCHECK, under the run's (compose `healthcheck:`; one without a test keeps the
  // image's test and overrides the settings it gives).
  std::optional<store::HealthConfig> healthConfig;
  if (auto img = store.resolve(s.imageId); img)
    healthConfig = img->spec.config.Healthcheck;
  else
    llvm::consumeError(img.takeError());
  if (const std::optional<store::HealthConfig> &o = s.spec.healthcheck; o) {
    if (!o->Test.empty() || !healthConfig) {
      healthConfig = *o;
    } else {
      for (auto [field, value] : {std::pair{&store::HealthConfig::Interval, o->Interval},
                                  {&store::HealthConfig::Timeout, o->Timeout},
                                  {&store::HealthConfig::StartPeriod, o->StartPeriod},
                                  {&store::HealthConfig::StartInterval, o->StartInterval}})
        if (value)
          (*healthConfig).*field = value;
      if (o->Retries)
        healthConfig->Retries = o->Retries;
    }
  }
  int logFd = ::open(all.logPath(id).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  l.options.stdinTarget = runtime::Stdio::null();
  l.options.stdoutTarget = runtime::Stdio::capture();
  l.options.stderrTarget = runtime::Stdio::capture();
  std::mutex stateMutex;
  s.restartCount = 0;
  s.firstExitCode = -1;
  s.firstRunLogEnd = -1;
  // Docker's backoff: 100 ms before the first restart, doubling up to a minute, back to 100 ms after a
  // run of 10 s or more.
  int64_t backoffMs = 0;
  runtime::RunResult r;
  for (bool first = true;; first = false) {
    auto started = runtime::start(l.bundle, l.options);
    if (!started) {
      llvm::Error e = llvm::handleErrors(started.takeError(), [](const runtime::StartError &se) {
        return runError(se.exitCode, se.message);
      });
      if (first)
        failStart(std::move(e));
      // A later run that cannot start ends like a run that exited with the start's code.
      Failure f = explain(std::move(e));
      r.exitCode = f.exitCode;
      r.error = f.message;
      logLine(logFd, "stderr", "dfc: " + f.message + "\n");
    } else {
      runtime::Container &c = *started;
      if (first) {
        if (llvm::Error e = l.relay->start("/proc/" + std::to_string(c.pid()) + "/ns/net"))
          failStart(std::move(e));
        // Every run of the container lives in the same network namespace (its tap0 and slirp4netns, its
        // published ports). prepare() made and holds it when it could; else the first run's is held here
        // and joined by path from then on.
        if (policy->name != "no" && l.options.network == runtime::NetworkMode::Default && l.netnsFd < 0) {
          auto held = holdNetworkNamespace("/proc/" + std::to_string(c.pid()) + "/ns/net", l.netnsFd);
          if (!held) {
            c.signal(SIGKILL);
            c.wait();
            failStart(held.takeError());
          }
          for (runtime::Namespace &ns : l.bundle.linuxSpec.namespaces)
            if (ns.type == "network")
              ns.path = *held;
          l.options.prestart = nullptr;
        }
      }
      std::unique_ptr<HealthMonitor> health;
      if (healthConfig)
        health = HealthMonitor::start(store, id, s, stateMutex, *healthConfig);
      llvm::Error recorded = llvm::Error::success();
      {
        std::lock_guard<std::mutex> lock(stateMutex);
        recorded = markStarted(store, id, s, c.pid());
      }
      if (recorded && first) {
        health.reset();
        failStart(std::move(recorded));
      }
      llvm::consumeError(std::move(recorded)); // a later run goes on; its exit is recorded again
      if (first)
        sendReport(0, "");
      // A stop that came while this run was being started found no process to signal.
      if (!first && stopRequested())
        c.signal(SIGKILL);
      int64_t runStart = nowSeconds();
      int terminal = c.takeTerminal();
      pumpLogs(logFd, c.stdoutPipe(), c.stderrPipe(), terminal);
      if (terminal >= 0)
        ::close(terminal);
      r = c.wait();
      if (health)
        health->stop();
      if (nowSeconds() - runStart >= 10)
        backoffMs = 0;
    }
    if (stopRequested() || !policy->restarts(r.exitCode, s.restartCount))
      break;
    backoffMs = backoffMs == 0 ? 100 : std::min<int64_t>(backoffMs * 2, 60000);
    {
      std::lock_guard<std::mutex> lock(stateMutex);
      if (s.firstExitCode < 0) {
        s.firstExitCode = r.exitCode;
        s.firstRunLogEnd = logSize(logFd);
      }
      ++s.restartCount;
      s.status = Status::Restarting;
      s.exitCode = r.exitCode;
      s.error = r.error;
      s.finishedAt = nowSeconds();
      llvm::consumeError(saveState(store, id, s));
    }
    // The wait is cut short by a stop request (looked for every 20 ms).
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(backoffMs);
    while (std::chrono::steady_clock::now() < until && !stopRequested())
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (stopRequested())
      break;
  }
  finish(l);
  markExited(store, id, s, r.exitCode, r.error);
  if (s.spec.autoRemove && ::access(restartRequestPath(dir).c_str(), F_OK) != 0)
    removeContainer(store, id, dir, r.exitCode);
  ::_exit(0);
}

} // namespace

namespace {
std::atomic<int> terminalMaster{-1};
void resizeTerminal(int) {
  struct winsize ws;
  int m = terminalMaster.load();
  if (m >= 0 && ::ioctl(0, TIOCGWINSZ, &ws) == 0)
    ::ioctl(m, TIOCSWINSZ, &ws);
}
} // namespace

// Relays our terminal to the container's pty in raw mode, so Ctrl-C and friends reach the container.
void relayTerminal(int master, bool interactive, int logFd) {
  LineLog log{logFd, "stdout"};
  struct termios saved;
  bool raw = interactive && ::isatty(0) && ::tcgetattr(0, &saved) == 0;
  if (raw) {
    struct termios t = saved;
    ::cfmakeraw(&t);
    ::tcsetattr(0, TCSANOW, &t);
  }
  terminalMaster = master;
  struct sigaction sa {};
  sa.sa_handler = resizeTerminal;
  ::sigaction(SIGWINCH, &sa, nullptr);
  resizeTerminal(SIGWINCH);
  bool inOpen = interactive;
  char buf[65536];
  for (;;) {
    struct pollfd fds[2] = {{master, POLLIN, 0}, {inOpen ? 0 : -1, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (fds[0].revents) {
      ssize_t got = ::read(master, buf, sizeof buf);
      if (got <= 0)
        break;
      for (ssize_t off = 0; off < got;) {
        ssize_t put = ::write(1, buf + off, static_cast<size_t>(got - off));
        if (put <= 0)
          break;
        off += put;
      }
      log.add(buf, static_cast<size_t>(got));
    }
    if (fds[1].revents) {
      ssize_t got = ::read(0, buf, sizeof buf);
      if (got <= 0) {
        inOpen = false;
        if (!raw) {
          char eof = 4;
          (void)!::write(master, &eof, 1);
        }
      } else {
        (void)!::write(master, buf, static_cast<size_t>(got));
      }
    }
  }
  log.close();
  terminalMaster = -1;
  if (raw)
    ::tcsetattr(0, TCSANOW, &saved);
}


bool runSupervisorIfRequested() {
  const char *request = std::getenv(SupervisorVariable);
  if (!request)
    return false;
  llvm::StringRef text(request);
  auto [id, root] = text.split(':');
  std::string idText = id.str(), rootText = root.str();
  ::unsetenv(SupervisorVariable);
  supervise(rootText, idText, SupervisorReportFd);
}

int Containers::runAttached(llvm::StringRef idRef) {
  std::string id = idRef.str();
  auto loaded = loadState(Store, id);
  if (!loaded)
    return 125;
  State s = *loaded;
  privateMounts();
  std::string dir = s.spec.autoRemove ? ephemeralDirectory(Store.root(), id) : "";
  Launch l;
  if (!dir.empty()) {
    l.layerDir = directory(id);
    if (llvm::Error e = store::makeDirs(l.layerDir, 0710)) {
      std::cerr << "dfc: " << explain(std::move(e)).message << "\n";
      removeContainer(Store, id, l.layerDir);
      return 125;
    }
  } else {
    dir = directory(id);
    if (llvm::Error e = store::makeDirs(dir, 0710)) {
      std::cerr << "dfc: " << explain(std::move(e)).message << "\n";
      if (s.spec.autoRemove)
        removeContainer(Store, id, dir);
      return 125;
    }
  }
  auto done = [&](int code, const std::string &error) {
    store::trace::mark("run: container ended");
    finish(l);
    store::trace::mark("run: network, relays and rootfs released");
    // --rm: the record goes at once, no need to write its end first.
    if (!l.layerDir.empty())
      llvm::consumeError(store::removeTree(l.layerDir));
    if (s.spec.autoRemove)
      removeContainer(Store, id, dir, code);
    else
      markExited(Store, id, s, code, error);
    store::trace::mark("run: record updated");
    return code;
  };
  if (llvm::Error e = prepare(Store, id, dir, s, l)) {
    Failure f = explain(std::move(e));
    std::cerr << "dfc: " << f.message << "\n";
    return done(f.exitCode, f.message);
  }
  store::trace::mark("run: rootfs, bundle and files prepared");
  if (!s.spec.interactive && !s.spec.tty)
    l.options.stdinTarget = runtime::Stdio::null();
  // An attached run is logged as a detached one is (json-file), so `dfc logs` shows it during and
  // after the run, as docker does; its output reaches our stdout/stderr through this process. Not a
  // --rm run: its record goes when it ends, and `run --rm` keeps its direct descriptors.
  int logFd = -1;
  if (!s.spec.autoRemove)
    logFd = ::open(logPath(id).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (logFd >= 0 && !s.spec.tty) {
    l.options.stdoutTarget = runtime::Stdio::capture();
    l.options.stderrTarget = runtime::Stdio::capture();
  }
  auto closeLog = llvm::make_scope_exit([&] {
    if (logFd >= 0)
      ::close(logFd);
  });
  auto started = runtime::start(l.bundle, l.options);
  store::trace::mark("run: process started (namespaces, tap0, exec)");
  if (!started) {
    Failure f;
    llvm::handleAllErrors(
        started.takeError(),
        [&](const runtime::StartError &se) {
          f.exitCode = se.exitCode;
          f.message = se.message;
        },
        [&](const llvm::ErrorInfoBase &b) { f.message = b.message(); });
    std::cerr << "dfc: " << f.message << "\n";
    return done(f.exitCode, f.message);
  }
  runtime::Container &c = *started;
  if (llvm::Error e = l.relay->start("/proc/" + std::to_string(c.pid()) + "/ns/net")) {
    c.signal(SIGKILL);
    c.wait();
    Failure f = explain(std::move(e));
    std::cerr << "dfc: " << f.message << "\n";
    return done(f.exitCode, f.message);
  }
  if (llvm::Error e = markStarted(Store, id, s, c.pid()))
    llvm::consumeError(std::move(e));
  forwardTo = c.pid();
  struct sigaction sa {}, old[4];
  sa.sa_handler = forwardSignal;
  const int forwarded[4] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  if (!s.spec.tty)
    for (int i = 0; i < 4; ++i)
      ::sigaction(forwarded[i], &sa, &old[i]);
  if (s.spec.tty) {
    int master = c.takeTerminal();
    relayTerminal(master, s.spec.interactive, logFd);
    ::close(master);
  } else if (logFd >= 0) {
    struct sigaction ignore {}, oldPipe;
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &oldPipe); // a closed stdout is seen as EPIPE, not our end
    pumpLogs(logFd, c.stdoutPipe(), c.stderrPipe(), -1, /*echo=*/true);
    ::sigaction(SIGPIPE, &oldPipe, nullptr);
  }
  runtime::RunResult r = c.wait();
  forwardTo = -1;
  if (!s.spec.tty)
    for (int i = 0; i < 4; ++i)
      ::sigaction(forwarded[i], &old[i], nullptr);
  return done(r.exitCode, r.error);
}

llvm::Error Containers::startDetached(llvm::StringRef idRef) {
  std::string id = idRef.str();
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0)
    return fail(llvm::Twine("pipe: ") + std::strerror(errno));
  std::string root = Store.root();
  // The supervisor is this executable started afresh, not a fork that goes on: a forked child inherits
  // SQLite's per-process lock bookkeeping for the database this process has open, so its own
  // connection would take no real lock, and a `dfc ps` closing meanwhile would checkpoint and delete
  // the WAL under it: its final "exited" write was lost ("Exited (255) 56 years ago").
  std::vector<std::string> envText;
  for (char **e = environ; *e; ++e)
    if (!llvm::StringRef(*e).startswith(SupervisorVariable + std::string("=")))
      envText.push_back(*e);
  envText.push_back(std::string(SupervisorVariable) + "=" + id + ":" + root);
  std::vector<char *> envp;
  for (std::string &e : envText)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  char arg0[] = "dfc-supervisor";
  char *argv[] = {arg0, nullptr};
  pid_t child = ::fork();
  if (child < 0)
    return fail(llvm::Twine("fork: ") + std::strerror(errno));
  if (child == 0) {
    ::close(report[0]);
    ::setsid();
    pid_t grandchild = ::fork();
    if (grandchild != 0)
      ::_exit(grandchild < 0 ? 1 : 0);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    if (null > 2)
      ::close(null);
    // Ignored signals stay ignored across exec.
    ::signal(SIGHUP, SIG_IGN);
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGPIPE, SIG_IGN);
    if (::dup2(report[1], SupervisorReportFd) < 0)
      ::_exit(125);
    ::execve("/proc/self/exe", argv, envp.data());
    int32_t code = 125;
    std::string message = std::string("exec /proc/self/exe (the supervisor): ") + std::strerror(errno);
    (void)!::write(SupervisorReportFd, &code, sizeof code);
    (void)!::write(SupervisorReportFd, message.data(), message.size());
    ::_exit(125);
  }
  ::close(report[1]);
  int status;
  ::waitpid(child, &status, 0);
  std::string message;
  int32_t code = -1;
  char buf[4096];
  ssize_t got;
  std::string all;
  while ((got = ::read(report[0], buf, sizeof buf)) > 0 || (got < 0 && errno == EINTR))
    if (got > 0)
      all.append(buf, static_cast<size_t>(got));
  ::close(report[0]);
  if (all.size() < sizeof code)
    return fail("the container's supervisor ended before it started");
  std::memcpy(&code, all.data(), sizeof code);
  if (code != 0)
    return runError(code, all.substr(sizeof code));
  return llvm::Error::success();
}

} // namespace dfc::containers
