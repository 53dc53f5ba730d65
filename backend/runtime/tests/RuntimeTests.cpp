// Real containers from dfc's runtime on a busybox rootfs: exit codes, stdio, identity, isolation,
// Docker's privilege set (capabilities, seccomp, no_new_privs), read-only root, networking, errors.
#include "backend/runtime/Runtime.h"

#include "backend/runtime/tests/BusyboxRootfs.h"

#include <llvm/ADT/StringRef.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <thread>

using namespace dfc::runtime;
using dfc::runtime::testing::busyboxBundle;
using dfc::runtime::testing::BusyboxRootfs;

namespace {

RunOptions captured() {
  RunOptions o;
  o.stdinTarget = Stdio::null();
  o.stdoutTarget = Stdio::capture();
  o.stderrTarget = Stdio::capture();
  return o;
}

RunResult sh(const std::string &script, Bundle b = busyboxBundle({}), RunOptions o = captured()) {
  b.process.args = {"/bin/sh", "-c", script};
  return run(b, o);
}

std::string statusLine(const std::string &status, llvm::StringRef key) {
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line))
    if (llvm::StringRef(line).startswith(key))
      return llvm::StringRef(line).drop_front(key.size()).trim().str();
  return "<missing>";
}

// Fails the test with the error's text when a start() did not work.
template <typename T> void requireStarted(llvm::Expected<T> &value) {
  if (!value)
    FAIL("start failed: " << llvm::toString(value.takeError()));
}

std::string readHostFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

TEST_CASE("exit codes are the process's, 128+n for signals", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  struct Case {
    const char *script;
    InitMode init;
    int code;
  } cases[] = {
      {"exit 0", InitMode::Auto, 0},
      {"exit 3", InitMode::Auto, 3},
      {"exit 3", InitMode::Never, 3},
      {"kill -9 $$", InitMode::Auto, 137},
      {"kill -TERM $$; sleep 5", InitMode::Auto, 143},
      // Without an init, sh is PID 1 and the kernel drops its own default-action signals.
      {"kill -TERM $$; exit 7", InitMode::Never, 7},
  };
  for (const Case &c : cases) {
    RunOptions o = captured();
    o.init = c.init;
    RunResult r = sh(c.script, busyboxBundle({}), o);
    INFO("script: " << c.script << " init: " << static_cast<int>(c.init) << " error: " << r.error
                    << " stderr: " << r.stderrText);
    CHECK(r.started());
    CHECK(r.exitCode == c.code);
  }
}

TEST_CASE("stdout and stderr are captured separately", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  RunResult r = sh("echo out; echo err >&2; echo more");
  INFO(r.error);
  CHECK(r.exitCode == 0);
  CHECK(r.stdoutText == "out\nmore\n");
  CHECK(r.stderrText == "err\n");
}

TEST_CASE("stdio can go to given fds and stdin is read", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  int in[2], out[2];
  REQUIRE(::pipe(in) == 0);
  REQUIRE(::pipe(out) == 0);
  REQUIRE(::write(in[1], "from-stdin\n", 11) == 11);
  ::close(in[1]);
  RunOptions o;
  o.stdinTarget = Stdio::toFd(in[0]);
  o.stdoutTarget = Stdio::toFd(out[1]);
  o.stderrTarget = Stdio::null();
  Bundle b = busyboxBundle({"/bin/cat"});
  RunResult r = run(b, o);
  ::close(in[0]);
  ::close(out[1]);
  char buf[64] = {};
  ssize_t n = ::read(out[0], buf, sizeof buf - 1);
  ::close(out[0]);
  INFO(r.error);
  CHECK(r.exitCode == 0);
  CHECK(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0) == "from-stdin\n");
}

TEST_CASE("env, cwd, hostname and rlimits are the bundle's", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  Bundle b = busyboxBundle({});
  b.process.env.push_back("GREETING=hello world");
  b.process.cwd = "/tmp";
  b.hostname = "box-one";
  b.process.rlimits = {{"RLIMIT_NOFILE", 4096, 1024}, {"RLIMIT_NPROC", 999, 999}};
  RunResult r = sh("echo \"$GREETING\"; pwd; hostname; ulimit -n; ulimit -Hn; ulimit -u", b);
  INFO(r.error << r.stderrText);
  CHECK(r.exitCode == 0);
  CHECK(r.stdoutText == "hello world\n/tmp\nbox-one\n1024\n4096\n999\n");
}

