// The image store: images are manifests in blobs/ plus rows in SQLite; tags point at manifests.
// Blobs are written before the rows that reference them, so a crash leaves only unreferenced blobs.
#include "backend/store/ImageStore.h"

#include "backend/store/Files.h"

#include <llvm/ADT/ScopeExit.h>
#include <nlohmann/json.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <set>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

using nlohmann::json;

namespace dfc::store {

// --- locks ---

StoreLock &StoreLock::operator=(StoreLock &&o) noexcept {
  if (this != &o) {
    if (Fd >= 0)
      ::close(Fd);
    Fd = o.Fd;
    o.Fd = -1;
  }
  return *this;
}

StoreLock::~StoreLock() {
  if (Fd >= 0)
    ::close(Fd); // closing the last descriptor releases the flock
}

llvm::Expected<StoreLock> StoreLock::acquire(llvm::StringRef path, bool exclusive) {
  StoreLock l;
  l.Fd = ::open(path.str().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (l.Fd < 0)
    return systemError("open lock", path);
  while (::flock(l.Fd, exclusive ? LOCK_EX : LOCK_SH) != 0)
    if (errno != EINTR)
      return systemError("flock", path);
  return l;
}

std::string hostArchitecture() {
  struct utsname u;
  if (::uname(&u) != 0)
    return "amd64";
  llvm::StringRef m(u.machine);
  if (m == "x86_64")
    return "amd64";
  if (m == "aarch64")
    return "arm64";
  if (m.startswith("armv7") || m.startswith("armv6"))
    return "arm";
  if (m == "i686" || m == "i386")
    return "386";
  return m.str();
}

// --- opening ---

llvm::Expected<std::unique_ptr<ImageStore>> ImageStore::open() { return open(defaultStoreRoot()); }

llvm::Expected<std::unique_ptr<ImageStore>> ImageStore::open(llvm::StringRef root) {
  auto blobs = ContentStore::open(root);
  if (!blobs)
    return blobs.takeError();
  if (llvm::Error e = makeDirs(blobs->root() + "/snapshots", 0700))
    return e;
  auto db = Database::open(blobs->root() + "/dfc.db");
  if (!db)
    return db.takeError();
  std::unique_ptr<ImageStore> s(new ImageStore(std::move(*blobs), std::move(*db)));
  struct stat st;
  if (::stat((s->root() + "/oci-layout").c_str(), &st) != 0) {
    if (llvm::Error e = writeFileAtomic(s->root() + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})",
                                        s->Blobs.tmpDir()))
      return e;
    if (llvm::Error e = s->writeRootIndex())
      return e;
  }
  return s;
}

llvm::Expected<std::unique_ptr<ImageStore>> ImageStore::openReadOnly(llvm::StringRef root) {
  std::string r = root.str();
  while (r.size() > 1 && r.back() == '/')
    r.pop_back();
  struct stat st;
  if (::stat((r + "/dfc.db").c_str(), &st) != 0)
    return storeError("no image store at " + r);
  // The directories exist in any store open() made, so ContentStore::open creates nothing here.
  auto blobs = ContentStore::open(r);
  if (!blobs)
    return blobs.takeError();
  auto db = Database::openReadOnly(r + "/dfc.db");
  if (!db)
    return db.takeError();
  return std::unique_ptr<ImageStore>(new ImageStore(std::move(*blobs), std::move(*db)));
}

llvm::Expected<StoreLock> ImageStore::lease() { return StoreLock::acquire(root() + "/lock", false); }

// $DFC_ROOT/index.json mirrors the tags, so the root is also an OCI image layout other tools
// (skopeo oci:$DFC_ROOT:name) can read. Rewritten whole under index.lock so the last writer
// always reads the newest tags.
llvm::Error ImageStore::writeRootIndex() {
  auto lock = StoreLock::acquire(root() + "/index.lock", true);
  if (!lock)
    return lock.takeError();
  auto tags = Db->tags();
  if (!tags)
    return tags.takeError();
  Index index;
  for (const TagRow &t : *tags) {
    auto size = Blobs.size(t.manifest);
    if (!size) {
      llvm::consumeError(size.takeError());
      continue;
    }
    Descriptor d;
    d.mediaType = mediatype::OciManifest;
    d.digest = t.manifest;
    d.size = int64_t(*size);
    d.annotations["io.containerd.image.name"] = t.name;
    d.annotations["org.opencontainers.image.ref.name"] = t.name;
    index.manifests.push_back(d);
  }
  std::string text = canonicalJson(index);
  // Unchanged (a rebuild that tagged the same image): no write, no fsync.
  if (auto old = readFile(root() + "/index.json"); old && *old == text)
    return llvm::Error::success();
  else if (!old)
    llvm::consumeError(old.takeError());
  return writeFileAtomic(root() + "/index.json", text, Blobs.tmpDir());
}

