// The download cache: downloads/<sha256(url)>.json (url, content digest, ETag, Last-Modified) names
// downloads/<content hex>.data (mode 0600). Data files are immutable and written before the entry
// (temp + fsync + rename), so a reader never sees an entry whose file holds other bytes, and a
// killed download leaves at worst a temp file that prune removes.
#include "backend/build/Download.h"

#include "backend/registry/Http.h"
#include "backend/store/Digest.h"
#include "backend/store/Files.h"

#include <llvm/ADT/StringRef.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dfc::build {

bool isRemoteUrl(const std::string &source) {
  llvm::StringRef s(source);
  return s.startswith("http://") || s.startswith("https://");
}

std::string urlFilename(const std::string &url) {
  llvm::StringRef path = llvm::StringRef(url).split("://").second;
  path = path.split('?').first.split('#').first;
  size_t slash = path.find('/');
  path = slash == llvm::StringRef::npos ? llvm::StringRef() : path.substr(slash);
  path = path.rtrim('/');
  std::string base = path.rsplit('/').second.str();
  if (base.empty() || base == ".")
    return "__unnamed__";
  return base;
}

namespace {

std::string entryBase(const std::string &root, const std::string &url) {
  return root + "/downloads/" + store::Digest::ofBytes(url).hex().str();
}

// RFC 7231 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the form servers send; 0 otherwise.
int64_t parseHttpDate(const std::string &text) {
  struct tm tm = {};
  const char *end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end)
    return 0;
  return int64_t(::timegm(&tm));
}

std::optional<RemoteFile> readEntry(const std::string &root, const std::string &url) {
  std::string base = entryBase(root, url);
  auto text = store::readFile(base + ".json");
  if (!text) {
    llvm::consumeError(text.takeError());
    return std::nullopt;
  }
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object() || j.value("url", "") != url)
    return std::nullopt;
  RemoteFile f;
  f.url = url;
  f.digest = j.value("digest", "");
  f.path = root + "/downloads/" + llvm::StringRef(f.digest).drop_front(7).str() + ".data";
  f.etag = j.value("etag", "");
  f.lastModified = j.value("lastModified", "");
  f.mtime = parseHttpDate(f.lastModified);
  struct stat st;
  if (f.digest.empty() || ::stat(f.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return std::nullopt;
  return f;
}

} // namespace

std::optional<RemoteFile> cachedDownload(const std::string &storeRoot, const std::string &url) {
  return readEntry(storeRoot, url);
}

llvm::Expected<RemoteFile> fetchUrl(const std::string &storeRoot, const std::string &url, const std::string &checksum) {
  if (!checksum.empty() && !llvm::StringRef(checksum).startswith("sha256:"))
    return store::storeError("unsupported checksum " + checksum + " (sha256:<hex> is supported)");
  if (!checksum.empty()) {
    auto want = store::Digest::parse(checksum);
    if (!want)
      return store::storeError("invalid checksum " + checksum + ": " + llvm::toString(want.takeError()));
  }
  std::optional<RemoteFile> cached = readEntry(storeRoot, url);
  if (cached && !checksum.empty() && cached->digest == checksum)
    return *cached;

  std::string dir = storeRoot + "/downloads";
  if (llvm::Error e = store::makeDirs(dir, 0700))
    return e;
  std::string tmp = dir + "/" + store::tempName(".tmp-");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return store::systemError("create", tmp);
  auto removeTmp = [&] { ::unlink(tmp.c_str()); };
  store::Sha256Hasher hasher;
  registry::HttpRequest req;
  req.url = url;
  if (cached) {
    // Revalidate: 304 means the cached content is still what the URL serves.
    if (!cached->etag.empty())
      req.headers.push_back("If-None-Match: " + cached->etag);
    if (!cached->lastModified.empty())
      req.headers.push_back("If-Modified-Since: " + cached->lastModified);
  }
  req.sink = [&](const char *data, size_t size) -> llvm::Error {
    hasher.update(data, size);
    return store::writeAll(fd, data, size, tmp);
  };
  registry::HttpClient http;
  auto resp = http.send(req);
  if (!resp) {
    ::close(fd);
    removeTmp();
    return store::storeError("failed to fetch " + url + ": " + llvm::toString(resp.takeError()));
  }
  if (resp->status == 304 && cached) {
    ::close(fd);
    removeTmp();
    if (!checksum.empty() && cached->digest != checksum)
      return store::storeError("checksum mismatch for " + url + ": expected " + checksum + ", got " + cached->digest);
    return *cached;
  }
  if (resp->status < 200 || resp->status >= 300) {
    ::close(fd);
    removeTmp();
    return store::storeError("failed to fetch " + url + ": HTTP status " + std::to_string(resp->status));
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    removeTmp();
    return store::systemError("fsync", tmp);
  }
  ::close(fd);
  RemoteFile f;
  f.url = url;
  f.digest = hasher.finish().str();
  f.etag = resp->header("etag");
  f.lastModified = resp->header("last-modified");
  f.mtime = parseHttpDate(f.lastModified);
  f.transferred = true;
  if (!checksum.empty() && f.digest != checksum) {
    removeTmp();
    return store::storeError("checksum mismatch for " + url + ": expected " + checksum + ", got " + f.digest);
  }
  std::string base = entryBase(storeRoot, url);
  f.path = dir + "/" + llvm::StringRef(f.digest).drop_front(7).str() + ".data";
  if (::rename(tmp.c_str(), f.path.c_str()) != 0) {
    llvm::Error e = store::systemError("rename", f.path);
    removeTmp();
    return e;
  }
  nlohmann::json j = {{"url", url}, {"digest", f.digest}, {"etag", f.etag}, {"lastModified", f.lastModified}};
  if (llvm::Error e = store::writeFileAtomic(base + ".json", j.dump(), dir))
    return e;
  return f;
}

} // namespace dfc::build
