// What dfc knows about the compressed forms of its (uncompressed) layers: digest, size, media type
// and the repositories holding them. Push uses it to skip compression and to mount across repos.
#pragma once

#include "backend/store/Digest.h"
#include "backend/store/Layer.h"

#include <llvm/ADT/StringRef.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dfc::registry {

struct CompressedLayer {
  store::Digest digest;
  uint64_t size = 0;
  std::string mediaType;
  std::vector<std::string> repositories; // "127.0.0.1:5000/x", "docker.io/library/alpine"
};

// The compression a layer media type names (None for plain tar, nullopt for unknown types).
std::optional<store::Compression> layerCompression(llvm::StringRef mediaType);

// A cache under <store root>/registry/layers/<diff_id hex>.json. Losing it only costs a recompression,
// so writes are best effort (atomic, but a concurrent writer may drop a repository entry).
class CompressedLayers {
public:
  explicit CompressedLayers(std::string storeRoot) : Root(std::move(storeRoot)) {}

  std::optional<CompressedLayer> find(const store::Digest &diffId, store::Compression c) const;
  void record(const store::Digest &diffId, const CompressedLayer &layer, llvm::StringRef repository);

private:
  std::string path(const store::Digest &diffId) const;
  std::string Root;
};

} // namespace dfc::registry
