// Bundle JSON I/O against the spec's field names, Docker's defaults, and the seccomp profile compiler.
#include "backend/runtime/Bundle.h"
#include "backend/runtime/SeccompFilter.h"

#include "backend/runtime/tests/BusyboxRootfs.h"

#include <nlohmann/json.hpp>

#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Path.h>

#include <algorithm>
#include <cstring>

using namespace dfc::runtime;
using nlohmann::json;

namespace {

bool denies(const Seccomp &profile, const std::string &name) {
  return std::any_of(profile.syscalls.begin(), profile.syscalls.end(), [&](const SeccompSyscall &s) {
    return s.action == "SCMP_ACT_ERRNO" && s.args.empty() &&
           std::find(s.names.begin(), s.names.end(), name) != s.names.end();
  });
}

} // namespace

TEST_CASE("Docker's defaults: mounts, paths, namespaces, capabilities", "[bundle]") {
  Bundle b = dockerDefaults("/some/rootfs");
  CHECK(b.root.path == "/some/rootfs");
  std::vector<std::string> destinations;
  for (const Mount &m : b.mounts)
    destinations.push_back(m.destination);
  CHECK(destinations == std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup",
                                                 "/dev/mqueue", "/dev/shm"});
  CHECK(std::find(b.mounts[3].options.begin(), b.mounts[3].options.end(), "ro") != b.mounts[3].options.end());
  for (const char *ns : {"pid", "network", "ipc", "uts", "mount"}) {
    INFO(ns);
    CHECK(b.hasNamespace(ns));
  }
  CHECK_FALSE(b.hasNamespace("user"));
  CHECK(std::find(b.linuxSpec.maskedPaths.begin(), b.linuxSpec.maskedPaths.end(), "/proc/kcore") !=
        b.linuxSpec.maskedPaths.end());
  CHECK(std::find(b.linuxSpec.readonlyPaths.begin(), b.linuxSpec.readonlyPaths.end(), "/proc/sys") !=
        b.linuxSpec.readonlyPaths.end());
  REQUIRE(b.process.capabilities);
  CHECK(b.process.capabilities->bounding.size() == 14);
  CHECK(b.process.capabilities->effective == b.process.capabilities->bounding);
  CHECK(b.process.capabilities->inheritable.empty());
  CHECK(b.process.noNewPrivileges);
  REQUIRE(b.linuxSpec.seccomp);

  Capabilities user = dockerCapabilities(1000);
  CHECK(user.bounding.size() == 14);
  CHECK(user.effective.empty());
  CHECK(user.permitted.empty());
}

TEST_CASE("setNamespace adds and removes", "[bundle]") {
  Bundle b;
  b.setNamespace("network", true);
  b.setNamespace("network", true);
  CHECK(b.linuxSpec.namespaces.size() == 1);
  b.setNamespace("network", false);
  CHECK(b.linuxSpec.namespaces.empty());
}

TEST_CASE("the seccomp profile denies Docker's dangerous syscalls, gated by capabilities", "[bundle]") {
  Seccomp p = dockerSeccompProfile();
  CHECK(p.defaultAction == "SCMP_ACT_ALLOW");
  for (const char *name : {"mount",
                           "umount2",
                           "kexec_load",
                           "init_module",
                           "finit_module",
                           "delete_module",
                           "reboot",
                           "swapon",
                           "swapoff",
                           "acct",
                           "settimeofday",
                           "clock_settime",
                           "pivot_root",
                           "unshare",
                           "setns",
                           "keyctl",
                           "add_key",
                           "request_key",
                           "bpf",
                           "perf_event_open",
                           "userfaultfd",
                           "open_by_handle_at",
                           "lookup_dcookie",
                           "quotactl",
                           "vm86",
                           "nfsservctl",
                           "name_to_handle_at",
                           "iopl",
                           "ioperm",
                           "syslog"}) {
    INFO(name);
    CHECK(denies(p, name));
  }
  CHECK_FALSE(denies(p, "ptrace")); // allowed on kernels >= 4.8, as Docker does
  CHECK_FALSE(denies(p, "chroot"));

  std::vector<std::string> admin = dockerDefaultCapabilityNames();
  admin.push_back("CAP_SYS_ADMIN");
  Seccomp privileged = dockerSeccompProfile(admin);
  CHECK_FALSE(denies(privileged, "mount"));
  CHECK_FALSE(denies(privileged, "unshare"));
  CHECK(denies(privileged, "kexec_load"));
  CHECK(denies(privileged, "reboot"));
}

TEST_CASE("the default profile compiles to BPF; bad profiles are errors", "[bundle]") {
  auto program = detail::compileSeccomp(dockerSeccompProfile());
  if (!program)
    FAIL(llvm::toString(program.takeError()));
  CHECK(program->size() > 50);

  Seccomp bad = dockerSeccompProfile();
  bad.syscalls.push_back({{"read"}, "SCMP_ACT_ERRNO", std::nullopt, {{0, 1, 0, "SCMP_CMP_SOMETIMES"}}});
  auto error = detail::compileSeccomp(bad);
  REQUIRE_FALSE(static_cast<bool>(error));
  CHECK(llvm::toString(error.takeError()) == "seccomp: bad argument rule SCMP_CMP_SOMETIMES on index 0");

  Seccomp unknownAction;
  unknownAction.defaultAction = "SCMP_ACT_MAYBE";
  auto e2 = detail::compileSeccomp(unknownAction);
  REQUIRE_FALSE(static_cast<bool>(e2));
  CHECK(llvm::toString(e2.takeError()) == "seccomp: unknown default action SCMP_ACT_MAYBE");
}