// --- layers and commits ---

llvm::Expected<LayerInfo> ImageStore::addLayer(llvm::StringRef dir, const LayerWriteOptions &opts) {
  auto w = Blobs.writer();
  if (!w)
    return w.takeError();
  ByteSink sink = [&](const void *data, size_t size) { return w->write(data, size); };
  auto info = writeLayer(dir, sink, opts);
  if (!info)
    return info.takeError();
  auto d = w->commit(info->diffId);
  if (!d)
    return d.takeError();
  return info;
}

llvm::Expected<std::pair<LayerInfo, StagedBlob>> ImageStore::stageLayer(llvm::StringRef dir,
                                                                        const LayerWriteOptions &opts) {
  auto w = Blobs.writer();
  if (!w)
    return w.takeError();
  ByteSink sink = [&](const void *data, size_t size) { return w->write(data, size); };
  auto info = writeLayer(dir, sink, opts);
  if (!info)
    return info.takeError();
  auto b = w->stage();
  if (!b)
    return b.takeError();
  if (b->digest != info->diffId) {
    ::unlink(b->tmpPath.c_str());
    return storeError("layer digest mismatch: " + info->diffId.str() + " vs " + b->digest.str());
  }
  return std::make_pair(*info, std::move(*b));
}

static llvm::Error validateTar(const std::string &path) {
  struct archive *a = archive_read_new();
  auto freeArchive = llvm::make_scope_exit([&] { archive_read_free(a); });
  archive_read_support_format_tar(a);
  if (archive_read_open_filename(a, path.c_str(), 1 << 16) != ARCHIVE_OK)
    return storeError(llvm::Twine("not a tar archive: ") + archive_error_string(a));
  struct archive_entry *e;
  int rc;
  while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN)
    archive_read_data_skip(a);
  if (rc != ARCHIVE_EOF)
    return storeError(llvm::Twine("not a valid tar archive: ") + archive_error_string(a));
  return llvm::Error::success();
}

llvm::Expected<LayerInfo> ImageStore::addLayerTar(int fd) {
  auto w = Blobs.writer();
  if (!w)
    return w.takeError();
  ByteSink sink = [&](const void *data, size_t size) { return w->write(data, size); };
  if (llvm::Error e = decompress(fd, sink))
    return e;
  LayerInfo info;
  info.size = w->size();
  auto d = w->commit();
  if (!d)
    return d.takeError();
  info.diffId = *d;
  // An empty input is an empty layer; anything else must be a tar we can apply later.
  if (info.size > 0)
    if (llvm::Error e = validateTar(Blobs.blobPath(*d)))
      return e;
  return info;
}

llvm::Expected<ResolvedImage> ImageStore::commit(const ImageSpec &spec, llvm::StringRef tagName) {
  std::vector<std::string> tags;
  if (!tagName.empty())
    tags.push_back(tagName.str());
  return commitConfig(canonicalJson(spec), spec, tags);
}

llvm::Expected<ResolvedImage> ImageStore::importImage(llvm::StringRef configBytes,
                                                      llvm::ArrayRef<std::string> tagNames) {
  auto spec = parseImageSpec(configBytes);
  if (!spec)
    return storeError("image config: " + llvm::toString(spec.takeError()));
  return commitConfig(configBytes, *spec, tagNames);
}

