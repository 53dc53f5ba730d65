// Real containers from a busybox image bootstrapped into a temporary store: run semantics and exit codes,
// detached lifecycle (ps, logs, stop, kill, rm, wait, exec, stale state), published ports, and isolation.
// Needs root, overlayfs and /bin/busybox; skips visibly otherwise.
#include "backend/containers/Containers.h"
#include "backend/containers/State.h"
#include "backend/build/Builder.h"
#include "backend/store/Bootstrap.h"
#include "backend/store/Files.h"

// Listeners (the supervisor hook below) are an external interface in Catch2 v2.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>
// After catch.hpp: the define above must come first.
#include "backend/containers/tests/ContainerFixture.h"
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace dfc;
using namespace dfc::containers;
using namespace dfc::containers::test;

namespace {

// Detached containers start this test binary again as their supervisor (see runSupervisorIfRequested):
// the run's first event, after static initialisation, is where it takes over.
struct SupervisorHook : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testRunStarting(Catch::TestRunInfo const &) override { runSupervisorIfRequested(); }
};
CATCH_REGISTER_LISTENER(SupervisorHook)

struct Fixture : ContainerFixture {
  // Runs a shell script to its end in a detached container; returns its exit code and output.
  std::pair<int, std::string> script(const std::string &text, RunSpec spec = {}) {
    spec.command = {"sh", "-c", text};
    std::string id = detached(spec);
    auto code = cs->wait(id);
    REQUIRE(bool(code));
    return {*code, logs(id)};
  }
};

} // namespace

TEST_CASE("flag parsers follow docker's syntax", "[containers]") {
  struct PortCase {
    const char *spec;
    const char *ip;
    int host, cont;
    const char *proto;
  };
  for (const PortCase &c : {PortCase{"8080:80", "0.0.0.0", 8080, 80, "tcp"},
                            PortCase{"127.0.0.1:18080:8080", "127.0.0.1", 18080, 8080, "tcp"},
                            PortCase{"53:53/udp", "0.0.0.0", 53, 53, "udp"}, PortCase{"80", "0.0.0.0", 0, 80, "tcp"},
                            PortCase{"127.0.0.1::80", "127.0.0.1", 0, 80, "tcp"}}) {
    INFO(c.spec);
    auto p = parsePort(c.spec);
    REQUIRE(bool(p));
    CHECK(p->hostIp == c.ip);
    CHECK(p->hostPort == c.host);
    CHECK(p->containerPort == c.cont);
    CHECK(p->protocol == c.proto);
  }
  for (const char *bad : {"x:80", "80:70000", "1:2:3:4", "80/sctp"}) {
    INFO(bad);
    auto p = parsePort(bad);
    CHECK(!p);
    if (!p)
      llvm::consumeError(p.takeError());
  }
  auto v = parseVolume("/srv/data:/data:ro");
  REQUIRE(bool(v));
  CHECK(v->source == "/srv/data");
  CHECK(v->destination == "/data");
  CHECK(v->readOnly);
  CHECK(!v->named);
  auto named = parseVolume("cache:/var/cache");
  REQUIRE(bool(named));
  CHECK(named->named);
  auto rel = parseVolume("/x:relative");
  CHECK(!rel);
  llvm::consumeError(rel.takeError());
  // --mount: docker's keys and aliases; the type decides what source means.
  auto bind = parseMount("type=bind,src=/srv,dst=/data,readonly");
  REQUIRE(bool(bind));
  CHECK(bind->source == "/srv");
  CHECK(bind->destination == "/data");
  CHECK(bind->readOnly);
  CHECK(bind->mustExist); // unlike -v, a missing bind source is an error
  CHECK_FALSE(bind->named);
  auto vol = parseMount("source=todo-db,target=/etc/todos,readonly=false"); // type defaults to volume
  REQUIRE(bool(vol));
  CHECK(vol->named);
  CHECK(vol->source == "todo-db");
  CHECK_FALSE(vol->readOnly);
  auto anon = parseMount("type=volume,destination=/cache");
  REQUIRE(bool(anon));
  CHECK(anon->named);
  CHECK(anon->source.size() == 64); // an anonymous volume gets a random id as its name
  auto tmp = parseMount("type=tmpfs,target=/run,tmpfs-size=1m,tmpfs-mode=1770");
  REQUIRE(bool(tmp));
  CHECK(tmp->tmpfs);
  CHECK(tmp->tmpfsOptions == std::vector<std::string>{"size=1048576", "mode=1770"});
  auto flag = parseTmpfs("/scratch:rw,exec,size=64m");
  REQUIRE(bool(flag));
  CHECK(flag->tmpfs);
  CHECK(flag->destination == "/scratch");
  CHECK(flag->tmpfsOptions == std::vector<std::string>{"exec", "size=64m"});
  for (const char *badMount : {"type=bind,target=/x", "src=a", "type=nfs,target=/x", "type=tmpfs,src=a,target=/x",
                               "target=relative", "type=volume,src=bad/name,target=/x", "type=bind,src=/a,target=/b,bogus=1",
                               "type=volume,target=/x,tmpfs-size=1m"}) {
    INFO(badMount);
    auto b = parseMount(badMount);
    CHECK(!b);
    if (!b)
      llvm::consumeError(b.takeError());
  }
  auto relTmpfs = parseTmpfs("scratch");
  CHECK(!relTmpfs);
  llvm::consumeError(relTmpfs.takeError());
  CHECK(validVolumeName("todo-db"));
  CHECK(validVolumeName("a1._-"));
  CHECK_FALSE(validVolumeName("a"));
  CHECK_FALSE(validVolumeName("-ab"));
  CHECK_FALSE(validVolumeName("a/b"));
  auto m = parseMemory("64m");
  REQUIRE(bool(m));
  CHECK(*m == 64 * 1024 * 1024);
  auto g = parseMemory("1g");
  REQUIRE(bool(g));
  CHECK(*g == 1024LL * 1024 * 1024);
  auto badMem = parseMemory("12q");
  CHECK(!badMem);
  llvm::consumeError(badMem.takeError());
}

