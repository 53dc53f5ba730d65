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
  // The patterns as matched (cleaned, in order, `!` kept): equal fingerprints match alike.
  std::string fingerprint() const;

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
// found through one hash table. That file is read only when a file's digest is first asked for.
//
// It also remembers whole selections (SourceTree::selectionDigest): a source's digest with the
// stat of every directory its walk listed and every entry it selected. `dfc plan` on an unchanged
// context is mostly that check: one lstat per entry, no directory listing, no row lookup, no hash.
class StatCache {
public:
  // What a selection's check compares, per entry: a listing changes a directory's mtime and ctime,
  // content a file's size, mtime or ctime, and a replaced entry has another inode.
  struct Stamp {
    uint64_t dev, ino, mode, size;
    int64_t mtime, ctime; // ns
  };
  static Stamp stampOf(const struct stat &st);
  // A recorded selection: `stamps` holds `count` encoded (Stamp, u32 length, relative path) items.
  struct Selection {
    llvm::StringRef host, digest, stamps;
    uint32_t count = 0;
  };
  // Seconds a stamp's ctime and mtime must lie before the walk that saw it for the selection to be
  // recorded: a change within the filesystem's timestamp granularity (or the kernel's coarse
  // clock tick) after the walk could leave both times as they were.
  static constexpr int64_t DefaultRacyMarginNs = 2000000000;

  explicit StatCache(std::string file, int64_t racyMarginNs = DefaultRacyMarginNs)
      : File(std::move(file)), RacyMarginNs(racyMarginNs) {}
  void load();
  llvm::Error save();
  // sha256 of the file's content ("sha256:<hex>").
  llvm::Expected<std::string> digest(const std::string &path, const struct stat &st);
  uint64_t hashedFiles() const { return Hashed; }

  std::optional<Selection> selection(const std::string &key);
  // Records a selection walked from `walkStartNs` (CLOCK_REALTIME); refused (false) when an entry
  // changed too close to the walk for its stamp to prove anything.
  bool recordSelection(const std::string &key, const std::string &host, const std::string &digest,
                       const std::vector<std::pair<std::string, Stamp>> &stamps, int64_t walkStartNs);
  uint64_t selectionsReused() const { return Reused; }
  void noteReused() { ++Reused; }

private:
  struct Row {
    uint64_t ino, size;
    int64_t mtime, ctime;
    llvm::StringRef path, digest; // into Text, or into Owned for a row hashed in this process
  };
  void loadRows(); // under Mutex
  std::string File;
  int64_t RacyMarginNs;
  bool RowsLoaded = false;
  std::string Text;
  std::deque<std::string> Owned; // a deque: its strings never move, so the rows' refs stay valid
  std::vector<Row> Rows;
  llvm::DenseMap<llvm::StringRef, uint32_t> Index; // path -> Rows index
  std::string SelectionText;                       // the selections file as read
  struct Record {
    llvm::StringRef bytes; // after the key, into SelectionText or Owned
    bool used = false;     // looked up or recorded by this process
  };
  std::map<std::string, Record> Selections;
  std::mutex Mutex;
  bool Dirty = false, SelectionsDirty = false;
  uint64_t Hashed = 0, Reused = 0;
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
  llvm::Expected<std::vector<SourceEntry>> select(llvm::StringRef rel, const PatternList &excludes) const {
    return walk(rel, excludes, nullptr);
  }
  // digest(select(rel, excludes)), answered from the stat cache's record of this selection when
  // every directory the walk listed and every entry it selected has the same stamp (so no listing
  // and no content can differ); else walked and hashed, and recorded for the next time.
  llvm::Expected<std::string> selectionDigest(llvm::StringRef rel, const PatternList &excludes) const;
  // Digest of exactly these entries: names, types, permission bits, link targets and contents
  // (not mtimes or owners).
  llvm::Expected<std::string> digest(const std::vector<SourceEntry> &entries) const;
  bool ignored(llvm::StringRef rel) const { return !Ignore.empty() && Ignore.matches(rel); }

private:
  // select(); `listedOnly` (when given) gets the directories the walk listed but did not select.
  llvm::Expected<std::vector<SourceEntry>> walk(llvm::StringRef rel, const PatternList &excludes,
                                                std::vector<SourceEntry> *listedOnly) const;
  std::string selectionKey(llvm::StringRef rel, const PatternList &excludes) const;
  bool stampsMatch(const StatCache::Selection &sel) const;
  std::string Root;
  Kind TheKind;
  PatternList Ignore;
  StatCache *Cache;
};

// Go's path.Clean for '/'-separated paths.
std::string cleanPath(llvm::StringRef path);

} // namespace dfc::build