TEST_CASE("a bare argv[0] is found on the container's PATH", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  Bundle b = busyboxBundle({"echo", "found"});
  RunResult r = run(b, captured());
  INFO(r.error);
  CHECK(r.stdoutText == "found\n");

  b.process.env = {"PATH=/nowhere"};
  r = run(b, captured());
  CHECK(r.exitCode == 127);
}

TEST_CASE("user, group and supplementary groups are set", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  Bundle b = busyboxBundle({"/bin/id"});
  b.process.user = {1000, 1001, {20, 30}};
  b.process.capabilities = dockerCapabilities(1000);
  RunResult r = run(b, captured());
  INFO(r.error << r.stderrText);
  CHECK(r.exitCode == 0);
  CHECK(r.stdoutText == "uid=1000 gid=1001 groups=20,30\n");

  RunResult root = sh("id; grep -E '^(CapEff|CapBnd)' /proc/self/status");
  CHECK(llvm::StringRef(root.stdoutText).startswith("uid=0 gid=0"));

  // Docker gives a non-root user the default set only in the bounding set.
  r = sh("grep Cap /proc/self/status", b);
  CHECK(statusLine(r.stdoutText, "CapEff:") == "0000000000000000");
  CHECK(statusLine(r.stdoutText, "CapBnd:") == "00000000a80425fb");
}

TEST_CASE("the container sees only its own processes", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  RunOptions o = captured();
  o.init = InitMode::Never;
  Bundle b = busyboxBundle({"/bin/ps", "-o", "pid,comm"});
  RunResult r = run(b, o);
  INFO(r.error << r.stderrText);
  CHECK(r.stdoutText == "PID   COMMAND\n    1 ps\n");

  // With the init, PID 1 is ours and the process is its only child.
  o.init = InitMode::Always;
  r = run(b, o);
  CHECK(r.stdoutText == "PID   COMMAND\n    1 dfc-init\n    2 ps\n");
}

TEST_CASE("host files are not visible, the rootfs is", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  std::string marker = "/tmp/dfc-host-marker-" + std::to_string(::getpid());
  std::ofstream(marker) << "secret";
  RunResult r = sh("ls /; test -e " + marker +
                   " && echo HOST-VISIBLE; test -e /etc/rootfs-marker && echo "
                   "rootfs-ok; cat /etc/os-release 2>/dev/null || echo no-os-release; "
                   "awk '$5 == \"/\"' /proc/self/mountinfo | wc -l");
  ::unlink(marker.c_str());
  INFO(r.error << r.stderrText);
  CHECK(r.stdoutText == "bin\ndev\netc\nproc\nsys\ntmp\nwork\nrootfs-ok\nno-os-release\n1\n");
}

TEST_CASE("capabilities, seccomp and no_new_privs are Docker's", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  RunResult r = sh("cat /proc/self/status");
  INFO(r.error << r.stderrText);
  REQUIRE(r.exitCode == 0);
  CHECK(statusLine(r.stdoutText, "CapEff:") == "00000000a80425fb");
  CHECK(statusLine(r.stdoutText, "CapPrm:") == "00000000a80425fb");
  CHECK(statusLine(r.stdoutText, "CapBnd:") == "00000000a80425fb");
  CHECK(statusLine(r.stdoutText, "CapInh:") == "0000000000000000");
  CHECK(statusLine(r.stdoutText, "CapAmb:") == "0000000000000000");
  CHECK(statusLine(r.stdoutText, "Seccomp:") == "2");
  CHECK(statusLine(r.stdoutText, "NoNewPrivs:") == "1");
}

