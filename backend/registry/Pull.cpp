// pullImage: resolve the name, walk index → manifest → config → layers, skip layers the store has,
// stream the rest through a temp file (digest checked) into the store's decompressing layer import.
#include "backend/registry/Pull.h"

#include "backend/registry/CompressedLayers.h"
#include "backend/store/Files.h"

#include <llvm/ADT/ScopeExit.h>

#include <fcntl.h>
#include <unistd.h>

namespace dfc::registry {
namespace {

llvm::Error pullError(const llvm::Twine &msg) {
  return llvm::createStringError(std::errc::invalid_argument, msg.str().c_str());
}

bool isIndex(llvm::StringRef mediaType) {
  return mediaType == store::mediatype::OciIndex || mediaType == store::mediatype::DockerManifestList;
}

std::string platformName(const store::Platform &p) {
  return p.os + "/" + p.architecture + (p.variant.empty() ? "" : "/" + p.variant);
}

// Downloads one layer blob into the store's tmp dir, then imports it uncompressed.
llvm::Expected<store::LayerInfo> fetchLayer(store::ImageStore &store, RegistryClient &client,
                                            llvm::StringRef repo, const store::Descriptor &layer) {
  std::string tmp = store.blobs().tmpDir() + "/" + store::tempName("pull-");
  int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return store::systemError("create", tmp);
  ::unlink(tmp.c_str()); // the fd keeps it; nothing is left behind if we die
  auto closeFd = llvm::make_scope_exit([&] { ::close(fd); });
  llvm::Error e = client.fetchBlob(repo, layer.digest, layer.size, [&](const char *data, size_t n) {
    return store::writeAll(fd, data, n, "layer download");
  });
  if (e)
    return e;
  if (::lseek(fd, 0, SEEK_SET) != 0)
    return store::systemError("lseek", tmp);
  return store.addLayerTar(fd);
}

} // namespace

llvm::Expected<PullResult> pullImage(store::ImageStore &store, llvm::StringRef name,
                                     const PullOptions &opts) {
  auto progress = [&](const llvm::Twine &line) {
    if (opts.progress)
      opts.progress(line.str());
  };
  auto ref = store::parseReference(name);
  if (!ref)
    return ref.takeError();
  PullResult result;
  result.reference = *ref;
  auto client = RegistryClient::connect(ref->domain, opts.registry);
  if (!client)
    return client.takeError();
  std::string reference = ref->digest.empty() ? ref->tag : ref->digest;
  if (ref->digest.empty())
    progress(ref->tag + ": Pulling from " + ref->path);
  else
    progress(ref->digest + ": Pulling from " + ref->path);

  auto fetched = (*client)->getManifest(ref->path, reference);
  if (!fetched)
    return fetched.takeError();
  if (isIndex(fetched->mediaType)) {
    auto index = store::parseIndex(fetched->bytes);
    if (!index)
      return pullError("index " + name + ": " + llvm::toString(index.takeError()));
    std::string arch = opts.architecture.empty() ? store::hostArchitecture() : opts.architecture;
    const store::Descriptor *pick = nullptr;
    std::string seen;
    for (const store::Descriptor &d : index->manifests) {
      if (!d.platform)
        continue;
      seen += (seen.empty() ? "" : ", ") + platformName(*d.platform);
      if (d.platform->os == opts.os && d.platform->architecture == arch &&
          (opts.variant.empty() || d.platform->variant == opts.variant)) {
        pick = &d;
        break;
      }
    }
    if (!pick)
      return pullError("no matching manifest for " + opts.os + "/" + arch + " in the manifest list of " +
                       name + " (it has: " + (seen.empty() ? "none" : seen) + ")");
    result.indexDigest = fetched->digest;
    auto platformManifest = (*client)->getManifest(ref->path, pick->digest.str());
    if (!platformManifest)
      return platformManifest.takeError();
    if (isIndex(platformManifest->mediaType))
      return pullError("the manifest list of " + name +
                       " points at another list; nested lists are not supported");
    fetched = std::move(platformManifest);
  }
  if (fetched->mediaType != store::mediatype::OciManifest &&
      fetched->mediaType != store::mediatype::DockerManifest)
    return pullError(name + ": unsupported manifest media type '" + fetched->mediaType + "'");
  auto manifest = store::parseManifest(fetched->bytes);
  if (!manifest)
    return pullError("manifest of " + name + ": " + llvm::toString(manifest.takeError()));
  result.manifestDigest = fetched->digest;

  // The lease keeps prune away from layers imported before the image that references them exists.
  auto lease = store.lease();
  if (!lease)
    return lease.takeError();

  std::string configBytes;
  if (store.blobs().has(manifest->config.digest)) {
    auto bytes = store.blobs().readBytes(manifest->config.digest);
    if (!bytes)
      return bytes.takeError();
    configBytes = std::move(*bytes);
  } else {
    auto bytes = (*client)->fetchBlobBytes(ref->path, manifest->config.digest);
    if (!bytes)
      return bytes.takeError();
    configBytes = std::move(*bytes);
  }
  auto spec = store::parseImageSpec(configBytes);
  if (!spec)
    return pullError("image config of " + name + ": " + llvm::toString(spec.takeError()));
  if (spec->diffIds.size() != manifest->layers.size())
    return pullError("image " + name + ": the manifest has " + llvm::Twine(manifest->layers.size()) +
                     " layers, its config lists " + llvm::Twine(spec->diffIds.size()) + " diff_ids");

  CompressedLayers known(store.root());
  std::string repository = ref->repository();
  for (size_t i = 0; i < manifest->layers.size(); ++i) {
    const store::Descriptor &layer = manifest->layers[i];
    const store::Digest &diffId = spec->diffIds[i];
    std::string shortId = layer.digest.shortId();
    auto compression = layerCompression(layer.mediaType);
    if (!compression)
      return pullError("layer " + layer.digest.str() + " of " + name + " has unsupported media type '" +
                       layer.mediaType + "'");
    CompressedLayer c{layer.digest, uint64_t(layer.size), layer.mediaType, {}};
    if (store.blobs().has(diffId)) {
      ++result.layersPresent;
      progress(shortId + ": Already exists");
      known.record(diffId, c, repository);
      continue;
    }
    progress(shortId + ": Pulling fs layer");
    auto info = fetchLayer(store, **client, ref->path, layer);
    if (!info)
      return pullError("layer " + layer.digest.str() + " of " + name + ": " +
                       llvm::toString(info.takeError()));
    if (info->diffId != diffId)
      return pullError("layer " + layer.digest.str() + " of " + name + " unpacks to " + info->diffId.str() +
                       ", the image config says " + diffId.str());
    known.record(diffId, c, repository);
    ++result.layersFetched;
    progress(shortId + ": Pull complete");
  }
  std::vector<std::string> tags;
  if (ref->digest.empty())
    tags.push_back(ref->str());
  auto image = store.importImage(configBytes, tags);
  if (!image)
    return image.takeError();
  result.image = std::move(*image);
  progress("Digest: " + (result.indexDigest.empty() ? result.manifestDigest : result.indexDigest).str());
  return result;
}

} // namespace dfc::registry
