// Restart policies acted on by the supervisor, with real busybox containers: on-failure:N stops after N
// restarts, every run is a fresh process in the same container (rootfs upper, network namespace), and
// `always` restarts until a user's stop, after which nothing restarts. Polls with generous deadlines,
// never asserts on time. Needs root, overlayfs and /bin/busybox; skips visibly otherwise.
#include "backend/containers/Containers.h"
#include "backend/containers/State.h"
#include "backend/containers/tests/ContainerFixture.h"
#include "backend/store/Files.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>
#include <sys/wait.h>
#include <unistd.h>

using namespace dfc;
using namespace dfc::containers;
using namespace dfc::containers::test;

namespace {

struct RestartFixture : ContainerFixture {
  RestartFixture() : ContainerFixture("restart") { REQUIRE(!store::makeDirs(dir + "/data")); }
  // A detached busybox container running `script` with the fixture's data directory on /data.
  std::string detached(const std::string &script, const std::string &restart) {
    RunSpec spec;
    spec.image = "busybox";
    spec.command = {"sh", "-c", script};
    spec.restart = restart;
    spec.volumes.push_back({dir + "/data", "/data", false, false});
    return ContainerFixture::detached(std::move(spec));
  }
  std::vector<std::string> lines(const std::string &file) {
    std::ifstream in(dir + "/data/" + file);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);)
      out.push_back(line);
    return out;
  }
};

