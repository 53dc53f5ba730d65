// The image store façade over $DFC_ROOT: blobs + SQLite + snapshots. Import, tag, list, resolve,
// inspect, history, save/load (docker-archive and OCI), check, prune, df; what the CLI calls.
#pragma once

#include "backend/store/ContentStore.h"
#include "backend/store/Database.h"
#include "backend/store/Image.h"
#include "backend/store/Layer.h"
#include "backend/store/Reference.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dfc::store {

// An flock on $DFC_ROOT/lock. Writers hold it shared for as long as they create blobs that are not
// yet referenced (a build holds one for its whole run); prune holds it exclusive.
class StoreLock {
public:
  StoreLock() = default;
  StoreLock(StoreLock &&o) noexcept : Fd(o.Fd) { o.Fd = -1; }
  StoreLock &operator=(StoreLock &&o) noexcept;
  ~StoreLock();
  static llvm::Expected<StoreLock> acquire(llvm::StringRef path, bool exclusive);

private:
  int Fd = -1;
};

struct ResolvedImage {
  std::string name; // full tag name it was found by ("docker.io/library/busybox:latest"), or ""
  Digest manifestDigest;
  Manifest manifest;
  Digest id; // config digest, what docker calls the image id
  ImageSpec spec;
  uint64_t size = 0;
};

struct ImageSummary {
  std::string repository; // familiar: "busybox", or "<none>"
  std::string tag;        // "latest", or "<none>"
  Digest id;
  Digest manifest;
  int64_t created = 0;
  uint64_t size = 0;
};

struct HistoryRow {
  std::string id; // image id for the newest row, "<missing>" for the others (as docker prints)
  std::string created;
  std::string createdBy;
  std::string comment;
  uint64_t size = 0;
  bool emptyLayer = false;
};

struct ImportOptions {
  std::string message;            // history comment; default "Imported from <source>"
  std::optional<int64_t> created; // default SOURCE_DATE_EPOCH, else now
  std::string source = "-";
};

enum class ArchiveFormat { DockerArchive, OciArchive };

struct SaveOptions {
  ArchiveFormat format = ArchiveFormat::DockerArchive;
  Compression compression = Compression::None; // OCI archives only
};

struct CheckReport {
  std::vector<std::string> problems; // the store is inconsistent
  std::vector<std::string> notes;    // harmless leftovers (temp files) that prune removes
  bool ok() const { return problems.empty(); }
};

struct PruneOptions {
  bool danglingImages = true; // untagged images no container uses
  bool buildCache = false;    // every build cache entry
};

struct PruneReport {
  uint64_t blobs = 0, snapshots = 0, temps = 0, images = 0, cacheEntries = 0;
  uint64_t bytesFreed = 0;
};

struct DiskUsage {
  uint64_t images = 0, imageBytes = 0;
  uint64_t blobs = 0, blobBytes = 0;
  uint64_t snapshots = 0, snapshotBytes = 0;
  uint64_t cacheEntries = 0, cacheBytes = 0;
  uint64_t containers = 0;
};

// Applies one `docker import --change` / `docker commit --change` instruction to a config:
// CMD, ENTRYPOINT, ENV, WORKDIR, EXPOSE, USER, LABEL, VOLUME, STOPSIGNAL, ONBUILD, SHELL,
// HEALTHCHECK.
llvm::Error applyConfigChange(ImageConfig &config, llvm::StringRef instruction);

// "amd64", "arm64", ... for this machine, as OCI names architectures.
std::string hostArchitecture();

class ImageStore {
public:
  static llvm::Expected<std::unique_ptr<ImageStore>> open(llvm::StringRef root);
  // Opens defaultStoreRoot().
  static llvm::Expected<std::unique_ptr<ImageStore>> open();
  // Opens an existing store for reading (`dfc plan`): the database read-only, nothing created.
  static llvm::Expected<std::unique_ptr<ImageStore>> openReadOnly(llvm::StringRef root);

  const std::string &root() const { return Blobs.root(); }
  const ContentStore &blobs() const { return Blobs; }
  Database &db() { return *Db; }
  // Keeps prune from collecting blobs this process wrote but has not referenced yet.
  llvm::Expected<StoreLock> lease();

