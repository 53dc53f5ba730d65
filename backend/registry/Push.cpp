// pushImage: for each layer find or make its compressed blob (temp file in the store, hashed while
// written), HEAD/mount/upload it, then the config and finally the manifest that names them all.
#include "backend/registry/Push.h"

#include "backend/registry/CompressedLayers.h"
#include "backend/store/Files.h"

#include <llvm/ADT/ScopeExit.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dfc::registry {
namespace {

llvm::Error pushError(const llvm::Twine &msg) {
  return llvm::createStringError(std::errc::invalid_argument, msg.str().c_str());
}

std::string layerMediaType(ManifestFormat f, store::Compression c) {
  if (f == ManifestFormat::Docker)
    return c == store::Compression::None ? store::mediatype::DockerLayer : store::mediatype::DockerLayerGzip;
  switch (c) {
  case store::Compression::None:
    return store::mediatype::OciLayer;
  case store::Compression::Gzip:
    return store::mediatype::OciLayerGzip;
  case store::Compression::Zstd:
    return store::mediatype::OciLayerZstd;
  }
  return store::mediatype::OciLayer;
}

// An open file holding a layer's bytes as pushed; compressed ones are unlinked temp files.
struct LayerFile {
  int fd = -1;
  uint64_t size = 0;
  store::Digest digest;
  ~LayerFile() {
    if (fd >= 0)
      ::close(fd);
  }
};

llvm::Error openLayer(store::ImageStore &store, const store::Digest &diffId, store::Compression c,
                      LayerFile &out) {
  std::string blob = store.blobs().blobPath(diffId);
  int in = ::open(blob.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return store::systemError("open layer", blob);
  if (c == store::Compression::None) {
    struct stat st;
    ::fstat(in, &st);
    out.fd = in;
    out.size = uint64_t(st.st_size);
    out.digest = diffId;
    return llvm::Error::success();
  }
  auto closeIn = llvm::make_scope_exit([&] { ::close(in); });
  std::string tmp = store.blobs().tmpDir() + "/" + store::tempName("push-");
  int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return store::systemError("create", tmp);
  ::unlink(tmp.c_str());
  out.fd = fd;
  store::Sha256Hasher hasher;
  llvm::Error e = store::compress(
      in,
      [&](const void *data, size_t n) -> llvm::Error {
        hasher.update(data, n);
        return store::writeAll(fd, data, n, "compressed layer");
      },
      c);
  if (e)
    return e;
  out.size = hasher.bytes();
  out.digest = hasher.finish();
  return llvm::Error::success();
}

} // namespace

llvm::Expected<PushResult> pushImage(store::ImageStore &store, llvm::StringRef source,
                                     llvm::StringRef destination, const PushOptions &opts) {
  auto progress = [&](const llvm::Twine &line) {
    if (opts.progress)
      opts.progress(line.str());
  };
  if (opts.format == ManifestFormat::Docker && opts.compression == store::Compression::Zstd)
    return pushError("zstd layers need an OCI manifest (Docker's schema 2 has no zstd layer type)");
  auto image = store.resolve(source);
  if (!image)
    return image.takeError();
  auto dest = store::parseReference(destination.empty() ? source : destination);
  if (!dest)
    return dest.takeError();
  if (dest->tag.empty())
    return pushError("cannot push to a digest reference: " + (destination.empty() ? source : destination));
  PushResult result;
  result.destination = *dest;
  auto client = RegistryClient::connect(dest->domain, opts.registry);
  if (!client)
    return client.takeError();
  RegistryClient &reg = **client;
  const std::string &repo = dest->path;
  std::string repository = dest->repository();
  progress("The push refers to repository [" + dest->familiarRepository() + "]");

  CompressedLayers known(store.root());
  store::Manifest manifest;
  manifest.mediaType = opts.format == ManifestFormat::Docker ? store::mediatype::DockerManifest
                                                             : store::mediatype::OciManifest;
  std::string mediaType = layerMediaType(opts.format, opts.compression);
  for (const store::Digest &diffId : image->spec.diffIds) {
    std::optional<CompressedLayer> cached = known.find(diffId, opts.compression);
    if (opts.compression == store::Compression::None) {
      auto size = store.blobs().size(diffId);
      if (!size)
        return size.takeError();
      cached = CompressedLayer{diffId, *size, mediaType, {}};
    }
    LayerFile file;
    // With a known digest the registry may already have the blob: no need to compress at all.
    if (cached) {
      auto have = reg.statBlob(repo, cached->digest);
      if (!have)
        return have.takeError();
      bool done = bool(*have);
      if (done) {
        ++result.blobsSkipped;
        progress(cached->digest.shortId() + ": Layer already exists");
      }
      std::string prefix = dest->domain + "/";
      for (const std::string &from : cached->repositories) {
        if (done || !opts.crossRepoMount)
          break;
        if (!llvm::StringRef(from).startswith(prefix) || from == repository)
          continue;
        std::string fromRepo = from.substr(prefix.size());
        auto mounted = reg.mountBlob(repo, cached->digest, fromRepo);
        if (!mounted)
          return mounted.takeError();
        if (*mounted) {
          done = true;
          ++result.blobsMounted;
          progress(cached->digest.shortId() + ": Mounted from " + fromRepo);
        }
      }
      if (done) {
        known.record(diffId, *cached, repository);
        manifest.layers.push_back({mediaType, cached->digest, int64_t(cached->size), {}, std::nullopt});
        continue;
      }
    }
    if (llvm::Error e = openLayer(store, diffId, opts.compression, file))
      return e;
    CompressedLayer made{file.digest, file.size, mediaType, {}};
    if (!cached) {
      // Freshly compressed: the registry may still have these exact bytes (deterministic gzip).
      auto have = reg.statBlob(repo, file.digest);
      if (!have)
        return have.takeError();
      if (*have) {
        ++result.blobsSkipped;
        progress(file.digest.shortId() + ": Layer already exists");
        known.record(diffId, made, repository);
        manifest.layers.push_back({mediaType, file.digest, int64_t(file.size), {}, std::nullopt});
        continue;
      }
    }
    progress(file.digest.shortId() + ": Preparing");
    if (llvm::Error e = reg.uploadBlob(repo, file.digest, file.fd, 0, file.size, opts.chunkSize))
      return e;
    ++result.blobsUploaded;
    progress(file.digest.shortId() + ": Pushed");
    known.record(diffId, made, repository);
    manifest.layers.push_back({mediaType, file.digest, int64_t(file.size), {}, std::nullopt});
  }

  // The config goes byte for byte, so the image id is the same on both sides.
  auto config = store.blobs().readBytes(image->id);
  if (!config)
    return config.takeError();
  auto haveConfig = reg.statBlob(repo, image->id);
  if (!haveConfig)
    return haveConfig.takeError();
  if (*haveConfig) {
    ++result.blobsSkipped;
  } else {
    if (llvm::Error e = reg.uploadBlobBytes(repo, image->id, *config))
      return e;
    ++result.blobsUploaded;
  }
  manifest.config = {opts.format == ManifestFormat::Docker ? store::mediatype::DockerConfig
                                                           : store::mediatype::OciConfig,
                     image->id,
                     int64_t(config->size()),
                     {},
                     std::nullopt};
  std::string bytes = store::canonicalJson(manifest);
  auto digest = reg.putManifest(repo, dest->tag, manifest.mediaType, bytes);
  if (!digest)
    return digest.takeError();
  result.manifestDigest = *digest;
  result.manifestSize = bytes.size();
  result.manifestMediaType = manifest.mediaType;
  progress(dest->tag + ": digest: " + digest->str() + " size: " + llvm::Twine(bytes.size()));
  return result;
}

} // namespace dfc::registry
