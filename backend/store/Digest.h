// sha256 content digests as OCI writes them ("sha256:<64 hex>"), and a streaming hasher.
// Digests name every blob, layer (diff_id) and image (config digest) in the store.
#pragma once

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <memory>
#include <string>

namespace dfc::store {

class Digest {
public:
  Digest() = default;
  // Accepts "sha256:<64 lowercase hex>" only.
  static llvm::Expected<Digest> parse(llvm::StringRef text);
  // Accepts 64 lowercase hex characters.
  static llvm::Expected<Digest> fromHex(llvm::StringRef hex);
  static Digest ofBytes(llvm::StringRef data);
  static llvm::Expected<Digest> ofFile(llvm::StringRef path);

  bool empty() const { return Hex.empty(); }
  llvm::StringRef hex() const { return Hex; }
  std::string str() const { return Hex.empty() ? std::string() : "sha256:" + Hex; }
  // The 12-hex-digit id docker prints in `docker images`.
  std::string shortId() const { return Hex.substr(0, 12); }

  friend bool operator==(const Digest &a, const Digest &b) { return a.Hex == b.Hex; }
  friend bool operator!=(const Digest &a, const Digest &b) { return a.Hex != b.Hex; }
  friend bool operator<(const Digest &a, const Digest &b) { return a.Hex < b.Hex; }

private:
  std::string Hex;
};

// Feed bytes in any number of pieces, then finish() once.
class Sha256Hasher {
public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher &) = delete;
  Sha256Hasher &operator=(const Sha256Hasher &) = delete;

  void update(const void *data, size_t size);
  void update(llvm::StringRef data) { update(data.data(), data.size()); }
  uint64_t bytes() const { return Bytes; }
  Digest finish();

private:
  struct State;
  std::unique_ptr<State> S;
  uint64_t Bytes = 0;
};

} // namespace dfc::store
