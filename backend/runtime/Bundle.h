// The subset of the OCI runtime-spec config (config.json) dfc uses, as plain structs with JSON I/O,
// and Docker's defaults for a rootfs (mounts, masked paths, capabilities, seccomp profile).
#pragma once

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dfc::runtime {

// Capability names are the spec's spelling: "CAP_CHOWN".
struct Capabilities {
  std::vector<std::string> bounding, effective, inheritable, permitted, ambient;
};

struct Rlimit {
  std::string type; // "RLIMIT_NOFILE"
  uint64_t hard = 0;
  uint64_t soft = 0;
};

struct User {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additionalGids;
};

struct Process {
  bool terminal = false;
  User user;
  std::vector<std::string> args;
  std::vector<std::string> env; // "KEY=value"
  std::string cwd = "/";
  std::optional<Capabilities> capabilities; // absent: left as they are (runc's reading), i.e. all of root's
  std::vector<Rlimit> rlimits;
  bool noNewPrivileges = false;
};

struct Root {
  std::string path; // absolute, or relative to the bundle directory
  bool readonly = false;
};

struct Mount {
  std::string destination;
  std::string type; // "proc", "tmpfs", "bind", ...
  std::string source;
  std::vector<std::string> options; // "nosuid", "ro", "rbind", "mode=755", ...
};

struct Namespace {
  std::string type; // pid, network, mount, ipc, uts, user, cgroup
  std::string path; // join this one instead of creating a new one
};

struct IdMapping {
  uint32_t containerID = 0;
  uint32_t hostID = 0;
  uint32_t size = 0;
};

struct SeccompArg {
  unsigned index = 0;
  uint64_t value = 0;
  uint64_t valueTwo = 0;
  std::string op; // "SCMP_CMP_EQ", "SCMP_CMP_MASKED_EQ" (value = mask, valueTwo = expected), ...
};

// Args with distinct indexes must all match; several args on one index match if any does (runc's reading).
struct SeccompSyscall {
  std::vector<std::string> names;
  std::string action; // "SCMP_ACT_ERRNO", "SCMP_ACT_ALLOW", ...
  std::optional<uint32_t> errnoRet;
  std::vector<SeccompArg> args;
};

struct Seccomp {
  std::string defaultAction = "SCMP_ACT_ALLOW";
  std::vector<std::string> architectures; // "SCMP_ARCH_X86_64", ...
  std::vector<SeccompSyscall> syscalls;
};

struct Resources {
  std::optional<int64_t> memoryLimit; // bytes
  std::optional<int64_t> pidsLimit;
};

struct Linux {
  std::vector<Namespace> namespaces;
  std::vector<IdMapping> uidMappings, gidMappings; // non-empty: run in a user namespace
  std::vector<std::string> maskedPaths, readonlyPaths;
  std::optional<Seccomp> seccomp;
  std::string cgroupsPath; // "/dfc/<id>"; empty with resources set: the runtime picks one
  std::optional<Resources> resources;
};

struct Bundle {
  std::string ociVersion = "1.0.2";
  Process process;
  Root root;
  std::string hostname;
  std::vector<Mount> mounts;
  // Named linuxSpec because `linux` is a predefined macro in GNU C++ mode.
  Linux linuxSpec;

  bool hasNamespace(llvm::StringRef type) const;
  // Adds a fresh namespace of this type unless one is listed; removes it when `wanted` is false.
  void setNamespace(llvm::StringRef type, bool wanted);
};

// config.json text (pretty-printed, spec field names).
std::string toJSON(const Bundle &bundle);
llvm::Expected<Bundle> bundleFromJSON(llvm::StringRef text);
// Writes <dir>/config.json atomically.
llvm::Error writeBundle(const Bundle &bundle, llvm::StringRef dir);
llvm::Expected<Bundle> readBundle(llvm::StringRef dir);

// Docker's default capability set: CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP
// SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE (mask 0xa80425fb).
std::vector<std::string> dockerDefaultCapabilityNames();
// As Docker sets them for a user: root gets the set in bounding/effective/permitted; anyone else only in
// bounding, as execve would leave a non-root process.
Capabilities dockerCapabilities(uint32_t uid,
                                const std::vector<std::string> &names = dockerDefaultCapabilityNames());

// Docker's default seccomp profile, expressed as default-allow plus the deny rules that give the same
// effect (Docker ships it as an allowlist). Rules gated by a capability in Docker's profile are left out
// when `capabilities` holds that capability.
Seccomp dockerSeccompProfile(const std::vector<std::string> &capabilities = dockerDefaultCapabilityNames());

// A bundle for `rootfs` with Docker's defaults: /proc, /dev (tmpfs) with /dev/pts, /dev/shm, /dev/mqueue,
// /sys read-only, /sys/fs/cgroup, Docker's masked and read-only paths, pid/ipc/uts/mount/network
// namespaces, the default capabilities and seccomp profile, no_new_privs and PATH. No rlimits: like
// Docker, the process inherits the caller's. Args, hostname, user and cwd are the caller's.
Bundle dockerDefaults(llvm::StringRef rootfs);

} // namespace dfc::runtime
