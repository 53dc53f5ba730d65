// `save` and `load`: docker-archive (manifest.json + <id>.json + <layer>/layer.tar) and OCI image
// layout archives (oci-layout, index.json, blobs/). Loads are unpacked with applyLayer's confinement.
#include "backend/store/Files.h"
#include "backend/store/ImageStore.h"

#include <llvm/ADT/ScopeExit.h>
#include <nlohmann/json.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fcntl.h>
#include <map>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

using nlohmann::json;

namespace dfc::store {

namespace {

// Writes a tar of named entries with fixed metadata, so the same images give the same archive.
class ArchiveWriter {
public:
  llvm::Error open(int fd) {
    A = archive_write_new();
    archive_write_set_format_pax_restricted(A);
    if (archive_write_open_fd(A, fd) != ARCHIVE_OK)
      return storeError(llvm::Twine("archive: ") + archive_error_string(A));
    return llvm::Error::success();
  }
  ~ArchiveWriter() {
    if (A)
      archive_write_free(A);
  }
  llvm::Error close() {
    if (archive_write_close(A) != ARCHIVE_OK)
      return storeError(llvm::Twine("archive: ") + archive_error_string(A));
    return llvm::Error::success();
  }
  llvm::Error dir(const std::string &path) {
    if (!Dirs.insert(path).second)
      return llvm::Error::success();
    return header(path + "/", AE_IFDIR, 0755, 0);
  }
  llvm::Error bytes(const std::string &path, llvm::StringRef data) {
    if (llvm::Error e = header(path, AE_IFREG, 0644, int64_t(data.size())))
      return e;
    if (!data.empty() && archive_write_data(A, data.data(), data.size()) < 0)
      return storeError(llvm::Twine("archive: ") + archive_error_string(A));
    return llvm::Error::success();
  }
  llvm::Error file(const std::string &path, const std::string &src) {
    int fd = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return systemError("open", src);
    auto closeFd = llvm::make_scope_exit([&] { ::close(fd); });
    struct stat st;
    if (::fstat(fd, &st) != 0)
      return systemError("stat", src);
    if (llvm::Error e = header(path, AE_IFREG, 0644, st.st_size))
      return e;
    static thread_local ThreadBuffer bufBuffer;
    char *buf = bufBuffer.get();
    for (;;) {
      ssize_t n = ::read(fd, buf, ThreadBuffer::Size);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return systemError("read", src);
      if (n == 0)
        return llvm::Error::success();
      if (archive_write_data(A, buf, size_t(n)) < 0)
        return storeError(llvm::Twine("archive: ") + archive_error_string(A));
    }
  }

private:
  llvm::Error header(const std::string &path, unsigned type, unsigned perm, int64_t size) {
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, perm);
    archive_entry_set_size(e, size);
    archive_entry_set_mtime(e, sourceDateEpoch().value_or(0), 0);
    int rc = archive_write_header(A, e);
    archive_entry_free(e);
    if (rc < ARCHIVE_WARN)
      return storeError(llvm::Twine("archive: ") + archive_error_string(A));
    return llvm::Error::success();
  }
  struct archive *A = nullptr;
  std::set<std::string> Dirs;
};

// Opens a file of an unpacked archive, refusing anything that resolves outside it.
llvm::Expected<std::string> inside(llvm::StringRef dir, llvm::StringRef rel) {
  std::string joined = (dir + "/" + rel).str();
  char real[PATH_MAX];
  if (!::realpath(joined.c_str(), real))
    return storeError("archive lacks " + rel);
  char realDir[PATH_MAX];
  if (!::realpath(dir.str().c_str(), realDir))
    return systemError("realpath", dir);
  if (!llvm::StringRef(real).startswith(std::string(realDir) + "/"))
    return storeError("archive path leaves the archive: " + rel);
  return std::string(real);
}

} // namespace

