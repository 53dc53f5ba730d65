// ADD <url>: remote files fetched into the store's download cache ($DFC_ROOT/downloads), with
// conditional requests (ETag, Last-Modified) so a warm build re-validates without a transfer.
#pragma once

#include <llvm/Support/Error.h>

#include <cstdint>
#include <optional>
#include <string>

namespace dfc::build {

bool isRemoteUrl(const std::string &source); // http:// or https://

// BuildKit's name for the file a URL gives: the last path segment, "__unnamed__" when there is none.
std::string urlFilename(const std::string &url);

struct RemoteFile {
  std::string url;
  std::string path;   // the content on the host (in the download cache)
  std::string digest; // "sha256:<hex>" of the content
  int64_t mtime = 0;  // from Last-Modified; 0 when the server sent none
  std::string etag, lastModified;
  bool transferred = false; // false: the cache answered (304 Not Modified, or a known checksum)
};

// The last download of `url`, without the network; nullopt when there is none (dfc plan).
std::optional<RemoteFile> cachedDownload(const std::string &storeRoot, const std::string &url);

// Fetches `url` (conditionally when the cache has it). With `checksum` ("sha256:<hex>") a cached
// copy with that digest is used without any request, and a download must match it: a mismatch is
// an error naming both digests and nothing is kept.
llvm::Expected<RemoteFile> fetchUrl(const std::string &storeRoot, const std::string &url,
                                    const std::string &checksum = "");

} // namespace dfc::build
