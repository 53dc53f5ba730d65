// Source trees for COPY/ADD: .dockerignore matching, confined resolution, selection and digests.
// Every path a build reads from the host goes through SourceTree::resolve.
#include "backend/build/Context.h"

#include "backend/store/Digest.h"
#include "backend/store/Files.h"

#include <llvm/ADT/ScopeExit.h>
#include <llvm/ADT/SmallVector.h>
#include <llvm/ADT/StringExtras.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <thread>
#include <tuple>
#include <sys/stat.h>
#include <unistd.h>

namespace dfc::build {
namespace {

llvm::Error contextError(const llvm::Twine &message) { return store::storeError(message); }

bool hasWildcard(llvm::StringRef s) { return s.find_first_of("*?[") != llvm::StringRef::npos; }

// moby patternmatcher's regexp translation.
std::string patternToRegex(llvm::StringRef p) {
  std::string re = "^";
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '*') {
      if (i + 1 < p.size() && p[i + 1] == '*') {
        ++i;
        if (i + 1 < p.size() && p[i + 1] == '/')
          ++i;
        re += i + 1 == p.size() ? ".*" : "(.*/)?";
      } else {
        re += "[^/]*";
      }
    } else if (c == '?') {
      re += "[^/]";
    } else if (c == '\\') {
      if (i + 1 < p.size()) {
        ++i;
        re += '\\';
        re += p[i];
      } else {
        re += "\\\\";
      }
    } else if (c == '[') {
      size_t end = p.find(']', i + 1);
      if (end == llvm::StringRef::npos) {
        re += "\\[";
      } else {
        std::string cls = p.slice(i + 1, end).str();
        if (!cls.empty() && cls[0] == '^')
          cls[0] = '^';
        re += "[" + cls + "]";
        i = end;
      }
    } else if (std::strchr(".+()|{}^$", c)) {
      re += '\\';
      re += c;
    } else {
      re += c;
    }
  }
  return re + "$";
}

std::string joinPath(llvm::StringRef a, llvm::StringRef b) {
  if (a.empty())
    return b.str();
  if (b.empty())
    return a.str();
  return a.str() + "/" + b.str();
}

} // namespace

std::string cleanPath(llvm::StringRef path) {
  bool rooted = path.startswith("/");
  llvm::SmallVector<llvm::StringRef, 16> parts;
  path.split(parts, '/', -1, false);
  std::vector<std::string> out;
  for (llvm::StringRef p : parts) {
    if (p == ".")
      continue;
    if (p == "..") {
      if (!out.empty() && out.back() != "..")
        out.pop_back();
      else if (!rooted)
        out.push_back("..");
      continue;
    }
    out.push_back(p.str());
  }
  std::string r = rooted ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i)
    r += (i ? "/" : "") + out[i];
  return r.empty() ? "." : r;
}