TEST_CASE("mount fails inside the container", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  RunResult r = sh("mount -t tmpfs none /tmp");
  INFO(r.stdoutText << r.stderrText);
  CHECK(r.exitCode != 0);
  CHECK(llvm::StringRef(r.stderrText).contains("denied"));
}

TEST_CASE("the seccomp filter itself refuses what Docker's profile refuses", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  // unshare(CLONE_NEWUSER) needs no capability: only the filter stops it.
  const char *script = "unshare -U true && echo userns-ok; linux32 true && echo linux32-ok";
  RunResult filtered = sh(script);
  INFO(filtered.stderrText);
  CHECK(filtered.stdoutText == "linux32-ok\n");
  CHECK(llvm::StringRef(filtered.stderrText).contains("Operation not permitted"));

  Bundle unfiltered = busyboxBundle({});
  unfiltered.linuxSpec.seccomp.reset();
  RunResult open = sh(script, unfiltered);
  INFO(open.stderrText);
  CHECK(open.stdoutText == "userns-ok\nlinux32-ok\n");
}

TEST_CASE("read-only root holds, tmpfs mounts stay writable", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  Bundle b = busyboxBundle({});
  b.root.readonly = true;
  RunResult r =
      sh("touch /etc/new 2>&1; touch /dev/shm/ok && echo shm-ok; echo 1 > /proc/sys/kernel/domainname "
         "2>&1; wc -c < /proc/timer_list",
         b);
  INFO(r.error);
  CHECK(llvm::StringRef(r.stdoutText).contains("Read-only file system"));
  CHECK(llvm::StringRef(r.stdoutText).contains("shm-ok"));
  CHECK(llvm::StringRef(r.stdoutText).endswith("\n0\n")); // /proc/timer_list is masked
  struct stat st;
  CHECK(::stat((BusyboxRootfs::get().path + "/etc/new").c_str(), &st) != 0);

  // Without readonly the same write lands in the rootfs.
  std::string created = BusyboxRootfs::get().path + "/tmp/written";
  r = sh("touch /tmp/written");
  CHECK(r.exitCode == 0);
  CHECK(::stat(created.c_str(), &st) == 0);
  ::unlink(created.c_str());
}

TEST_CASE("network none has only lo, up; host shares the host's", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  const char *script = "ls /sys/class/net; cat /sys/class/net/lo/flags";
  for (NetworkMode mode : {NetworkMode::None, NetworkMode::Default}) {
    RunOptions o = captured();
    o.network = mode;
    RunResult r = sh(script, busyboxBundle({}), o);
    INFO("mode " << static_cast<int>(mode) << r.error << r.stderrText);
    CHECK(r.stdoutText == "lo\n0x9\n");
  }
  RunOptions o = captured();
  o.network = NetworkMode::Host;
  RunResult r = sh("ls /sys/class/net | wc -l", busyboxBundle({}), o);
  std::string hostCount = std::to_string(std::count(r.stdoutText.begin(), r.stdoutText.end(), '\n'));
  INFO(r.stdoutText);
  // The host has at least lo and one more interface (the VM's NIC) to compare with.
  RunResult host = sh("ls /sys/class/net", busyboxBundle({}), o);
  CHECK(llvm::StringRef(host.stdoutText).contains("lo\n"));
  CHECK(host.stdoutText != "lo\n");
}

TEST_CASE("missing and non-executable programs are 127 and 126 with a message", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  struct Case {
    std::vector<std::string> args;
    int code;
    const char *message;
  } cases[] = {
      {{"no-such-program"}, 127, "exec: \"no-such-program\": executable file not found in $PATH"},
      {{"/bin/no-such-program"}, 127, "exec /bin/no-such-program: No such file or directory"},
      {{"/bin/not-executable"}, 126, "exec /bin/not-executable: Permission denied"},
      {{"/etc"}, 126, "exec /etc: Permission denied"},
  };
  for (InitMode init : {InitMode::Auto, InitMode::Never}) {
    for (const Case &c : cases) {
      RunOptions o = captured();
      o.init = init;
      RunResult r = run(busyboxBundle(c.args), o);
      INFO("args[0]: " << c.args[0] << " init: " << static_cast<int>(init));
      CHECK(r.exitCode == c.code);
      CHECK(r.error == c.message);
      CHECK_FALSE(r.started());
    }
  }
}

