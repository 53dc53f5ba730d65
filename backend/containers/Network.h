// A network of namespaces (see ARCHITECTURE.md): an `ip netns` namespace holding a Linux bridge, and per
// container a namespace of its own joined to the bridge by a veth pair with an address on 10.89.0.0/24.
// A compose project has one (dfc compose), as has each user network (dfc network create).
#pragma once

#include "backend/store/ImageStore.h"

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <string>

namespace dfc::containers {

// Names are derived from the store root so two stores never share one.
struct BridgeNetwork {
  std::string projectNamespace; // `ip netns` name
  static BridgeNetwork forProject(const store::ImageStore &store, llvm::StringRef project);
  std::string containerNamespace(llvm::StringRef container) const;
  static std::string path(llvm::StringRef netns) { return "/run/netns/" + netns.str(); }
  // The address of the index-th service (0-based) on the project subnet.
  static std::string address(size_t index);

  llvm::Error create() const;
  // A fresh namespace for a container, linked to the bridge with `address`.
  llvm::Error attach(llvm::StringRef container, size_t index, llvm::StringRef address) const;
  llvm::Error detach(llvm::StringRef container) const;
  llvm::Error remove() const;
};

} // namespace dfc::containers
