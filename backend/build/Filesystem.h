// Filesystem work of build steps: overlay mounts over layer snapshots, confined writes into a
// root filesystem (COPY/ADD), user and group lookup from the image's /etc files.
#pragma once

#include "backend/build/Context.h"

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace dfc::build {

// An overlay mount: `lowers` topmost first; without `upper` a read-only view. Unmounted on
// destruction.
class OverlayMount {
public:
  OverlayMount() = default;
  OverlayMount(OverlayMount &&o) noexcept : Target(std::move(o.Target)) { o.Target.clear(); }
  OverlayMount &operator=(OverlayMount &&o) noexcept;
  ~OverlayMount();
  // `volatileUpper`: overlayfs's `volatile` (no syncs reach the upper filesystem, so unmounting
  // does not sync it) for an upper the caller makes durable itself or throws away; the upper and
  // work dirs must not be mounted again. Ignored by kernels without it.
  static llvm::Expected<OverlayMount> mount(const std::vector<std::string> &lowers, llvm::StringRef upper,
                                            llvm::StringRef work, llvm::StringRef target,
                                            llvm::StringRef emptyDir, bool volatileUpper = false);
  llvm::Error unmount();
  const std::string &path() const { return Target; }

private:
  std::string Target;
};

struct Ids {
  uint32_t uid = 0, gid = 0;
};

// "name", "uid", "name:group", "uid:gid" against <root>/etc/passwd and /etc/group (looked up
// inside root). A name that is not found is an error; a bare uid takes its passwd group or 0.
llvm::Expected<Ids> lookupUser(llvm::StringRef root, llvm::StringRef spec);

// Creates every missing directory of `rel` inside root (mode 0755, owned by ids) and returns
// the host path of the last one. Symlinks on the way resolve inside root.
llvm::Expected<std::string> makeDirsIn(llvm::StringRef root, llvm::StringRef rel, const Ids &ids);

struct CopyOptions {
  std::optional<Ids> owner;     // --chown; default 0:0
  std::optional<mode_t> mode;   // --chmod
};

// Copies selected entries (from SourceTree::select) to `destRel` inside root: a directory
// source's contents go into destRel, a file source becomes destRel.
llvm::Error copyEntries(llvm::StringRef root, const std::vector<SourceEntry> &entries, llvm::StringRef destRel,
                        const CopyOptions &opts);

// Writes one file with the given content inside root.
llvm::Error writeFileIn(llvm::StringRef root, llvm::StringRef destRel, llvm::StringRef data, const CopyOptions &opts,
                        int64_t mtime);

// True when `path` is a tar archive (possibly gzip/bzip2/xz/zstd compressed), the only kind ADD
// unpacks.
bool isTarArchive(llvm::StringRef path);

// True when the tree holds nothing but directories and empty files (mount-point stubs).
bool onlyEmptyStubs(llvm::StringRef dir);

// Is the directory empty (an unchanged overlay upperdir)?
bool isEmptyDir(llvm::StringRef path);

} // namespace dfc::build
