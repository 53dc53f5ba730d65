// OCI image structures (config, manifest, index, descriptors) and their JSON, with the exact
// field names of the OCI image spec plus Docker's extensions (Healthcheck, OnBuild, Shell).
#pragma once

#include "backend/store/Digest.h"

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dfc::store {

namespace mediatype {
inline constexpr const char *OciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char *OciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr const char *OciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr const char *OciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr const char *OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr const char *OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr const char *DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr const char *DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr const char *DockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr const char *DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr const char *DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
} // namespace mediatype

// Docker's HEALTHCHECK; durations in nanoseconds as in the JSON.
struct HealthConfig {
  std::vector<std::string> Test; // ["NONE"], ["CMD", ...] or ["CMD-SHELL", "..."]
  int64_t Interval = 0;
  int64_t Timeout = 0;
  int64_t StartPeriod = 0;
  int64_t StartInterval = 0;
  int Retries = 0;
  bool operator==(const HealthConfig &o) const;
};

// The "config" object of an image config: what `docker inspect` shows as Config.
// Empty fields are left out of the JSON (Go's omitempty), so unset and empty look alike there.
struct ImageConfig {
  std::string User;
  std::map<std::string, std::map<std::string, std::string>> ExposedPorts; // "80/tcp" -> {}
  std::vector<std::string> Env;                                           // "K=V"
  std::vector<std::string> Entrypoint;
  std::vector<std::string> Cmd;
  std::map<std::string, std::map<std::string, std::string>> Volumes; // "/data" -> {}
  std::string WorkingDir;
  std::map<std::string, std::string> Labels;
  std::string StopSignal;
  bool ArgsEscaped = false;
  std::optional<HealthConfig> Healthcheck;
  std::vector<std::string> OnBuild;
  std::vector<std::string> Shell;

  // Env lookup/update keeping "K=V" order, as Docker's ENV does.
  std::optional<std::string> env(llvm::StringRef key) const;
  void setEnv(llvm::StringRef key, llvm::StringRef value);
  bool operator==(const ImageConfig &o) const;
};

struct HistoryEntry {
  std::string created; // RFC 3339
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;
};

// The image config blob; its digest is the image id.
struct ImageSpec {
  std::string created; // RFC 3339, e.g. "2024-01-01T00:00:00Z"
  std::string author;
  std::string architecture = "amd64";
  std::string os = "linux";
  std::string variant;
  ImageConfig config;
  std::vector<Digest> diffIds; // rootfs.diff_ids, type "layers"
  std::vector<HistoryEntry> history;
};

struct Platform {
  std::string architecture;
  std::string os;
  std::string variant;
};

struct Descriptor {
  std::string mediaType;
  Digest digest;
  int64_t size = 0;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;
};

struct Manifest {
  int schemaVersion = 2;
  std::string mediaType = mediatype::OciManifest;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::map<std::string, std::string> annotations;
};

struct Index {
  int schemaVersion = 2;
  std::string mediaType = mediatype::OciIndex;
  std::vector<Descriptor> manifests;
  std::map<std::string, std::string> annotations;
};

// JSON objects (for composing bigger documents such as `docker inspect` output).
nlohmann::json toJson(const ImageConfig &c);
nlohmann::json toJson(const ImageSpec &s);
nlohmann::json toJson(const Descriptor &d);
nlohmann::json toJson(const Manifest &m);
nlohmann::json toJson(const Index &i);
llvm::Expected<ImageConfig> imageConfigFromJson(const nlohmann::json &j);

// Canonical bytes: keys sorted, no whitespace. The same struct always gives the same digest.
std::string canonicalJson(const ImageSpec &s);
std::string canonicalJson(const Manifest &m);
std::string canonicalJson(const Index &i);

llvm::Expected<ImageSpec> parseImageSpec(llvm::StringRef json);
llvm::Expected<Manifest> parseManifest(llvm::StringRef json);
llvm::Expected<Index> parseIndex(llvm::StringRef json);

// RFC 3339 in UTC with second precision, as BuildKit writes it for SOURCE_DATE_EPOCH.
std::string formatTime(int64_t unixSeconds);
// Accepts RFC 3339 with optional fraction and offset; 0 when unparsable.
int64_t parseTime(llvm::StringRef rfc3339);
// SOURCE_DATE_EPOCH from the environment when set and numeric.
std::optional<int64_t> sourceDateEpoch();

} // namespace dfc::store
