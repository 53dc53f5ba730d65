// The store's SQLite database ($DFC_ROOT/dfc.db, WAL): tags, images, the build cache index,
// containers and unpacked snapshots. Every write is one transaction; several processes may share it.
#pragma once

#include "backend/store/Digest.h"

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace dfc::store {

// An image the store holds: its manifest, config (the image id) and total uncompressed size.
struct ImageRow {
  Digest manifest;
  Digest config;
  int64_t created = 0; // unix seconds, from the config's "created"
  uint64_t size = 0;
};

struct TagRow {
  std::string name; // normalised: "docker.io/library/busybox:latest"
  Digest manifest;
};

// One build-cache entry: what a step with this key produced.
struct CacheEntry {
  std::string key;         // the step's cache key (from ir/passes/cachekey)
  Digest layer;            // layer blob (uncompressed tar); empty for steps without a layer
  Digest diffId;           // equal to layer for uncompressed blobs
  std::string configDelta; // JSON: the image-config changes the step made
  int64_t created = 0;
  int64_t lastUsed = 0;
};

// What a build step's key was made of the last time that step (a Dockerfile in a context, a
// stage, an instruction) was built: `dfc plan` and `dfc build` compare it to say why a step misses.
struct StepInputRow {
  std::string locator; // context + Dockerfile + stage + instruction, hashed
  std::string key;     // the step's cache key then
  std::string summary; // JSON: the key's inputs (ir/passes/cachekey StepKey::input) and the line
  int64_t recorded = 0;
};

struct ContainerRow {
  std::string id;
  std::string name;
  std::string image;     // what the user asked for, e.g. "busybox"
  Digest imageManifest;  // keeps the image's blobs alive while the container exists
  std::string stateJson; // owned by the runtime
  int64_t created = 0;
};

struct SnapshotRow {
  Digest diffId;
  uint64_t entries = 0; // filesystem entries written by applyLayer, checked by check()
  int64_t created = 0;
};

class Database {
public:
  // 2: step_inputs (why a step misses).
  static constexpr int SchemaVersion = 2;

  // Opens (creating and migrating as needed) the database file.
  static llvm::Expected<std::unique_ptr<Database>> open(llvm::StringRef path);
  // Opens an existing database for reading only (`dfc plan`): no migration, no writes; tables an
  // older schema lacks read as empty.
  static llvm::Expected<std::unique_ptr<Database>> openReadOnly(llvm::StringRef path);
  bool readOnly() const { return ReadOnly; }
  ~Database();
  Database(const Database &) = delete;
  Database &operator=(const Database &) = delete;

  int schemaVersion();

  // Runs fn inside BEGIN IMMEDIATE ... COMMIT (rolled back when fn fails). Nests by running inline.
  llvm::Error transaction(const std::function<llvm::Error()> &fn);

  // Images.
  llvm::Error putImage(const ImageRow &row);
  llvm::Expected<std::optional<ImageRow>> image(const Digest &manifest);
  llvm::Expected<std::vector<ImageRow>> images();
  llvm::Error removeImage(const Digest &manifest);

  // Tags (name -> manifest). setTag replaces whatever the name pointed to.
  llvm::Error setTag(llvm::StringRef name, const Digest &manifest);
  llvm::Expected<std::optional<Digest>> tag(llvm::StringRef name);
  llvm::Expected<std::vector<TagRow>> tags();
  llvm::Expected<std::vector<std::string>> tagsOf(const Digest &manifest);
  // True when the tag existed.
  llvm::Expected<bool> removeTag(llvm::StringRef name);

  // Build cache index.
  llvm::Error putCache(const CacheEntry &entry);
  // Also bumps lastUsed when it is an hour old or more.
  llvm::Expected<std::optional<CacheEntry>> getCache(llvm::StringRef key);
  llvm::Expected<std::vector<CacheEntry>> listCache();
  // Like getCache without touching lastUsed (prediction must not change the store).
  llvm::Expected<std::optional<CacheEntry>> peekCache(llvm::StringRef key);

  // Step inputs: the last recorded inputs of a step locator (replaced on each build).
  llvm::Error putStepInput(const StepInputRow &row);
  llvm::Expected<std::optional<StepInputRow>> stepInput(llvm::StringRef locator);
  llvm::Expected<bool> removeCache(llvm::StringRef key);

  // Containers.
  llvm::Error putContainer(const ContainerRow &row); // a new one: fails when its id or name is taken
  llvm::Expected<std::optional<ContainerRow>> container(llvm::StringRef idOrName);
  llvm::Expected<std::vector<ContainerRow>> containers();
  llvm::Error setContainerState(llvm::StringRef id, llvm::StringRef stateJson);
  llvm::Expected<bool> removeContainer(llvm::StringRef id);

  // Unpacked layer snapshots.
  llvm::Error putSnapshot(const SnapshotRow &row);
  llvm::Expected<std::vector<SnapshotRow>> snapshots();
  llvm::Error removeSnapshot(const Digest &diffId);

  // PRAGMA quick_check; empty when fine.
  llvm::Expected<std::vector<std::string>> integrityProblems();

private:
  Database() = default;
  llvm::Error exec(llvm::StringRef sql);
  llvm::Error migrate();
  sqlite3 *Db = nullptr;
  std::recursive_mutex Mutex;
  int Depth = 0;
  bool ReadOnly = false;
};

} // namespace dfc::store
