// User networks (`dfc network create|ls|inspect|rm`, `dfc run --network NAME --network-alias A`): a
// record per network in $DFC_ROOT/networks/<name>.json and a BridgeNetwork of its own (Network.h).
#include "backend/containers/Containers.h"
#include "backend/containers/Network.h"
#include "backend/containers/State.h"
#include "backend/store/Files.h"

#include <llvm/ADT/STLExtras.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <set>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dfc::containers {

std::string generateId();

namespace {

llvm::Error failure(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string networksDir(const store::ImageStore &store) { return store.root() + "/networks"; }
std::string recordPath(const store::ImageStore &store, llvm::StringRef name) {
  return networksDir(store) + "/" + name.str() + ".json";
}

// "u." cannot begin a compose project's name (lower-case letters, digits, '-' and '_'), so a user
// network never shares a bridge with a project.
BridgeNetwork bridgeOf(const store::ImageStore &store, llvm::StringRef name) {
  return BridgeNetwork::forProject(store, "u." + name.str());
}

const char *const BuiltIn[] = {"bridge", "default", "host", "none"};

// The containers on the network (any state), with their records.
llvm::Expected<std::vector<std::pair<std::string, State>>> members(store::ImageStore &store, llvm::StringRef name) {
  auto rows = store.db().containers();
  if (!rows)
    return rows.takeError();
  std::vector<std::pair<std::string, State>> out;
  for (const store::ContainerRow &r : *rows) {
    State s = State::fromJson(r.stateJson);
    if (s.spec.userNetwork == name)
      out.emplace_back(r.id, std::move(s));
  }
  return out;
}

// A record opened, then locked only after an rm that held the lock removed it (a new network of the
// name may have its own record by now): the network it named is gone.
bool removedMeanwhile(int fd) {
  struct stat st;
  return ::fstat(fd, &st) != 0 || st.st_nlink == 0;
}

} // namespace

bool validNetworkName(llvm::StringRef name) { return validResourceName(name, 1); }

llvm::Expected<UserNetwork> createUserNetwork(store::ImageStore &store, llvm::StringRef name) {
  if (llvm::is_contained(BuiltIn, name))
    return failure("network name " + name + " is reserved for a built-in network");
  if (!validNetworkName(name))
    return failure("invalid network name \"" + name + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  if (llvm::Error e = store::makeDirs(networksDir(store)))
    return e;
  std::string path = recordPath(store, name);
  UserNetwork n{name.str(), generateId(), static_cast<int64_t>(::time(nullptr))};
  // O_EXCL: of two creates of one name, one wins and the other is told, as docker does.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return failure(errno == EEXIST ? "network with name " + name + " already exists"
                                   : "create " + path + ": " + std::strerror(errno));
  std::string text = nlohmann::json{{"Name", n.name}, {"Id", n.id}, {"Created", n.created}}.dump() + "\n";
  llvm::Error written = store::writeAll(fd, text.data(), text.size(), path);
  ::close(fd);
  if (!written)
    if (llvm::Error e = bridgeOf(store, name).create()) {
      ::unlink(path.c_str());
      return e;
    }
  if (written) {
    ::unlink(path.c_str());
    return written;
  }
  return n;
}

llvm::Expected<std::vector<UserNetwork>> listUserNetworks(store::ImageStore &store) {
  std::vector<UserNetwork> out;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(networksDir(store), ec), end; !ec && it != end; it.increment(ec)) {
    llvm::StringRef file = llvm::sys::path::filename(it->path());
    if (!file.consume_back(".json") || !validNetworkName(file))
      continue;
    auto text = store::readFile(it->path());
    if (!text) {
      llvm::consumeError(text.takeError()); // removed meanwhile
      continue;
    }
    nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
    if (!j.is_object())
      continue; // being written
    out.push_back({file.str(), j.value("Id", ""), j.value("Created", int64_t(0))});
  }
  if (ec && ec != std::errc::no_such_file_or_directory)
    return failure("reading " + networksDir(store) + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const UserNetwork &a, const UserNetwork &b) { return a.name < b.name; });
  return out;
}

llvm::Error removeUserNetwork(store::ImageStore &store, llvm::StringRef name) {
  std::string path = recordPath(store, name);
  int lock = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (lock < 0)
    return failure("network " + name + " not found");
  ::flock(lock, LOCK_EX); // no container joins while it goes
  if (removedMeanwhile(lock)) {
    ::close(lock);
    return failure("network " + name + " not found");
  }
  auto result = [&]() -> llvm::Error {
    auto on = members(store, name);
    if (!on)
      return on.takeError();
    if (!on->empty())
      return failure("error while removing network: network " + name + " has active endpoints (" +
                     on->front().second.spec.name +
                     (on->size() > 1 ? " and " + std::to_string(on->size() - 1) + " more" : "") + ")");
    if (llvm::Error e = bridgeOf(store, name).remove())
      return e;
    ::unlink(path.c_str());
    return llvm::Error::success();
  }();
  ::close(lock);
  return result;
}