  // --- building blocks for the builder ---
  // Tars a directory (an overlay upperdir) straight into a layer blob, hashed in the same pass.
  llvm::Expected<LayerInfo> addLayer(llvm::StringRef dir, const LayerWriteOptions &opts = {});
  // Same, left staged (not synced, not yet a blob): a build stages its layers and installs them
  // after one sync (ContentStore::installStaged).
  llvm::Expected<std::pair<LayerInfo, StagedBlob>> stageLayer(llvm::StringRef dir, const LayerWriteOptions &opts = {});
  // Stores a (possibly compressed) tar as an uncompressed layer blob.
  llvm::Expected<LayerInfo> addLayerTar(int fd);
  // Writes the config and manifest blobs, records the image and optionally tags it.
  // Every spec.diffIds entry must already be a blob.
  llvm::Expected<ResolvedImage> commit(const ImageSpec &spec, llvm::StringRef tagName = "");
  // Records an image whose config blob comes from elsewhere (a registry pull) byte for byte, so its
  // id stays the one its author computed. Every rootfs.diff_ids layer must already be a blob.
  llvm::Expected<ResolvedImage> importImage(llvm::StringRef configBytes,
                                            llvm::ArrayRef<std::string> tagNames = {});

  // --- user-level operations ---
  llvm::Expected<ResolvedImage> importRootfs(llvm::StringRef tarPath, llvm::StringRef name,
                                             llvm::ArrayRef<std::string> changes = {},
                                             const ImportOptions &opts = {});
  llvm::Expected<ResolvedImage> importRootfs(int tarFd, llvm::StringRef name,
                                             llvm::ArrayRef<std::string> changes = {},
                                             const ImportOptions &opts = {});
  llvm::Error tag(llvm::StringRef source, llvm::StringRef target);
  // docker rmi: untags; deletes the image when no tag is left (or with force, every tag).
  // Returns docker's "Untagged: ..." / "Deleted: ..." lines.
  llvm::Expected<std::vector<std::string>> removeImage(llvm::StringRef name, bool force = false);
  llvm::Expected<std::vector<ImageSummary>> list();
  // A name ("busybox", "foo:1", "docker.io/library/x:y"), "name@sha256:<manifest>", a full image
  // id "sha256:<config>" or an unambiguous id prefix (at least 4 hex digits).
  llvm::Expected<ResolvedImage> resolve(llvm::StringRef name);
  // `docker image inspect` JSON (one object) for the image.
  llvm::Expected<std::string> inspect(llvm::StringRef name);
  llvm::Expected<std::vector<HistoryRow>> history(llvm::StringRef name); // newest first
  // The unpacked snapshot of a layer (an overlay lowerdir), unpacked on first use.
  llvm::Expected<std::string> snapshotDir(const Digest &diffId);
  // Lowerdirs for an image, topmost layer first (overlayfs's lowerdir order).
  llvm::Expected<std::vector<std::string>> lowerDirs(const ResolvedImage &image);

  llvm::Error save(llvm::ArrayRef<std::string> names, llvm::StringRef outPath, const SaveOptions &opts = {});
  // Loads a docker-archive or OCI archive (detected from its content); returns the tags loaded
  // (familiar names) or, for untagged images, their ids.
  llvm::Expected<std::vector<std::string>> load(llvm::StringRef inPath);

  llvm::Expected<CheckReport> check();
  llvm::Expected<PruneReport> prune(const PruneOptions &opts = {});
  llvm::Expected<DiskUsage> df();

private:
  ImageStore(ContentStore blobs, std::unique_ptr<Database> db) : Blobs(std::move(blobs)), Db(std::move(db)) {}
  llvm::Expected<ResolvedImage> readImage(const Digest &manifestDigest, std::string name);
  llvm::Error writeRootIndex();
  llvm::Error tagManifest(const Digest &manifest, llvm::StringRef name);
  // Stores config bytes as given (so foreign image ids survive), builds our manifest, records
  // the image and sets the tags.
  llvm::Expected<ResolvedImage> commitConfig(llvm::StringRef configBytes, const ImageSpec &spec,
                                             llvm::ArrayRef<std::string> tagNames);
  llvm::Expected<std::vector<std::string>> loadDockerArchive(llvm::StringRef dir);
  llvm::Expected<std::vector<std::string>> loadOciLayout(llvm::StringRef dir);
  llvm::Expected<ResolvedImage> loadImage(llvm::StringRef dir, const std::string &configPath,
                                          const std::vector<std::string> &layerPaths);
  ContentStore Blobs;
  std::unique_ptr<Database> Db;
};

} // namespace dfc::store