TEST_CASE("setup errors name the failing call", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  Bundle b = busyboxBundle({"/bin/true"});
  b.process.cwd = "/does/not/exist";
  RunResult r = run(b, captured());
  CHECK(r.exitCode == 125);
  CHECK(r.error == "chdir(/does/not/exist): No such file or directory");

  b = busyboxBundle({"/bin/true"});
  b.root.path = "/nonexistent-rootfs";
  r = run(b, captured());
  CHECK(r.exitCode == 125);
  CHECK(r.error == "rootfs /nonexistent-rootfs: No such file or directory");

  b = busyboxBundle({"/bin/true"});
  b.mounts.push_back({"/data", "bind", "/nonexistent-source", {"rbind"}});
  r = run(b, captured());
  CHECK(r.error == "bind mount source /nonexistent-source: No such file or directory");

  b = busyboxBundle({"/bin/true"});
  b.process.capabilities->bounding.push_back("CAP_NOT_REAL");
  r = run(b, captured());
  CHECK(r.error == "unknown capability CAP_NOT_REAL");
}

TEST_CASE("bind mounts, read-only binds and symlinked destinations stay inside the root", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  char dir[] = "/tmp/dfc-bind-XXXXXX";
  REQUIRE(::mkdtemp(dir));
  std::ofstream(std::string(dir) + "/file") << "shared";
  std::string root = BusyboxRootfs::get().path;
  // A symlink in the image pointing at the host's /etc must not redirect the mount there.
  ::symlink("/etc", (root + "/escape").c_str());
  Bundle b = busyboxBundle({});
  b.mounts.push_back({"/work", "bind", dir, {"rbind", "ro"}});
  b.mounts.push_back({"/escape/dfc-mounted", "tmpfs", "tmpfs", {"nosuid"}});
  RunResult r = sh("cat /work/file; echo; touch /work/x 2>&1; grep -c dfc-mounted /proc/self/mountinfo", b);
  INFO(r.error << r.stderrText);
  CHECK(llvm::StringRef(r.stdoutText).startswith("shared\n"));
  CHECK(llvm::StringRef(r.stdoutText).contains("Read-only file system"));
  CHECK(llvm::StringRef(r.stdoutText).endswith("1\n"));
  struct stat st;
  CHECK(::stat("/etc/dfc-mounted", &st) != 0);
  CHECK(::stat((root + "/etc/dfc-mounted").c_str(), &st) == 0);
  ::rmdir((root + "/etc/dfc-mounted").c_str());
  ::unlink((root + "/escape").c_str());
  (void)!std::system(("rm -rf " + std::string(dir)).c_str());
}

TEST_CASE("/dev has Docker's nodes and links", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  RunResult r =
      sh("ls /dev; echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | wc -c; readlink /dev/fd");
  INFO(r.error << r.stderrText);
  struct stat st;
  // runc links /dev/core only when the host has /proc/kcore.
  std::string core = ::stat("/proc/kcore", &st) == 0 ? "core\n" : "";
  CHECK(r.stdoutText == core + "fd\nfull\nmqueue\nnull\nptmx\npts\nrandom\nshm\nstderr\nstdin\nstdout\ntty\n"
                               "urandom\nzero\nnull-ok\n4\n/proc/self/fd\n");
}

TEST_CASE("a terminal is allocated inside the container", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  Bundle b = busyboxBundle({});
  b.process.terminal = true;
  RunResult r = sh("tty; test -t 0 && test -t 1 && echo all-tty; readlink /proc/self/fd/2", b);
  INFO(r.error);
  CHECK(r.exitCode == 0);
  CHECK(r.stdoutText == "/dev/pts/0\r\nall-tty\r\n/dev/pts/0\r\n");

  // start() hands the master to the caller, who talks to the process through it.
  b.process.args = {"/bin/sh", "-c", "read line; echo got:$line"};
  RunOptions o;
  auto c = start(b, o);
  requireStarted(c);
  int master = c->takeTerminal();
  REQUIRE(master >= 0);
  REQUIRE(::write(master, "hi\n", 3) == 3);
  std::string seen;
  char buf[256];
  ssize_t n;
  while ((n = ::read(master, buf, sizeof buf)) > 0)
    seen.append(buf, static_cast<size_t>(n));
  ::close(master);
  RunResult done = c->wait();
  CHECK(done.exitCode == 0);
  CHECK(llvm::StringRef(seen).contains("got:hi"));
}