llvm::Expected<std::string> userNetworksInspectJson(store::ImageStore &store, const std::vector<UserNetwork> &nets) {
  nlohmann::json out = nlohmann::json::array();
  for (const UserNetwork &n : nets) {
    auto on = members(store, n.name);
    if (!on)
      return on.takeError();
    nlohmann::json containers = nlohmann::json::object();
    for (const auto &[id, s] : *on)
      containers[id] = {{"Name", s.spec.name}, {"IPv4Address", s.spec.networkAddress + "/24"}};
    out.push_back({{"Name", n.name},
                   {"Id", n.id},
                   {"Created", rfc3339(n.created)},
                   {"Scope", "local"},
                   {"Driver", "bridge"},
                   {"IPAM", {{"Driver", "default"}, {"Config", {{{"Subnet", "10.89.0.0/24"}}}}}},
                   {"Containers", containers}});
  }
  return out.dump(4);
}

void leaveUserNetwork(store::ImageStore &store, const State &s) {
  if (!s.spec.userNetwork.empty())
    llvm::consumeError(bridgeOf(store, s.spec.userNetwork).detach(s.spec.name));
}

llvm::Error joinUserNetwork(store::ImageStore &store, RunSpec &spec, int &lockFd) {
  const std::string &name = spec.userNetwork;
  if (!validNetworkName(name))
    return failure("network " + name + " not found");
  lockFd = ::open(recordPath(store, name).c_str(), O_RDONLY | O_CLOEXEC);
  if (lockFd < 0)
    return failure("network " + name + " not found");
  // Two containers joining at once must not take one address: the lock is held until the caller
  // has stored this container's record, which is where the next one looks.
  ::flock(lockFd, LOCK_EX);
  if (removedMeanwhile(lockFd))
    return failure("network " + name + " not found");
  // A create of this name that joined while we waited for the lock: the namespace (named by the
  // container's name) is its, not ours to replace.
  if (auto taken = store.db().container(spec.name); !taken)
    return taken.takeError();
  else if (*taken)
    return nameConflict(spec.name, (*taken)->id);
  auto on = members(store, name);
  if (!on)
    return on.takeError();
  // The others' names are not copied into this container's record: each run writes its hosts file
  // from the members of that moment (userNetworkPeers).
  std::set<std::string> used;
  for (const auto &[id, s] : *on)
    used.insert(s.spec.networkAddress);
  size_t index = 0;
  while (index < 253 && used.count(BridgeNetwork::address(index)))
    ++index;
  if (index == 253)
    return failure("network " + name + " has no free address left (253 containers)");
  BridgeNetwork bridge = bridgeOf(store, name);
  if (llvm::Error e = bridge.create()) // again after a reboot emptied /run/netns
    return e;
  std::string address = BridgeNetwork::address(index);
  if (llvm::Error e = bridge.attach(spec.name, index, address))
    return e;
  spec.networkAddress = address;
  spec.networkNamespace = BridgeNetwork::path(bridge.containerNamespace(spec.name));
  spec.network = Network::Default;
  for (const std::string &a : spec.networkAliases)
    spec.extraHosts.push_back(a + ":" + address);
  // Those already on it learn the newcomer's names too (docker's DNS answers both ways): lines appended
  // to each one's hosts file, bind-mounted, so a running container sees them at once (a run started
  // later writes its file again with every member: userNetworkPeers).
  std::string lines = address + "\t" + spec.name + "\n";
  for (const std::string &a : spec.networkAliases)
    lines += address + "\t" + a + "\n";
  for (const auto &[id, s] : *on) {
    int fd = ::open((containerDirectory(store, id) + "/hosts").c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd >= 0) {
      llvm::consumeError(store::writeAll(fd, lines.data(), lines.size(), "hosts"));
      ::close(fd);
    }
  }
  return llvm::Error::success();
}

std::vector<std::string> userNetworkPeers(store::ImageStore &store, const RunSpec &spec) {
  std::vector<std::string> out;
  if (spec.userNetwork.empty())
    return out;
  auto on = members(store, spec.userNetwork);
  if (!on) {
    llvm::consumeError(on.takeError());
    return out;
  }
  for (const auto &[id, s] : *on) {
    if (s.spec.name == spec.name)
      continue;
    for (const std::string &n : {s.spec.name, id.substr(0, 12)})
      out.push_back(n + ":" + s.spec.networkAddress);
    for (const std::string &a : s.spec.networkAliases)
      out.push_back(a + ":" + s.spec.networkAddress);
  }
  return out;
}

} // namespace dfc::containers
