// A throwaway busybox rootfs for runtime tests (Debian's busybox-static), plus the checks that make a
// test skip visibly when it cannot run here (not root, busybox missing).
#pragma once

#include "backend/runtime/Bundle.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace dfc::runtime::testing {

inline const char *busyboxBinary() {
  for (const char *p : {"/bin/busybox", "/usr/bin/busybox"})
    if (::access(p, X_OK) == 0)
      return p;
  return nullptr;
}

// Made once per test binary, removed at exit.
class BusyboxRootfs {
public:
  static BusyboxRootfs &get() {
    static BusyboxRootfs rootfs;
    return rootfs;
  }
  bool ok() const { return !path.empty(); }
  std::string path;

  ~BusyboxRootfs() {
    if (!path.empty())
      (void)!std::system(("rm -rf '" + path + "'").c_str());
  }

private:
  BusyboxRootfs() {
    const char *busybox = busyboxBinary();
    if (!busybox || ::geteuid() != 0)
      return;
    char tmpl[] = "/tmp/dfc-rootfs-XXXXXX";
    if (!::mkdtemp(tmpl))
      return;
    path = tmpl;
    ::chmod(tmpl, 0755);
    for (const char *dir : {"bin", "tmp", "etc", "proc", "sys", "dev", "work"})
      ::mkdir((path + "/" + dir).c_str(), 0755);
    ::chmod((path + "/tmp").c_str(), 01777);
    std::string copy = "cp '" + std::string(busybox) + "' '" + path + "/bin/busybox'";
    if (std::system(copy.c_str()) != 0) {
      path.clear();
      return;
    }
    for (const char *applet :
         {"sh",       "true",  "false", "echo",     "cat",   "id",   "ls",      "mount",   "ps",
          "hostname", "sleep", "grep",  "pwd",      "touch", "kill", "unshare", "linux32", "test",
          "tty",      "wc",    "head",  "readlink", "stat",  "env",  "umount",  "ip",      "awk"})
      ::symlink("busybox", (path + "/bin/" + applet).c_str());
    int fd = ::open((path + "/bin/not-executable").c_str(), O_CREAT | O_WRONLY, 0644);
    if (fd >= 0) {
      (void)!::write(fd, "#!/bin/sh\n", 10);
      ::close(fd);
    }
    fd = ::open((path + "/etc/rootfs-marker").c_str(), O_CREAT | O_WRONLY, 0644);
    if (fd >= 0)
      ::close(fd);
  }
};

// Docker's defaults for the busybox rootfs running `args`.
inline Bundle busyboxBundle(std::vector<std::string> args) {
  Bundle b = dockerDefaults(BusyboxRootfs::get().path);
  b.process.args = std::move(args);
  b.hostname = "dfc-test";
  return b;
}

} // namespace dfc::runtime::testing

// Skips the rest of a test case with a visible warning when containers cannot run here.
#define DFC_REQUIRE_CONTAINERS()                                                                             \
  do {                                                                                                       \
    if (::geteuid() != 0) {                                                                                  \
      WARN("SKIPPED: runtime tests need root");                                                              \
      return;                                                                                                \
    }                                                                                                        \
    if (!::dfc::runtime::testing::BusyboxRootfs::get().ok()) {                                               \
      WARN("SKIPPED: needs busybox-static (/bin/busybox)");                                                  \
      return;                                                                                                \
    }                                                                                                        \
  } while (0)
