// CompressedLayers' JSON file per layer: {"blobs":[{"digest","size","mediaType","repositories"}]}.
// Unreadable or foreign content reads as "nothing known", never as an error.
#include "backend/registry/CompressedLayers.h"

#include "backend/store/Files.h"

#include <nlohmann/json.hpp>

#include <algorithm>

using nlohmann::json;

namespace dfc::registry {

std::optional<store::Compression> layerCompression(llvm::StringRef mediaType) {
  if (mediaType.endswith("+gzip") || mediaType.endswith(".tar.gzip"))
    return store::Compression::Gzip;
  if (mediaType.endswith("+zstd"))
    return store::Compression::Zstd;
  if (mediaType.endswith(".tar") || mediaType.endswith("diff.tar"))
    return store::Compression::None;
  return std::nullopt;
}

std::string CompressedLayers::path(const store::Digest &diffId) const {
  return Root + "/registry/layers/" + diffId.hex().str() + ".json";
}

std::optional<CompressedLayer> CompressedLayers::find(const store::Digest &diffId,
                                                      store::Compression c) const {
  auto text = store::readFile(path(diffId));
  if (!text) {
    llvm::consumeError(text.takeError());
    return std::nullopt;
  }
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("blobs") || !j["blobs"].is_array())
    return std::nullopt;
  for (const json &b : j["blobs"]) {
    if (!b.is_object())
      continue;
    CompressedLayer l;
    l.mediaType = b.value("mediaType", "");
    auto d = store::Digest::parse(b.value("digest", ""));
    if (!d) {
      llvm::consumeError(d.takeError());
      continue;
    }
    if (layerCompression(l.mediaType) != c)
      continue;
    l.digest = *d;
    l.size = b.value("size", uint64_t(0));
    if (auto r = b.find("repositories"); r != b.end() && r->is_array())
      for (const json &s : *r)
        if (s.is_string())
          l.repositories.push_back(s.get<std::string>());
    return l;
  }
  return std::nullopt;
}

void CompressedLayers::record(const store::Digest &diffId, const CompressedLayer &layer,
                              llvm::StringRef repository) {
  json j = json::object();
  if (auto text = store::readFile(path(diffId))) {
    j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      j = json::object();
  } else {
    llvm::consumeError(text.takeError());
  }
  if (!j.contains("blobs") || !j["blobs"].is_array())
    j["blobs"] = json::array();
  json *entry = nullptr;
  for (json &b : j["blobs"])
    if (b.is_object() && b.value("digest", "") == layer.digest.str())
      entry = &b;
  if (!entry) {
    j["blobs"].push_back({{"digest", layer.digest.str()},
                          {"size", layer.size},
                          {"mediaType", layer.mediaType},
                          {"repositories", json::array()}});
    entry = &j["blobs"].back();
  }
  json &repos = (*entry)["repositories"];
  if (!repos.is_array())
    repos = json::array();
  if (!repository.empty() && std::find(repos.begin(), repos.end(), repository.str()) == repos.end())
    repos.push_back(repository.str());
  std::string dir = Root + "/registry/layers";
  if (llvm::Error e = store::makeDirs(dir)) {
    llvm::consumeError(std::move(e));
    return;
  }
  llvm::consumeError(store::writeFileAtomic(path(diffId), j.dump(), Root + "/tmp"));
}

} // namespace dfc::registry
