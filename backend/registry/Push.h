// `dfc push`: an image from the store to a registry. Layers are compressed on the way (the store
// keeps them plain), blobs the registry has are skipped or mounted, the manifest goes last.
#pragma once

#include "backend/registry/Pull.h"
#include "backend/registry/RegistryClient.h"
#include "backend/store/ImageStore.h"
#include "backend/store/Layer.h"

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <cstdint>
#include <string>

namespace dfc::registry {

enum class ManifestFormat {
  Docker, // application/vnd.docker.distribution.manifest.v2+json: what every registry accepts
  Oci,    // application/vnd.oci.image.manifest.v1+json
};

struct PushOptions {
  RegistryOptions registry;
  ManifestFormat format = ManifestFormat::Docker;
  // Docker schema 2 has no zstd layer type, so Zstd requires ManifestFormat::Oci.
  store::Compression compression = store::Compression::Gzip;
  uint64_t chunkSize = 0; // 0: one PUT per blob; else PATCH chunks of this many bytes
  bool crossRepoMount = true;
  ProgressFn progress;
};

struct PushResult {
  store::Reference destination;
  store::Digest manifestDigest;
  uint64_t manifestSize = 0;
  std::string manifestMediaType;
  unsigned blobsUploaded = 0; // config included
  unsigned blobsSkipped = 0;  // the repository already had them
  unsigned blobsMounted = 0;  // linked from another repository of the same registry
};

// Pushes the stored image SOURCE to DESTINATION (SOURCE when empty), e.g. push("x", "127.0.0.1:5000/x:1").
llvm::Expected<PushResult> pushImage(store::ImageStore &store, llvm::StringRef source,
                                     llvm::StringRef destination = "", const PushOptions &opts = {});

} // namespace dfc::registry
