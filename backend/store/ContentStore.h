// Content-addressed blobs under $DFC_ROOT/blobs/sha256/<hex>, written atomically and verified.
// A blob exists under its final name only once its bytes are complete, fsynced and hash-checked.
#pragma once

#include "backend/store/Digest.h"

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dfc::store {

// $DFC_ROOT, else /var/lib/dfc for root, else $XDG_DATA_HOME/dfc (or ~/.local/share/dfc).
std::string defaultStoreRoot();

class ContentStore;

// A complete blob still under its temp name and not yet synced (BlobWriter::stage). It becomes a
// blob with ContentStore::installStaged once the caller has synced the filesystem.
struct StagedBlob {
  Digest digest;
  std::string tmpPath;
  uint64_t size = 0;
};

// Streams one blob into a temp file; commit() hashes, fsyncs and renames it into place.
// Destroying an uncommitted writer deletes its temp file.
class BlobWriter {
public:
  BlobWriter(BlobWriter &&other) noexcept;
  BlobWriter &operator=(BlobWriter &&) = delete;
  ~BlobWriter();

  llvm::Error write(const void *data, size_t size);
  llvm::Error write(llvm::StringRef data) { return write(data.data(), data.size()); }
  uint64_t size() const { return Hasher.bytes(); }
  // Fails (and removes the temp file) when `expected` is given and differs.
  llvm::Expected<Digest> commit(std::optional<Digest> expected = std::nullopt);
  // Closes the temp file without fsync and hands it over (the caller removes or installs it), for
  // writers of many blobs that sync the filesystem once (a build).
  llvm::Expected<StagedBlob> stage();
  void abort();

private:
  friend class ContentStore;
  BlobWriter(const ContentStore &store, int fd, std::string tmpPath);
  const ContentStore *Store;
  int Fd = -1;
  std::string TmpPath;
  Sha256Hasher Hasher;
};

class ContentStore {
public:
  // The root must exist or be creatable; creates blobs/sha256 and tmp/ under it.
  static llvm::Expected<ContentStore> open(llvm::StringRef root);

  const std::string &root() const { return Root; }
  std::string tmpDir() const { return Root + "/tmp"; }
  std::string blobPath(const Digest &d) const;
  bool has(const Digest &d) const;
  llvm::Expected<uint64_t> size(const Digest &d) const;

  llvm::Expected<Digest> putBytes(llvm::StringRef data, std::optional<Digest> expected = std::nullopt) const;
  // Copies a file in (hashing while copying).
  llvm::Expected<Digest> putFile(llvm::StringRef path, std::optional<Digest> expected = std::nullopt) const;
  // Moves a file that already lives on the store's filesystem (e.g. under tmpDir()) into place
  // after hashing it; the source is consumed.
  llvm::Expected<Digest> adoptFile(llvm::StringRef path, std::optional<Digest> expected = std::nullopt) const;
  llvm::Expected<BlobWriter> writer() const;
  // Moves staged blobs into place (one already present just drops its temp file) and fsyncs the
  // blob directory once. The caller must have synced their bytes first (syncFilesystem(root())).
  llvm::Error installStaged(const std::vector<StagedBlob> &blobs) const;

  llvm::Expected<std::string> readBytes(const Digest &d) const;
  // Re-hashes the blob; false means its bytes no longer match its name.
  llvm::Expected<bool> verify(const Digest &d) const;
  std::vector<Digest> list() const;
  llvm::Error remove(const Digest &d) const;

private:
  friend class BlobWriter;
  explicit ContentStore(std::string root) : Root(std::move(root)) {}
  llvm::Error install(const std::string &tmpPath, const Digest &d) const;
  std::string Root;
};

} // namespace dfc::store
