// A network of namespaces: an `ip netns` namespace holding a Linux bridge, and per container a namespace
// of its own joined to the bridge by a veth pair with an address on 10.89.0.0/24. Every network (a
// compose project's, a user network) has its own bridge in its own namespace, so they never see each
// other and the host's interfaces are never touched; outbound access comes from slirp4netns on each
// container (backend/containers/Launch.cpp).
#include "backend/containers/Network.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace dfc::containers {

namespace {

llvm::Error failure(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string ipBinary() {
  for (const char *p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
    if (::access(p, X_OK) == 0)
      return p;
  return "";
}

// Runs `ip ARGS...`; its stderr becomes the error.
llvm::Error ip(std::vector<std::string> args) {
  std::string bin = ipBinary();
  if (bin.empty())
    return failure("dfc networks need the ip command (Debian package iproute2)");
  args.insert(args.begin(), bin);
  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0)
    return failure(llvm::Twine("pipe: ") + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(err[1], 2);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    std::vector<char *> argv;
    for (std::string &a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(err[1]);
  if (pid < 0) {
    ::close(err[0]);
    return failure(llvm::Twine("fork: ") + std::strerror(errno));
  }
  std::string message;
  char buf[1024];
  ssize_t got;
  while ((got = ::read(err[0], buf, sizeof buf)) > 0 || (got < 0 && errno == EINTR))
    if (got > 0)
      message.append(buf, static_cast<size_t>(got));
  ::close(err[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return llvm::Error::success();
  std::string command;
  for (size_t i = 1; i < args.size(); ++i)
    command += " " + args[i];
  while (!message.empty() && message.back() == '\n')
    message.pop_back();
  return failure("ip" + command + ": " + message);
}

bool exists(llvm::StringRef netns) { return ::access(BridgeNetwork::path(netns).c_str(), F_OK) == 0; }

// FNV-1a: a short stable tag for the store root, so two stores' projects of one name never share a namespace.
std::string storeTag(llvm::StringRef root) {
  uint32_t h = 2166136261u;
  for (char c : root) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  char out[9];
  std::snprintf(out, sizeof out, "%08x", h);
  return out;
}

} // namespace

BridgeNetwork BridgeNetwork::forProject(const store::ImageStore &store, llvm::StringRef project) {
  BridgeNetwork n;
  n.projectNamespace = "dfc-" + storeTag(store.root()) + "-p-" + project.str();
  return n;
}

std::string BridgeNetwork::containerNamespace(llvm::StringRef container) const {
  // dfc-<tag>-p-<project> -> dfc-<tag>-c-<container>
  return projectNamespace.substr(0, 13) + "c-" + container.str();
}

std::string BridgeNetwork::address(size_t index) { return "10.89.0." + std::to_string(index + 2); }

llvm::Error BridgeNetwork::create() const {
  if (exists(projectNamespace))
    return llvm::Error::success();
  if (llvm::Error e = ip({"netns", "add", projectNamespace}))
    return e;
  for (std::vector<std::string> step : {std::vector<std::string>{"link", "add", "br0", "type", "bridge"},
                                        std::vector<std::string>{"link", "set", "br0", "up"}}) {
    step.insert(step.begin(), {"-n", projectNamespace});
    if (llvm::Error e = ip(step)) {
      llvm::consumeError(remove());
      return e;
    }
  }
  return llvm::Error::success();
}

llvm::Error BridgeNetwork::attach(llvm::StringRef container, size_t index, llvm::StringRef address) const {
  std::string ns = containerNamespace(container);
  if (exists(ns))
    if (llvm::Error e = ip({"netns", "del", ns}))
      return e;
  // A veth left from an earlier container of this index (its namespace still held somewhere) goes first.
  std::string hostSide = "veth" + std::to_string(index);
  llvm::consumeError(ip({"-n", projectNamespace, "link", "del", hostSide}));
  if (llvm::Error e = ip({"netns", "add", ns}))
    return e;
  const std::string &p = projectNamespace;
  std::string peer = "c" + std::to_string(index);
  std::vector<std::vector<std::string>> steps = {
      {"-n", p, "link", "add", hostSide, "type", "veth", "peer", "name", peer},
      {"-n", p, "link", "set", peer, "netns", ns},
      {"-n", ns, "link", "set", peer, "name", "eth0"},
      {"-n", ns, "addr", "add", address.str() + "/24", "dev", "eth0"},
      {"-n", ns, "link", "set", "eth0", "up"},
      {"-n", ns, "link", "set", "lo", "up"},
      {"-n", p, "link", "set", hostSide, "master", "br0", "up"},
  };
  for (const auto &step : steps)
    if (llvm::Error e = ip(step)) {
      llvm::consumeError(detach(container));
      return e;
    }
  return llvm::Error::success();
}

llvm::Error BridgeNetwork::detach(llvm::StringRef container) const {
  std::string ns = containerNamespace(container);
  if (!exists(ns))
    return llvm::Error::success();
  return ip({"netns", "del", ns});
}

llvm::Error BridgeNetwork::remove() const {
  if (!exists(projectNamespace))
    return llvm::Error::success();
  return ip({"netns", "del", projectNamespace});
}

} // namespace dfc::containers
