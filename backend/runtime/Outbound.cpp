// Outbound access for a network namespace (a RUN step's, a container's) without paying for slirp4netns at start-up: dfc
// makes and configures tap0 itself before the process runs (so the network is ready at exec), holds the
// tap's descriptor, and starts slirp4netns only when the container sends its first frame. Frames are
// relayed over the SOCK_SEQPACKET socket of `slirp4netns --target-type=bess` (one frame a message);
// while slirp4netns starts, the container's frames wait in the tap's queue, none is lost.
#include "backend/runtime/Outbound.h"

#include <llvm/ADT/Twine.h>

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace dfc::runtime {

namespace {

constexpr int Mtu = 65520;
constexpr const char *TapName = "tap0";

llvm::Error netError(const llvm::Twine &what, int err) {
  return llvm::createStringError(std::errc::io_error, "%s", ("network: " + what + ": " + std::strerror(err)).str().c_str());
}

// In the namespace (the calling thread has joined it): tap0 up with slirp's guest address, MTU and a
// default route through slirp's gateway, as `slirp4netns --configure` would set it.
int configureTap(int &tapFd) {
  tapFd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (tapFd < 0)
    return errno;
  struct ifreq ifr {};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::strncpy(ifr.ifr_name, TapName, IFNAMSIZ - 1);
  // Persistent: closing our descriptor then does not unregister the device there and then (an RCU
  // wait, ~15 ms); it goes when the namespace does, in the kernel's own time.
  if (::ioctl(tapFd, TUNSETIFF, &ifr) != 0 || ::ioctl(tapFd, TUNSETPERSIST, 1) != 0)
    return errno;
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return errno;
  auto setAddr = [&](unsigned long request, const char *addr) {
    struct ifreq r {};
    std::strncpy(r.ifr_name, TapName, IFNAMSIZ - 1);
    auto *sin = reinterpret_cast<sockaddr_in *>(&r.ifr_addr);
    sin->sin_family = AF_INET;
    ::inet_pton(AF_INET, addr, &sin->sin_addr);
    return ::ioctl(sock, request, &r);
  };
  struct ifreq mtu {};
  std::strncpy(mtu.ifr_name, TapName, IFNAMSIZ - 1);
  mtu.ifr_mtu = Mtu;
  struct ifreq up {};
  std::strncpy(up.ifr_name, TapName, IFNAMSIZ - 1);
  up.ifr_flags = IFF_UP | IFF_RUNNING;
  struct rtentry route {};
  auto *gw = reinterpret_cast<sockaddr_in *>(&route.rt_gateway);
  gw->sin_family = AF_INET;
  ::inet_pton(AF_INET, "10.0.2.2", &gw->sin_addr);
  reinterpret_cast<sockaddr_in *>(&route.rt_dst)->sin_family = AF_INET;
  reinterpret_cast<sockaddr_in *>(&route.rt_genmask)->sin_family = AF_INET;
  route.rt_flags = RTF_UP | RTF_GATEWAY;
  route.rt_dev = const_cast<char *>(TapName);
  // No IPv6 on it (slirp4netns serves IPv4 here, as docker's default network): nor router solicitations
  // and address checks either, which would start slirp4netns for a container that never networks.
  int v6 = ::open("/proc/sys/net/ipv6/conf/tap0/disable_ipv6", O_WRONLY | O_CLOEXEC);
  if (v6 >= 0) {
    (void)!::write(v6, "1", 1);
    ::close(v6);
  }
  int err = 0;
  // A namespace that outlives its runs (a user network's or compose project's container, started
  // again) still has the persistent tap0 and its route from the last run: an existing route is fine.
  if (::ioctl(sock, SIOCSIFMTU, &mtu) != 0 || setAddr(SIOCSIFADDR, "10.0.2.100") != 0 ||
      setAddr(SIOCSIFNETMASK, "255.255.255.0") != 0 || ::ioctl(sock, SIOCSIFFLAGS, &up) != 0 ||
      (::ioctl(sock, SIOCADDRT, &route) != 0 && errno != EEXIST))
    err = errno;
  ::close(sock);
  return err;
}

} // namespace

std::string slirpBinary() {
  for (const char *p : {"/usr/bin/slirp4netns", "/usr/local/bin/slirp4netns"})
    if (::access(p, X_OK) == 0)
      return p;
  return "";
}

bool Outbound::available() { return !slirpBinary().empty(); }

llvm::Expected<std::unique_ptr<Outbound>> Outbound::attach(const std::string &netnsPath,
                                                           const std::string &socketDir) {
  std::unique_ptr<Outbound> o(new Outbound());
  int ns = ::open(netnsPath.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0)
    return netError("open " + netnsPath, errno);
  // Never our own namespace (the host's, for a caller that got the wrong one): tap0 and a default
  // route there would take over the host's traffic.
  struct stat target {}, self {};
  if (::fstat(ns, &target) != 0 || ::stat("/proc/thread-self/ns/net", &self) != 0 ||
      (target.st_dev == self.st_dev && target.st_ino == self.st_ino)) {
    ::close(ns);
    return netError(netnsPath + " is this process's own namespace", EINVAL);
  }
  int err = 0;
  // setns(2) changes only the calling thread: a short-lived one joins the namespace and makes the tap.
  std::thread t([&] {
    if (::setns(ns, CLONE_NEWNET) != 0)
      err = errno;
    else
      err = configureTap(o->TapFd);
  });
  t.join();
  ::close(ns);
  if (err)
    return netError("tap0 in " + netnsPath, err);
  o->DirFd = ::open(socketDir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (o->DirFd < 0)
    return netError("open " + socketDir, errno);
  if (::pipe2(o->WakeFd, O_CLOEXEC) != 0)
    return netError("pipe", errno);
  o->Relay = std::thread([p = o.get()] { p->relayLoop(); });
  return o;
}

// slirp4netns in its own session (a terminal's Ctrl-C is the container's), bound to a socket in the
// container's directory (a relative name: the absolute one may exceed sun_path), ending when the write
// end of its exit pipe closes, that is, with whoever holds this object, however it ends.
bool Outbound::spawnSlirp() {
  std::string bin = slirpBinary();
  int exitPipe[2];
  if (bin.empty() || ::pipe2(exitPipe, O_CLOEXEC) != 0)
    return false;
  std::string dir = "/proc/self/fd/" + std::to_string(DirFd);
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawn_file_actions_adddup2(&fa, exitPipe[0], 3);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_RDWR, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_RDWR, 0);
  posix_spawn_file_actions_addchdir_np(&fa, dir.c_str());
  std::vector<std::string> args = {
      bin,           "--target-type=bess", "--mtu=" + std::to_string(Mtu), "--disable-host-loopback",
      "--exit-fd=3", "slirp.sock"};
  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, bin.c_str(), &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(exitPipe[0]);
  if (rc != 0) {
    ::close(exitPipe[1]);
    return false;
  }
  SlirpPid = pid;
  ExitWrite = exitPipe[1];
  return true;
}

// Connects to slirp4netns's socket once it listens; false when it died or we are stopping.
bool Outbound::connectSlirp() {
  std::string path = "/proc/self/fd/" + std::to_string(DirFd) + "/slirp.sock";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return false;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  for (int delay = 1;; delay = std::min(delay * 2, 20)) {
    int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
      return false;
    if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0) {
      SockFd = fd;
      return true;
    }
    ::close(fd);
    int status;
    if (::waitpid(SlirpPid, &status, WNOHANG) == SlirpPid) {
      SlirpPid = -1;
      return false;
    }
    struct pollfd wake = {WakeFd[0], POLLIN, 0};
    if (::poll(&wake, 1, delay) > 0)
      return false;
  }
}

