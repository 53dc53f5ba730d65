// RegistryClient: the distribution API calls plus the two auth schemes registries use. A 401 names
// its scheme in WWW-Authenticate; Bearer means "fetch a token for this scope from the realm".
#include "backend/registry/RegistryClient.h"

#include "backend/store/Image.h"

#include <llvm/ADT/StringExtras.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>

using nlohmann::json;

namespace dfc::registry {
namespace {

llvm::Error registryError(const llvm::Twine &msg) {
  return llvm::createStringError(std::errc::protocol_error, msg.str().c_str());
}

// The registry's error document ({"errors":[{"code","message"}]}) as one line, else the raw body.
std::string errorDetail(const HttpResponse &r) {
  json j = json::parse(r.body, nullptr, false);
  std::string out;
  if (!j.is_discarded() && j.is_object() && j.contains("errors") && j["errors"].is_array()) {
    for (const json &e : j["errors"]) {
      if (!e.is_object())
        continue;
      if (!out.empty())
        out += "; ";
      out += llvm::StringRef(e.value("code", "")).lower();
      std::string msg = e.value("message", "");
      if (!msg.empty())
        out += ": " + msg;
    }
    return out;
  }
  llvm::StringRef body = llvm::StringRef(r.body).trim();
  return body.size() > 200 ? body.substr(0, 200).str() + "..." : body.str();
}

std::string appendQuery(llvm::StringRef url, llvm::StringRef query) {
  return url.str() + (url.contains('?') ? "&" : "?") + query.str();
}

} // namespace

llvm::ArrayRef<const char *> manifestMediaTypes() {
  static const char *Types[] = {store::mediatype::OciManifest, store::mediatype::OciIndex,
                                store::mediatype::DockerManifest, store::mediatype::DockerManifestList};
  return Types;
}

std::string repositoryScope(llvm::StringRef repo, bool push) {
  return ("repository:" + repo + (push ? ":pull,push" : ":pull")).str();
}

std::vector<Challenge> parseChallenges(llvm::StringRef h) {
  std::vector<Challenge> out;
  size_t i = 0;
  auto skipSpace = [&] {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t' || h[i] == ','))
      ++i;
  };
  auto token = [&] {
    size_t start = i;
    while (i < h.size() && h[i] != ' ' && h[i] != '\t' && h[i] != '=' && h[i] != ',')
      ++i;
    return h.slice(start, i);
  };
  while (true) {
    skipSpace();
    if (i >= h.size())
      break;
    Challenge c;
    c.scheme = token().lower();
    // params: key=value or key="quoted, value" separated by commas, until the next scheme word
    while (true) {
      skipSpace();
      size_t save = i;
      llvm::StringRef key = token();
      if (key.empty() || i >= h.size() || h[i] != '=') {
        i = save; // a new scheme starts here
        break;
      }
      ++i; // '='
      std::string value;
      if (i < h.size() && h[i] == '"') {
        ++i;
        while (i < h.size() && h[i] != '"') {
          if (h[i] == '\\' && i + 1 < h.size())
            ++i;
          value += h[i++];
        }
        ++i; // closing quote
      } else {
        size_t start = i;
        while (i < h.size() && h[i] != ',' && h[i] != ' ')
          ++i;
        value = h.slice(start, i).str();
      }
      c.params[key.lower()] = value;
    }
    if (c.scheme.empty())
      break;
    out.push_back(std::move(c));
  }
  return out;
}

std::string registryHost(llvm::StringRef domain) {
  if (domain == "docker.io" || domain == "index.docker.io")
    return "registry-1.docker.io";
  return domain.str();
}

bool isLoopbackHost(llvm::StringRef hostPort) {
  llvm::StringRef host = hostPort;
  if (host.startswith("[")) {
    host = host.drop_front().take_until([](char c) { return c == ']'; });
  } else if (host.count(':') == 1) {
    host = host.split(':').first;
  }
  if (host == "localhost" || host == "::1")
    return true;
  in_addr a;
  if (::inet_pton(AF_INET, host.str().c_str(), &a) == 1)
    return (ntohl(a.s_addr) >> 24) == 127;
  return false;
}

RegistryClient::RegistryClient(std::string domain, std::string base, bool insecure,
                               std::optional<Credentials> creds)
    : Domain(std::move(domain)), Base(std::move(base)), Insecure(insecure), Creds(std::move(creds)) {}

llvm::Expected<std::unique_ptr<RegistryClient>> RegistryClient::connect(llvm::StringRef domain,
                                                                        const RegistryOptions &opts) {
  std::string host = registryHost(domain);
  CredentialStore credStore(opts.configDir.empty() ? defaultConfigDir() : opts.configDir);
  bool insecure = opts.insecure || isLoopbackHost(host);
  if (!insecure) {
    auto list = credStore.insecureRegistries();
    if (!list)
      return list.takeError();
    for (const std::string &h : *list)
      insecure |= h == host || h == domain;
  }
  std::optional<Credentials> creds = opts.credentials;
  if (!creds) {
    auto stored = credStore.get(domain);
    if (!stored)
      return stored.takeError();
    creds = *stored;
  }
  std::string base = "https://" + host;
  if (insecure) {
    // Docker's order for insecure registries: https without verification first, then http.
    HttpClient probe;
    HttpRequest req;
    req.url = base + "/v2/";
    req.verifyTls = false;
    req.timeoutSeconds = 10;
    auto r = probe.send(req);
    if (!r) {
      llvm::consumeError(r.takeError());
      base = "http://" + host;
    }
  }
  return std::unique_ptr<RegistryClient>(new RegistryClient(domain.str(), base, insecure, std::move(creds)));
}

llvm::Error RegistryClient::statusError(llvm::StringRef what, const HttpResponse &r) {
  std::string detail = errorDetail(r);
  if (r.status == 401) {
    // A Bearer 401 right after a fresh token: error="insufficient_scope" means the token server
    // knew the user and granted less than the scope; logging in again as the same user cannot help.
    std::string error, scope;
    for (const Challenge &c : parseChallenges(r.header("www-authenticate"))) {
      if (c.scheme != "bearer")
        continue;
      if (auto e = c.params.find("error"); e != c.params.end())
        error = e->second;
      if (auto s = c.params.find("scope"); s != c.params.end())
        scope = s->second;
      break;
    }
    if (Creds && error == "insufficient_scope")
      return registryError(
          what + ": denied: requested access to the resource is denied (the token server did not grant " +
          Creds->username + " " + (scope.empty() ? "the access asked for" : scope) + ")");
    if (detail == "unauthorized: authentication required")
      detail.clear(); // the registry's body says what the status already says
    return registryError(what + ": unauthorized: authentication required" +
                         (detail.empty() ? "" : " (" + detail + ")") +
                         (Creds ? "; the stored credentials were rejected, run `dfc login " + Domain + "`"
                                : "; run `dfc login " + Domain + "` first"));
  }
  return registryError(what + ": " + Base + " answered HTTP " + llvm::Twine(r.status) +
                       (detail.empty() ? "" : ": " + detail));
}

llvm::Error RegistryClient::authenticate(const HttpResponse &unauthorized, llvm::StringRef scope) {
  std::vector<Challenge> challenges = parseChallenges(unauthorized.header("www-authenticate"));
  const Challenge *bearer = nullptr, *basic = nullptr;
  for (const Challenge &c : challenges) {
    if (c.scheme == "bearer" && !bearer)
      bearer = &c;
    if (c.scheme == "basic" && !basic)
      basic = &c;
  }
  std::string basicHeader =
      Creds ? "Basic " + base64Encode(Creds->username + ":" + Creds->password) : std::string();
  if (bearer) {
    auto realm = bearer->params.find("realm");
    if (realm == bearer->params.end())
      return registryError(Domain + ": Bearer challenge without a realm");
    std::string url = realm->second;
    if (auto s = bearer->params.find("service"); s != bearer->params.end())
      url = appendQuery(url, "service=" + Http.escape(s->second));
    llvm::SmallVector<llvm::StringRef, 2> scopes;
    llvm::StringRef(scope).split(scopes, ' ', -1, false);
    if (scopes.empty())
      if (auto s = bearer->params.find("scope"); s != bearer->params.end())
        scopes.push_back(s->second);
    for (llvm::StringRef s : scopes)
      url = appendQuery(url, "scope=" + Http.escape(s));
    HttpRequest req;
    req.url = url;
    req.verifyTls = !Insecure;
    req.timeoutSeconds = 60;
    if (!basicHeader.empty())
      req.headers.push_back("Authorization: " + basicHeader);
    ++Requests;
    auto r = Http.send(req);
    if (!r)
      return r.takeError();
    if (r->status == 401 || r->status == 403)
      return registryError(Domain + ": " +
                           (Creds ? "login rejected: incorrect username or password"
                                  : "authentication required; run `dfc login " + Domain + "` first"));
    if (r->status != 200)
      return statusError("token request to " + realm->second, *r);
    json j = json::parse(r->body, nullptr, false);
    std::string token;
    if (!j.is_discarded() && j.is_object()) {
      token = j.value("token", "");
      if (token.empty())
        token = j.value("access_token", "");
    }
    if (token.empty())
      return registryError(Domain + ": token endpoint " + realm->second + " returned no token");
    Tokens[scope] = "Bearer " + token;
    return llvm::Error::success();
  }
  if (basic) {
    if (basicHeader.empty())
      return registryError(Domain + ": unauthorized: authentication required; run `dfc login " + Domain +
                           "` first");
    BasicAuth = basicHeader;
    Tokens[scope] = basicHeader;
    return llvm::Error::success();
  }
  return registryError(Domain + ": HTTP 401 without a usable WWW-Authenticate challenge");
}

llvm::Expected<HttpResponse> RegistryClient::send(HttpRequest req, llvm::StringRef scope) {
  if (Insecure)
    req.verifyTls = false;
  std::vector<std::string> baseHeaders = req.headers;
  for (int attempt = 0;; ++attempt) {
    req.headers = baseHeaders;
    auto t = Tokens.find(scope);
    if (t != Tokens.end())
      req.headers.push_back("Authorization: " + t->second);
    else if (!BasicAuth.empty())
      req.headers.push_back("Authorization: " + BasicAuth);
    ++Requests;
    auto r = Http.send(req);
    if (!r)
      return r.takeError();
    if (r->status != 401 || attempt > 0)
      return r;
    if (llvm::Error e = authenticate(*r, scope))
      return e;
  }
}

llvm::Error RegistryClient::checkLogin() {
  HttpRequest req;
  req.url = url("/v2/");
  req.timeoutSeconds = 60;
  auto r = send(req, "");
  if (!r)
    return r.takeError();
  if (r->status == 401)
    return registryError(
        Domain + ": login rejected: " + (Creds ? "incorrect username or password" : "no credentials given"));
  if (r->status != 200)
    return statusError("GET /v2/", *r);
  return llvm::Error::success();
}

llvm::Expected<FetchedManifest> RegistryClient::getManifest(llvm::StringRef repo, llvm::StringRef reference) {
  HttpRequest req;
  req.url = url(("/v2/" + repo + "/manifests/" + reference).str());
  std::string accept = "Accept: ";
  for (const char *t : manifestMediaTypes())
    accept += std::string(accept.size() > 8 ? ", " : "") + t;
  req.headers.push_back(accept);
  req.timeoutSeconds = 120;
  auto r = send(req, repositoryScope(repo, false));
  if (!r)
    return r.takeError();
  std::string what = (Domain + "/" + repo + (reference.startswith("sha256:") ? "@" : ":") + reference).str();
  if (r->status == 404)
    return registryError("manifest for " + what + " not found: " + errorDetail(*r));
  if (r->status != 200)
    return statusError("manifest for " + what, *r);
  FetchedManifest m;
  m.bytes = std::move(r->body);
  m.digest = store::Digest::ofBytes(m.bytes);
  json j = json::parse(m.bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return registryError("manifest for " + what + " is not a JSON object");
  m.mediaType = j.value("mediaType", "");
  if (m.mediaType.empty())
    m.mediaType = llvm::StringRef(r->header("content-type")).split(';').first.trim().str();
  if (m.mediaType.empty() && j.contains("manifests"))
    m.mediaType = store::mediatype::OciIndex; // OCI allows leaving mediaType out
  if (m.mediaType.empty() && j.contains("layers"))
    m.mediaType = store::mediatype::OciManifest;
  if (j.value("schemaVersion", 0) == 1)
    return registryError("manifest for " + what + " uses Docker's schema 1, which dfc does not support");
  if (reference.startswith("sha256:") && m.digest.str() != reference)
    return registryError("manifest for " + what + " has digest " + m.digest.str() + " (content mismatch)");
  return m;
}

llvm::Expected<store::Digest> RegistryClient::putManifest(llvm::StringRef repo, llvm::StringRef reference,
                                                          llvm::StringRef mediaType, llvm::StringRef bytes) {
  HttpRequest req;
  req.method = "PUT";
  req.url = url(("/v2/" + repo + "/manifests/" + reference).str());
  req.headers.push_back(("Content-Type: " + mediaType).str());
  req.body = bytes.str();
  req.timeoutSeconds = 120;
  auto r = send(req, repositoryScope(repo, true));
  if (!r)
    return r.takeError();
  if (r->status != 201 && r->status != 200)
    return statusError(("PUT manifest " + Domain + "/" + repo + ":" + reference).str(), *r);
  store::Digest d = store::Digest::ofBytes(bytes);
  std::string sent = r->header("docker-content-digest");
  if (!sent.empty() && sent != d.str())
    return registryError("registry stored manifest " + repo + ":" + reference + " as " + sent +
                         ", dfc computed " + d.str());
  return d;
}

llvm::Expected<std::optional<uint64_t>> RegistryClient::statBlob(llvm::StringRef repo,
                                                                 const store::Digest &d) {
  HttpRequest req;
  req.method = "HEAD";
  req.url = url(("/v2/" + repo + "/blobs/" + d.str()).str());
  req.timeoutSeconds = 120;
  auto r = send(req, repositoryScope(repo, false));
  if (!r)
    return r.takeError();
  if (r->status == 404)
    return std::nullopt;
  if (r->status != 200)
    return statusError(("HEAD blob " + repo + "@" + d.str()).str(), *r);
  uint64_t size = 0;
  llvm::StringRef(r->header("content-length")).getAsInteger(10, size);
  return size;
}

llvm::Error RegistryClient::fetchBlob(llvm::StringRef repo, const store::Digest &d, int64_t expectedSize,
                                      const BodySink &sink) {
  store::Sha256Hasher hasher;
  HttpRequest req;
  req.url = url(("/v2/" + repo + "/blobs/" + d.str()).str());
  req.sink = [&](const char *data, size_t n) -> llvm::Error {
    hasher.update(data, n);
    if (expectedSize >= 0 && hasher.bytes() > uint64_t(expectedSize))
      return registryError("blob " + d.str() + " is larger than its descriptor's " +
                           llvm::Twine(expectedSize) + " bytes");
    return sink(data, n);
  };
  auto r = send(req, repositoryScope(repo, false));
  if (!r)
    return r.takeError();
  if (r->status != 200)
    return statusError(("GET blob " + repo + "@" + d.str()).str(), *r);
  uint64_t got = hasher.bytes();
  store::Digest actual = hasher.finish();
  if (expectedSize >= 0 && got != uint64_t(expectedSize))
    return registryError("blob " + d.str() + ": got " + llvm::Twine(got) + " bytes, expected " +
                         llvm::Twine(expectedSize));
  if (actual != d)
    return registryError("blob " + d.str() + " failed verification: its content hashes to " + actual.str());
  return llvm::Error::success();
}

llvm::Expected<std::string> RegistryClient::fetchBlobBytes(llvm::StringRef repo, const store::Digest &d,
                                                           uint64_t maxSize) {
  std::string out;
  auto e = fetchBlob(repo, d, -1, [&](const char *data, size_t n) -> llvm::Error {
    if (out.size() + n > maxSize)
      return registryError("blob " + d.str() + " exceeds " + llvm::Twine(maxSize) + " bytes");
    out.append(data, n);
    return llvm::Error::success();
  });
  if (e)
    return e;
  return out;
}

llvm::Expected<std::string> RegistryClient::startUpload(llvm::StringRef repo, llvm::StringRef scope) {
  HttpRequest req;
  req.method = "POST";
  req.url = url(("/v2/" + repo + "/blobs/uploads/").str());
  req.timeoutSeconds = 120;
  auto r = send(req, scope);
  if (!r)
    return r.takeError();
  if (r->status != 202)
    return statusError(("starting an upload to " + Domain + "/" + repo).str(), *r);
  std::string loc = r->header("location");
  if (loc.empty())
    return registryError("upload to " + repo + ": registry sent no Location");
  return resolveUrl(r->effectiveUrl, loc);
}

llvm::Expected<bool> RegistryClient::mountBlob(llvm::StringRef repo, const store::Digest &d,
                                               llvm::StringRef fromRepo) {
  HttpRequest req;
  req.method = "POST";
  req.url =
      url(("/v2/" + repo + "/blobs/uploads/?mount=" + Http.escape(d.str()) + "&from=" + Http.escape(fromRepo))
              .str());
  req.timeoutSeconds = 120;
  auto r = send(req, repositoryScope(repo, true) + " " + repositoryScope(fromRepo, false));
  if (!r)
    return r.takeError();
  if (r->status == 201)
    return true;
  if (r->status == 202) {
    // The registry could not mount and opened an upload session instead; cancel it.
    std::string loc = r->header("location");
    if (!loc.empty()) {
      HttpRequest del;
      del.method = "DELETE";
      del.url = resolveUrl(r->effectiveUrl, loc);
      del.timeoutSeconds = 60;
      auto gone = send(del, repositoryScope(repo, true));
      if (!gone)
        llvm::consumeError(gone.takeError());
    }
    return false;
  }
  return statusError(("mounting " + d.str() + " from " + fromRepo + " into " + repo).str(), *r);
}

llvm::Error RegistryClient::uploadBlob(llvm::StringRef repo, const store::Digest &d, int fd, uint64_t offset,
                                       uint64_t length, uint64_t chunkSize) {
  std::string scope = repositoryScope(repo, true);
  auto loc = startUpload(repo, scope);
  if (!loc)
    return loc.takeError();
  std::string location = *loc;
  uint64_t sent = 0;
  if (chunkSize > 0) {
    while (sent < length) {
      uint64_t n = std::min(chunkSize, length - sent);
      HttpRequest req;
      req.method = "PATCH";
      req.url = location;
      req.headers.push_back("Content-Type: application/octet-stream");
      req.headers.push_back("Content-Range: " + std::to_string(sent) + "-" + std::to_string(sent + n - 1));
      req.bodyFd = fd;
      req.bodyOffset = offset + sent;
      req.bodyLength = n;
      auto r = send(req, scope);
      if (!r)
        return r.takeError();
      if (r->status != 202)
        return statusError(("uploading chunk " + llvm::Twine(sent) + " of " + d.str()).str(), *r);
      std::string next = r->header("location");
      if (!next.empty())
        location = resolveUrl(r->effectiveUrl, next);
      sent += n;
    }
  }
  HttpRequest put;
  put.method = "PUT";
  put.url = appendQuery(location, "digest=" + Http.escape(d.str()));
  put.headers.push_back("Content-Type: application/octet-stream");
  if (sent < length) {
    put.bodyFd = fd;
    put.bodyOffset = offset + sent;
    put.bodyLength = length - sent;
  }
  auto r = send(put, scope);
  if (!r)
    return r.takeError();
  if (r->status != 201)
    return statusError(("uploading " + d.str() + " to " + Domain + "/" + repo).str(), *r);
  return llvm::Error::success();
}

llvm::Error RegistryClient::uploadBlobBytes(llvm::StringRef repo, const store::Digest &d,
                                            llvm::StringRef bytes) {
  std::string scope = repositoryScope(repo, true);
  auto loc = startUpload(repo, scope);
  if (!loc)
    return loc.takeError();
  HttpRequest put;
  put.method = "PUT";
  put.url = appendQuery(*loc, "digest=" + Http.escape(d.str()));
  put.headers.push_back("Content-Type: application/octet-stream");
  put.body = bytes.str();
  auto r = send(put, scope);
  if (!r)
    return r.takeError();
  if (r->status != 201)
    return statusError(("uploading " + d.str() + " to " + Domain + "/" + repo).str(), *r);
  return llvm::Error::success();
}

} // namespace dfc::registry
