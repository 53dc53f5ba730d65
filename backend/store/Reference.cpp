// Docker's reference grammar, reduced to what a local store needs: domain, path, tag, digest.
// The rules follow distribution/reference: the first component is a domain when it has '.' or ':'.
#include "backend/store/Reference.h"

#include "backend/store/Digest.h"
#include "backend/store/Files.h"

#include <llvm/ADT/SmallVector.h>

namespace dfc::store {

static bool isAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// [a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*
static bool validComponent(llvm::StringRef c) {
  if (c.empty() || !isAlnum(c.front()) || !isAlnum(c.back()))
    return false;
  for (size_t i = 0; i < c.size(); ++i) {
    char ch = c[i];
    if (isAlnum(ch))
      continue;
    if (ch == '.' || ch == '_') {
      bool dunder = ch == '_' && i + 1 < c.size() && c[i + 1] == '_';
      if (dunder)
        ++i;
      if (!isAlnum(c[i + 1]))
        return false;
      continue;
    }
    if (ch == '-')
      continue; // runs of '-' are fine; the ends were checked above
    return false;
  }
  return true;
}

static bool validTag(llvm::StringRef t) {
  if (t.empty() || t.size() > 128)
    return false;
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (!word(t.front()))
    return false;
  for (char c : t)
    if (!word(c) && c != '.' && c != '-')
      return false;
  return true;
}

std::string Reference::str() const {
  if (!tag.empty())
    return repository() + ":" + tag;
  return repository() + "@" + digest;
}

std::string Reference::familiarRepository() const {
  if (domain != "docker.io")
    return repository();
  llvm::StringRef p(path);
  if (p.startswith("library/") && p.count('/') == 1)
    return p.drop_front(8).str();
  return path;
}

std::string Reference::familiar() const {
  if (!tag.empty())
    return familiarRepository() + ":" + tag;
  return familiarRepository() + "@" + digest;
}

llvm::Expected<Reference> parseReference(llvm::StringRef name) {
  Reference r;
  llvm::StringRef rest = name;
  if (rest.empty())
    return storeError("invalid reference format: empty name");
  if (size_t at = rest.find('@'); at != llvm::StringRef::npos) {
    auto d = Digest::parse(rest.substr(at + 1));
    if (!d)
      return storeError("invalid reference format: bad digest in " + name);
    r.digest = d->str();
    rest = rest.substr(0, at);
  }
  // A ':' after the last '/' is a tag separator; before it, it is a registry port.
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != llvm::StringRef::npos && (slash == llvm::StringRef::npos || colon > slash)) {
    r.tag = rest.substr(colon + 1).str();
    rest = rest.substr(0, colon);
    if (!validTag(r.tag))
      return storeError("invalid reference format: bad tag in " + name);
  }
  llvm::StringRef first = rest.split('/').first;
  if (rest.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost")) {
    r.domain = first.str();
    rest = rest.split('/').second;
  } else {
    r.domain = "docker.io";
  }
  if (r.domain == "index.docker.io")
    r.domain = "docker.io";
  if (r.domain == "docker.io" && !rest.contains('/'))
    r.path = ("library/" + rest).str();
  else
    r.path = rest.str();
  llvm::SmallVector<llvm::StringRef, 4> parts;
  llvm::StringRef(r.path).split(parts, '/');
  for (llvm::StringRef p : parts)
    if (!validComponent(p))
      return storeError("invalid reference format: repository name must be lowercase: " + name);
  if (r.tag.empty() && r.digest.empty())
    r.tag = "latest";
  return r;
}

std::string familiarName(llvm::StringRef fullName) {
  auto r = parseReference(fullName);
  if (!r) {
    llvm::consumeError(r.takeError());
    return fullName.str();
  }
  return r->familiar();
}

} // namespace dfc::store
