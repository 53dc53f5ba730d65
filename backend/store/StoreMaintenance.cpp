// `dfc system check|prune|df`: verify every blob and reference, collect garbage, report usage.
// Prune holds the store lock exclusively, so no writer has unreferenced blobs in flight meanwhile.
#include "backend/store/Files.h"
#include "backend/store/ImageStore.h"

#include <dirent.h>
#include <set>
#include <sys/stat.h>

namespace dfc::store {

namespace {

std::vector<std::string> dirNames(const std::string &dir) {
  std::vector<std::string> out;
  DIR *d = ::opendir(dir.c_str());
  if (!d)
    return out;
  while (struct dirent *e = ::readdir(d))
    if (std::string n = e->d_name; n != "." && n != "..")
      out.push_back(n);
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// A temp file or dir belongs to a live writer only while the process named in it runs.
bool abandoned(llvm::StringRef name) { return !processAlive(tempNameOwner(name)); }

} // namespace

llvm::Expected<CheckReport> ImageStore::check() {
  CheckReport r;
  auto lock = lease();
  if (!lock)
    return lock.takeError();
  auto dbProblems = Db->integrityProblems();
  if (!dbProblems)
    return dbProblems.takeError();
  for (const std::string &p : *dbProblems)
    r.problems.push_back("database: " + p);

  std::set<Digest> present;
  for (const Digest &d : Blobs.list()) {
    present.insert(d);
    auto ok = Blobs.verify(d);
    if (!ok)
      r.problems.push_back("blob " + d.str() + ": " + llvm::toString(ok.takeError()));
    else if (!*ok)
      r.problems.push_back("blob " + d.str() + " is corrupt (its content has another digest)");
  }
  for (const std::string &n : dirNames(root() + "/blobs/sha256"))
    if (auto d = Digest::fromHex(n); !d) {
      llvm::consumeError(d.takeError());
      r.problems.push_back("stray file in blobs/sha256: " + n);
    }

  auto images = Db->images();
  if (!images)
    return images.takeError();
  std::set<Digest> imageManifests;
  for (const ImageRow &row : *images) {
    imageManifests.insert(row.manifest);
    std::string what = "image " + row.config.shortId();
    if (!present.count(row.manifest)) {
      r.problems.push_back(what + ": manifest " + row.manifest.str() + " is missing");
      continue;
    }
    auto img = readImage(row.manifest, "");
    if (!img) {
      r.problems.push_back(what + ": " + llvm::toString(img.takeError()));
      continue;
    }
    if (img->id != row.config)
      r.problems.push_back(what + ": manifest names config " + img->id.str());
    for (const Descriptor &l : img->manifest.layers)
      if (!present.count(l.digest))
        r.problems.push_back(what + ": layer " + l.digest.str() + " is missing");
    if (img->spec.diffIds.size() != img->manifest.layers.size())
      r.problems.push_back(what + ": config lists " + std::to_string(img->spec.diffIds.size()) +
                           " diff_ids for " + std::to_string(img->manifest.layers.size()) + " layers");
    else
      for (size_t i = 0; i < img->spec.diffIds.size(); ++i)
        if (img->manifest.layers[i].mediaType == mediatype::OciLayer &&
            img->manifest.layers[i].digest != img->spec.diffIds[i])
          r.problems.push_back(what + ": layer " + std::to_string(i) + " differs from diff_id");
  }
  auto tags = Db->tags();
  if (!tags)
    return tags.takeError();
  for (const TagRow &t : *tags)
    if (!imageManifests.count(t.manifest))
      r.problems.push_back("tag " + familiarName(t.name) + " points to a missing image " + t.manifest.str());
  auto cache = Db->listCache();
  if (!cache)
    return cache.takeError();
  for (const CacheEntry &c : *cache)
    if (!c.layer.empty() && !present.count(c.layer))
      r.problems.push_back("cache entry " + c.key + ": layer " + c.layer.str() + " is missing");

  auto snaps = Db->snapshots();
  if (!snaps)
    return snaps.takeError();
  std::map<std::string, uint64_t> recorded;
  for (const SnapshotRow &s : *snaps)
    recorded[s.diffId.hex().str()] = s.entries;
  for (const std::string &n : dirNames(root() + "/snapshots")) {
    if (llvm::StringRef(n).startswith(".tmp-")) {
      r.notes.push_back("unfinished snapshot " + n + (abandoned(n) ? " (abandoned)" : ""));
      continue;
    }
    auto it = recorded.find(n);
    if (it == recorded.end()) {
      r.problems.push_back("snapshot " + n + " is not recorded in the database");
      continue;
    }
    uint64_t entries = countTreeEntries(root() + "/snapshots/" + n);
    if (entries != it->second)
      r.problems.push_back("snapshot " + n + " is incomplete: " + std::to_string(entries) + " entries, " +
                           std::to_string(it->second) + " expected");
    if (auto d = Digest::fromHex(n); d && !present.count(*d))
      r.notes.push_back("snapshot " + n + " has no layer blob (prune removes it)");
    else if (!d)
      llvm::consumeError(d.takeError());
  }
  for (const std::string &n : dirNames(Blobs.tmpDir()))
    r.notes.push_back("temp file " + n + (abandoned(n) ? " (abandoned)" : " (in use)"));
  return r;
}

llvm::Expected<PruneReport> ImageStore::prune(const PruneOptions &opts) {
  PruneReport r;
  auto lock = StoreLock::acquire(root() + "/lock", true);
  if (!lock)
    return lock.takeError();

  // 1. Leftovers of dead writers.
  for (const std::string &n : dirNames(Blobs.tmpDir()))
    if (abandoned(n)) {
      std::string p = Blobs.tmpDir() + "/" + n;
      r.bytesFreed += diskUsage(p);
      if (llvm::Error e = removeTree(p))
        return e;
      ++r.temps;
    }
  for (const std::string &n : dirNames(root() + "/snapshots"))
    if (llvm::StringRef(n).startswith(".tmp-") && abandoned(llvm::StringRef(n).drop_front(5))) {
      std::string p = root() + "/snapshots/" + n;
      r.bytesFreed += diskUsage(p);
      if (llvm::Error e = removeTree(p))
        return e;
      ++r.temps;
    }

  // 2. Images and cache entries that are no longer wanted.
  auto containers = Db->containers();
  if (!containers)
    return containers.takeError();
  std::set<Digest> inUse;
  for (const ContainerRow &c : *containers)
    inUse.insert(c.imageManifest);
  if (opts.danglingImages) {
    auto images = Db->images();
    if (!images)
      return images.takeError();
    for (const ImageRow &row : *images) {
      auto tags = Db->tagsOf(row.manifest);
      if (!tags)
        return tags.takeError();
      if (tags->empty() && !inUse.count(row.manifest)) {
        if (llvm::Error e = Db->removeImage(row.manifest))
          return e;
        ++r.images;
      }
    }
  }
  auto cache = Db->listCache();
  if (!cache)
    return cache.takeError();
  for (const CacheEntry &c : *cache)
    if (opts.buildCache || (!c.layer.empty() && !Blobs.has(c.layer))) {
      auto removed = Db->removeCache(c.key);
      if (!removed)
        return removed.takeError();
      ++r.cacheEntries;
    }

  // 3. Mark: everything reachable from images, containers and the cache.
  std::set<Digest> live;
  std::set<Digest> liveLayers;
  auto images = Db->images();
  if (!images)
    return images.takeError();
  for (const ImageRow &row : *images) {
    live.insert(row.manifest);
    live.insert(row.config);
    auto img = readImage(row.manifest, "");
    if (!img) {
      // Keep what we can name; check() reports the damage.
      llvm::consumeError(img.takeError());
      continue;
    }
    for (const Descriptor &l : img->manifest.layers)
      live.insert(l.digest);
    for (const Digest &d : img->spec.diffIds)
      liveLayers.insert(d);
  }
  auto cacheLeft = Db->listCache();
  if (!cacheLeft)
    return cacheLeft.takeError();
  for (const CacheEntry &c : *cacheLeft) {
    if (!c.layer.empty())
      live.insert(c.layer);
    if (!c.diffId.empty())
      liveLayers.insert(c.diffId);
  }

  // 4. Sweep blobs and snapshots.
  for (const Digest &d : Blobs.list())
    if (!live.count(d)) {
      auto size = Blobs.size(d);
      if (size)
        r.bytesFreed += *size;
      else
        llvm::consumeError(size.takeError());
      if (llvm::Error e = Blobs.remove(d))
        return e;
      ++r.blobs;
    }
  auto snaps = Db->snapshots();
  if (!snaps)
    return snaps.takeError();
  std::set<std::string> recorded;
  for (const SnapshotRow &s : *snaps) {
    std::string path = root() + "/snapshots/" + s.diffId.hex().str();
    struct stat st;
    bool exists = ::lstat(path.c_str(), &st) == 0;
    if (liveLayers.count(s.diffId) && exists) {
      recorded.insert(s.diffId.hex().str());
      continue;
    }
    if (exists) {
      r.bytesFreed += diskUsage(path);
      if (llvm::Error e = removeTree(path))
        return e;
      ++r.snapshots;
    }
    if (llvm::Error e = Db->removeSnapshot(s.diffId))
      return e;
  }
  // Directories without a row cannot be vouched for; they are rebuilt on demand.
  for (const std::string &n : dirNames(root() + "/snapshots"))
    if (!llvm::StringRef(n).startswith(".tmp-") && !recorded.count(n)) {
      std::string p = root() + "/snapshots/" + n;
      r.bytesFreed += diskUsage(p);
      if (llvm::Error e = removeTree(p))
        return e;
      ++r.snapshots;
    }
  if (llvm::Error e = writeRootIndex())
    return e;
  return r;
}

llvm::Expected<DiskUsage> ImageStore::df() {
  DiskUsage u;
  auto images = Db->images();
  if (!images)
    return images.takeError();
  std::set<Digest> layers;
  for (const ImageRow &row : *images) {
    ++u.images;
    auto img = readImage(row.manifest, "");
    if (!img) {
      llvm::consumeError(img.takeError());
      continue;
    }
    for (const Descriptor &l : img->manifest.layers)
      if (layers.insert(l.digest).second)
        u.imageBytes += uint64_t(l.size);
  }
  for (const Digest &d : Blobs.list()) {
    ++u.blobs;
    if (auto s = Blobs.size(d))
      u.blobBytes += *s;
    else
      llvm::consumeError(s.takeError());
  }
  for (const std::string &n : dirNames(root() + "/snapshots"))
    if (!llvm::StringRef(n).startswith(".tmp-")) {
      ++u.snapshots;
      u.snapshotBytes += diskUsage(root() + "/snapshots/" + n);
    }
  auto cache = Db->listCache();
  if (!cache)
    return cache.takeError();
  for (const CacheEntry &c : *cache) {
    ++u.cacheEntries;
    if (!c.layer.empty() && !layers.count(c.layer)) {
      if (auto s = Blobs.size(c.layer))
        u.cacheBytes += *s;
      else
        llvm::consumeError(s.takeError());
    }
  }
  auto containers = Db->containers();
  if (!containers)
    return containers.takeError();
  u.containers = containers->size();
  return u;
}

} // namespace dfc::store