llvm::Error ImageStore::save(llvm::ArrayRef<std::string> names, llvm::StringRef outPath,
                             const SaveOptions &opts) {
  if (names.empty())
    return storeError("save needs at least one image");
  auto lock = lease();
  if (!lock)
    return lock.takeError();
  struct Named {
    ResolvedImage img;
    std::vector<std::string> tags; // full names
  };
  std::vector<Named> images;
  for (const std::string &n : names) {
    auto img = resolve(n);
    if (!img)
      return img.takeError();
    auto it = std::find_if(images.begin(), images.end(),
                           [&](const Named &x) { return x.img.manifestDigest == img->manifestDigest; });
    if (it == images.end()) {
      images.push_back({*img, {}});
      it = images.end() - 1;
    }
    if (!img->name.empty() && std::find(it->tags.begin(), it->tags.end(), img->name) == it->tags.end())
      it->tags.push_back(img->name);
  }

  // Write beside the destination and rename, so a failed save never leaves a truncated archive.
  bool toStdout = outPath == "-";
  std::string tmp = toStdout ? "" : (outPath + ".dfc-" + tempName()).str();
  int fd = toStdout ? 1 : ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return systemError("create", tmp);
  auto cleanup = llvm::make_scope_exit([&] {
    if (!toStdout) {
      ::close(fd);
      ::unlink(tmp.c_str());
    }
  });
  ArchiveWriter out;
  if (llvm::Error e = out.open(fd))
    return e;
  std::set<std::string> written;

  if (opts.format == ArchiveFormat::DockerArchive) {
    json manifest = json::array();
    for (const Named &n : images) {
      std::string config = n.img.id.hex().str() + ".json";
      if (written.insert(config).second)
        if (llvm::Error e = out.file(config, Blobs.blobPath(n.img.id)))
          return e;
      json layers = json::array();
      for (const Descriptor &l : n.img.manifest.layers) {
        std::string dir = l.digest.hex().str();
        std::string path = dir + "/layer.tar";
        if (written.insert(path).second) {
          if (llvm::Error e = out.dir(dir))
            return e;
          if (llvm::Error e = out.bytes(dir + "/VERSION", "1.0"))
            return e;
          if (llvm::Error e = out.file(path, Blobs.blobPath(l.digest)))
            return e;
        }
        layers.push_back(path);
      }
      json repoTags = json::array();
      for (const std::string &t : n.tags)
        repoTags.push_back(familiarName(t));
      manifest.push_back({{"Config", config}, {"RepoTags", repoTags}, {"Layers", layers}});
    }
    if (llvm::Error e = out.bytes("manifest.json", manifest.dump()))
      return e;
  } else {
    if (llvm::Error e = out.bytes("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"))
      return e;
    if (llvm::Error e = out.dir("blobs"))
      return e;
    if (llvm::Error e = out.dir("blobs/sha256"))
      return e;
    auto blob = [&](const Digest &d, const std::string &src) -> llvm::Error {
      std::string path = "blobs/sha256/" + d.hex().str();
      if (!written.insert(path).second)
        return llvm::Error::success();
      return out.file(path, src);
    };
    Index index;
    std::vector<std::string> temps;
    auto removeTemps = llvm::make_scope_exit([&] {
      for (const std::string &t : temps)
        ::unlink(t.c_str());
    });
    for (const Named &n : images) {
      Manifest m = n.img.manifest;
      if (llvm::Error e = blob(m.config.digest, Blobs.blobPath(m.config.digest)))
        return e;
      for (Descriptor &l : m.layers) {
        if (opts.compression == Compression::None) {
          if (llvm::Error e = blob(l.digest, Blobs.blobPath(l.digest)))
            return e;
          continue;
        }
        std::string ctmp = Blobs.tmpDir() + "/" + tempName("export-");
        temps.push_back(ctmp);
        int cfd = ::open(ctmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        int in = ::open(Blobs.blobPath(l.digest).c_str(), O_RDONLY | O_CLOEXEC);
        if (cfd < 0 || in < 0) {
          llvm::Error e = systemError("open", ctmp);
          if (cfd >= 0)
            ::close(cfd);
          if (in >= 0)
            ::close(in);
          return e;
        }
        Sha256Hasher h;
        ByteSink sink = [&](const void *data, size_t size) {
          h.update(data, size);
          return writeAll(cfd, data, size, ctmp);
        };
        llvm::Error e = compress(in, sink, opts.compression);
        ::close(in);
        ::close(cfd);
        if (e)
          return e;
        l.size = int64_t(h.bytes());
        l.digest = h.finish();
        l.mediaType =
            opts.compression == Compression::Gzip ? mediatype::OciLayerGzip : mediatype::OciLayerZstd;
        if (llvm::Error e = blob(l.digest, ctmp))
          return e;
      }
      std::string mtext = canonicalJson(m);
      Digest md = Digest::ofBytes(mtext);
      if (written.insert("blobs/sha256/" + md.hex().str()).second)
        if (llvm::Error e = out.bytes("blobs/sha256/" + md.hex().str(), mtext))
          return e;
      auto addDescriptor = [&](const std::string *full) {
        Descriptor d{mediatype::OciManifest, md, int64_t(mtext.size()), {}, std::nullopt};
        if (full) {
          auto ref = parseReference(*full);
          d.annotations["io.containerd.image.name"] = *full;
          if (ref)
            d.annotations["org.opencontainers.image.ref.name"] = ref->tag;
          else
            llvm::consumeError(ref.takeError());
        }
        index.manifests.push_back(d);
      };
      if (n.tags.empty())
        addDescriptor(nullptr);
      for (const std::string &t : n.tags)
        addDescriptor(&t);
    }
    if (llvm::Error e = out.bytes("index.json", canonicalJson(index)))
      return e;
  }
  if (llvm::Error e = out.close())
    return e;
  if (toStdout)
    return llvm::Error::success();
  if (::fsync(fd) != 0)
    return systemError("fsync", tmp);
  if (::rename(tmp.c_str(), outPath.str().c_str()) != 0)
    return systemError("rename", outPath);
  return llvm::Error::success();
}

llvm::Expected<std::vector<std::string>> ImageStore::load(llvm::StringRef inPath) {
  auto lock = lease();
  if (!lock)
    return lock.takeError();
  std::string dir = Blobs.tmpDir() + "/" + tempName("load-");
  if (::mkdir(dir.c_str(), 0700) != 0)
    return systemError("mkdir", dir);
  auto cleanup = llvm::make_scope_exit([&] { llvm::consumeError(removeTree(dir)); });
  // The archive is untrusted input: applyLayer confines every path to `dir`.
  llvm::Expected<ApplyStats> stats = inPath == "-" ? applyLayer(0, dir, {WhiteoutMode::Flat, false})
                                                   : applyLayerFile(inPath, dir, {WhiteoutMode::Flat, false});
  if (!stats)
    return storeError("reading archive " + inPath + ": " + llvm::toString(stats.takeError()));
  struct stat st;
  if (::lstat((dir + "/manifest.json").c_str(), &st) == 0)
    return loadDockerArchive(dir);
  if (::lstat((dir + "/index.json").c_str(), &st) == 0)
    return loadOciLayout(dir);
  return storeError("not an image archive (no manifest.json or index.json): " + inPath);
}

llvm::Expected<ResolvedImage> ImageStore::loadImage(llvm::StringRef dir, const std::string &configPath,
                                                    const std::vector<std::string> &layerPaths) {
  auto cpath = inside(dir, configPath);
  if (!cpath)
    return cpath.takeError();
  auto config = readFile(*cpath);
  if (!config)
    return config.takeError();
  auto spec = parseImageSpec(*config);
  if (!spec)
    return storeError("image config " + configPath + ": " + llvm::toString(spec.takeError()));
  if (spec->diffIds.size() != layerPaths.size())
    return storeError("image config " + configPath + " lists " + llvm::Twine(spec->diffIds.size()) +
                      " layers, the archive has " + llvm::Twine(layerPaths.size()));
  for (size_t i = 0; i < layerPaths.size(); ++i) {
    if (Blobs.has(spec->diffIds[i]))
      continue;
    auto lpath = inside(dir, layerPaths[i]);
    if (!lpath)
      return lpath.takeError();
    int fd = ::open(lpath->c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return systemError("open", *lpath);
    auto layer = addLayerTar(fd);
    ::close(fd);
    if (!layer)
      return layer.takeError();
    if (layer->diffId != spec->diffIds[i])
      return storeError("layer " + layerPaths[i] + " has diff_id " + layer->diffId.str() +
                        ", the config says " + spec->diffIds[i].str());
  }
  return commitConfig(*config, *spec, {});
}

llvm::Expected<std::vector<std::string>> ImageStore::loadDockerArchive(llvm::StringRef dir) {
  auto text = readFile((dir + "/manifest.json").str());
  if (!text)
    return text.takeError();
  json m = json::parse(text->begin(), text->end(), nullptr, false);
  if (m.is_discarded() || !m.is_array())
    return storeError("manifest.json is not a JSON array");
  std::vector<std::string> loaded;
  for (const json &entry : m) {
    if (!entry.is_object() || !entry.contains("Config") || !entry["Config"].is_string())
      return storeError("manifest.json entry without Config");
    std::vector<std::string> layers;
    if (auto l = entry.find("Layers"); l != entry.end() && l->is_array())
      for (const json &p : *l)
        if (p.is_string())
          layers.push_back(p.get<std::string>());
    auto img = loadImage(dir, entry["Config"].get<std::string>(), layers);
    if (!img)
      return img.takeError();
    std::vector<std::string> tags;
    if (auto t = entry.find("RepoTags"); t != entry.end() && t->is_array())
      for (const json &n : *t)
        if (n.is_string())
          tags.push_back(n.get<std::string>());
    for (const std::string &t : tags) {
      if (llvm::Error e = tagManifest(img->manifestDigest, t))
        return e;
      loaded.push_back(familiarName(t));
    }
    if (tags.empty())
      loaded.push_back(img->id.str());
  }
  return loaded;
}

llvm::Expected<std::vector<std::string>> ImageStore::loadOciLayout(llvm::StringRef dir) {
  auto text = readFile((dir + "/index.json").str());
  if (!text)
    return text.takeError();
  auto index = parseIndex(*text);
  if (!index)
    return storeError("index.json: " + llvm::toString(index.takeError()));
  std::vector<std::string> loaded;
  std::string arch = hostArchitecture();
  auto blobText = [&](const Digest &d) -> llvm::Expected<std::string> {
    auto p = inside(dir, "blobs/sha256/" + d.hex().str());
    if (!p)
      return p.takeError();
    auto t = readFile(*p);
    if (!t)
      return t.takeError();
    if (Digest::ofBytes(*t) != d)
      return storeError("blob " + d.str() + " in the archive does not match its digest");
    return t;
  };
  for (const Descriptor &top : index->manifests) {
    Descriptor desc = top;
    // A nested index (multi-platform): take this machine's platform, else the first manifest.
    for (int depth = 0;
         desc.mediaType == mediatype::OciIndex || desc.mediaType == mediatype::DockerManifestList; ++depth) {
      if (depth > 4)
        return storeError("index nesting too deep");
      auto t = blobText(desc.digest);
      if (!t)
        return t.takeError();
      auto sub = parseIndex(*t);
      if (!sub)
        return sub.takeError();
      if (sub->manifests.empty())
        return storeError("empty nested index " + desc.digest.str());
      Descriptor pick = sub->manifests.front();
      for (const Descriptor &d : sub->manifests)
        if (d.platform && d.platform->os == "linux" && d.platform->architecture == arch) {
          pick = d;
          break;
        }
      desc = pick;
    }
    auto mt = blobText(desc.digest);
    if (!mt)
      return mt.takeError();
    auto manifest = parseManifest(*mt);
    if (!manifest)
      return manifest.takeError();
    std::vector<std::string> layers;
    for (const Descriptor &l : manifest->layers)
      layers.push_back("blobs/sha256/" + l.digest.hex().str());
    // Layer blobs are checked against their digest by addLayerTar's diff_id comparison only after
    // decompression; check the compressed bytes too so a tampered archive is refused early.
    for (const Descriptor &l : manifest->layers) {
      auto p = inside(dir, "blobs/sha256/" + l.digest.hex().str());
      if (!p)
        return p.takeError();
      auto d = Digest::ofFile(*p);
      if (!d)
        return d.takeError();
      if (*d != l.digest)
        return storeError("layer blob " + l.digest.str() + " does not match its digest");
    }
    auto img = loadImage(dir, "blobs/sha256/" + manifest->config.digest.hex().str(), layers);
    if (!img)
      return img.takeError();
    std::string name;
    if (auto it = top.annotations.find("io.containerd.image.name"); it != top.annotations.end())
      name = it->second;
    else if (auto it = top.annotations.find("org.opencontainers.image.ref.name");
             it != top.annotations.end() && llvm::StringRef(it->second).contains(':'))
      name = it->second;
    if (!name.empty()) {
      if (llvm::Error e = tagManifest(img->manifestDigest, name))
        return e;
      loaded.push_back(familiarName(name));
    } else {
      loaded.push_back(img->id.str());
    }
  }
  return loaded;
}

} // namespace dfc::store