TEST_CASE("ps columns read like docker's", "[containers]") {
  CHECK(humanDuration(0) == "Less than a second");
  CHECK(humanDuration(5) == "5 seconds");
  CHECK(humanDuration(70) == "About a minute");
  CHECK(humanDuration(3 * 60) == "3 minutes");
  CHECK(humanDuration(2 * 3600) == "2 hours");
  ContainerInfo c;
  c.status = Status::Exited;
  c.exitCode = 3;
  c.finishedAt = 100;
  CHECK(statusText(c, 102) == "Exited (3) 2 seconds ago");
  ContainerInfo up;
  up.status = Status::Running;
  up.startedAt = 100;
  CHECK(statusText(up, 160) == "Up About a minute");
  up.health = "starting";
  CHECK(statusText(up, 105) == "Up 5 seconds (health: starting)");
  up.health = "unhealthy";
  CHECK(statusText(up, 105) == "Up 5 seconds (unhealthy)");
  CHECK(portsText({PortBinding{"0.0.0.0", 8080, 80, "tcp"}, PortBinding{"127.0.0.1", 53, 53, "udp"}}) ==
        "0.0.0.0:8080->80/tcp, 127.0.0.1:53->53/udp");
}

TEST_CASE("run: image config, flags and exit codes", "[containers][integration]") {
  REQUIRE_RUNNER();
  Fixture f;
  SECTION("the container's exit code, 127 for a missing command, 126 for a non-executable one") {
    struct Case {
      std::vector<std::string> cmd;
      int code;
    };
    for (const Case &c : {Case{{"true"}, 0}, Case{{"sh", "-c", "exit 7"}, 7}, Case{{"/no/such"}, 127},
                          Case{{"/etc/passwd"}, 126}}) {
      INFO(c.cmd[0]);
      RunSpec s;
      s.command = c.cmd;
      s.network = Network::None;
      std::string id = f.create(s);
      CHECK(f.cs->runAttached(id) == c.code);
      auto info = f.cs->info(id);
      REQUIRE(bool(info));
      CHECK(info->status == Status::Exited);
      CHECK(info->exitCode == c.code);
    }
  }
  SECTION("an unknown image is dfc's failure") {
    RunSpec s;
    s.image = "no-such-image";
    auto id = f.cs->create(s);
    REQUIRE(!id);
    CHECK(explain(id.takeError()).exitCode == 125);
  }
  SECTION("env, env-file, workdir, user, hostname and entrypoint") {
    std::string envFile = f.dir + "/env";
    {
      std::ofstream out(envFile);
      out << "# comment\nFROM_FILE=yes\n\n";
    }
    RunSpec s;
    s.env = {"A=1"};
    s.envFiles = {envFile};
    s.workdir = "/made/here";
    s.user = "nobody";
    s.hostname = "box";
    s.entrypoint = "sh";
    s.command = {"-c", "echo A=$A F=$FROM_FILE; pwd; id -u; hostname; cat /etc/hostname"};
    std::string id = f.detached(s);
    auto code = f.cs->wait(id);
    REQUIRE(bool(code));
    CHECK(*code == 0);
    std::string out = f.logs(id);
    CHECK(out == "A=1 F=yes\n/made/here\n65534\nbox\nbox\n");
  }
  SECTION("--rm removes the container and its directory") {
    RunSpec s;
    s.command = {"true"};
    s.autoRemove = true;
    s.network = Network::None;
    std::string id = f.create(s);
    CHECK(f.cs->runAttached(id) == 0);
    auto gone = f.cs->info(id);
    CHECK(!gone);
    if (!gone)
      llvm::consumeError(gone.takeError());
    CHECK(::access(f.cs->directory(id).c_str(), F_OK) != 0);
  }
  SECTION("volumes: a bind mount reads and writes the host, :ro refuses writes, named volumes persist") {
    std::string host = f.dir + "/vol";
    REQUIRE(!store::makeDirs(host));
    {
      std::ofstream(host + "/in") << "from host\n";
    }
    RunSpec s;
    s.volumes = {VolumeBinding{host, "/data", false, false}, VolumeBinding{host, "/ro", false, true},
                 VolumeBinding{"named1", "/named", true, false}};
    auto [code, out] = f.script("cat /data/in; echo out > /data/out; echo x > /ro/x || echo ro-refused; "
                                "echo kept > /named/file",
                                s);
    CHECK(code == 0);
    CHECK(out.find("from host") != std::string::npos);
    CHECK(out.find("ro-refused") != std::string::npos);
    auto written = store::readFile(host + "/out");
    REQUIRE(bool(written));
    CHECK(*written == "out\n");
    RunSpec again;
    again.volumes = {VolumeBinding{"named1", "/n", true, false}};
    auto [code2, out2] = f.script("cat /n/file", again);
    CHECK(code2 == 0);
    CHECK(out2 == "kept\n");
  }
}

