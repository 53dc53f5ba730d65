// RUN's networks against the host's: --network=none sees only lo, --network=host the host's
// interfaces, and the default its own namespace (lo + slirp4netns' tap0) that still reaches the
// Debian mirror the host's apt uses. Skips visibly without slirp4netns or without a reachable mirror.
#include "backend/build/tests/BuildFixture.h"
#include "backend/runtime/Outbound.h"

#include <llvm/ADT/STLExtras.h>

#include <algorithm>
#include <cstdio>

using namespace dfc;
using namespace dfc::build;
using namespace dfc::build::testing;

namespace {

// Interface names in a /proc/net/dev text, sorted.
std::vector<std::string> interfaces(llvm::StringRef procNetDev) {
  std::vector<std::string> out;
  llvm::SmallVector<llvm::StringRef, 8> lines;
  procNetDev.split(lines, '\n', -1, false);
  for (llvm::StringRef l : lines)
    if (l.contains(':'))
      out.push_back(l.split(':').first.trim().str());
  std::sort(out.begin(), out.end());
  return out;
}

// The first http:// mirror in the host's apt sources (deb822 "URIs:" or one-line "deb URL ...").
std::string aptMirror() {
  for (const char *file : {"/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"}) {
    auto text = store::readFile(file);
    if (!text) {
      llvm::consumeError(text.takeError());
      continue;
    }
    llvm::SmallVector<llvm::StringRef, 16> lines;
    llvm::StringRef(*text).split(lines, '\n');
    for (llvm::StringRef l : lines) {
      l = l.trim();
      if (l.startswith("URIs:"))
        l = l.drop_front(5).trim();
      else if (l.startswith("deb "))
        l = l.drop_front(4).trim();
      else
        continue;
      l = l.split(' ').first;
      if (l.startswith("http://"))
        return l.rtrim('/').str();
    }
  }
  return "";
}

bool hostReaches(const std::string &url) {
  // busybox (which every build test needs) rather than a wget the host may not have.
  return std::system(("timeout 20 /bin/busybox wget -q -O /dev/null " + url + " >/dev/null 2>&1").c_str()) == 0;
}

} // namespace

TEST_CASE("RUN networks: none has only lo, host the host's, the default its own with outbound access",
          "[build][integration][network]") {
  REQUIRE_BUILDER();
  if (runtime::slirpBinary().empty()) {
    WARN("SKIPPED: RUN's default network needs slirp4netns (apt-get install slirp4netns)");
    return;
  }
  BuildFixture f;
  auto host = store::readFile("/proc/net/dev");
  REQUIRE(bool(host));
  std::vector<std::string> hostIfs = interfaces(*host);
  BuildResult r = f.mustBuild("FROM busybox\n"
                              "RUN --network=none cat /proc/net/dev > /none\n"
                              "RUN --network=host cat /proc/net/dev > /host\n"
                              "RUN cat /proc/net/dev > /default && cat /etc/resolv.conf > /resolv\n");
  CHECK(interfaces(f.readFromImage(r.image, "/none")) == std::vector<std::string>{"lo"});
  CHECK(interfaces(f.readFromImage(r.image, "/host")) == hostIfs);
  CHECK(interfaces(f.readFromImage(r.image, "/default")) == std::vector<std::string>{"lo", "tap0"});
  CHECK(f.readFromImage(r.image, "/resolv") == "nameserver 10.0.2.3\n");

  std::string mirror = aptMirror();
  std::string url = mirror + "/dists/bookworm/Release";
  if (mirror.empty() || !hostReaches(url)) {
    WARN("SKIPPED (outbound part): the host cannot reach its apt mirror " << (mirror.empty() ? "(none found)" : url));
    return;
  }
  // Not cached: the fetched file is the step's result, so a stale layer would hide a broken network.
  BuildRequest req;
  req.noCache = true;
  BuildResult w = f.mustBuild("FROM busybox\nRUN wget -q -O /release " + url + " && grep -q '^Suite:' /release\n", req);
  CHECK(f.readFromImage(w.image, "/release").find("Suite:") != std::string::npos);
}