// Polls `done` every 50 ms for up to a minute (a loaded machine is slow, not wrong).
template <typename F> bool eventually(F done) {
  for (int i = 0; i < 1200; ++i) {
    if (done())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// The body of GET /path on 127.0.0.1:port ("" when nothing answers).
std::string httpBody(uint16_t port, const std::string &path) {
  std::string out = httpGet(port, path);
  size_t body = out.find("\r\n\r\n");
  return body == std::string::npos ? "" : out.substr(body + 4);
}

} // namespace

TEST_CASE("restart policies parse as docker's --restart", "[containers]") {
  auto no = parseRestartPolicy("no");
  REQUIRE(bool(no));
  CHECK(!no->restarts(1, 0));
  auto capped = parseRestartPolicy("on-failure:2");
  REQUIRE(bool(capped));
  CHECK(capped->name == "on-failure");
  CHECK(capped->maximumRetryCount == 2);
  CHECK(capped->restarts(3, 1));
  CHECK(!capped->restarts(3, 2));
  CHECK(!capped->restarts(0, 0));
  auto always = parseRestartPolicy("always");
  REQUIRE(bool(always));
  CHECK(always->restarts(0, 100));
  auto unless = parseRestartPolicy("unless-stopped");
  REQUIRE(bool(unless));
  CHECK(unless->restarts(0, 0));
  for (const char *bad : {"sometimes", "always:3", "on-failure:x", "on-failure:-1"}) {
    auto p = parseRestartPolicy(bad);
    CHECK(!p);
    if (!p)
      llvm::consumeError(p.takeError());
  }
  ContainerInfo c;
  c.status = Status::Restarting;
  c.exitCode = 3;
  c.finishedAt = 100;
  CHECK(statusText(c, 102) == "Restarting (3) 2 seconds ago");
}

TEST_CASE("on-failure:2 runs a failing container three times in the same container",
          "[containers][integration]") {
  REQUIRE_RUNNER();
  RestartFixture f;
  // Each run appends its network namespace to /data/log and counts itself in the rootfs (/runs).
  std::string id = f.detached("echo run $(readlink /proc/self/ns/net) >> /data/log; echo x >> /runs; "
                              "wc -l < /runs; exit 3",
                              "on-failure:2");
  REQUIRE(eventually([&] { return f.info(id).status == Status::Exited; }));
  ContainerInfo done = f.info(id);
  CHECK(done.exitCode == 3);
  CHECK(done.restartCount == 2);
  std::vector<std::string> runs = f.lines("log");
  REQUIRE(runs.size() == 3);
  CHECK(llvm::StringRef(runs[0]).startswith("run net:["));
  CHECK(runs[1] == runs[0]);
  CHECK(runs[2] == runs[0]);
  // The rootfs upper outlives each run: the third run saw the first two's lines.
  std::string out;
  REQUIRE(!f.cs->logs(id, false, [&](bool, llvm::StringRef t) { out += t.str(); }));
  CHECK(out == "1\n2\n3\n");
  auto inspected = f.cs->inspect(id);
  REQUIRE(bool(inspected));
  auto j = nlohmann::json::parse(*inspected);
  CHECK(j["RestartCount"] == 2);
  CHECK(j["State"]["Status"] == "exited");
  CHECK(j["HostConfig"]["RestartPolicy"]["Name"] == "on-failure");
  CHECK(j["HostConfig"]["RestartPolicy"]["MaximumRetryCount"] == 2);
  // Success ends on-failure at once.
  std::string ok = f.detached("echo ok >> /data/ok", "on-failure");
  REQUIRE(eventually([&] { return f.info(ok).status == Status::Exited; }));
  CHECK(f.info(ok).restartCount == 0);
  CHECK(f.lines("ok").size() == 1);
}

TEST_CASE("always restarts until dfc stop, then stays stopped", "[containers][integration]") {
  REQUIRE_RUNNER();
  RestartFixture f;
  std::string id = f.detached("echo run >> /data/always; sleep 0.1; exit 0", "always");
  REQUIRE(eventually([&] { return f.lines("always").size() >= 3; }));
  ContainerInfo before = f.info(id);
  CHECK(before.status != Status::Exited);
  CHECK(before.restartCount >= 2);
  REQUIRE(!f.cs->stop(id, 5));
  ContainerInfo stopped = f.info(id);
  CHECK(stopped.status == Status::Exited);
  // stop returns once the supervisor is gone: nothing is left that could start another run.
  State s = State::fromJson(stopped.stateJson);
  CHECK(!supervisorAlive(s));
  size_t runs = f.lines("always").size();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(f.lines("always").size() == runs);
  CHECK(f.info(id).status == Status::Exited);

  // kill with SIGKILL is a user's stop too; a stop of a container that is waiting to restart ends the wait.
  std::string killed = f.detached("sleep 30", "always");
  REQUIRE(!f.cs->kill(killed, SIGKILL));
  REQUIRE(eventually([&] { return f.info(killed).status == Status::Exited; }));
  CHECK(f.info(killed).restartCount == 0);
  std::string failing = f.detached("exit 1", "on-failure");
  REQUIRE(eventually([&] { return f.info(failing).restartCount >= 4; })); // backoff 1.6 s by now
  REQUIRE(!f.cs->stop(failing, 5));
  CHECK(f.info(failing).status == Status::Exited);
  CHECK(f.info(failing).exitCode == 1);
}

TEST_CASE("a published port reaches every run of a restarted container", "[containers][integration]") {
  REQUIRE_RUNNER();
  RestartFixture f;
  // Each run serves its own number for a second, then exits; `always` starts the next one.
  RunSpec spec;
  spec.image = "busybox";
  spec.command = {"sh", "-c",
                  "echo x >> /runs; wc -l < /runs > /tmp/n; timeout 1 httpd -f -p 8080 -h /tmp; exit 0"};
  spec.restart = "always";
  spec.ports.push_back({"127.0.0.1", 0, 8080, "tcp"});
  auto id = f.cs->create(spec);
  REQUIRE(bool(id));
  f.ids.push_back(*id);
  REQUIRE(!f.cs->startDetached(*id));
  ContainerInfo c = f.info(*id);
  REQUIRE(c.ports.size() == 1);
  uint16_t port = c.ports[0].hostPort;
  // A run after the first answers on the same host port.
  std::string body;
  CHECK(eventually([&] {
    body = httpBody(port, "/n");
    return !body.empty() && body != "1\n";
  }));
  CHECK(f.info(*id).restartCount >= 1);
  REQUIRE(!f.cs->stop(*id, 5));
}

TEST_CASE("a restart policy and --rm are refused together", "[containers][integration]") {
  REQUIRE_RUNNER();
  RestartFixture f;
  RunSpec spec;
  spec.image = "busybox";
  spec.command = {"true"};
  spec.restart = "always";
  spec.autoRemove = true;
  auto id = f.cs->create(spec);
  REQUIRE(!id);
  CHECK(explain(id.takeError()).message == "conflicting options: cannot specify both --restart and --rm");
}

TEST_CASE("a supervisor that has ended but is not yet reaped (a zombie) is not alive", "[containers]") {
  // What `dfc stop` waits for: a daemonised supervisor's parent is init, which may reap it late.
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    char c;
    (void)!::read(fds[0], &c, 1); // lives until the parent writes
    ::_exit(0);
  }
  ::close(fds[0]);
  State s;
  s.supervisor = child;
  s.supervisorStart = processStartTime(child);
  REQUIRE(s.supervisorStart != 0);
  CHECK(supervisorAlive(s));
  REQUIRE(::write(fds[1], "x", 1) == 1);
  ::close(fds[1]);
  // Exited, not waited for: /proc/PID/stat stays, in state Z, with the same start time.
  auto zombie = [&] {
    std::ifstream in("/proc/" + std::to_string(child) + "/stat");
    std::string line;
    std::getline(in, line);
    size_t close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
  };
  for (int i = 0; i < 500 && !zombie(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  REQUIRE(zombie());
  CHECK(processStartTime(child) == s.supervisorStart);
  CHECK_FALSE(supervisorAlive(s));
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK_FALSE(supervisorAlive(s)); // reaped: gone
}
