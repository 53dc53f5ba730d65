// Reading an image reference's tag and digest, as the FROM rules (DL3006, DL3007, DL3026) need.
#pragma once

#include "llvm/ADT/StringRef.h"

namespace dfc::lint::rules {

struct ImageName {
  llvm::StringRef registry; // "" when the first path component is not a host
  llvm::StringRef tag;      // "" when none
  llvm::StringRef digest;   // "" when none
};

// `host:5000/repo/name:tag@sha256:...`: the tag is after the last ':' of the last path component.
inline ImageName splitImage(llvm::StringRef ref) {
  ImageName out;
  auto [name, digest] = ref.split('@');
  out.digest = digest;
  size_t slash = name.rfind('/');
  llvm::StringRef last = slash == llvm::StringRef::npos ? name : name.drop_front(slash + 1);
  size_t colon = last.rfind(':');
  if (colon != llvm::StringRef::npos)
    out.tag = last.drop_front(colon + 1);
  if (slash != llvm::StringRef::npos) {
    llvm::StringRef first = name.split('/').first;
    if (first.contains('.') || first.contains(':') || first == "localhost")
      out.registry = first;
  }
  return out;
}

} // namespace dfc::lint::rules
