// login/logout: the credentials are only written after the registry accepted them, so a typo
// never replaces working credentials.
#include "backend/registry/Login.h"

namespace dfc::registry {

std::string loginDomain(llvm::StringRef server) {
  llvm::StringRef s = server.trim();
  if (size_t p = s.find("://"); p != llvm::StringRef::npos)
    s = s.substr(p + 3);
  s = s.take_until([](char c) { return c == '/'; });
  if (s.empty() || s == "docker.io" || s == "index.docker.io" || s == "registry-1.docker.io")
    return "docker.io";
  return s.str();
}

llvm::Error login(llvm::StringRef server, const Credentials &credentials, const RegistryOptions &opts) {
  std::string domain = loginDomain(server);
  RegistryOptions o = opts;
  o.credentials = credentials;
  auto client = RegistryClient::connect(domain, o);
  if (!client)
    return client.takeError();
  if (llvm::Error e = (*client)->checkLogin())
    return e;
  CredentialStore creds(opts.configDir.empty() ? defaultConfigDir() : opts.configDir);
  return creds.set(domain, credentials);
}

llvm::Expected<bool> logout(llvm::StringRef server, const RegistryOptions &opts) {
  CredentialStore creds(opts.configDir.empty() ? defaultConfigDir() : opts.configDir);
  return creds.erase(loginDomain(server));
}

} // namespace dfc::registry