void PatternList::add(std::string pattern) {
  Pattern p;
  llvm::StringRef s = llvm::StringRef(pattern).trim();
  if (s.startswith("!")) {
    p.exclusion = true;
    s = s.drop_front().trim();
    Exclusions = true;
  }
  std::string cleaned = cleanPath(s);
  while (llvm::StringRef(cleaned).startswith("/"))
    cleaned.erase(0, 1);
  if (cleaned.empty())
    cleaned = ".";
  p.text = cleaned;
  try {
    p.re = std::regex(patternToRegex(cleaned), std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error &) {
    return; // Docker rejects the file; we drop the one bad pattern.
  }
  Patterns.push_back(std::move(p));
}

PatternList PatternList::parseDockerignore(llvm::StringRef text) {
  PatternList list;
  llvm::SmallVector<llvm::StringRef, 32> lines;
  text.split(lines, '\n');
  for (llvm::StringRef line : lines) {
    line = line.rtrim("\r");
    if (line.startswith("#"))
      continue;
    if (line.trim().empty())
      continue;
    list.add(line.str());
  }
  return list;
}

PatternList PatternList::fromPatterns(const std::vector<std::string> &patterns) {
  PatternList list;
  for (const std::string &p : patterns)
    if (!llvm::StringRef(p).trim().empty())
      list.add(p);
  return list;
}

std::string PatternList::fingerprint() const {
  std::string out;
  for (const Pattern &p : Patterns) {
    out += p.exclusion ? "!" : " ";
    out += p.text;
    out += '\n';
  }
  return out;
}

bool PatternList::matches(llvm::StringRef path) const {
  bool matched = false;
  std::string file = path.str();
  llvm::StringRef parent = llvm::StringRef(file).rsplit('/').first;
  bool hasParent = llvm::StringRef(file).contains('/');
  for (const Pattern &p : Patterns) {
    // Only a pattern that can flip the current answer needs evaluating.
    if (p.exclusion != matched)
      continue;
    bool m = std::regex_match(file, p.re);
    if (!m && hasParent) {
      llvm::SmallVector<llvm::StringRef, 8> dirs;
      parent.split(dirs, '/');
      std::string prefix;
      for (llvm::StringRef d : dirs) {
        prefix = joinPath(prefix, d);
        if (std::regex_match(prefix, p.re)) {
          m = true;
          break;
        }
      }
    }
    if (m)
      matched = !p.exclusion;
  }
  return matched;
}

namespace {

// The selections file: this magic line, then records of
//   u32 keyLength, key, u32 hostLength, host, u32 digestLength, digest, u32 count, u64 bodyLength,
//   body = count x (Stamp, u32 pathLength, path)
// in host byte order (a cache of this machine's files). Anything that does not parse ends the read.
const char SelectionsMagic[] = "dfc-selections 1\n";

template <typename T> bool take(llvm::StringRef &in, T &v) {
  if (in.size() < sizeof(T))
    return false;
  std::memcpy(&v, in.data(), sizeof(T));
  in = in.drop_front(sizeof(T));
  return true;
}

bool takeString(llvm::StringRef &in, llvm::StringRef &s) {
  uint32_t n = 0;
  if (!take(in, n) || in.size() < n)
    return false;
  s = in.take_front(n);
  in = in.drop_front(n);
  return true;
}

template <typename T> void put(std::string &out, const T &v) {
  out.append(reinterpret_cast<const char *>(&v), sizeof(T));
}

void putString(std::string &out, llvm::StringRef s) {
  put(out, uint32_t(s.size()));
  out += s;
}

// Parses one record after its key; false when it is cut short.
bool parseSelection(llvm::StringRef &in, StatCache::Selection &sel) {
  uint64_t bodySize = 0;
  if (!takeString(in, sel.host) || !takeString(in, sel.digest) || !take(in, sel.count) ||
      !take(in, bodySize) || in.size() < bodySize)
    return false;
  sel.stamps = in.take_front(bodySize);
  in = in.drop_front(bodySize);
  return true;
}

int64_t nowNs() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

bool operator==(const StatCache::Stamp &a, const StatCache::Stamp &b) {
  return a.dev == b.dev && a.ino == b.ino && a.mode == b.mode && a.size == b.size && a.mtime == b.mtime &&
         a.ctime == b.ctime;
}

} // namespace

StatCache::Stamp StatCache::stampOf(const struct stat &st) {
  return Stamp{uint64_t(st.st_dev),
               uint64_t(st.st_ino),
               uint64_t(st.st_mode),
               uint64_t(st.st_size),
               int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
               int64_t(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec};
}

void StatCache::load() {
  std::lock_guard<std::mutex> lock(Mutex);
  // The per-file rows wait for the first digest() (a context whose selections all check out
  // never needs them); the selections are read now.
  auto text = store::readFile(File + ".sel");
  if (!text) {
    llvm::consumeError(text.takeError());
    return;
  }
  SelectionText = std::move(*text);
  llvm::StringRef in(SelectionText);
  if (!in.consume_front(SelectionsMagic))
    return;
  while (!in.empty()) {
    llvm::StringRef key;
    if (!takeString(in, key))
      break;
    llvm::StringRef start = in;
    Selection sel;
    if (!parseSelection(in, sel))
      break;
    Selections[key.str()] = Record{start.take_front(start.size() - in.size()), false};
  }
}

std::optional<StatCache::Selection> StatCache::selection(const std::string &key) {
  std::lock_guard<std::mutex> lock(Mutex);
  auto it = Selections.find(key);
  if (it == Selections.end())
    return std::nullopt;
  it->second.used = true;
  llvm::StringRef in = it->second.bytes;
  Selection sel;
  if (!parseSelection(in, sel))
    return std::nullopt;
  return sel;
}

bool StatCache::recordSelection(const std::string &key, const std::string &host, const std::string &digest,
                                const std::vector<std::pair<std::string, Stamp>> &stamps,
                                int64_t walkStartNs) {
  std::string body;
  for (const auto &[rel, st] : stamps) {
    if (st.ctime >= walkStartNs - RacyMarginNs || st.mtime >= walkStartNs - RacyMarginNs)
      return false;
    put(body, st);
    putString(body, rel);
  }
  std::string rec;
  putString(rec, host);
  putString(rec, digest);
  put(rec, uint32_t(stamps.size()));
  put(rec, uint64_t(body.size()));
  rec += body;
  std::lock_guard<std::mutex> lock(Mutex);
  Owned.push_back(std::move(rec));
  Selections[key] = Record{Owned.back(), true};
  SelectionsDirty = true;
  return true;
}

void StatCache::loadRows() {
  if (RowsLoaded)
    return;
  RowsLoaded = true;
  auto text = store::readFile(File);
  if (!text) {
    llvm::consumeError(text.takeError());
    return;
  }
  Text = std::move(*text);
  // One line a file: "ino size mtime ctime digest path" (path last: it may contain spaces).
  llvm::StringRef rest(Text);
  Rows.reserve(size_t(rest.count('\n')) + 1);
  while (!rest.empty()) {
    llvm::StringRef line;
    std::tie(line, rest) = rest.split('\n');
    Row r;
    llvm::StringRef f[5];
    for (llvm::StringRef &x : f)
      std::tie(x, line) = line.split(' ');
    if (line.empty() || f[0].getAsInteger(10, r.ino) || f[1].getAsInteger(10, r.size) ||
        f[2].getAsInteger(10, r.mtime) || f[3].getAsInteger(10, r.ctime) || !f[4].startswith("sha256:"))
      continue;
    r.path = line;
    r.digest = f[4];
    Rows.push_back(r);
  }
  Index.reserve(unsigned(Rows.size()));
  for (size_t i = 0; i < Rows.size(); ++i)
    Index[Rows[i].path] = uint32_t(i); // a repeated path: the last row wins
}

llvm::Error StatCache::save() {
  std::lock_guard<std::mutex> lock(Mutex);
  if (!Dirty && !SelectionsDirty)
    return llvm::Error::success();
  std::string dir = llvm::StringRef(File).rsplit('/').first.str();
  if (llvm::Error e = store::makeDirs(dir))
    return e;
  // A cache: a lost update costs re-hashing, never a wrong digest (rows are checked by inode,
  // size and both times, selections by every stamp), so no fsync.
  if (Dirty) {
    // One row a path (the one the index names), sorted by path.
    std::vector<const Row *> rows;
    rows.reserve(Index.size());
    for (const auto &kv : Index)
      rows.push_back(&Rows[kv.second]);
    std::sort(rows.begin(), rows.end(), [](const Row *a, const Row *b) { return a->path < b->path; });
    std::string out;
    for (const Row *r : rows) {
      if (r->path.contains('\n'))
        continue;
      out += std::to_string(r->ino) + " " + std::to_string(r->size) + " " + std::to_string(r->mtime) + " " +
             std::to_string(r->ctime) + " ";
      out += r->digest;
      out += ' ';
      out += r->path;
      out += '\n';
    }
    if (llvm::Error e = store::writeFileAtomic(File, out, dir, /*sync=*/false))
      return e;
    Dirty = false;
  }
  if (SelectionsDirty) {
    // What this process used, then older records while the file stays under 4 MiB (records of
    // sources no Dockerfile copies any more, or of an earlier .dockerignore, age out).
    std::string out = SelectionsMagic;
    for (bool used : {true, false})
      for (const auto &[key, rec] : Selections) {
        if (rec.used != used || (!used && out.size() + key.size() + rec.bytes.size() > (4u << 20)))
          continue;
        putString(out, key);
        out += rec.bytes;
      }
    if (llvm::Error e = store::writeFileAtomic(File + ".sel", out, dir, /*sync=*/false))
      return e;
    SelectionsDirty = false;
  }
  return llvm::Error::success();
}

llvm::Expected<std::string> StatCache::digest(const std::string &path, const struct stat &st) {
  int64_t mtime = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  int64_t ctime = int64_t(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  {
    std::lock_guard<std::mutex> lock(Mutex);
    loadRows();
    auto it = Index.find(path);
    if (it != Index.end()) {
      const Row &r = Rows[it->second];
      if (r.ino == uint64_t(st.st_ino) && r.size == uint64_t(st.st_size) && r.mtime == mtime &&
          r.ctime == ctime)
        return r.digest.str();
    }
  }
  auto d = store::Digest::ofFile(path);
  if (!d)
    return d.takeError();
  std::lock_guard<std::mutex> lock(Mutex);
  Owned.push_back(d->str());
  llvm::StringRef digestRef = Owned.back();
  auto it = Index.find(path);
  if (it != Index.end()) {
    Row &r = Rows[it->second];
    r = Row{uint64_t(st.st_ino), uint64_t(st.st_size), mtime, ctime, r.path, digestRef};
  } else {
    Owned.push_back(path);
    Rows.push_back(Row{uint64_t(st.st_ino), uint64_t(st.st_size), mtime, ctime, Owned.back(), digestRef});
    Index[Rows.back().path] = uint32_t(Rows.size() - 1);
  }
  Dirty = true;
  ++Hashed;
  return d->str();
}

llvm::Expected<std::string> SourceTree::clean(llvm::StringRef source) const {
  std::string c = cleanPath(source);
  if (llvm::StringRef(c).startswith("/")) {
    // Absolute sources name paths inside the root (Docker reads `COPY /a` from the context).
    c = cleanPath(c.substr(1).empty() ? "." : c.substr(1));
  }
  if (c == ".." || llvm::StringRef(c).startswith("../"))
    return contextError("forbidden path outside the build context: " + source + " (" + c + ")");
  return c == "." ? std::string() : c;
}

llvm::Expected<std::string> SourceTree::resolve(llvm::StringRef rel, bool followLast) const {
  // Walk component by component so that every symlink is resolved against the root.
  std::vector<std::string> done; // resolved components below the root
  llvm::SmallVector<llvm::StringRef, 16> parts;
  std::string relStr = rel.str();
  llvm::StringRef(relStr).split(parts, '/', -1, false);
  std::vector<std::string> todo(parts.begin(), parts.end());
  std::reverse(todo.begin(), todo.end());
  int links = 0;
  auto current = [&] {
    std::string p = Root;
    for (const std::string &d : done)
      p += "/" + d;
    return p;
  };
  while (!todo.empty()) {
    std::string part = todo.back();
    todo.pop_back();
    if (part == "." || part.empty())
      continue;
    if (part == "..") {
      if (done.empty()) {
        if (TheKind == Kind::Context)
          return contextError("forbidden path outside the build context: " + rel);
        continue;
      }
      done.pop_back();
      continue;
    }
    std::string path = current() + "/" + part;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode) || (todo.empty() && !followLast)) {
      done.push_back(part);
      continue;
    }
    if (++links > 40)
      return contextError("too many levels of symbolic links: " + rel);
    char buf[4096];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
    if (n < 0)
      return store::systemError("readlink", path);
    llvm::StringRef target(buf, size_t(n));
    if (target.startswith("/")) {
      if (TheKind == Kind::Context)
        return contextError("forbidden path outside the build context: " + rel + " (symlink " + part + " -> " +
                            target + ")");
      done.clear();
    }
    llvm::SmallVector<llvm::StringRef, 8> tparts;
    target.split(tparts, '/', -1, false);
    for (auto it = tparts.rbegin(); it != tparts.rend(); ++it)
      todo.push_back(it->str());
    // A relative target that climbs out is caught by the ".." branch above.
  }
  return current();
}

llvm::Expected<std::vector<std::string>> SourceTree::expand(llvm::StringRef source) const {
  auto c = clean(source);
  if (!c)
    return c.takeError();
  if (!hasWildcard(*c)) {
    auto host = resolve(*c);
    if (!host)
      return host.takeError();
    struct stat st;
    if (::lstat(host->c_str(), &st) != 0 || (TheKind == Kind::Context && !c->empty() && ignored(*c)))
      return contextError("\"" + source + "\": not found");
    return std::vector<std::string>{*c};
  }
  // Expand component by component (Go's filepath.Glob).
  llvm::SmallVector<llvm::StringRef, 8> parts;
  llvm::StringRef(*c).split(parts, '/');
  std::vector<std::string> current{""};
  for (llvm::StringRef part : parts) {
    std::vector<std::string> next;
    for (const std::string &base : current) {
      if (!hasWildcard(part)) {
        next.push_back(joinPath(base, part));
        continue;
      }
      auto dir = resolve(base);
      if (!dir)
        return dir.takeError();
      DIR *d = ::opendir(dir->c_str());
      if (!d)
        continue;
      std::vector<std::string> names;
      while (struct dirent *e = ::readdir(d)) {
        llvm::StringRef n(e->d_name);
        if (n == "." || n == "..")
          continue;
        if (::fnmatch(part.str().c_str(), e->d_name, 0) == 0)
          names.push_back(n.str());
      }
      ::closedir(d);
      std::sort(names.begin(), names.end());
      for (const std::string &n : names)
        next.push_back(joinPath(base, n));
    }
    current = std::move(next);
  }
  std::vector<std::string> out;
  for (const std::string &p : current) {
    auto host = resolve(p);
    if (!host)
      return host.takeError();
    struct stat st;
    if (::lstat(host->c_str(), &st) == 0 && !(TheKind == Kind::Context && ignored(p)))
      out.push_back(p);
  }
  if (out.empty())
    return contextError("lstat " + source + ": no source files were specified");
  return out;
}

llvm::Expected<std::vector<SourceEntry>> SourceTree::walk(llvm::StringRef rel, const PatternList &excludes,
                                                          std::vector<SourceEntry> *listedOnly) const {
  auto host = resolve(rel);
  if (!host)
    return host.takeError();
  std::vector<SourceEntry> out;
  SourceEntry top;
  top.hostPath = *host;
  if (::stat(host->c_str(), &top.st) != 0)
    return contextError("\"" + rel + "\": not found");
  if (!S_ISDIR(top.st.st_mode)) {
    out.push_back(top);
    return out;
  }
  // Depth-first walk; `ctxRel` is relative to the root (for .dockerignore), `srcRel` to the source.
  struct Item {
    std::string host, ctxRel, srcRel;
  };
  std::vector<Item> stack{{*host, rel.str(), ""}};
  top.relPath = "";
  out.push_back(top);
  while (!stack.empty()) {
    Item it = std::move(stack.back());
    stack.pop_back();
    DIR *d = ::opendir(it.host.c_str());
    if (!d)
      return store::systemError("opendir", it.host);
    auto closeDir = llvm::make_scope_exit([&] { ::closedir(d); });
    std::vector<std::string> names;
    while (struct dirent *e = ::readdir(d)) {
      llvm::StringRef n(e->d_name);
      if (n != "." && n != "..")
        names.push_back(n.str());
    }
    std::sort(names.begin(), names.end(), std::greater<>());
    for (const std::string &n : names) {
      Item child{it.host + "/" + n, joinPath(it.ctxRel, n), joinPath(it.srcRel, n)};
      SourceEntry e;
      e.hostPath = child.host;
      e.relPath = child.srcRel;
      // Relative to the open directory: the kernel does not walk the whole path again per entry.
      if (::fstatat(::dirfd(d), n.c_str(), &e.st, AT_SYMLINK_NOFOLLOW) != 0)
        return store::systemError("lstat", child.host);
      bool skip = (TheKind == Kind::Context && ignored(child.ctxRel)) ||
                  (!excludes.empty() && excludes.matches(child.srcRel));
      bool isDir = S_ISDIR(e.st.st_mode);
      // An ignored directory is still walked when a `!` pattern may re-include something in it.
      bool descend = isDir && (!skip || Ignore.hasExclusions() || excludes.hasExclusions());
      if (descend && skip && listedOnly)
        listedOnly->push_back(e);
      if (!skip)
        out.push_back(std::move(e));
      if (descend)
        stack.push_back(std::move(child));
    }
  }
  std::sort(out.begin(), out.end(), [](const SourceEntry &a, const SourceEntry &b) { return a.relPath < b.relPath; });
  return out;
}

std::string SourceTree::selectionKey(llvm::StringRef rel, const PatternList &excludes) const {
  std::string key = Root;
  key += '\0';
  key += TheKind == Kind::Context ? "context" : "rootfs";
  key += '\0';
  key += rel;
  key += '\0';
  if (TheKind == Kind::Context)
    key += Ignore.fingerprint();
  key += '\0';
  key += excludes.fingerprint();
  return key;
}

bool SourceTree::stampsMatch(const StatCache::Selection &sel) const {
  // Where each item starts (4 bytes an item, where decoded items would take a page per 64).
  std::vector<uint32_t> items(sel.count);
  llvm::StringRef in = sel.stamps;
  for (uint32_t &at : items) {
    at = uint32_t(sel.stamps.size() - in.size());
    StatCache::Stamp want;
    llvm::StringRef path;
    if (!take(in, want) || !takeString(in, path) || path.size() >= PATH_MAX)
      return false;
  }
  if (!in.empty() || sel.stamps.size() > UINT32_MAX)
    return false;
  std::string host = sel.host.str();
  int dir = ::open(host.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC); // -1 for a file: its one stamp is ""
  auto closeDir = llvm::make_scope_exit([&] {
    if (dir >= 0)
      ::close(dir);
  });
  std::atomic<bool> differs{false};
  auto check = [&](size_t from, size_t to) {
    char rel[PATH_MAX];
    for (size_t i = from; i < to && !differs.load(std::memory_order_relaxed); ++i) {
      struct {
        StatCache::Stamp want;
        llvm::StringRef path;
      } it;
      llvm::StringRef at = sel.stamps.drop_front(items[i]);
      take(at, it.want);
      takeString(at, it.path);
      struct stat st;
      bool ok;
      if (it.path.empty()) {
        // The source itself, as walk() stats it (following a last symlink resolve() left).
        ok = ::stat(host.c_str(), &st) == 0;
      } else {
        std::memcpy(rel, it.path.data(), it.path.size());
        rel[it.path.size()] = '\0';
        // Every directory on the way is itself a stamp of this selection (lstat'ed, so a
        // directory turned into a symlink fails its own stamp).
        ok = dir >= 0 && ::fstatat(dir, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
      }
      if (!ok || !(StatCache::stampOf(st) == it.want))
        differs = true;
    }
  };
  // The lstats are the whole cost of an unchanged context (about 1 us each): a large selection
  // is checked by two threads, which halves the wall time on an idle second core.
  // A bare pthread: std::thread's state is freed on the new thread, and that first free() sets up
  // a malloc arena for it (a 128 MiB reservation, then unmapped), which cost more than the thread
  // saved. If it cannot start, this thread checks everything.
  size_t n = items.size();
  struct Half {
    decltype(check) *run;
    size_t from, to;
  } second{&check, n / 2, n};
  pthread_attr_t attr;
  pthread_t other;
  bool threaded = n >= 1024 && std::thread::hardware_concurrency() > 1 && pthread_attr_init(&attr) == 0;
  if (threaded) {
    pthread_attr_setstacksize(&attr, 1024 * 1024); // it holds the static TLS too (64 KiB of it a read buffer)
    threaded = pthread_create(
                   &other, &attr,
                   [](void *p) -> void * {
                     auto *h = static_cast<Half *>(p);
                     (*h->run)(h->from, h->to);
                     return nullptr;
                   },
                   &second) == 0;
    pthread_attr_destroy(&attr);
  }
  check(0, threaded ? n / 2 : n);
  if (threaded)
    pthread_join(other, nullptr);
  return !differs;
}

llvm::Expected<std::string> SourceTree::selectionDigest(llvm::StringRef rel,
                                                        const PatternList &excludes) const {
  if (!Cache) {
    auto entries = select(rel, excludes);
    if (!entries)
      return entries.takeError();
    return digest(*entries);
  }
  auto host = resolve(rel);
  if (!host)
    return host.takeError();
  std::string key = selectionKey(rel, excludes);
  if (std::optional<StatCache::Selection> sel = Cache->selection(key)) {
    if (sel->host == *host && stampsMatch(*sel)) {
      Cache->noteReused();
      return sel->digest.str();
    }
  }
  int64_t walkStart = nowNs();
  std::vector<SourceEntry> listedOnly;
  auto entries = walk(rel, excludes, &listedOnly);
  if (!entries)
    return entries.takeError();
  auto d = digest(*entries);
  if (!d)
    return d.takeError();
  std::vector<std::pair<std::string, StatCache::Stamp>> stamps;
  stamps.reserve(entries->size() + listedOnly.size());
  for (const SourceEntry &e : *entries)
    stamps.emplace_back(e.relPath, StatCache::stampOf(e.st));
  for (const SourceEntry &e : listedOnly)
    stamps.emplace_back(e.relPath, StatCache::stampOf(e.st));
  Cache->recordSelection(key, *host, *d, stamps, walkStart);
  return d;
}

llvm::Expected<std::string> SourceTree::digest(const std::vector<SourceEntry> &entries) const {
  store::Sha256Hasher h;
  for (const SourceEntry &e : entries) {
    std::string line = e.relPath + '\0';
    mode_t type = e.st.st_mode & S_IFMT;
    line += std::to_string(type) + " " + std::to_string(e.st.st_mode & 07777) + " ";
    if (S_ISREG(e.st.st_mode)) {
      if (Cache) {
        auto d = Cache->digest(e.hostPath, e.st);
        if (!d)
          return d.takeError();
        line += *d;
      } else {
        auto d = store::Digest::ofFile(e.hostPath);
        if (!d)
          return d.takeError();
        line += d->str();
      }
    } else if (S_ISLNK(e.st.st_mode)) {
      char buf[4096];
      ssize_t n = ::readlink(e.hostPath.c_str(), buf, sizeof buf);
      if (n >= 0)
        line.append(buf, size_t(n));
    }
    line += '\n';
    h.update(line);
  }
  return h.finish().str();
}

} // namespace dfc::build
