// Registry credentials kept as Docker keeps them: config.json's "auths" map of base64 "user:pass",
// so `docker login` and `dfc login` share one file. Also the dfc-only list of insecure registries.
#pragma once

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <optional>
#include <string>
#include <vector>

namespace dfc::registry {

struct Credentials {
  std::string username;
  std::string password;
};

// $DFC_CONFIG, else $DOCKER_CONFIG, else ~/.docker.
std::string defaultConfigDir();

// The "auths" key for a registry domain: Docker Hub's is "https://index.docker.io/v1/", every other
// registry is keyed by its host[:port].
std::string credentialKey(llvm::StringRef domain);

std::string base64Encode(llvm::StringRef data);
llvm::Expected<std::string> base64Decode(llvm::StringRef text);

// <dir>/config.json. Unknown keys survive updates; a missing file reads as empty.
class CredentialStore {
public:
  explicit CredentialStore(std::string dir = defaultConfigDir()) : Dir(std::move(dir)) {}
  std::string path() const { return Dir + "/config.json"; }

  // Credentials for a domain ("docker.io", "127.0.0.1:5000"); also matches keys written with a
  // scheme or path ("https://host/v2/").
  llvm::Expected<std::optional<Credentials>> get(llvm::StringRef domain) const;
  llvm::Error set(llvm::StringRef domain, const Credentials &c);
  // Returns false when there was nothing to remove.
  llvm::Expected<bool> erase(llvm::StringRef domain);
  // "insecure-registries": hosts reached over plain http (or https without verification).
  llvm::Expected<std::vector<std::string>> insecureRegistries() const;

private:
  std::string Dir;
};

} // namespace dfc::registry
