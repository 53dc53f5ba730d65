// Image names as Docker normalises them: "busybox" is "docker.io/library/busybox:latest".
// The store keys tags by the full name and shows the short (familiar) one, like docker.
#pragma once

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <string>

namespace dfc::store {

struct Reference {
  std::string domain; // "docker.io", "localhost:5000"
  std::string path;   // "library/busybox"
  std::string tag;    // "latest" unless a digest was given without a tag
  std::string digest; // "sha256:..." when the name pinned one

  std::string repository() const { return domain + "/" + path; }
  // "docker.io/library/busybox:latest" (tag form; digest form when there is no tag).
  std::string str() const;
  // "busybox", "foo/bar", "localhost:5000/x": what `docker images` prints as REPOSITORY.
  std::string familiarRepository() const;
  // "busybox:latest".
  std::string familiar() const;
};

// Parses and normalises; rejects upper case repositories and malformed tags as docker does.
llvm::Expected<Reference> parseReference(llvm::StringRef name);
// The familiar form of an already normalised tag name; unparsable input comes back unchanged.
std::string familiarName(llvm::StringRef fullName);

} // namespace dfc::store
