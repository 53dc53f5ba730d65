// `dfc login` / `dfc logout`: check credentials against a registry, then keep or drop them in
// config.json the way docker does.
#pragma once

#include "backend/registry/Credentials.h"
#include "backend/registry/RegistryClient.h"

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <string>

namespace dfc::registry {

// The registry domain a login argument names: "" and Docker Hub's URLs are "docker.io";
// "https://host:5000/v2/" is "host:5000".
std::string loginDomain(llvm::StringRef server);

// Verifies the credentials with an authenticated GET /v2/ and stores them when accepted.
llvm::Error login(llvm::StringRef server, const Credentials &credentials, const RegistryOptions &opts = {});

// Removes stored credentials; false when there were none.
llvm::Expected<bool> logout(llvm::StringRef server, const RegistryOptions &opts = {});

} // namespace dfc::registry