TEST_CASE("a compiled profile is written whole to the cache folder, no temp file left", "[bundle]") {
  llvm::SmallString<128> dir;
  REQUIRE_FALSE(llvm::sys::fs::createUniqueDirectory("dfc-seccomp", dir));
  Seccomp profile = dockerSeccompProfile(); // a profile no other test compiled: not in memory yet
  profile.syscalls.push_back({{"acct"}, "SCMP_ACT_ERRNO", std::nullopt, {}});
  std::string cacheDir = (dir + "/seccomp").str();
  auto program = detail::compileSeccomp(profile, cacheDir);
  if (!program)
    FAIL(llvm::toString(program.takeError()));
  std::vector<std::string> names;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(cacheDir, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(llvm::sys::path::filename(it->path()).str());
  REQUIRE(names.size() == 1);
  CHECK(llvm::StringRef(names[0]).endswith(".tmp") == false);
  auto bytes = llvm::MemoryBuffer::getFile(cacheDir + "/" + names[0]);
  REQUIRE(bytes);
  // The program, then its 8-byte checksum.
  REQUIRE((*bytes)->getBufferSize() == program->size() * sizeof(struct sock_filter) + 8);
  CHECK(std::memcmp((*bytes)->getBufferStart(), program->data(), program->size() * sizeof(struct sock_filter)) == 0);
  llvm::sys::fs::remove_directories(dir);
}

TEST_CASE("config.json uses the spec's names and round-trips", "[bundle]") {
  Bundle b = dockerDefaults("rootfs");
  b.process.args = {"/bin/sh", "-c", "echo hi"};
  b.process.user = {1000, 1000, {10}};
  b.process.rlimits = {{"RLIMIT_NOFILE", 4096, 1024}};
  b.hostname = "box";
  b.root.readonly = true;
  b.linuxSpec.uidMappings = {{0, 100000, 65536}};
  b.linuxSpec.cgroupsPath = "/dfc/x";
  b.linuxSpec.resources = Resources{1 << 20, 64};
  std::string text = toJSON(b);
  json j = json::parse(text);
  CHECK(j["ociVersion"] == "1.0.2");
  CHECK(j["process"]["args"][2] == "echo hi");
  CHECK(j["process"]["user"]["additionalGids"][0] == 10);
  CHECK(j["process"]["capabilities"]["bounding"][0] == "CAP_CHOWN");
  CHECK(j["process"]["rlimits"][0]["soft"] == 1024);
  CHECK(j["process"]["noNewPrivileges"] == true);
  CHECK(j["root"]["readonly"] == true);
  CHECK(j["hostname"] == "box");
  CHECK(j["mounts"][0]["destination"] == "/proc");
  CHECK(j["linux"]["namespaces"][0]["type"] == "pid");
  CHECK(j["linux"]["uidMappings"][0]["hostID"] == 100000);
  CHECK(j["linux"]["resources"]["memory"]["limit"] == 1 << 20);
  CHECK(j["linux"]["resources"]["pids"]["limit"] == 64);
  CHECK(j["linux"]["seccomp"]["defaultAction"] == "SCMP_ACT_ALLOW");
  CHECK(j["linux"]["seccomp"]["syscalls"][0]["errnoRet"] == 1);

  auto back = bundleFromJSON(text);
  if (!back)
    FAIL(llvm::toString(back.takeError()));
  CHECK(toJSON(*back) == text);
}

TEST_CASE("reading config.json: unknown fields pass, broken input is an error", "[bundle]") {
  auto b =
      bundleFromJSON(R"({"ociVersion":"1.1.0","process":{"args":["sh"],"cwd":"/","user":{"uid":5,"gid":6},
    "apparmorProfile":"x"},"root":{"path":"rootfs"},"annotations":{"a":"b"},"linux":{"sysctl":{}}})");
  if (!b)
    FAIL(llvm::toString(b.takeError()));
  CHECK(b->process.args == std::vector<std::string>{"sh"});
  CHECK(b->process.user.uid == 5);
  CHECK_FALSE(b->process.capabilities);

  auto broken = bundleFromJSON("{\"process\": [");
  REQUIRE_FALSE(static_cast<bool>(broken));
  CHECK(llvm::toString(broken.takeError()) == "config.json: not a JSON object");

  auto wrongType = bundleFromJSON(R"({"process":{"args":"sh"}})");
  REQUIRE_FALSE(static_cast<bool>(wrongType));
  CHECK(llvm::StringRef(llvm::toString(wrongType.takeError())).startswith("config.json: "));
}

TEST_CASE("writeBundle and readBundle use <dir>/config.json", "[bundle]") {
  char dir[] = "/tmp/dfc-bundle-XXXXXX";
  REQUIRE(::mkdtemp(dir));
  Bundle b = dockerDefaults("rootfs");
  b.process.args = {"true"};
  if (llvm::Error e = writeBundle(b, dir))
    FAIL(llvm::toString(std::move(e)));
  auto back = readBundle(dir);
  if (!back)
    FAIL(llvm::toString(back.takeError()));
  CHECK(toJSON(*back) == toJSON(b));
  ::unlink((std::string(dir) + "/config.json").c_str());
  ::rmdir(dir);

  auto missing = readBundle("/nonexistent-bundle");
  REQUIRE_FALSE(static_cast<bool>(missing));
  CHECK(llvm::toString(missing.takeError()) ==
        "open /nonexistent-bundle/config.json: No such file or directory");
}
