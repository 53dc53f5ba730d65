// `dfc pull`: a manifest (or an index narrowed to this platform) from a registry into the image
// store, with every blob verified and layers stored uncompressed, as the store keeps them.
#pragma once

#include "backend/registry/RegistryClient.h"
#include "backend/store/ImageStore.h"

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <functional>
#include <string>

namespace dfc::registry {

// One human-readable progress line ("a1b2c3d4e5f6: Pull complete"), as docker prints them.
using ProgressFn = std::function<void(llvm::StringRef line)>;

struct PullOptions {
  RegistryOptions registry;
  std::string os = "linux";
  std::string architecture; // hostArchitecture() when empty
  std::string variant;      // any when empty
  ProgressFn progress;
};

struct PullResult {
  store::Reference reference;
  store::Digest manifestDigest; // the registry's digest of the platform manifest
  store::Digest indexDigest;    // set when the name resolved to an index / manifest list
  store::ResolvedImage image;   // as recorded in the store
  unsigned layersFetched = 0;
  unsigned layersPresent = 0; // skipped: the store already had them
};

// Pulls NAME ("alpine", "127.0.0.1:5000/x:1", "x@sha256:..."), tagging it unless pinned by digest.
llvm::Expected<PullResult> pullImage(store::ImageStore &store, llvm::StringRef name,
                                     const PullOptions &opts = {});

} // namespace dfc::registry
