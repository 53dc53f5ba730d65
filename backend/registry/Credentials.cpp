// config.json reading and writing for CredentialStore: base64 user:pass under "auths", written
// atomically with mode 0600 because it holds passwords.
#include "backend/registry/Credentials.h"

#include "backend/store/Files.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

using nlohmann::json;

namespace dfc::registry {
namespace {

const char DockerHubKey[] = "https://index.docker.io/v1/";

llvm::Error configError(const llvm::Twine &msg) {
  return llvm::createStringError(std::errc::invalid_argument, msg.str().c_str());
}

// Strips "https://" and any path, so "https://host:5000/v2/" and "host:5000" compare equal.
std::string hostOfKey(llvm::StringRef key) {
  if (size_t p = key.find("://"); p != llvm::StringRef::npos)
    key = key.substr(p + 3);
  return key.substr(0, key.find('/')).str();
}

llvm::Expected<json> readConfig(const std::string &path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return json::object();
  auto text = store::readFile(path);
  if (!text)
    return text.takeError();
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return configError(path + " is not a JSON object");
  return j;
}

llvm::Error writeConfig(const std::string &dir, const json &j) {
  if (llvm::Error e = store::makeDirs(dir, 0700))
    return e;
  std::string path = dir + "/config.json";
  std::string tmp = dir + "/" + store::tempName("config.json.");
  std::string text = j.dump(1, '\t') + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return store::systemError("create", tmp);
  llvm::Error e = store::writeAll(fd, text.data(), text.size(), tmp);
  if (!e && ::fsync(fd) != 0)
    e = store::systemError("fsync", tmp);
  ::close(fd);
  if (!e && ::rename(tmp.c_str(), path.c_str()) != 0)
    e = store::systemError("rename", path);
  if (e)
    ::unlink(tmp.c_str());
  return e;
}

// The key in "auths" that names this domain, if any.
std::optional<std::string> findKey(const json &auths, llvm::StringRef domain) {
  std::string want = credentialKey(domain);
  if (auths.contains(want))
    return want;
  std::string host = hostOfKey(want);
  for (auto it = auths.begin(); it != auths.end(); ++it) {
    std::string h = hostOfKey(it.key());
    if (h == host || (domain == "docker.io" && (h == "index.docker.io" || h == "registry-1.docker.io")))
      return it.key();
  }
  return std::nullopt;
}

} // namespace

std::string defaultConfigDir() {
  if (const char *d = std::getenv("DFC_CONFIG"); d && *d)
    return d;
  if (const char *d = std::getenv("DOCKER_CONFIG"); d && *d)
    return d;
  const char *home = std::getenv("HOME");
  if (!home || !*home) {
    struct passwd *pw = ::getpwuid(::getuid());
    home = pw ? pw->pw_dir : "/";
  }
  return std::string(home) + "/.docker";
}

std::string credentialKey(llvm::StringRef domain) {
  if (domain == "docker.io" || domain == "index.docker.io" || domain == "registry-1.docker.io")
    return DockerHubKey;
  return domain.str();
}

std::string base64Encode(llvm::StringRef data) {
  static const char Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v =
        uint32_t(uint8_t(data[i])) << 16 | uint32_t(uint8_t(data[i + 1])) << 8 | uint8_t(data[i + 2]);
    out += Alphabet[v >> 18];
    out += Alphabet[(v >> 12) & 63];
    out += Alphabet[(v >> 6) & 63];
    out += Alphabet[v & 63];
  }
  if (size_t rest = data.size() - i) {
    uint32_t v = uint32_t(uint8_t(data[i])) << 16 | (rest == 2 ? uint32_t(uint8_t(data[i + 1])) << 8 : 0);
    out += Alphabet[v >> 18];
    out += Alphabet[(v >> 12) & 63];
    out += rest == 2 ? Alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

llvm::Expected<std::string> base64Decode(llvm::StringRef text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z')
      return c - 'A';
    if (c >= 'a' && c <= 'z')
      return c - 'a' + 26;
    if (c >= '0' && c <= '9')
      return c - '0' + 52;
    if (c == '+' || c == '-')
      return 62;
    if (c == '/' || c == '_')
      return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=' || c == '\n' || c == '\r')
      continue;
    int v = value(c);
    if (v < 0)
      return configError("invalid base64 character");
    acc = acc << 6 | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xff);
    }
  }
  return out;
}

llvm::Expected<std::optional<Credentials>> CredentialStore::get(llvm::StringRef domain) const {
  auto j = readConfig(path());
  if (!j)
    return j.takeError();
  auto auths = j->find("auths");
  if (auths == j->end() || !auths->is_object())
    return std::nullopt;
  auto key = findKey(*auths, domain);
  if (!key)
    return std::nullopt;
  const json &entry = (*auths)[*key];
  if (!entry.is_object())
    return std::nullopt;
  Credentials c;
  if (auto a = entry.find("auth"); a != entry.end() && a->is_string() && !a->get<std::string>().empty()) {
    auto plain = base64Decode(a->get<std::string>());
    if (!plain)
      return configError(path() + ": auths." + *key + ".auth: " + llvm::toString(plain.takeError()));
    auto [user, pass] = llvm::StringRef(*plain).split(':');
    c.username = user.str();
    c.password = pass.str();
  } else if (entry.contains("username") && entry["username"].is_string()) {
    c.username = entry["username"].get<std::string>();
    c.password = entry.value("password", "");
  } else {
    return std::nullopt; // a credential helper entry; helpers are not supported
  }
  return c;
}

llvm::Error CredentialStore::set(llvm::StringRef domain, const Credentials &c) {
  auto j = readConfig(path());
  if (!j)
    return j.takeError();
  json &auths = (*j)["auths"];
  if (!auths.is_object())
    auths = json::object();
  if (auto old = findKey(auths, domain))
    auths.erase(*old);
  auths[credentialKey(domain)] = {{"auth", base64Encode(c.username + ":" + c.password)}};
  return writeConfig(Dir, *j);
}

llvm::Expected<bool> CredentialStore::erase(llvm::StringRef domain) {
  auto j = readConfig(path());
  if (!j)
    return j.takeError();
  auto auths = j->find("auths");
  if (auths == j->end() || !auths->is_object())
    return false;
  auto key = findKey(*auths, domain);
  if (!key)
    return false;
  auths->erase(*key);
  if (llvm::Error e = writeConfig(Dir, *j))
    return e;
  return true;
}

llvm::Expected<std::vector<std::string>> CredentialStore::insecureRegistries() const {
  auto j = readConfig(path());
  if (!j)
    return j.takeError();
  std::vector<std::string> out;
  if (auto l = j->find("insecure-registries"); l != j->end() && l->is_array())
    for (const json &h : *l)
      if (h.is_string())
        out.push_back(hostOfKey(h.get<std::string>()));
  return out;
}

} // namespace dfc::registry
