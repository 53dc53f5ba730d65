// Outbound access for a network namespace through slirp4netns (Debian's): the host's user-space
// stack, no bridge, NAT or iptables. Used by RUN steps' default network (the builder holds it for the
// step's lifetime) and by `dfc run` / compose containers (their supervisor holds it).
#pragma once

#include <llvm/Support/Error.h>

#include <atomic>
#include <memory>
#include <string>
#include <sys/types.h>
#include <thread>

namespace dfc::runtime {

// The slirp4netns binary, or "" when it is not installed.
std::string slirpBinary();

// tap0 configured as `slirp4netns --configure` would (10.0.2.100/24, gateway 10.0.2.2, DNS forwarder
// 10.0.2.3 = the host's resolver, the host's loopback not reachable, no IPv6) before the process
// starts; slirp4netns itself starts with the first frame the namespace sends (Outbound.cpp).
class Outbound {
public:
  static constexpr const char *Nameserver = "10.0.2.3";
  static constexpr const char *Address = "10.0.2.100";

  // Whether slirp4netns is installed (without it a default network has only lo).
  static bool available();
  // Makes tap0 in the namespace at netnsPath and starts relaying; socketDir holds slirp4netns's socket.
  // It ends with stop(), the destructor, or this process (slirp4netns watches an exit pipe).
  static llvm::Expected<std::unique_ptr<Outbound>> attach(const std::string &netnsPath,
                                                          const std::string &socketDir);
  ~Outbound();
  Outbound(const Outbound &) = delete;
  Outbound &operator=(const Outbound &) = delete;
  // Ends the relay and slirp4netns; the namespace's tap goes with the namespace.
  void stop();

private:
  Outbound() = default;
  bool spawnSlirp();
  bool connectSlirp();
  void relayLoop();
  int TapFd = -1, SockFd = -1, DirFd = -1, ExitWrite = -1;
  int WakeFd[2] = {-1, -1};
  pid_t SlirpPid = -1;
  std::atomic<bool> Stopping{false};
  std::thread Relay;
};

} // namespace dfc::runtime
