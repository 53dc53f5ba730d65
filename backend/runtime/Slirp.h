// slirp4netns (Debian's) attached to a RUN step's network namespace: outbound access through the
// host's user-space stack, no bridge, NAT or iptables. (`dfc run` uses containers::Outbound, which
// starts slirp4netns lazily; it lives above the builder, so RUN steps cannot use it yet.)
#pragma once

#include <llvm/Support/Error.h>

#include <string>
#include <sys/types.h>

namespace dfc::runtime {

// The slirp4netns binary, or "" when it is not installed.
std::string slirpBinary();

// In the namespace: tap0 10.0.2.100/24, gateway 10.0.2.2, DNS forwarder 10.0.2.3 (the host's
// resolver), the host's loopback not reachable. It ends when end() runs or when this process
// exits, not when the value is destroyed (a detached container's network outlives its launcher).
class Slirp {
public:
  Slirp() = default;
  Slirp(Slirp &&o) noexcept;
  Slirp &operator=(Slirp &&o) noexcept;

  // Attaches to the namespace of pid `target`, or to the namespace file at path `target` when
  // byPath. Without slirp4netns installed, returns a Slirp that holds nothing (attached() false).
  static llvm::Expected<Slirp> attach(const std::string &target, bool byPath = false);
  bool attached() const { return Pid > 0; }
  void end();

  static constexpr const char *Nameserver = "10.0.2.3";
  static constexpr const char *Address = "10.0.2.100";

private:
  pid_t Pid = -1;
  int ExitWrite = -1;
};

} // namespace dfc::runtime
