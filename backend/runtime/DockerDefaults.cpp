// Docker's container defaults as a Bundle: mounts, masked/read-only paths, capabilities and an
// equivalent of its default seccomp profile written as default-allow plus deny rules.
#include "backend/runtime/Bundle.h"

#include <algorithm>
#include <cerrno>

namespace dfc::runtime {

std::vector<std::string> dockerDefaultCapabilityNames() {
  return {"CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
          "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
          "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
          "CAP_KILL",    "CAP_AUDIT_WRITE"};
}

Capabilities dockerCapabilities(uint32_t uid, const std::vector<std::string> &names) {
  Capabilities caps;
  caps.bounding = names;
  if (uid == 0) {
    caps.effective = names;
    caps.permitted = names;
  }
  return caps;
}

namespace {

// Docker's profile allows these groups only to holders of the capability; without it they fail with
// EPERM. An empty capability means the profile never allows them.
struct DenyGroup {
  std::vector<const char *> capabilities; // any of them lifts the rule
  std::vector<const char *> syscalls;
};

const std::vector<DenyGroup> &denyGroups() {
  static const std::vector<DenyGroup> groups = {
      {{},
       {"kexec_load",
        "kexec_file_load",
        "keyctl",
        "add_key",
        "request_key",
        "userfaultfd",
        "uselib",
        "ustat",
        "sysfs",
        "_sysctl",
        "create_module",
        "get_kernel_syms",
        "query_module",
        "nfsservctl",
        "vm86",
        "vm86old",
        "swapon",
        "swapoff",
        "name_to_handle_at",
        "io_uring_setup",
        "io_uring_enter",
        "io_uring_register"}},
      {{"CAP_SYS_ADMIN"},
       {"mount", "umount", "umount2", "pivot_root", "unshare", "setns", "fanotify_init", "fsconfig",
        "fsmount", "fsopen", "fspick", "mount_setattr", "move_mount", "open_tree", "lookup_dcookie",
        "quotactl", "quotactl_fd", "sethostname", "setdomainname"}},
      {{"CAP_SYS_ADMIN", "CAP_BPF"}, {"bpf"}},
      {{"CAP_SYS_ADMIN", "CAP_PERFMON"}, {"perf_event_open"}},
      {{"CAP_SYS_BOOT"}, {"reboot"}},
      {{"CAP_SYS_MODULE"}, {"init_module", "finit_module", "delete_module"}},
      {{"CAP_SYS_PACCT"}, {"acct"}},
      // ptrace and process_vm_* are allowed on kernels >= 4.8, which is every kernel dfc supports.
      {{"CAP_SYS_PTRACE"}, {"kcmp", "pidfd_getfd", "process_madvise"}},
      {{"CAP_SYS_RAWIO"}, {"iopl", "ioperm"}},
      {{"CAP_SYS_TIME"}, {"settimeofday", "stime", "clock_settime", "clock_settime64"}},
      {{"CAP_SYS_TTY_CONFIG"}, {"vhangup"}},
      {{"CAP_SYS_NICE"},
       {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node", "move_pages"}},
      {{"CAP_SYSLOG"}, {"syslog"}},
      {{"CAP_DAC_READ_SEARCH"}, {"open_by_handle_at"}},
  };
  return groups;
}

SeccompSyscall denyWhen(const char *name, std::vector<SeccompArg> args = {}, uint32_t err = EPERM) {
  SeccompSyscall call;
  call.names = {name};
  call.action = "SCMP_ACT_ERRNO";
  call.errnoRet = err;
  call.args = std::move(args);
  return call;
}

SeccompArg maskedEq(uint64_t mask, uint64_t expected, unsigned index = 0) {
  return {index, mask, expected, "SCMP_CMP_MASKED_EQ"};
}

// Docker allows personality(2) only for 0, PER_LINUX32 (8), UNAME26 (0x20000), both (0x20008) and the
// query 0xffffffff. Deny rules are OR-ed, so the complement is spelled as single-comparison rules.
void addPersonalityRules(std::vector<SeccompSyscall> &out) {
  const uint64_t bit31 = uint64_t(1) << 31;
  // Anything above 32 bits.
  out.push_back(denyWhen("personality", {{0, 0xffffffffULL, 0, "SCMP_CMP_GT"}}));
  for (unsigned bit = 0; bit < 31; ++bit) {
    uint64_t b = uint64_t(1) << bit;
    // Bit 31 clear: any bit outside PER_LINUX32 | UNAME26 set.
    if (bit != 3 && bit != 17)
      out.push_back(denyWhen("personality", {maskedEq(bit31 | b, b)}));
    // Bit 31 set: anything but 0xffffffff has a clear low bit.
    out.push_back(denyWhen("personality", {maskedEq(bit31 | b, bit31)}));
  }
}

} // namespace

Seccomp dockerSeccompProfile(const std::vector<std::string> &capabilities) {
  auto has = [&](const char *cap) {
    return std::find(capabilities.begin(), capabilities.end(), cap) != capabilities.end();
  };
  Seccomp profile;
  profile.defaultAction = "SCMP_ACT_ALLOW";
  // The 32-bit ABIs get the same rules; leaving them out would let int 0x80 bypass a deny list.
  profile.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};

  for (const DenyGroup &group : denyGroups()) {
    if (std::any_of(group.capabilities.begin(), group.capabilities.end(), has))
      continue;
    SeccompSyscall call = denyWhen("");
    call.names.assign(group.syscalls.begin(), group.syscalls.end());
    profile.syscalls.push_back(std::move(call));
  }

  if (!has("CAP_SYS_ADMIN")) {
    // clone(2) creating namespaces; Docker's mask is 0x7E020000 (NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER,
    // NEWPID, NEWNET). Flags are argument 0 on x86.
    for (uint64_t flag : {0x00020000ULL, 0x02000000ULL, 0x04000000ULL, 0x08000000ULL, 0x10000000ULL,
                          0x20000000ULL, 0x40000000ULL})
      profile.syscalls.push_back(denyWhen("clone", {maskedEq(flag, flag)}));
    // clone3 passes flags in memory seccomp cannot read: ENOSYS makes libc fall back to clone.
    profile.syscalls.push_back(denyWhen("clone3", {}, ENOSYS));
  }
  // AF_VSOCK (40) sockets reach the hypervisor, which no container should.
  profile.syscalls.push_back(denyWhen("socket", {{0, 40, 0, "SCMP_CMP_EQ"}}));
  addPersonalityRules(profile.syscalls);
  return profile;
}

Bundle dockerDefaults(llvm::StringRef rootfs) {
  Bundle b;
  b.root.path = rootfs.str();
  b.process.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  b.process.cwd = "/";
  b.process.capabilities = dockerCapabilities(0);
  b.process.noNewPrivileges = true;
  b.mounts = {
      {"/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}},
      {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}},
      {"/dev/pts",
       "devpts",
       "devpts",
       {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
      {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}},
      {"/sys/fs/cgroup", "cgroup", "cgroup", {"ro", "nosuid", "noexec", "nodev"}},
      {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}},
      {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
  };
  Linux &l = b.linuxSpec;
  l.namespaces = {{"pid", ""}, {"network", ""}, {"ipc", ""}, {"uts", ""}, {"mount", ""}};
  l.maskedPaths = {"/proc/asound",
                   "/proc/acpi",
                   "/proc/kcore",
                   "/proc/keys",
                   "/proc/latency_stats",
                   "/proc/timer_list",
                   "/proc/timer_stats",
                   "/proc/sched_debug",
                   "/proc/scsi",
                   "/sys/firmware",
                   "/sys/devices/virtual/powercap"};
  l.readonlyPaths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
  l.seccomp = dockerSeccompProfile(b.process.capabilities->bounding);
  return b;
}

} // namespace dfc::runtime
