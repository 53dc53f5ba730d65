// Shared by the containers test files: a temporary store with a bootstrapped busybox image, the
// containers made in it (removed, with the store, at the end), and a plain HTTP GET on loopback.
#pragma once

#include "backend/containers/Containers.h"
#include "backend/store/Files.h"
#include "backend/store/tests/BusyboxStore.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

namespace dfc::containers::test {

inline bool canRun() { return store::testing::rootWithBusybox(); }

#define REQUIRE_RUNNER() DFC_SKIP_UNLESS(dfc::containers::test::canRun(), "containers need root and /bin/busybox")

// The store (BusyboxStore) outlives `cs`: members go before the base.
struct ContainerFixture : store::testing::BusyboxStore {
  std::unique_ptr<Containers> cs;
  std::vector<std::string> ids;

  explicit ContainerFixture(const char *name = "containers") : BusyboxStore(name) {
    cs = std::make_unique<Containers>(*store);
  }
  ~ContainerFixture() {
    for (const std::string &id : ids)
      llvm::consumeError(cs->remove(id, true));
  }

  // Creates a container (busybox unless the spec names an image), removed at the end.
  std::string create(RunSpec spec) {
    if (spec.image.empty())
      spec.image = "busybox";
    auto id = cs->create(spec);
    if (!id)
      FAIL(llvm::toString(id.takeError()));
    ids.push_back(*id);
    return *id;
  }
  std::string detached(RunSpec spec) {
    std::string id = create(std::move(spec));
    if (llvm::Error e = cs->startDetached(id))
      FAIL(llvm::toString(std::move(e)));
    return id;
  }
  std::string logs(const std::string &id) {
    std::string out;
    llvm::Error e = cs->logs(id, false, [&](bool, llvm::StringRef t) { out += t.str(); });
    REQUIRE(!e);
    return out;
  }
  ContainerInfo info(const std::string &id) {
    auto i = cs->info(id);
    REQUIRE(bool(i));
    return *i;
  }
};

// The whole response (status line, headers, body) to GET /path on 127.0.0.1:port; "" when
// nothing answers.
inline std::string httpGet(uint16_t port, const std::string &path) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0) {
    std::string req = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
    (void)!::write(fd, req.data(), req.size());
    char buf[4096];
    ssize_t got;
    while ((got = ::read(fd, buf, sizeof buf)) > 0)
      out.append(buf, static_cast<size_t>(got));
  }
  ::close(fd);
  return out;
}

} // namespace dfc::containers::test