void Outbound::relayLoop() {
  std::vector<char> buf(Mtu + 64);
  bool slirpGone = false;
  for (;;) {
    struct pollfd fds[3] = {{WakeFd[0], POLLIN, 0}, {TapFd, POLLIN, 0}, {SockFd, POLLIN, 0}};
    if (::poll(fds, SockFd >= 0 ? 3 : 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    if (fds[0].revents)
      return;
    if (fds[1].revents) {
      ssize_t n = ::read(TapFd, buf.data(), buf.size());
      if (n <= 0 && errno != EINTR && errno != EAGAIN)
        return;
      if (n > 0 && SockFd < 0 && !slirpGone) {
        // The first frame out: now slirp4netns is worth starting. It is sent once connected.
        slirpGone = !spawnSlirp() || !connectSlirp();
        if (Stopping)
          return;
      }
      if (n > 0 && SockFd >= 0)
        (void)!::send(SockFd, buf.data(), static_cast<size_t>(n), MSG_NOSIGNAL);
    }
    if (SockFd >= 0 && fds[2].revents) {
      ssize_t n = ::recv(SockFd, buf.data(), buf.size(), 0);
      if (n <= 0) {
        ::close(std::exchange(SockFd, -1));
        slirpGone = true;
        continue;
      }
      (void)!::write(TapFd, buf.data(), static_cast<size_t>(n));
    }
  }
}

void Outbound::stop() {
  Stopping = true;
  if (WakeFd[1] >= 0)
    (void)!::write(WakeFd[1], "x", 1);
  if (Relay.joinable())
    Relay.join();
  if (ExitWrite >= 0)
    ::close(std::exchange(ExitWrite, -1));
  if (SlirpPid > 0) {
    // Nothing is left to serve: no need to wait for it to notice its exit pipe. The whole process group:
    // slirp4netns waits for the connection in a child of its own, which outlives its parent.
    ::kill(-SlirpPid, SIGKILL);
    int status;
    while (::waitpid(SlirpPid, &status, 0) < 0 && errno == EINTR) {
    }
    SlirpPid = -1;
  }
  for (int *fd : {&SockFd, &TapFd, &DirFd, &WakeFd[0], &WakeFd[1]})
    if (*fd >= 0)
      ::close(std::exchange(*fd, -1));
}

Outbound::~Outbound() { stop(); }

} // namespace dfc::runtime
