// The build context and other source trees COPY reads from: .dockerignore patterns, confined path
// resolution (nothing outside the root is reachable), source selection and content digests.
#pragma once

#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <sys/stat.h>
#include <sys/types.h>
#include <vector>

namespace dfc::build {

// Docker's .dockerignore semantics (moby's patternmatcher): Go filepath.Match syntax plus `**`,
// `!` re-includes, the last matching pattern wins, and a pattern matching a parent directory
// matches everything below it.
class PatternList {
public:
  PatternList() = default;
  // One pattern a line; blank lines and `#` comments skipped.
  static PatternList parseDockerignore(llvm::StringRef text);
  static PatternList fromPatterns(const std::vector<std::string> &patterns);
  bool empty() const { return Patterns.empty(); }
  // `path` is relative to the root, '/'-separated, without leading "./" or "/".
  bool matches(llvm::StringRef path) const;
  // True when some `!` pattern could re-include something below dir (so a walk must descend).
  bool hasExclusions() const { return Exclusions; }

private:
  struct Pattern {
    std::string text;
    std::regex re;
    bool exclusion = false;
  };
  void add(std::string pattern);
  std::vector<Pattern> Patterns;
  bool Exclusions = false;
};

// Remembers (size, mtime, ctime, inode) -> content digest per file, so an unchanged context is not
// re-read; a touched file is re-hashed and, its content being the same, keeps its digest.
// Loading is one read of the file: rows point into that text (no allocation per row) and are
// found through one hash table, since `dfc plan` on an unchanged context is mostly this lookup.
class StatCache {
public:
  explicit StatCache(std::string file) : File(std::move(file)) {}
  void load();
  llvm::Error save();
  // sha256 of the file's content ("sha256:<hex>").
  llvm::Expected<std::string> digest(const std::string &path, const struct stat &st);
  uint64_t hashedFiles() const { return Hashed; }

private:
  struct Row {
    uint64_t ino, size;
    int64_t mtime, ctime;
    llvm::StringRef path, digest; // into Text, or into Owned for a row hashed in this process
  };
  std::string File;
  std::string Text;
  std::deque<std::string> Owned; // a deque: its strings never move, so the rows' refs stay valid
  std::vector<Row> Rows;
  llvm::DenseMap<llvm::StringRef, uint32_t> Index; // path -> Rows index
  std::mutex Mutex;
  bool Dirty = false;
  uint64_t Hashed = 0;
};

// One entry of a selection: where it is on the host and where it lands relative to the
// destination.
struct SourceEntry {
  std::string hostPath;
  std::string relPath; // "" for the source itself when it is a file
  struct stat st;
};

// A directory COPY reads from: the build context (with .dockerignore, escapes are errors) or a
// stage's / image's root filesystem (absolute symlinks resolve inside it).
class SourceTree {
public:
  enum class Kind { Context, Rootfs };
  SourceTree(std::string root, Kind kind, PatternList ignore = {}, StatCache *cache = nullptr)
      : Root(std::move(root)), TheKind(kind), Ignore(std::move(ignore)), Cache(cache) {}

  const std::string &root() const { return Root; }
  // Cleans a source operand into a root-relative path ("" = the root); `..` that climbs out of
  // the context is an error.
  llvm::Expected<std::string> clean(llvm::StringRef source) const;
  // Expands wildcards in a cleaned source; a pattern that matches nothing is an error, as is a
  // plain path that does not exist.
  llvm::Expected<std::vector<std::string>> expand(llvm::StringRef source) const;
  // The host path of a root-relative path, following symlinks inside the root; a symlink leading
  // out of a context is an error.
  llvm::Expected<std::string> resolve(llvm::StringRef rel, bool followLast = true) const;
  // The entries a source copies: itself (a file) or everything below it (a directory), minus
  // .dockerignore'd and `excludes` paths, sorted by relPath. Directories come before their contents.
  llvm::Expected<std::vector<SourceEntry>> select(llvm::StringRef rel, const PatternList &excludes) const;
  // Digest of exactly these entries: names, types, permission bits, link targets and contents
  // (not mtimes or owners).
  llvm::Expected<std::string> digest(const std::vector<SourceEntry> &entries) const;
  bool ignored(llvm::StringRef rel) const { return !Ignore.empty() && Ignore.matches(rel); }

private:
  std::string Root;
  Kind TheKind;
  PatternList Ignore;
  StatCache *Cache;
};

// Go's path.Clean for '/'-separated paths.
std::string cleanPath(llvm::StringRef path);

} // namespace dfc::build