llvm::Expected<ResolvedImage> ImageStore::commitConfig(llvm::StringRef config, const ImageSpec &spec,
                                                       llvm::ArrayRef<std::string> tagNames) {
  std::vector<Reference> refs;
  for (const std::string &t : tagNames) {
    auto r = parseReference(t);
    if (!r)
      return r.takeError();
    if (r->tag.empty())
      return storeError("cannot tag with a digest reference: " + t);
    refs.push_back(*r);
  }
  ResolvedImage img;
  img.spec = spec;
  Manifest &m = img.manifest;
  for (const Digest &d : spec.diffIds) {
    auto size = Blobs.size(d);
    if (!size) {
      llvm::consumeError(size.takeError());
      return storeError("layer " + d.str() + " is not in the store");
    }
    m.layers.push_back({mediatype::OciLayer, d, int64_t(*size), {}, std::nullopt});
    img.size += *size;
  }
  auto configDigest = Blobs.putBytes(config);
  if (!configDigest)
    return configDigest.takeError();
  img.id = *configDigest;
  m.config = {mediatype::OciConfig, img.id, int64_t(config.size()), {}, std::nullopt};
  std::string manifest = canonicalJson(m);
  auto manifestDigest = Blobs.putBytes(manifest);
  if (!manifestDigest)
    return manifestDigest.takeError();
  img.manifestDigest = *manifestDigest;
  ImageRow row{img.manifestDigest, img.id, parseTime(spec.created), img.size};
  if (llvm::Error e = Db->transaction([&]() -> llvm::Error {
        if (llvm::Error e = Db->putImage(row))
          return e;
        for (const Reference &r : refs)
          if (llvm::Error e = Db->setTag(r.str(), img.manifestDigest))
            return e;
        return llvm::Error::success();
      }))
    return e;
  if (!refs.empty()) {
    img.name = refs.front().str();
    if (llvm::Error e = writeRootIndex())
      return e;
  }
  return img;
}

// --- import ---

