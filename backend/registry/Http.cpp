// libcurl behind HttpClient: an easy handle reused across requests, callbacks that keep only the
// final response's headers and route 2xx bodies to the caller's sink.
#include "backend/registry/Http.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <llvm/ADT/StringExtras.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <unistd.h>

namespace {

// libcurl is loaded on first use, not linked: linked, it and the ~25 libraries it needs cost every
// dfc command ~4.5 ms of startup (measured with a bare program), and only registry commands use it.
struct CurlApi {
  CURLcode (*global_init)(long) = nullptr;
  CURL *(*easy_init)() = nullptr;
  void (*easy_cleanup)(CURL *) = nullptr;
  char *(*easy_escape)(CURL *, const char *, int) = nullptr;
  void (*free)(void *) = nullptr;
  void (*easy_reset)(CURL *) = nullptr;
  CURLcode (*easy_setopt)(CURL *, CURLoption, ...) = nullptr;
  CURLcode (*easy_perform)(CURL *) = nullptr;
  CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...) = nullptr;
  const char *(*easy_strerror)(CURLcode) = nullptr;
  struct curl_slist *(*slist_append)(struct curl_slist *, const char *) = nullptr;
  void (*slist_free_all)(struct curl_slist *) = nullptr;
  std::string error; // why it could not be loaded; "" when loaded
};

template <typename F> bool bind(void *lib, const char *name, F &fn, std::string &error) {
  fn = reinterpret_cast<F>(::dlsym(lib, name));
  if (!fn && error.empty())
    error = std::string("libcurl has no ") + name;
  return fn != nullptr;
}

const CurlApi &curl() {
  static const CurlApi api = [] {
    CurlApi a;
    void *lib = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char *e = ::dlerror();
      a.error = std::string("cannot load libcurl.so.4 (Debian's libcurl4): ") + (e ? e : "not found");
      return a;
    }
    bind(lib, "curl_global_init", a.global_init, a.error);
    bind(lib, "curl_easy_init", a.easy_init, a.error);
    bind(lib, "curl_easy_cleanup", a.easy_cleanup, a.error);
    bind(lib, "curl_easy_escape", a.easy_escape, a.error);
    bind(lib, "curl_free", a.free, a.error);
    bind(lib, "curl_easy_reset", a.easy_reset, a.error);
    bind(lib, "curl_easy_setopt", a.easy_setopt, a.error);
    bind(lib, "curl_easy_perform", a.easy_perform, a.error);
    bind(lib, "curl_easy_getinfo", a.easy_getinfo, a.error);
    bind(lib, "curl_easy_strerror", a.easy_strerror, a.error);
    bind(lib, "curl_slist_append", a.slist_append, a.error);
    bind(lib, "curl_slist_free_all", a.slist_free_all, a.error);
    if (a.error.empty())
      a.global_init(CURL_GLOBAL_DEFAULT);
    return a;
  }();
  return api;
}

} // namespace

