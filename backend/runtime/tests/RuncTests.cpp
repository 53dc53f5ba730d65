// The same bundle under dfc's runtime and Debian's runc must behave the same: identity, privileges,
// devices, network, read-only root and exit codes. Skips visibly without runc or root.
#include "backend/runtime/Runc.h"

#include "backend/runtime/tests/BusyboxRootfs.h"

#include <nlohmann/json.hpp>

using namespace dfc::runtime;
using dfc::runtime::testing::busyboxBundle;

namespace {

RunOptions captured() {
  RunOptions o;
  o.stdinTarget = Stdio::null();
  o.stdoutTarget = Stdio::capture();
  o.stderrTarget = Stdio::capture();
  o.init = InitMode::Never; // runc has no init of its own
  return o;
}

} // namespace

#define DFC_REQUIRE_RUNC()                                                                                   \
  DFC_REQUIRE_CONTAINERS();                                                                                  \
  if (findRunc().empty()) {                                                                                  \
    WARN("SKIPPED: runc is not installed (apt-get install runc)");                                           \
    return;                                                                                                  \
  }

TEST_CASE("dfc's runtime and runc give the same output for the same bundle", "[runc]") {
  DFC_REQUIRE_RUNC();
  const char *script =
      "id; hostname; pwd; echo \"$FOO\"; "
      "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status; "
      "ls /dev; ls /sys/class/net; cat /sys/class/net/lo/flags; "
      "unshare -U true 2>/dev/null; echo unshare=$?; linux32 true; echo linux32=$?; "
      "mount -t tmpfs none /mnt 2>/dev/null; echo mount=$?; touch /etc/x 2>/dev/null; echo touch=$?; "
      "touch /dev/shm/x; echo shm=$?; wc -c < /proc/timer_list; ls /proc/acpi | wc -l; "
      "echo 1 > /proc/sys/kernel/domainname 2>/dev/null; echo sysctl=$?; ps -o pid,comm | grep -c ' 1 sh'; "
      "exit 3";
  struct Variant {
    const char *name;
    uint32_t uid;
    NetworkMode network;
  } variants[] = {{"root", 0, NetworkMode::None}, {"user 1000", 1000, NetworkMode::Default}};
  for (const Variant &v : variants) {
    Bundle b = busyboxBundle({"/bin/sh", "-c", script});
    b.root.readonly = true;
    b.process.cwd = "/tmp";
    b.process.env.push_back("FOO=bar baz");
    b.process.user = {v.uid, v.uid, {}};
    b.process.capabilities = dockerCapabilities(v.uid);
    RunOptions o = captured();
    o.network = v.network;
    RunResult ours = run(b, o);
    RunResult theirs = runWithRunc(b, o);
    INFO("variant " << v.name << "\nours error: " << ours.error << "\nours stderr: " << ours.stderrText
                    << "\nrunc error: " << theirs.error << "\nrunc stderr: " << theirs.stderrText);
    CHECK(ours.exitCode == 3);
    CHECK(theirs.exitCode == 3);
    CHECK(ours.stdoutText == theirs.stdoutText);
    CHECK(llvm::StringRef(ours.stdoutText).contains("Seccomp:\t2"));
  }
}

TEST_CASE("runc runs bundles with bind mounts and resources from the same config", "[runc]") {
  DFC_REQUIRE_RUNC();
  char dir[] = "/tmp/dfc-runc-bind-XXXXXX";
  REQUIRE(::mkdtemp(dir));
  {
    std::string file = std::string(dir) + "/greeting";
    FILE *f = std::fopen(file.c_str(), "w");
    REQUIRE(f);
    std::fputs("hello from the host\n", f);
    std::fclose(f);
  }
  Bundle b = busyboxBundle({"/bin/sh", "-c",
                            "cat /work/greeting; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null "
                            "|| echo no-pids-file"});
  b.mounts.push_back({"/work", "bind", dir, {"rbind", "ro"}});
  RunOptions o = captured();
  RunResult ours = run(b, o);
  RunResult theirs = runWithRunc(b, o);
  INFO("ours: " << ours.error << ours.stderrText << "\nrunc: " << theirs.stderrText);
  CHECK(ours.exitCode == 0);
  CHECK(theirs.exitCode == 0);
  CHECK(llvm::StringRef(ours.stdoutText).startswith("hello from the host\n"));
  CHECK(llvm::StringRef(theirs.stdoutText).startswith("hello from the host\n"));
  ::unlink((std::string(dir) + "/greeting").c_str());
  ::rmdir(dir);
}

TEST_CASE("runWithRunc reports runc's own failures", "[runc]") {
  DFC_REQUIRE_RUNC();
  Bundle b = busyboxBundle({"/bin/no-such-program"});
  RunResult r = runWithRunc(b, captured());
  INFO(r.stderrText);
  CHECK(r.exitCode != 0);
  CHECK(llvm::StringRef(r.stderrText).contains("no-such-program"));
}