llvm::Expected<ResolvedImage> ImageStore::importRootfs(llvm::StringRef tarPath, llvm::StringRef name,
                                                       llvm::ArrayRef<std::string> changes,
                                                       const ImportOptions &opts) {
  if (tarPath == "-")
    return importRootfs(0, name, changes, opts);
  int fd = ::open(tarPath.str().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return systemError("open", tarPath);
  ImportOptions o = opts;
  if (o.source == "-")
    o.source = tarPath.str();
  auto r = importRootfs(fd, name, changes, o);
  ::close(fd);
  return r;
}

llvm::Expected<ResolvedImage> ImageStore::importRootfs(int tarFd, llvm::StringRef name,
                                                       llvm::ArrayRef<std::string> changes,
                                                       const ImportOptions &opts) {
  ImageSpec spec;
  for (const std::string &c : changes)
    if (llvm::Error e = applyConfigChange(spec.config, c))
      return e;
  auto lock = lease();
  if (!lock)
    return lock.takeError();
  auto layer = addLayerTar(tarFd);
  if (!layer)
    return layer.takeError();
  int64_t created = opts.created        ? *opts.created
                    : sourceDateEpoch() ? *sourceDateEpoch()
                                        : int64_t(std::time(nullptr));
  spec.created = formatTime(created);
  spec.architecture = hostArchitecture();
  spec.os = "linux";
  spec.diffIds = {layer->diffId};
  HistoryEntry h;
  h.created = spec.created;
  h.comment = opts.message.empty() ? "Imported from " + opts.source : opts.message;
  spec.history = {h};
  return commit(spec, name);
}

// --- tags ---

llvm::Error ImageStore::tag(llvm::StringRef source, llvm::StringRef target) {
  auto img = resolve(source);
  if (!img)
    return img.takeError();
  return tagManifest(img->manifestDigest, target);
}

llvm::Error ImageStore::tagManifest(const Digest &manifest, llvm::StringRef target) {
  auto ref = parseReference(target);
  if (!ref)
    return ref.takeError();
  if (ref->tag.empty())
    return storeError("cannot tag with a digest reference: " + target);
  if (llvm::Error e = Db->setTag(ref->str(), manifest))
    return e;
  return writeRootIndex();
}

llvm::Expected<std::vector<std::string>> ImageStore::removeImage(llvm::StringRef name, bool force) {
  auto img = resolve(name);
  if (!img)
    return img.takeError();
  std::vector<std::string> lines;
  auto containers = Db->containers();
  if (!containers)
    return containers.takeError();
  if (llvm::Error e = Db->transaction([&]() -> llvm::Error {
        auto tags = Db->tagsOf(img->manifestDigest);
        if (!tags)
          return tags.takeError();
        std::vector<std::string> untag;
        // By name: drop that tag only, unless it is the last one. By id: all tags, which docker
        // allows only when there is one (or with force).
        if (!img->name.empty() && !force)
          untag = {img->name};
        else if (tags->size() > 1 && !force)
          return storeError("conflict: unable to delete " + img->id.shortId() +
                            " (must be forced) - image is referenced in multiple repositories");
        else
          untag = *tags;
        bool deleting = untag.size() == tags->size();
        if (deleting && !force)
          for (const ContainerRow &c : *containers)
            if (c.imageManifest == img->manifestDigest)
              return storeError("conflict: unable to remove repository reference \"" + name +
                                "\" (must force) - container " + c.id.substr(0, 12) +
                                " is using its referenced image " + img->id.shortId());
        for (const std::string &t : untag) {
          auto removed = Db->removeTag(t);
          if (!removed)
            return removed.takeError();
          lines.push_back("Untagged: " + familiarName(t));
        }
        if (deleting) {
          if (llvm::Error e = Db->removeImage(img->manifestDigest))
            return e;
          lines.push_back("Deleted: " + img->id.str());
        }
        return llvm::Error::success();
      }))
    return e;
  if (llvm::Error e = writeRootIndex())
    return e;
  return lines;
}

// --- reading images ---

llvm::Expected<ResolvedImage> ImageStore::readImage(const Digest &manifestDigest, std::string name) {
  ResolvedImage img;
  img.name = std::move(name);
  img.manifestDigest = manifestDigest;
  auto mtext = Blobs.readBytes(manifestDigest);
  if (!mtext)
    return storeError("image manifest " + manifestDigest.str() + " is missing from the store");
  auto m = parseManifest(*mtext);
  if (!m)
    return m.takeError();
  img.manifest = std::move(*m);
  img.id = img.manifest.config.digest;
  auto ctext = Blobs.readBytes(img.id);
  if (!ctext)
    return storeError("image config " + img.id.str() + " is missing from the store");
  auto spec = parseImageSpec(*ctext);
  if (!spec)
    return spec.takeError();
  img.spec = std::move(*spec);
  for (const Descriptor &l : img.manifest.layers)
    img.size += uint64_t(l.size);
  return img;
}

static bool isHexPrefix(llvm::StringRef s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == llvm::StringRef::npos;
}

llvm::Expected<ResolvedImage> ImageStore::resolve(llvm::StringRef name) {
  // Image ids first: "sha256:<hex>" or a hex prefix, which docker prefers over names when it
  // matches (a repository named like a hex string would be unusual).
  llvm::StringRef idText = name;
  if (idText.startswith("sha256:"))
    idText = idText.drop_front(7);
  if (isHexPrefix(idText) && idText.size() >= 4 && idText.size() <= 64) {
    auto images = Db->images();
    if (!images)
      return images.takeError();
    std::vector<ImageRow> matches;
    for (const ImageRow &r : *images)
      if (r.config.hex().startswith(idText))
        matches.push_back(r);
    std::set<Digest> ids;
    for (const ImageRow &r : matches)
      ids.insert(r.config);
    if (ids.size() > 1)
      return storeError("ambiguous image id prefix: " + name);
    if (!matches.empty())
      return readImage(matches.front().manifest, "");
  }
  auto ref = parseReference(name);
  if (!ref)
    return ref.takeError();
  if (!ref->digest.empty()) {
    auto d = Digest::parse(ref->digest);
    if (!d)
      return d.takeError();
    auto row = Db->image(*d);
    if (!row)
      return row.takeError();
    if (!*row)
      return storeError("No such image: " + name);
    return readImage(*d, "");
  }
  auto manifest = Db->tag(ref->str());
  if (!manifest)
    return manifest.takeError();
  if (!*manifest)
    return storeError("No such image: " + ref->familiar());
  return readImage(**manifest, ref->str());
}

llvm::Expected<std::vector<ImageSummary>> ImageStore::list() {
  auto images = Db->images();
  if (!images)
    return images.takeError();
  auto tags = Db->tags();
  if (!tags)
    return tags.takeError();
  std::map<Digest, const ImageRow *> byManifest;
  for (const ImageRow &r : *images)
    byManifest[r.manifest] = &r;
  std::vector<ImageSummary> out;
  std::set<Digest> tagged;
  for (const TagRow &t : *tags) {
    auto it = byManifest.find(t.manifest);
    if (it == byManifest.end())
      continue;
    auto ref = parseReference(t.name);
    if (!ref) {
      llvm::consumeError(ref.takeError());
      continue;
    }
    const ImageRow &r = *it->second;
    out.push_back({ref->familiarRepository(), ref->tag, r.config, r.manifest, r.created, r.size});
    tagged.insert(r.manifest);
  }
  for (const ImageRow &r : *images)
    if (!tagged.count(r.manifest))
      out.push_back({"<none>", "<none>", r.config, r.manifest, r.created, r.size});
  // Newest first, then by name, as `docker images` sorts.
  std::stable_sort(out.begin(), out.end(), [](const ImageSummary &a, const ImageSummary &b) {
    if (a.created != b.created)
      return a.created > b.created;
    return std::tie(a.repository, a.tag) < std::tie(b.repository, b.tag);
  });
  return out;
}

llvm::Expected<std::string> ImageStore::inspect(llvm::StringRef name) {
  auto img = resolve(name);
  if (!img)
    return img.takeError();
  auto tags = Db->tagsOf(img->manifestDigest);
  if (!tags)
    return tags.takeError();
  json repoTags = json::array();
  for (const std::string &t : *tags)
    repoTags.push_back(familiarName(t));
  json layers = json::array();
  for (const Digest &d : img->spec.diffIds)
    layers.push_back(d.str());
  std::string comment;
  if (!img->spec.history.empty())
    comment = img->spec.history.back().comment;
  json j = {
      {"Id", img->id.str()},
      {"RepoTags", repoTags},
      {"RepoDigests", json::array()},
      {"Parent", ""},
      {"Comment", comment},
      {"Created", img->spec.created},
      {"Author", img->spec.author},
      {"Config", toJson(img->spec.config)},
      {"Architecture", img->spec.architecture},
      {"Os", img->spec.os},
      {"Size", img->size},
      {"RootFS", {{"Type", "layers"}, {"Layers", layers}}},
      {"Descriptor",
       {{"mediaType", mediatype::OciManifest},
        {"digest", img->manifestDigest.str()},
        {"size", Blobs.size(img->manifestDigest) ? *Blobs.size(img->manifestDigest) : 0}}},
  };
  if (!img->spec.variant.empty())
    j["Variant"] = img->spec.variant;
  return j.dump(4);
}

llvm::Expected<std::vector<HistoryRow>> ImageStore::history(llvm::StringRef name) {
  auto img = resolve(name);
  if (!img)
    return img.takeError();
  std::vector<HistoryRow> rows;
  size_t layer = 0;
  for (const HistoryEntry &h : img->spec.history) {
    HistoryRow r;
    r.id = "<missing>";
    r.created = h.created;
    r.createdBy = h.created_by;
    r.comment = h.comment;
    r.emptyLayer = h.empty_layer;
    if (!h.empty_layer && layer < img->manifest.layers.size())
      r.size = uint64_t(img->manifest.layers[layer++].size);
    rows.push_back(r);
  }
  std::reverse(rows.begin(), rows.end());
  if (!rows.empty())
    rows.front().id = img->id.str();
  return rows;
}

// --- snapshots ---

llvm::Expected<std::string> ImageStore::snapshotDir(const Digest &diffId) {
  std::string final = root() + "/snapshots/" + diffId.hex().str();
  struct stat st;
  if (::stat(final.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return final;
  auto lock = lease();
  if (!lock)
    return lock.takeError();
  if (!Blobs.has(diffId))
    return storeError("layer " + diffId.str() + " is not in the store");
  // Unpack beside the final name, then rename: a reader sees no snapshot or a complete one.
  std::string tmp = root() + "/snapshots/" + tempName(".tmp-");
  if (::mkdir(tmp.c_str(), 0755) != 0)
    return systemError("mkdir", tmp);
  auto cleanup = llvm::make_scope_exit([&] { llvm::consumeError(removeTree(tmp)); });
  auto stats = applyLayerFile(Blobs.blobPath(diffId), tmp, {WhiteoutMode::Overlay, true});
  if (!stats)
    return storeError("unpacking layer " + diffId.str() + ": " + llvm::toString(stats.takeError()));
  uint64_t entries = countTreeEntries(tmp);
  int fd = ::open(tmp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::syncfs(fd);
    ::close(fd);
  }
  // The row goes first: a crash after it but before the rename leaves a row without a directory,
  // which is harmless (the next call unpacks again), never a directory check() cannot vouch for.
  if (llvm::Error e = Db->putSnapshot({diffId, entries, 0}))
    return e;
  if (::rename(tmp.c_str(), final.c_str()) != 0) {
    if (errno != EEXIST && errno != ENOTEMPTY)
      return systemError("rename", final);
    return final; // another process won the race; ours is removed by cleanup
  }
  if (llvm::Error e = fsyncDir(root() + "/snapshots"))
    return e;
  return final;
}

llvm::Expected<std::vector<std::string>> ImageStore::lowerDirs(const ResolvedImage &image) {
  std::vector<std::string> dirs;
  for (auto it = image.spec.diffIds.rbegin(); it != image.spec.diffIds.rend(); ++it) {
    auto d = snapshotDir(*it);
    if (!d)
      return d.takeError();
    dirs.push_back(*d);
  }
  return dirs;
}

} // namespace dfc::store
