// Published ports without bridges or NAT: the host side listens, and every connection is relayed to a
// socket that was created inside the container's network namespace (sockets keep the namespace they
// were made in, so only the thread that makes them needs setns).
#include "backend/containers/State.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

namespace dfc::containers {

namespace {

llvm::Error relayError(const llvm::Twine &what) {
  return runError(125, what + ": " + std::strerror(errno));
}

// Opens a socket inside the namespace: a short-lived thread joins it, makes the socket, and ends.
int socketIn(int netnsFd, int type) {
  int fd = -1;
  std::thread t([&] {
    if (::setns(netnsFd, CLONE_NEWNET) == 0)
      fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  });
  t.join();
  return fd;
}

// Copies both ways until either side closes, then half-closes the other so replies still drain.
void pump(int a, int b) {
  bool aOpen = true, bOpen = true;
  char buf[65536];
  while (aOpen || bOpen) {
    struct pollfd fds[2] = {{aOpen ? a : -1, POLLIN, 0}, {bOpen ? b : -1, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (!fds[i].revents)
        continue;
      int from = i == 0 ? a : b, to = i == 0 ? b : a;
      ssize_t got = ::read(from, buf, sizeof buf);
      if (got <= 0) {
        ::shutdown(to, SHUT_WR);
        (i == 0 ? aOpen : bOpen) = false;
        continue;
      }
      for (ssize_t off = 0; off < got;) {
        // MSG_NOSIGNAL: a client that went away must not kill the process that relays (SIGPIPE).
        ssize_t put = ::send(to, buf + off, static_cast<size_t>(got - off), MSG_NOSIGNAL);
        if (put <= 0) {
          aOpen = bOpen = false;
          break;
        }
        off += put;
      }
    }
  }
  ::close(a);
  ::close(b);
}

} // namespace

llvm::Expected<std::unique_ptr<PortRelay>> PortRelay::listen(std::vector<PortBinding> &ports) {
  auto relay = std::make_unique<PortRelay>();
  for (PortBinding &p : ports) {
    if (p.protocol != "tcp" && p.protocol != "udp")
      return runError(125, "publishing " + p.protocol + " ports is not supported (tcp, udp)");
    bool udp = p.protocol == "udp";
    bool v6 = p.hostIp.find(':') != std::string::npos;
    int fd = ::socket(v6 ? AF_INET6 : AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
    if (fd < 0)
      return relayError("socket");
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage ss{};
    socklen_t len;
    if (v6) {
      auto *a = reinterpret_cast<sockaddr_in6 *>(&ss);
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(p.hostPort);
      if (::inet_pton(AF_INET6, p.hostIp.c_str(), &a->sin6_addr) != 1) {
        ::close(fd);
        return runError(125, "invalid IP address " + p.hostIp);
      }
      len = sizeof *a;
    } else {
      auto *a = reinterpret_cast<sockaddr_in *>(&ss);
      a->sin_family = AF_INET;
      a->sin_port = htons(p.hostPort);
      if (::inet_pton(AF_INET, p.hostIp.c_str(), &a->sin_addr) != 1) {
        ::close(fd);
        return runError(125, "invalid IP address " + p.hostIp);
      }
      len = sizeof *a;
    }
    if (::bind(fd, reinterpret_cast<sockaddr *>(&ss), len) != 0 || (!udp && ::listen(fd, 128) != 0)) {
      int err = errno;
      ::close(fd);
      errno = err;
      return relayError("driver failed programming external connectivity: listen " + p.hostIp + ":" +
                        std::to_string(p.hostPort));
    }
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len) == 0)
      p.hostPort = ntohs(v6 ? reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port
                            : reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
    relay->Listeners.push_back({fd, p});
  }
  return relay;
}

llvm::Error PortRelay::start(llvm::StringRef netnsPath) {
  if (Listeners.empty())
    return llvm::Error::success();
  NetnsFd = ::open(netnsPath.str().c_str(), O_RDONLY | O_CLOEXEC);
  if (NetnsFd < 0)
    return relayError("open " + netnsPath);
  if (::pipe2(WakeFd, O_CLOEXEC) != 0)
    return relayError("pipe");
  Acceptor = std::thread([this] { acceptLoop(); });
  return llvm::Error::success();
}

// UDP has no connections: each client address gets its own socket inside the namespace, connected
// to the container port, and replies on it go back to that address from the published socket.
struct UdpFlow {
  size_t listener;
  sockaddr_storage client;
  socklen_t clientLen;
  int inside;
};

void PortRelay::acceptLoop() {
  std::vector<UdpFlow> flows;
  std::vector<char> datagram(65536);
  std::vector<struct pollfd> fds;
  while (!Stopping) {
    fds.clear();
    for (const Listener &l : Listeners)
      fds.push_back({l.fd, POLLIN, 0});
    fds.push_back({WakeFd[0], POLLIN, 0});
    for (const UdpFlow &f : flows)
      fds.push_back({f.inside, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (fds[Listeners.size()].revents)
      break;
    for (size_t k = 0; k < flows.size(); ++k) {
      if (!fds[Listeners.size() + 1 + k].revents)
        continue;
      ssize_t got = ::recv(flows[k].inside, datagram.data(), datagram.size(), MSG_DONTWAIT);
      if (got >= 0)
        ::sendto(Listeners[flows[k].listener].fd, datagram.data(), static_cast<size_t>(got), MSG_DONTWAIT,
                 reinterpret_cast<sockaddr *>(&flows[k].client), flows[k].clientLen);
    }
    for (size_t i = 0; i < Listeners.size(); ++i) {
      if (!fds[i].revents)
        continue;
      if (Listeners[i].binding.protocol == "udp") {
        sockaddr_storage from{};
        socklen_t fromLen = sizeof from;
        ssize_t got = ::recvfrom(Listeners[i].fd, datagram.data(), datagram.size(), MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr *>(&from), &fromLen);
        if (got < 0)
          continue;
        auto flow = std::find_if(flows.begin(), flows.end(), [&](const UdpFlow &f) {
          return f.listener == i && f.clientLen == fromLen && std::memcmp(&f.client, &from, fromLen) == 0;
        });
        if (flow == flows.end()) {
          int inside = socketIn(NetnsFd, SOCK_DGRAM);
          sockaddr_in to{};
          to.sin_family = AF_INET;
          to.sin_port = htons(Listeners[i].binding.containerPort);
          to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
          if (inside < 0 || ::connect(inside, reinterpret_cast<sockaddr *>(&to), sizeof to) != 0) {
            if (inside >= 0)
              ::close(inside);
            continue;
          }
          flows.push_back({i, from, fromLen, inside});
          flow = flows.end() - 1;
        }
        (void)!::send(flow->inside, datagram.data(), static_cast<size_t>(got), MSG_DONTWAIT);
        continue;
      }
      int client = ::accept4(Listeners[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0)
        continue;
      int inside = socketIn(NetnsFd, SOCK_STREAM);
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(Listeners[i].binding.containerPort);
      to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (inside < 0 || ::connect(inside, reinterpret_cast<sockaddr *>(&to), sizeof to) != 0) {
        if (inside >= 0)
          ::close(inside);
        ::close(client);
        continue;
      }
      std::thread(pump, client, inside).detach();
    }
  }
  for (const UdpFlow &f : flows)
    ::close(f.inside);
}

void PortRelay::stopAll() {
  Stopping = true;
  if (WakeFd[1] >= 0)
    (void)!::write(WakeFd[1], "x", 1);
  if (Acceptor.joinable())
    Acceptor.join();
  for (Listener &l : Listeners)
    if (l.fd >= 0)
      ::close(std::exchange(l.fd, -1));
}

PortRelay::~PortRelay() {
  stopAll();
  for (int fd : {NetnsFd, WakeFd[0], WakeFd[1]})
    if (fd >= 0)
      ::close(fd);
}

} // namespace dfc::containers
