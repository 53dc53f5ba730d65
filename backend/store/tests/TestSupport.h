// Shared fixtures for the store tests: a temp directory removed on scope exit, file helpers,
// and a tar builder for crafting hostile archives.
#pragma once

#include "backend/store/Files.h"

#include <archive.h>
#include <archive_entry.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace dfc::store::test {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/dfc-store-test-XXXXXX";
    const char *p = ::mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path = p;
  }
  ~TempDir() { llvm::consumeError(removeTree(path)); }
  std::string operator/(llvm::StringRef rel) const { return path + "/" + rel.str(); }
};

inline void writeFile(const std::string &path, llvm::StringRef text, unsigned mode = 0644) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, text.data(), text.size()) == ssize_t(text.size()));
  ::close(fd);
  ::chmod(path.c_str(), mode);
}

inline bool exists(const std::string &path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

inline std::string slurp(const std::string &path) {
  auto t = readFile(path);
  if (!t) {
    llvm::consumeError(t.takeError());
    return "<missing>";
  }
  return *t;
}

// Builds a tar file entry by entry (for archives no well-behaved writer would produce).
class TarBuilder {
public:
  explicit TarBuilder(const std::string &path) {
    A = archive_write_new();
    archive_write_set_format_pax_restricted(A);
    REQUIRE(archive_write_open_filename(A, path.c_str()) == ARCHIVE_OK);
  }
  ~TarBuilder() { close(); }
  void file(const std::string &name, llvm::StringRef data, unsigned perm = 0644) {
    auto *e = entry(name, AE_IFREG, perm);
    archive_entry_set_size(e, int64_t(data.size()));
    REQUIRE(archive_write_header(A, e) == ARCHIVE_OK);
    archive_write_data(A, data.data(), data.size());
    archive_entry_free(e);
  }
  void dir(const std::string &name, unsigned perm = 0755) { simple(name, AE_IFDIR, perm); }
  void symlink(const std::string &name, const std::string &target) {
    auto *e = entry(name, AE_IFLNK, 0777);
    archive_entry_set_symlink(e, target.c_str());
    REQUIRE(archive_write_header(A, e) == ARCHIVE_OK);
    archive_entry_free(e);
  }
  void hardlink(const std::string &name, const std::string &target) {
    auto *e = entry(name, AE_IFREG, 0644);
    archive_entry_set_hardlink(e, target.c_str());
    archive_entry_set_size(e, 0);
    REQUIRE(archive_write_header(A, e) == ARCHIVE_OK);
    archive_entry_free(e);
  }
  void close() {
    if (A) {
      archive_write_close(A);
      archive_write_free(A);
      A = nullptr;
    }
  }

private:
  struct archive_entry *entry(const std::string &name, unsigned type, unsigned perm) {
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, perm);
    archive_entry_set_mtime(e, 1700000000, 0);
    return e;
  }
  void simple(const std::string &name, unsigned type, unsigned perm) {
    auto *e = entry(name, type, perm);
    REQUIRE(archive_write_header(A, e) == ARCHIVE_OK);
    archive_entry_free(e);
  }
  struct archive *A = nullptr;
};

// Entry names of a tar, in order.
inline std::vector<std::string> tarNames(const std::string &path) {
  std::vector<std::string> out;
  struct archive *a = archive_read_new();
  archive_read_support_format_all(a);
  archive_read_support_filter_all(a);
  REQUIRE(archive_read_open_filename(a, path.c_str(), 65536) == ARCHIVE_OK);
  struct archive_entry *e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK)
    out.push_back(archive_entry_pathname(e));
  archive_read_free(a);
  return out;
}

inline bool isRoot() { return ::geteuid() == 0; }

} // namespace dfc::store::test