TEST_CASE("start() returns at exec; signals reach the process through the init", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  std::string pidFile = "/tmp/dfc-pidfile-" + std::to_string(::getpid());
  RunOptions o = captured();
  o.pidFile = pidFile;
  auto c = start(busyboxBundle({"/bin/sleep", "30"}), o);
  requireStarted(c);
  CHECK(c->pid() > 0);
  CHECK(readHostFile(pidFile) == std::to_string(c->pid()));
  CHECK(c->signal(SIGTERM));
  auto before = std::chrono::steady_clock::now();
  RunResult r = c->wait();
  CHECK(r.exitCode == 128 + SIGTERM);
  CHECK(std::chrono::steady_clock::now() - before < std::chrono::seconds(10));
  ::unlink(pidFile.c_str());

  // Dropping an unwaited container kills it.
  pid_t pid;
  {
    auto d = start(busyboxBundle({"/bin/sleep", "30"}), captured());
    requireStarted(d);
    pid = d->pid();
  }
  CHECK(::kill(pid, 0) != 0);
}

TEST_CASE("prestart runs with the container's pid before the process starts", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  std::string root = BusyboxRootfs::get().path;
  RunOptions o = captured();
  pid_t seen = -1;
  o.prestart = [&](pid_t pid) {
    seen = pid;
    std::ofstream(root + "/tmp/prestart")
        << "net ns " << (::access(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), F_OK) == 0);
    return llvm::Error::success();
  };
  RunResult r = sh("cat /tmp/prestart", busyboxBundle({}), o);
  CHECK(seen > 0);
  CHECK(r.stdoutText == "net ns 1");
  ::unlink((root + "/tmp/prestart").c_str());

  o.prestart = [](pid_t) { return llvm::createStringError(std::errc::io_error, "no network for you"); };
  r = sh("true", busyboxBundle({}), o);
  CHECK(r.exitCode == 125);
  CHECK(r.error == "no network for you");
}

TEST_CASE("prestart sees the container's own network namespace, pooled or not", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  auto nsOf = [](const std::string &proc) {
    char buf[64] = {};
    ssize_t n = ::readlink((proc + "/ns/net").c_str(), buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, size_t(n)) : std::string();
  };
  std::string ours = nsOf("/proc/self");
  REQUIRE(!ours.empty());
  // Many open fds make the child's first step (closing them) slow, as in a busy builder: a prestart
  // that does not wait for the setns(2) after it would see our namespace.
  std::vector<int> spare;
  for (int i = 0; i < 4000; ++i)
    if (int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC); fd >= 0)
      spare.push_back(fd);
  // Several runs: the first may clone its namespace, the later ones join pooled ones after clone.
  for (int i = 0; i < 4; ++i) {
    RunOptions o = captured();
    o.network = NetworkMode::Default;
    std::string seen;
    o.prestart = [&](pid_t pid) {
      seen = nsOf("/proc/" + std::to_string(pid));
      return llvm::Error::success();
    };
    RunResult r = sh("readlink /proc/self/ns/net", busyboxBundle({}), o);
    INFO("run " << i << ": " << r.error << r.stderrText);
    CHECK(seen != ours);
    CHECK(r.stdoutText == seen + "\n");
  }
  for (int fd : spare)
    ::close(fd);
}

