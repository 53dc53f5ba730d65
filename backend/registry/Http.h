// A small synchronous HTTP client over libcurl: one request in, status + headers + body out.
// Bodies can stream to a sink and uploads can stream from a file range, so blobs never sit in memory.
#pragma once

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace dfc::registry {

// Receives a successful (2xx) response body piece by piece.
using BodySink = std::function<llvm::Error(const char *data, size_t size)>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers; // "Name: value"
  std::string body;                 // sent when bodyFd < 0
  int bodyFd = -1;                  // else this file range is sent
  uint64_t bodyOffset = 0;
  uint64_t bodyLength = 0;
  BodySink sink; // when set, a 2xx body goes here instead of HttpResponse::body
  bool verifyTls = true;
  bool followRedirects = true;
  long timeoutSeconds = 0; // whole request; 0 = none (blobs can be large)
};

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers; // names lower-cased, final response only
  std::string body;
  std::string effectiveUrl; // after redirects

  // The first header with this (lower-case) name, or "".
  std::string header(llvm::StringRef name) const;
};

class HttpClient {
public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient &) = delete;
  HttpClient &operator=(const HttpClient &) = delete;

  // Fails only when no HTTP response arrived (connection, TLS, sink errors); any status is a result.
  llvm::Expected<HttpResponse> send(const HttpRequest &request);

  // Percent-encodes a query parameter value.
  std::string escape(llvm::StringRef text);

private:
  void *Handle; // CURL*, reused so connections stay open between requests
};

// Resolves a Location header against the URL it came from.
std::string resolveUrl(llvm::StringRef base, llvm::StringRef location);

} // namespace dfc::registry