TEST_CASE("detached containers: ps, logs, stop, kill, exec, rm, stale", "[containers][integration]") {
  REQUIRE_RUNNER();
  Fixture f;
  RunSpec s;
  s.name = "sleeper";
  s.command = {"sh", "-c", "echo started; echo oops >&2; trap 'echo got-term; exit 3' TERM; "
                           "while true; do sleep 0.05; done"};
  std::string id = f.detached(s);
  auto info = f.cs->info("sleeper");
  REQUIRE(bool(info));
  CHECK(info->id == id);
  CHECK(info->status == Status::Running);
  CHECK(info->pid > 0);
  auto prefix = f.cs->resolve(id.substr(0, 6));
  REQUIRE(bool(prefix));
  CHECK(*prefix == id);

  // A second container with the same name is refused.
  RunSpec dup;
  dup.name = "sleeper";
  auto clash = f.cs->create(dup);
  CHECK(!clash);
  if (!clash)
    llvm::consumeError(clash.takeError());

  // exec joins the namespaces: same hostname, sees the container's processes, gets the exit code.
  ExecSpec e;
  e.command = {"sh", "-c", "test \"$(hostname)\" = \"" + id.substr(0, 12) + "\" && ps | grep -q 'while true' && exit 4"};
  auto ec = f.cs->exec(id, e);
  REQUIRE(bool(ec));
  CHECK(*ec == 4);
  ExecSpec missing;
  missing.command = {"/no/such"};
  auto mc = f.cs->exec(id, missing);
  REQUIRE(!mc);
  CHECK(explain(mc.takeError()).exitCode == 127);

  for (int i = 0; i < 100 && f.logs(id).find("oops") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::string out, err;
  REQUIRE(!f.cs->logs(id, false, [&](bool isErr, llvm::StringRef t) { (isErr ? err : out) += t.str(); }));
  CHECK(out == "started\n");
  CHECK(err == "oops\n");
  auto removeRunning = f.cs->remove(id, false);
  CHECK(bool(removeRunning));
  llvm::consumeError(std::move(removeRunning));

  REQUIRE(!f.cs->stop(id, 5));
  auto stopped = f.cs->info(id);
  REQUIRE(bool(stopped));
  CHECK(stopped->status == Status::Exited);
  CHECK(stopped->exitCode == 3);
  CHECK(f.logs(id).find("got-term") != std::string::npos);

  // A process that ignores SIGTERM is killed after the timeout.
  RunSpec stubborn;
  stubborn.command = {"sh", "-c", "trap '' TERM; echo ignoring; while true; do sleep 0.05; done"};
  std::string sid = f.detached(stubborn);
  // Only once the trap is set: a SIGTERM before it ends the shell at once (143).
  for (int i = 0; i < 100 && f.logs(sid).find("ignoring") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(f.logs(sid).find("ignoring") != std::string::npos);
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(!f.cs->stop(sid, 1));
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took >= std::chrono::milliseconds(900));
  auto sinfo = f.cs->info(sid);
  REQUIRE(bool(sinfo));
  CHECK(sinfo->exitCode == 137);

  // kill, then a stale record: a running state whose supervisor is gone reads as exited.
  RunSpec k;
  k.command = {"sleep", "30"};
  std::string kid = f.detached(k);
  REQUIRE(!f.cs->kill(kid, SIGKILL));
  auto kc = f.cs->wait(kid);
  REQUIRE(bool(kc));
  CHECK(*kc == 137);
  auto st = loadState(*f.store, kid);
  REQUIRE(bool(st));
  State fake = *st;
  fake.status = Status::Running;
  fake.supervisor = 999999;
  fake.supervisorStart = 1;
  fake.finishedAt = 0; // as a supervisor killed before it recorded the exit leaves it
  REQUIRE(!saveState(*f.store, kid, fake));
  auto stale = f.cs->info(kid);
  REQUIRE(bool(stale));
  CHECK(stale->status == Status::Exited);
  // Recorded once, with a time it was last known alive (not 1970), and kept: ps agrees with itself.
  CHECK(stale->finishedAt >= fake.startedAt);
  CHECK(stale->finishedAt > 0);
  auto settled = loadState(*f.store, kid);
  REQUIRE(bool(settled));
  CHECK(settled->status == Status::Exited);
  CHECK(settled->finishedAt == stale->finishedAt);
  auto raw = f.store->db().container(kid);
  REQUIRE(bool(raw));
  REQUIRE(bool(*raw));
  CHECK(State::fromJson((*raw)->stateJson).status == Status::Exited);

  REQUIRE(!f.cs->remove(id));
  auto gone = f.cs->info(id);
  CHECK(!gone);
  if (!gone)
    llvm::consumeError(gone.takeError());
  auto all = f.cs->list();
  REQUIRE(bool(all));
  CHECK(all->size() == 2);

  auto inspected = f.cs->inspect(kid);
  REQUIRE(bool(inspected));
  auto j = nlohmann::json::parse(*inspected);
  CHECK(j["Id"] == kid);
  CHECK(j["State"]["Status"] == "exited");
  CHECK(j["Path"] == "sleep");
}

TEST_CASE("published ports reach a server inside the container's network namespace", "[containers][integration]") {
  REQUIRE_RUNNER();
  Fixture f;
  std::string www = f.dir + "/www";
  REQUIRE(!store::makeDirs(www));
  {
    std::ofstream(www + "/index.html") << "hello from dfc\n";
  }
  RunSpec s;
  s.command = {"httpd", "-f", "-p", "8080", "-h", "/www"};
  s.volumes = {VolumeBinding{www, "/www", false, true}};
  s.ports = {PortBinding{"127.0.0.1", 0, 8080, "tcp"}};
  std::string id = f.detached(s);
  auto info = f.cs->info(id);
  REQUIRE(bool(info));
  REQUIRE(info->ports.size() == 1);
  uint16_t port = info->ports[0].hostPort;
  CHECK(port != 0);
  std::string got;
  for (int i = 0; i < 100 && got.find("hello from dfc") == std::string::npos; ++i) {
    got = httpGet(port, "/index.html");
    if (got.empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CAPTURE(got);
  CHECK(got.find("200 OK") != std::string::npos);
  CHECK(got.find("hello from dfc") != std::string::npos);
  // The port is not reachable on the host other than through the relay: nothing listens on 8080 here.
  auto before = std::chrono::system_clock::now();
  REQUIRE(!f.cs->stop(id, 2));
  CHECK(httpGet(port, "/index.html").empty());
  // stop records the real exit (SIGTERM reached httpd through the init: 143; 137 had it needed SIGKILL)
  // and when it happened, not a stale "Exited (255) 56 years ago".
  auto stopped = f.cs->info(id);
  REQUIRE(bool(stopped));
  CHECK(stopped->status == Status::Exited);
  CHECK((stopped->exitCode == 143 || stopped->exitCode == 137));
  int64_t t0 = std::chrono::duration_cast<std::chrono::seconds>(before.time_since_epoch()).count();
  CHECK(stopped->finishedAt >= t0);
  CHECK(stopped->finishedAt >= stopped->startedAt);
  CHECK(statusText(*stopped, stopped->finishedAt + 2) == "Exited (" + std::to_string(stopped->exitCode) +
                                                             ") 2 seconds ago");
}

TEST_CASE("isolation: files, processes, capabilities, mounts, read-only root", "[containers][integration]") {
  REQUIRE_RUNNER();
  Fixture f;
  std::string secret = f.dir + "/host-secret";
  {
    std::ofstream(secret) << "secret\n";
  }
  SECTION("host files outside the rootfs and volumes are not visible") {
    auto [code, out] = f.script("cat " + secret + " 2>&1; ls /tmp/dfc-containers-test-* 2>&1; echo done");
    CAPTURE(out);
    CHECK(out.find("secret\n") == std::string::npos);
    CHECK(out.find("No such file") != std::string::npos);
  }
  SECTION("host processes are not visible") {
    auto [code, out] = f.script("ls /proc | grep -c '^[0-9]'");
    CAPTURE(out);
    // PID 1 (init), the shell and its children: a handful, not the host's hundreds.
    CHECK(std::stoi(out) <= 5);
  }
  SECTION("capabilities are Docker's default set") {
    auto [code, out] = f.script("grep -E 'Cap(Eff|Bnd|Prm)' /proc/self/status");
    CAPTURE(out);
    CHECK(out.find("CapPrm:\t00000000a80425fb") != std::string::npos);
    CHECK(out.find("CapEff:\t00000000a80425fb") != std::string::npos);
    CHECK(out.find("CapBnd:\t00000000a80425fb") != std::string::npos);
  }
  SECTION("mount is refused") {
    auto [code, out] = f.script("mkdir -p /mnt/t; mount -t tmpfs none /mnt/t 2>&1 && echo MOUNTED; "
                                "mount --bind /bin /mnt/t 2>&1 && echo BOUND; echo end");
    CAPTURE(out);
    CHECK(out.find("MOUNTED") == std::string::npos);
    CHECK(out.find("BOUND") == std::string::npos);
  }
  SECTION("--read-only holds, volumes stay writable") {
    RunSpec s;
    s.readOnly = true;
    s.volumes = {VolumeBinding{"scratch", "/scratch", true, false}};
    auto [code, out] = f.script("touch /x 2>&1 || echo refused; touch /scratch/ok && echo vol-ok", s);
    CAPTURE(out);
    CHECK(out.find("refused") != std::string::npos);
    CHECK(out.find("vol-ok") != std::string::npos);
  }
  SECTION("exec'd processes get the same capability set") {
    RunSpec s;
    s.command = {"sleep", "30"};
    std::string id = f.detached(s);
    ExecSpec e;
    e.command = {"sh", "-c", "grep -q 'CapEff:.00000000a80425fb' /proc/self/status"};
    auto code = f.cs->exec(id, e);
    REQUIRE(bool(code));
    CHECK(*code == 0);
  }
}

TEST_CASE("udp ports are relayed per client address", "[containers][integration]") {
  REQUIRE_RUNNER();
  // An echo server on the host's loopback stands in for the container: the relay opens its sockets in
  // whatever namespace it is given, here ours.
  int server = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(server, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(server, reinterpret_cast<sockaddr *>(&a), &len) == 0);
  std::thread echo([server] {
    char buf[512];
    for (int i = 0; i < 2; ++i) {
      sockaddr_storage from{};
      socklen_t fl = sizeof from;
      ssize_t got = ::recvfrom(server, buf, sizeof buf, 0, reinterpret_cast<sockaddr *>(&from), &fl);
      if (got <= 0)
        return;
      std::string reply = "echo:" + std::string(buf, static_cast<size_t>(got));
      ::sendto(server, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr *>(&from), fl);
    }
  });
  std::vector<PortBinding> ports = {PortBinding{"127.0.0.1", 0, ntohs(a.sin_port), "udp"}};
  auto relay = PortRelay::listen(ports);
  REQUIRE(bool(relay));
  REQUIRE(ports[0].hostPort != 0);
  REQUIRE(!(*relay)->start("/proc/self/ns/net"));
  auto ask = [&](const std::string &text) {
    int c = ::socket(AF_INET, SOCK_DGRAM, 0);
    timeval tv{5, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(ports[0].hostPort);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::sendto(c, text.data(), text.size(), 0, reinterpret_cast<sockaddr *>(&to), sizeof to);
    char buf[512];
    ssize_t got = ::recv(c, buf, sizeof buf, 0);
    ::close(c);
    return got > 0 ? std::string(buf, static_cast<size_t>(got)) : std::string();
  };
  // Two clients (two source ports), each gets its own reply.
  CHECK(ask("one") == "echo:one");
  CHECK(ask("two") == "echo:two");
  (*relay)->stopAll();
  echo.join();
  ::close(server);
}

TEST_CASE("HEALTHCHECK runs in the supervisor and shows in ps and inspect", "[containers][integration]") {
  REQUIRE_RUNNER();
  Fixture f;
  std::string ctx = f.dir + "/ctx";
  REQUIRE(!store::makeDirs(ctx));
  {
    std::ofstream(ctx + "/Dockerfile") << "FROM busybox\n"
                                          "HEALTHCHECK --interval=200ms --timeout=5s --retries=2 CMD test -f /tmp/ok\n";
  }
  build::BuildRequest req;
  req.contextDir = ctx;
  req.tags = {"health:test"};
  req.progress = build::ProgressMode::Quiet;
  req.printLint = false;
  auto built = build::buildImage(*f.store, req);
  if (!built)
    FAIL(llvm::toString(built.takeError()));
  RunSpec s;
  s.image = "health:test";
  s.command = {"sleep", "60"};
  std::string id = f.detached(s);
  auto healthOf = [&]() {
    auto i = f.cs->info(id);
    REQUIRE(bool(i));
    return i->health;
  };
  CHECK(healthOf() != "");
  // No /tmp/ok: two failing probes in a row make it unhealthy.
  std::string h;
  for (int i = 0; i < 300 && (h = healthOf()) != "unhealthy"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(h == "unhealthy");
  auto inspected = f.cs->inspect(id);
  REQUIRE(bool(inspected));
  auto j = nlohmann::json::parse(*inspected);
  CHECK(j["State"]["Health"]["Status"] == "unhealthy");
  CHECK(j["State"]["Health"]["FailingStreak"].get<int>() >= 2);
  REQUIRE(!j["State"]["Health"]["Log"].empty());
  CHECK(j["State"]["Health"]["Log"].back()["ExitCode"] == 1);
  // The file appears: the next probe succeeds.
  ExecSpec touch;
  touch.command = {"touch", "/tmp/ok"};
  auto code = f.cs->exec(id, touch);
  REQUIRE(bool(code));
  REQUIRE(*code == 0);
  for (int i = 0; i < 300 && (h = healthOf()) != "healthy"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(h == "healthy");
  auto info = f.cs->info(id);
  REQUIRE(bool(info));
  CHECK(llvm::StringRef(statusText(*info, info->startedAt + 5)).endswith("5 seconds (healthy)"));
  REQUIRE(!f.cs->stop(id, 1));
  auto after = f.cs->info(id);
  REQUIRE(bool(after));
  CHECK(after->health == "");
  CHECK(after->status == Status::Exited);
}
