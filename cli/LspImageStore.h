// The local image store as `dfc lsp` shows it in FROM completion and hover: opened read-only,
// read into memory once, and read again only when the store's database has changed.
#pragma once

#include "lsp-server/Features.h"

#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dfc::cli {

class LspImageStore {
public:
  explicit LspImageStore(std::string root) : Root(std::move(root)) {}

  // Every image (tagged ones have a name), newest first.
  const std::vector<lsp::LocalImage> &images();
  // The image a FROM name ("alpine", "docker.io/library/alpine:3.19", "x@sha256:...") means.
  std::optional<lsp::LocalImage> find(const std::string &name);

private:
  // Re-reads when dfc.db or its write-ahead log changed since the last read (a stat() each).
  void refresh();
  struct Stamp {
    timespec mtime{};
    long long size = -1;
    bool operator==(const Stamp &o) const {
      return mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec && size == o.size;
    }
  };
  Stamp stamp(const std::string &path) const;

  std::string Root;
  bool Read = false;
  Stamp Db, Wal;
  std::vector<lsp::LocalImage> Images;
  std::map<std::string, size_t> ByName; // normalised tag name or "repo@manifest" -> index
};

} // namespace dfc::cli
