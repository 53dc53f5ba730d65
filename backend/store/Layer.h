// Layers: a directory (an overlay upperdir) to a reproducible tar and back, plus export compression.
// writeLayer hashes while it writes (diff_id); applyLayer never writes outside its target directory.
#pragma once

#include "backend/store/Digest.h"

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace dfc::store {

struct LayerWriteOptions {
  // Clamp every mtime to at most this (SOURCE_DATE_EPOCH), so `touch` does not change digests.
  std::optional<int64_t> sourceDateEpoch;
  // Translate overlayfs whiteouts (char dev 0/0) and opaque dirs into OCI .wh. entries.
  bool overlayWhiteouts = true;
};

struct LayerInfo {
  Digest diffId;     // sha256 of the uncompressed tar
  uint64_t size = 0; // bytes of the uncompressed tar
  uint64_t entries = 0;
};

// Receives the tar bytes as they are produced (e.g. BlobWriter::write).
using ByteSink = std::function<llvm::Error(const void *data, size_t size)>;

// Tars `dir` (its contents, not itself) as pax/ustar with entries in sorted path order, numeric
// uid/gid only, nanoseconds dropped, hardlinks as links, xattrs (minus trusted.overlay.*).
llvm::Expected<LayerInfo> writeLayer(llvm::StringRef dir, const ByteSink &out,
                                     const LayerWriteOptions &opts = {});
// Same, into a file descriptor.
llvm::Expected<LayerInfo> writeLayer(llvm::StringRef dir, int outFd, const LayerWriteOptions &opts = {});

enum class WhiteoutMode {
  Overlay, // .wh.x -> char dev 0/0 "x"; .wh..wh..opq -> trusted.overlay.opaque=y (a snapshot)
  Flat,    // .wh.x deletes x; .wh..wh..opq empties the dir of older entries (a merged rootfs)
};

struct ApplyOptions {
  WhiteoutMode whiteouts = WhiteoutMode::Overlay;
  // chown entries to the tar's numeric uid/gid (needs root; ignored failures otherwise).
  bool preserveOwners = true;
};

struct ApplyStats {
  uint64_t entries = 0; // filesystem entries created (whiteouts included)
  uint64_t bytes = 0;   // file content written
};

// Extracts a tar (any compression libarchive detects) into `dir`. Paths are confined to `dir`:
// a leading "/" is stripped, ".." that would climb out is an error, symlinks met on the way are
// resolved as if `dir` were "/", and hardlink targets must already exist inside `dir`.
llvm::Expected<ApplyStats> applyLayer(int tarFd, llvm::StringRef dir, const ApplyOptions &opts = {});
llvm::Expected<ApplyStats> applyLayerFile(llvm::StringRef tarPath, llvm::StringRef dir,
                                          const ApplyOptions &opts = {});

enum class Compression { None, Gzip, Zstd };

// Compresses inFd to out, deterministically (gzip header has no name and mtime 0).
llvm::Error compress(int inFd, const ByteSink &out, Compression c);
// Decompresses whatever libarchive recognises (gzip, zstd, xz, bzip2 or none) from inFd to out.
llvm::Error decompress(int inFd, const ByteSink &out);

} // namespace dfc::store