namespace dfc::registry {
namespace {

struct Transfer {
  const HttpRequest *Req;
  HttpResponse *Resp;
  CURL *Curl;
  uint64_t Sent = 0;
  llvm::Error SinkError = llvm::Error::success();
};

size_t onHeader(char *data, size_t size, size_t count, void *user) {
  auto *t = static_cast<Transfer *>(user);
  llvm::StringRef line(data, size * count);
  line = line.trim();
  // Each response in a redirect/100-continue chain starts with a status line; keep the last one's.
  if (line.startswith("HTTP/")) {
    t->Resp->headers.clear();
    return size * count;
  }
  auto [name, value] = line.split(':');
  if (!value.empty() || line.contains(':'))
    t->Resp->headers.emplace_back(name.trim().lower(), value.trim().str());
  return size * count;
}

size_t onBody(char *data, size_t size, size_t count, void *user) {
  auto *t = static_cast<Transfer *>(user);
  long status = 0;
  curl().easy_getinfo(t->Curl, CURLINFO_RESPONSE_CODE, &status);
  size_t n = size * count;
  if (t->Req->sink && status >= 200 && status < 300) {
    if (llvm::Error e = t->Req->sink(data, n)) {
      t->SinkError = std::move(e);
      return 0; // aborts the transfer
    }
    return n;
  }
  t->Resp->body.append(data, n);
  return n;
}

size_t onRead(char *buf, size_t size, size_t count, void *user) {
  auto *t = static_cast<Transfer *>(user);
  const HttpRequest &r = *t->Req;
  uint64_t total = r.bodyFd >= 0 ? r.bodyLength : r.body.size();
  uint64_t want = std::min<uint64_t>(size * count, total - t->Sent);
  if (want == 0)
    return 0;
  if (r.bodyFd < 0) {
    std::memcpy(buf, r.body.data() + t->Sent, want);
    t->Sent += want;
    return want;
  }
  for (;;) {
    ssize_t got = ::pread(r.bodyFd, buf, want, off_t(r.bodyOffset + t->Sent));
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return CURL_READFUNC_ABORT; // the file shrank under us
    t->Sent += uint64_t(got);
    return size_t(got);
  }
}

// curl rewinds when it must resend the body (a redirect or an auth retry on the same connection).
int onSeek(void *user, curl_off_t offset, int origin) {
  auto *t = static_cast<Transfer *>(user);
  if (origin != SEEK_SET || offset < 0)
    return CURL_SEEKFUNC_CANTSEEK;
  t->Sent = uint64_t(offset);
  return CURL_SEEKFUNC_OK;
}

} // namespace

std::string HttpResponse::header(llvm::StringRef name) const {
  for (const auto &[k, v] : headers)
    if (k == name)
      return v;
  return "";
}

HttpClient::HttpClient() {
  if (curl().error.empty())
    Handle = curl().easy_init();
}

HttpClient::~HttpClient() {
  if (Handle)
    curl().easy_cleanup(static_cast<CURL *>(Handle));
}

std::string HttpClient::escape(llvm::StringRef text) {
  if (!Handle)
    return text.str(); // no libcurl: every send() fails with the reason anyway
  char *e = curl().easy_escape(static_cast<CURL *>(Handle), text.data(), int(text.size()));
  std::string out = e ? e : "";
  curl().free(e);
  return out;
}

llvm::Expected<HttpResponse> HttpClient::send(const HttpRequest &req) {
  CURL *c = static_cast<CURL *>(Handle);
  if (!c)
    return llvm::createStringError(std::errc::not_enough_memory,
                                   curl().error.empty() ? "curl_easy_init failed" : curl().error.c_str());
  curl().easy_reset(c);
  HttpResponse resp;
  Transfer t{&req, &resp, c};
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl().easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl().easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl().easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl().easy_setopt(c, CURLOPT_USERAGENT, "dfc");
  curl().easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
  curl().easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl().easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
  curl().easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl().easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  // Stalled transfers fail instead of hanging: under 1 byte/s for 60 s.
  curl().easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl().easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  if (req.timeoutSeconds > 0)
    curl().easy_setopt(c, CURLOPT_TIMEOUT, req.timeoutSeconds);
  if (req.followRedirects) {
    curl().easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl().easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  }
  if (!req.verifyTls) {
    curl().easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl().easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  bool hasBody = req.bodyFd >= 0 || !req.body.empty() || req.method == "PUT" || req.method == "POST" ||
                 req.method == "PATCH";
  if (req.method == "HEAD") {
    curl().easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (hasBody) {
    uint64_t length = req.bodyFd >= 0 ? req.bodyLength : req.body.size();
    curl().easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl().easy_setopt(c, CURLOPT_INFILESIZE_LARGE, curl_off_t(length));
    curl().easy_setopt(c, CURLOPT_READFUNCTION, onRead);
    curl().easy_setopt(c, CURLOPT_READDATA, &t);
    curl().easy_setopt(c, CURLOPT_SEEKFUNCTION, onSeek);
    curl().easy_setopt(c, CURLOPT_SEEKDATA, &t);
    curl().easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  } else if (req.method != "GET") {
    curl().easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  struct curl_slist *headers = nullptr;
  for (const std::string &h : req.headers)
    headers = curl().slist_append(headers, h.c_str());
  // Registries answer 100-continue fine, but waiting for it costs a round trip per upload.
  headers = curl().slist_append(headers, "Expect:");
  curl().easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl().easy_perform(c);
  curl().slist_free_all(headers);
  if (t.SinkError)
    return std::move(t.SinkError);
  if (rc != CURLE_OK)
    return llvm::createStringError(std::errc::io_error, "%s %s: %s", req.method.c_str(), req.url.c_str(),
                                   errbuf[0] ? errbuf : curl().easy_strerror(rc));
  curl().easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  char *url = nullptr;
  curl().easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &url);
  resp.effectiveUrl = url ? url : req.url;
  return resp;
}

std::string resolveUrl(llvm::StringRef base, llvm::StringRef location) {
  if (location.startswith("http://") || location.startswith("https://"))
    return location.str();
  size_t schemeEnd = base.find("://");
  size_t hostEnd = schemeEnd == llvm::StringRef::npos ? 0 : base.find('/', schemeEnd + 3);
  llvm::StringRef origin = hostEnd == llvm::StringRef::npos ? base : base.substr(0, hostEnd);
  if (location.startswith("/"))
    return (origin + location).str();
  llvm::StringRef path = base.substr(0, base.find('?'));
  return (path.substr(0, path.rfind('/') + 1) + location).str();
}

} // namespace dfc::registry
