// A temporary store with busybox bootstrapped and a context directory, for tests that run real
// builds. Needs root, overlayfs and /bin/busybox; REQUIRE_BUILDER() skips visibly otherwise.
#pragma once

#include "backend/build/Builder.h"
#include "backend/build/Filesystem.h"
#include "backend/store/Bootstrap.h"
#include "backend/store/Files.h"
#include "backend/store/tests/BusyboxStore.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dfc::build::testing {

// Consumes an llvm::Error, printing it; true when there was none.
inline bool noError(llvm::Error e) {
  if (!e)
    return true;
  WARN(llvm::toString(std::move(e)));
  return false;
}

inline bool canBuild() {
  static int ok = -1;
  if (ok < 0) {
    ok = store::testing::rootWithBusybox();
    if (ok && ::unshare(CLONE_NEWNS) == 0)
      ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
  }
  return ok == 1;
}

#define REQUIRE_BUILDER() DFC_SKIP_UNLESS(dfc::build::testing::canBuild(), "builds need root and /bin/busybox")

struct BuildFixture : store::testing::BusyboxStore {
  BuildFixture() : BusyboxStore("build") { REQUIRE(noError(store::makeDirs(dir + "/ctx"))); }
  void write(const std::string &rel, const std::string &text, unsigned mode = 0644) {
    std::string p = dir + "/ctx/" + rel;
    REQUIRE(noError(store::makeDirs(llvm::StringRef(p).rsplit('/').first)));
    ::unlink(p.c_str());
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, text.data(), text.size()) == ssize_t(text.size()));
    ::close(fd);
    ::chmod(p.c_str(), mode);
  }
  llvm::Expected<BuildResult> build(const std::string &dockerfile, BuildRequest req = {}) {
    write("Dockerfile", dockerfile);
    req.contextDir = dir + "/ctx";
    req.progress = ProgressMode::Quiet;
    if (req.tags.empty())
      req.tags = {"test:latest"};
    req.printLint = false;
    return buildImage(*store, req);
  }
  BuildResult mustBuild(const std::string &dockerfile, BuildRequest req = {}) {
    INFO(dockerfile);
    auto r = build(dockerfile, req);
    if (!r)
      FAIL(llvm::toString(r.takeError()));
    return std::move(*r);
  }
  // The image's merged filesystem, read-only at dir/view until the mount goes.
  OverlayMount mountImage(const store::ResolvedImage &img) {
    auto lowers = store->lowerDirs(img);
    REQUIRE(bool(lowers));
    std::string view = dir + "/view", empty = dir + "/empty";
    REQUIRE(noError(store::makeDirs(empty)));
    auto m = OverlayMount::mount(*lowers, "", "", view, empty);
    if (!m)
      FAIL(llvm::toString(m.takeError()));
    return std::move(*m);
  }
  // Reads a file from the image's merged filesystem ("<missing>" when absent).
  std::string readFromImage(const store::ResolvedImage &img, const std::string &path, struct stat *st = nullptr) {
    OverlayMount m = mountImage(img);
    std::string full = m.path() + path;
    if (st && ::lstat(full.c_str(), st) != 0)
      return "<missing>";
    auto t = store::readFile(full);
    if (!t) {
      llvm::consumeError(t.takeError());
      return "<missing>";
    }
    return *t;
  }
};

inline std::vector<bool> cachedFlags(const BuildResult &r) {
  std::vector<bool> out;
  for (const StepReport &s : r.steps)
    out.push_back(s.cached);
  return out;
}

inline std::string errorText(llvm::Error e, int *exitCode = nullptr) {
  std::string out;
  llvm::handleAllErrors(
      std::move(e),
      [&](const BuildError &b) {
        out = b.location + ": " + b.message;
        if (exitCode)
          *exitCode = b.exitCode;
      },
      [&](const llvm::ErrorInfoBase &b) { out = b.message(); });
  return out;
}

} // namespace dfc::build::testing