TEST_CASE("cgroup limits apply where the host allows them", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  if (::access("/sys/fs/cgroup/pids", W_OK) != 0 && ::access("/sys/fs/cgroup/cgroup.procs", W_OK) != 0) {
    WARN("SKIPPED: no writable pids cgroup here");
    return;
  }
  Bundle b = busyboxBundle({});
  b.linuxSpec.resources = Resources{64 * 1024 * 1024, 4};
  RunOptions o = captured();
  o.containerId = "limits-" + std::to_string(::getpid());
  std::string memoryLimit;
  o.prestart = [&](pid_t pid) {
    std::ifstream cg("/proc/" + std::to_string(pid) + "/cgroup");
    std::string line;
    while (std::getline(cg, line))
      if (line.find(":memory:") != std::string::npos)
        memoryLimit = readHostFile("/sys/fs/cgroup/memory" + line.substr(line.find(":memory:") + 8) +
                                   "/memory.limit_in_bytes");
    return llvm::Error::success();
  };
  // The container's /sys/fs/cgroup/<controller> is its own cgroup, read-only.
  RunResult r = sh("cat /sys/fs/cgroup/pids/pids.max; echo 9 > /sys/fs/cgroup/pids/pids.max; "
                   "for i in 1 2 3 4 5 6; do sleep 1 & done 2>&1; wait",
                   b, o);
  INFO(r.error << r.stdoutText << r.stderrText);
  CHECK(llvm::StringRef(r.stdoutText).startswith("4\n"));
  CHECK(llvm::StringRef(r.stderrText).contains("Read-only file system"));
  CHECK(llvm::StringRef(r.stdoutText + r.stderrText).contains("can't fork"));
  CHECK(memoryLimit == std::to_string(64 * 1024 * 1024) + "\n");
}

// Start-up speed is measured by bench/run.sh side by side with peers, never asserted here: this
// checks that a hundred back-to-back containers all start and exit cleanly, and prints the timing.
TEST_CASE("a hundred back-to-back containers start and exit cleanly", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  Bundle b = busyboxBundle({"/bin/true"});
  RunOptions o;
  o.stdinTarget = Stdio::null();
  o.stdoutTarget = Stdio::null();
  o.stderrTarget = Stdio::null();
  std::vector<double> ms;
  for (int i = 0; i < 100; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    RunResult r = run(b, o);
    auto t1 = std::chrono::steady_clock::now();
    REQUIRE(r.exitCode == 0);
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  double median = (ms[49] + ms[50]) / 2;
  WARN("run /bin/true x100: median " << median << " ms, min " << ms.front() << " ms, p90 " << ms[89]
                                     << " ms");
}

TEST_CASE("uid/gid mappings run the container in a user namespace", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  Bundle b = busyboxBundle({});
  b.setNamespace("user", true);
  b.linuxSpec.uidMappings = {{0, 100000, 65536}};
  b.linuxSpec.gidMappings = {{0, 100000, 65536}};
  RunResult r =
      sh("id; cat /proc/self/uid_map; echo x > /dev/null && echo null-ok; stat -c %u /bin/busybox", b);
  INFO(r.error << r.stderrText);
  CHECK(r.exitCode == 0);
  // Root inside is 100000 outside; host root's files show as the overflow uid.
  CHECK(r.stdoutText == "uid=0 gid=0\n         0     100000      65536\nnull-ok\n65534\n");
}

TEST_CASE("containers started from several threads at once stay separate", "[runtime]") {
  DFC_REQUIRE_CONTAINERS();
  constexpr int threads = 4, runs = 8;
  std::vector<std::string> failures[threads];
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([t, &failures] {
      for (int i = 0; i < runs; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        // A long-lived sibling must not hold this run's pipes open (that would hang the capture).
        RunResult r = sh("echo " + id + "; sleep 0.0" + std::to_string(i));
        if (r.exitCode != 0 || r.stdoutText != id + "\n")
          failures[t].push_back(id + ": exit " + std::to_string(r.exitCode) + " out '" + r.stdoutText + "' " +
                                r.error);
      }
    });
  }
  for (std::thread &w : workers)
    w.join();
  for (int t = 0; t < threads; ++t) {
    INFO("thread " << t);
    for (const std::string &f : failures[t])
      UNSCOPED_INFO(f);
    CHECK(failures[t].empty());
  }
}
