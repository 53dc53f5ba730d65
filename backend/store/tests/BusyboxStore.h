// A temporary directory holding an image store (`dir`/root) with busybox:latest bootstrapped, both
// removed at the end: the start of the build and containers test fixtures.
#pragma once

#include "backend/store/Bootstrap.h"
#include "backend/store/Files.h"
#include "backend/store/ImageStore.h"

#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <memory>
#include <string>

namespace dfc::store::testing {

// What builds and containers need to run: root and a static busybox to make the base image from.
inline bool rootWithBusybox() { return ::geteuid() == 0 && ::access("/bin/busybox", X_OK) == 0; }

// Ends a test visibly as skipped unless `ok` (the fixtures' REQUIRE_BUILDER / REQUIRE_RUNNER).
#define DFC_SKIP_UNLESS(ok, why)                                                                                  \
  do {                                                                                                            \
    if (!(ok)) {                                                                                                  \
      WARN("SKIPPED: " why);                                                                                      \
      return;                                                                                                     \
    }                                                                                                             \
  } while (0)

struct BusyboxStore {
  std::string dir;
  std::unique_ptr<ImageStore> store;

  // `name` goes into the directory's name: /tmp/dfc-<name>-test-XXXXXX.
  explicit BusyboxStore(const std::string &name) {
    std::string t = "/tmp/dfc-" + name + "-test-XXXXXX";
    REQUIRE(::mkdtemp(t.data()));
    dir = t;
    auto s = ImageStore::open(dir + "/root");
    REQUIRE(bool(s));
    store = std::move(*s);
    auto bb = bootstrapBusybox(*store, "busybox:latest");
    if (!bb)
      FAIL(llvm::toString(bb.takeError()));
  }
  ~BusyboxStore() {
    store.reset();
    llvm::consumeError(removeTree(dir));
  }
  BusyboxStore(const BusyboxStore &) = delete;
  BusyboxStore &operator=(const BusyboxStore &) = delete;
};

} // namespace dfc::store::testing
