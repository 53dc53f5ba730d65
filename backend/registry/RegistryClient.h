// One registry host spoken to over the OCI distribution API (/v2/): endpoint choice (https, or
// http for insecure and loopback hosts), the Bearer/Basic auth dance, manifests and blobs.
#pragma once

#include "backend/registry/Credentials.h"
#include "backend/registry/Http.h"
#include "backend/store/Digest.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/StringMap.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dfc::registry {

struct RegistryOptions {
  // Allow http and unverified https for this registry (docker's --insecure-registry).
  bool insecure = false;
  // Where config.json (credentials, "insecure-registries") lives; defaultConfigDir() when empty.
  std::string configDir;
  // Explicit credentials (dfc login before they are stored); else config.json's.
  std::optional<Credentials> credentials;
};

// A WWW-Authenticate challenge: `Bearer realm="...",service="...",scope="..."`.
struct Challenge {
  std::string scheme; // lower case: "bearer", "basic"
  std::map<std::string, std::string> params;
};
std::vector<Challenge> parseChallenges(llvm::StringRef header);

// Where a reference's domain is served: "docker.io" is "registry-1.docker.io".
std::string registryHost(llvm::StringRef domain);
// localhost, 127.0.0.0/8 and ::1 (with or without a port): docker's default insecure set.
bool isLoopbackHost(llvm::StringRef hostPort);

struct FetchedManifest {
  std::string mediaType; // from the body, else the Content-Type header
  std::string bytes;
  store::Digest digest; // of the bytes
};

// The manifest kinds dfc understands, for Accept headers.
llvm::ArrayRef<const char *> manifestMediaTypes();

class RegistryClient {
public:
  // Chooses http or https (an insecure or loopback host that does not speak TLS falls back to http).
  static llvm::Expected<std::unique_ptr<RegistryClient>> connect(llvm::StringRef domain,
                                                                 const RegistryOptions &opts = {});

  const std::string &domain() const { return Domain; }
  const std::string &baseUrl() const { return Base; } // "https://registry-1.docker.io"

  // GET /v2/ with authentication: succeeds when the credentials (if any) are accepted.
  llvm::Error checkLogin();

  // GET a manifest by tag or digest. A digest reference must match the bytes.
  llvm::Expected<FetchedManifest> getManifest(llvm::StringRef repo, llvm::StringRef reference);
  // PUT; returns the digest of the bytes (checked against Docker-Content-Digest when sent).
  llvm::Expected<store::Digest> putManifest(llvm::StringRef repo, llvm::StringRef reference,
                                            llvm::StringRef mediaType, llvm::StringRef bytes);

  // HEAD: the blob's size when the repository has it, nullopt when not.
  llvm::Expected<std::optional<uint64_t>> statBlob(llvm::StringRef repo, const store::Digest &digest);
  // GET into the sink, verifying size (when expected >= 0) and digest before returning success.
  llvm::Error fetchBlob(llvm::StringRef repo, const store::Digest &digest, int64_t expectedSize,
                        const BodySink &sink);
  // Small blobs (configs) into memory, verified.
  llvm::Expected<std::string> fetchBlobBytes(llvm::StringRef repo, const store::Digest &digest,
                                             uint64_t maxSize = 64u << 20);

  // Cross-repository mount: true when the registry linked the blob from `fromRepo`.
  llvm::Expected<bool> mountBlob(llvm::StringRef repo, const store::Digest &digest, llvm::StringRef fromRepo);
  // Uploads `length` bytes of fd from `offset`: one PUT when chunkSize is 0, else PATCH chunks of
  // chunkSize then a closing PUT.
  llvm::Error uploadBlob(llvm::StringRef repo, const store::Digest &digest, int fd, uint64_t offset,
                         uint64_t length, uint64_t chunkSize = 0);
  llvm::Error uploadBlobBytes(llvm::StringRef repo, const store::Digest &digest, llvm::StringRef bytes);

  // Requests sent so far (tests use it to prove blobs were skipped).
  unsigned requestCount() const { return Requests; }

private:
  RegistryClient(std::string domain, std::string base, bool insecure, std::optional<Credentials> creds);
  // Sends with the cached token for `scope`; on 401 answers the challenge once and resends.
  llvm::Expected<HttpResponse> send(HttpRequest req, llvm::StringRef scope);
  llvm::Error authenticate(const HttpResponse &unauthorized, llvm::StringRef scope);
  llvm::Error statusError(llvm::StringRef what, const HttpResponse &r);
  llvm::Expected<std::string> startUpload(llvm::StringRef repo, llvm::StringRef scope);
  std::string url(llvm::StringRef path) const { return Base + path.str(); }

  HttpClient Http;
  std::string Domain;
  std::string Base;
  bool Insecure = false;
  std::optional<Credentials> Creds;
  llvm::StringMap<std::string> Tokens; // scope -> "Bearer ..." / "Basic ..."
  std::string BasicAuth;               // once a registry asked for Basic, every request carries it
  unsigned Requests = 0;
};

// "repository:<repo>:pull" / "repository:<repo>:pull,push".
std::string repositoryScope(llvm::StringRef repo, bool push);

} // namespace dfc::registry
