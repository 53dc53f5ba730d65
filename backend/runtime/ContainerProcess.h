// What the cloned child does between clone(2) and execve(2), driven by a plan the parent prepared.
// Internal to dfc_runtime: the child only reads the plan and makes system calls (no malloc, no locks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <linux/filter.h>
#include <sys/resource.h>
#include <sys/types.h>

namespace dfc::runtime::detail {

// What a failing child sends up the error pipe before _exit(exitCode). The parent appends strerror(errnum).
struct ChildError {
  int32_t exitCode;
  int32_t errnum; // 0: `what` is the whole message
  char what[1016];
};

struct MountStep {
  const char *source = nullptr;
  const char *destination = nullptr; // absolute, inside the container
  const char *fstype = nullptr;
  const char *data = nullptr;
  unsigned long flags = 0;       // mount(2) flags for a new filesystem
  unsigned long propagation = 0; // MS_PRIVATE, MS_SLAVE, ... applied afterwards
  uint64_t attrSet = 0;          // MOUNT_ATTR_* applied with mount_setattr (binds)
  bool bind = false;
  bool attrOnly = false; // no mount: apply attrSet to what is mounted at destination
  bool recursive = false;
  bool sourceIsDir = true; // binds: what to create at the destination
  bool devTmpfs = false;   // the tmpfs on /dev: gets the default device nodes
};

struct ChildPlan {
  const char *rootfs = nullptr; // absolute host path
  bool readonlyRoot = false;
  const char *hostname = nullptr;

  const MountStep *mounts = nullptr;
  size_t mountCount = 0;
  const char *const *maskedPaths = nullptr;
  size_t maskedCount = 0;
  const char *const *readonlyPaths = nullptr;
  size_t readonlyCount = 0;
  bool hostHasKcore = false;

  bool newNetwork = false;      // bring lo up
  const int *joinFds = nullptr; // namespaces to setns(2) into
  const int *joinTypes = nullptr;
  size_t joinCount = 0;

  int stdio[3] = {-1, -1, -1}; // fds >= 3 to dup2 onto 0..2; -1 keeps the caller's
  int errorFd = -1;
  int goFd = -1; // read one byte before going on (cgroups, id maps, prestart: parent's work), -1: don't wait
  int joinedFd = -1; // write one byte once joinFds are joined (prestart then sees our namespaces), -1: don't
  int consoleSocket = -1;       // terminal: the pty master is sent here
  const int *keepFds = nullptr; // sorted; every other fd >= 3 is closed first
  size_t keepCount = 0;

  const int *rlimitTypes = nullptr;
  const struct rlimit *rlimitValues = nullptr;
  size_t rlimitCount = 0;

  uid_t uid = 0;
  gid_t gid = 0;
  const gid_t *groups = nullptr;
  size_t groupCount = 0;
  bool userNamespace = false;

  bool setCapabilities = false;
  void *capState = nullptr; // cap_t with effective/permitted/inheritable
  uint64_t boundingMask = 0;
  uint64_t ambientMask = 0;
  int lastCap = 0;

  bool noNewPrivileges = false;
  const struct sock_filter *filter = nullptr;
  unsigned short filterLength = 0;

  const char *cwd = "/";
  char *const *argv = nullptr;
  char *const *envp = nullptr;
  const char *searchPath = nullptr; // the container's PATH for a bare argv[0]

  bool useInit = false;
  bool killWithCaller = false;
};

// Runs in the clone child; never returns (execve or _exit).
[[noreturn]] void runContainerProcess(const ChildPlan &plan);

} // namespace dfc::runtime::detail
