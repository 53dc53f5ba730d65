// Layer tar writing and safe extraction with libarchive, plus gzip/zstd for export.
// Extraction walks every path component itself (openat + O_NOFOLLOW) so nothing can escape the dir.
#include "backend/store/Layer.h"

#include "backend/store/Files.h"

#include <llvm/ADT/ScopeExit.h>
#include <llvm/ADT/SmallVector.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <set>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <vector>

namespace dfc::store {

namespace {

std::string procPath(int dirFd, llvm::StringRef name) {
  return "/proc/self/fd/" + std::to_string(dirFd) + "/" + name.str();
}

// RAII for file descriptors so every early return closes what it opened.
struct Fd {
  int V = -1;
  Fd() = default;
  explicit Fd(int v) : V(v) {}
  Fd(Fd &&o) noexcept : V(o.V) { o.V = -1; }
  Fd &operator=(Fd &&o) noexcept {
    if (this != &o) {
      reset();
      V = o.V;
      o.V = -1;
    }
    return *this;
  }
  ~Fd() { reset(); }
  void reset() {
    if (V >= 0)
      ::close(V);
    V = -1;
  }
  explicit operator bool() const { return V >= 0; }
};

std::vector<std::string> sortedChildren(int dirFd) {
  std::vector<std::string> names;
  int dup = ::dup(dirFd);
  if (dup < 0)
    return names;
  DIR *d = ::fdopendir(dup);
  if (!d) {
    ::close(dup);
    return names;
  }
  ::rewinddir(d);
  while (struct dirent *e = ::readdir(d))
    if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, ".."))
      names.push_back(e->d_name);
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// --- writing ---

struct TarSink {
  const ByteSink *Sink;
  Sha256Hasher Hasher;
  std::string Buffer;
  std::string Error;

  bool flush() {
    if (Buffer.empty() || !Error.empty())
      return Error.empty();
    if (llvm::Error e = (*Sink)(Buffer.data(), Buffer.size())) {
      Error = llvm::toString(std::move(e));
      return false;
    }
    Buffer.clear();
    return true;
  }
};

la_ssize_t tarWrite(struct archive *, void *client, const void *buf, size_t n) {
  auto *s = static_cast<TarSink *>(client);
  s->Hasher.update(buf, n);
  s->Buffer.append(static_cast<const char *>(buf), n);
  if (s->Buffer.size() >= (1u << 20) && !s->flush())
    return -1;
  return la_ssize_t(n);
}

int tarClose(struct archive *, void *client) {
  return static_cast<TarSink *>(client)->flush() ? ARCHIVE_OK : ARCHIVE_FATAL;
}

class LayerWriter {
public:
  LayerWriter(struct archive *a, const LayerWriteOptions &o) : A(a), Opts(o) {}

  llvm::Error walk(int dirFd, const std::string &prefix) {
    for (const std::string &name : sortedChildren(dirFd))
      if (llvm::Error e = entry(dirFd, name, prefix + name))
        return e;
    return llvm::Error::success();
  }

  uint64_t Entries = 0;

private:
  struct archive *A;
  const LayerWriteOptions &Opts;
  std::map<std::pair<dev_t, ino_t>, std::string> Links;

  int64_t mtime(const struct stat &st) const {
    int64_t t = st.st_mtim.tv_sec;
    if (Opts.sourceDateEpoch && t > *Opts.sourceDateEpoch)
      t = *Opts.sourceDateEpoch;
    return t;
  }

  llvm::Error header(struct archive_entry *e, const std::string &path) {
    int rc = archive_write_header(A, e);
    if (rc < ARCHIVE_WARN)
      return storeError("tar header " + path + ": " + archive_error_string(A));
    ++Entries;
    return llvm::Error::success();
  }

  void addXattrs(struct archive_entry *e, int dirFd, const std::string &name, bool &opaque) {
    std::string p = procPath(dirFd, name);
    ssize_t len = ::llistxattr(p.c_str(), nullptr, 0);
    if (len <= 0)
      return;
    std::string names(size_t(len), '\0');
    len = ::llistxattr(p.c_str(), names.data(), names.size());
    if (len <= 0)
      return;
    names.resize(size_t(len));
    std::vector<std::string> keys;
    for (llvm::StringRef rest = names; !rest.empty();) {
      auto [k, tail] = rest.split('\0');
      if (!k.empty())
        keys.push_back(k.str());
      rest = tail;
    }
    std::sort(keys.begin(), keys.end());
    for (const std::string &k : keys) {
      std::string value(256, '\0');
      ssize_t n = ::lgetxattr(p.c_str(), k.c_str(), value.data(), value.size());
      if (n < 0 && errno == ERANGE) {
        n = ::lgetxattr(p.c_str(), k.c_str(), nullptr, 0);
        if (n < 0)
          continue;
        value.resize(size_t(n));
        n = ::lgetxattr(p.c_str(), k.c_str(), value.data(), value.size());
      }
      if (n < 0)
        continue;
      value.resize(size_t(n));
      if (llvm::StringRef(k).startswith("trusted.overlay.")) {
        // overlayfs bookkeeping, never image content; "opaque" becomes a .wh..wh..opq entry.
        if (k == "trusted.overlay.opaque" && value == "y")
          opaque = true;
        continue;
      }
      archive_entry_xattr_add_entry(e, k.c_str(), value.data(), value.size());
    }
  }

  llvm::Error entry(int dirFd, const std::string &name, const std::string &path) {
    struct stat st;
    if (::fstatat(dirFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return systemError("stat", path);
    if (S_ISSOCK(st.st_mode))
      return llvm::Error::success(); // sockets cannot live in images, as docker skips them

    struct archive_entry *e = archive_entry_new();
    auto freeEntry = llvm::make_scope_exit([&] { archive_entry_free(e); });
    archive_entry_set_uid(e, st.st_uid);
    archive_entry_set_gid(e, st.st_gid);
    archive_entry_set_mtime(e, mtime(st), 0);

    if (S_ISCHR(st.st_mode) && st.st_rdev == 0 && Opts.overlayWhiteouts) {
      std::string parent = path.substr(0, path.size() - name.size());
      std::string wh = parent + ".wh." + name;
      archive_entry_set_pathname(e, wh.c_str());
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_perm(e, 0);
      archive_entry_set_size(e, 0);
      return header(e, wh);
    }

    bool opaque = false;
    addXattrs(e, dirFd, name, opaque);
    archive_entry_set_perm(e, st.st_mode & 07777);

    if (S_ISDIR(st.st_mode)) {
      std::string dirPath = path + "/";
      archive_entry_set_pathname(e, dirPath.c_str());
      archive_entry_set_filetype(e, AE_IFDIR);
      if (llvm::Error err = header(e, dirPath))
        return err;
      if (opaque && Opts.overlayWhiteouts) {
        // Right after the directory, as docker writes it, so extractors see it before children.
        struct archive_entry *o = archive_entry_new();
        std::string op = dirPath + ".wh..wh..opq";
        archive_entry_set_pathname(o, op.c_str());
        archive_entry_set_filetype(o, AE_IFREG);
        archive_entry_set_perm(o, st.st_mode & 0777);
        archive_entry_set_uid(o, st.st_uid);
        archive_entry_set_gid(o, st.st_gid);
        archive_entry_set_mtime(o, mtime(st), 0);
        archive_entry_set_size(o, 0);
        llvm::Error err = header(o, op);
        archive_entry_free(o);
        if (err)
          return err;
      }
      Fd sub(::openat(dirFd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub)
        return systemError("open", path);
      return walk(sub.V, dirPath);
    }

    archive_entry_set_pathname(e, path.c_str());
    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
      auto [it, first] = Links.emplace(std::make_pair(st.st_dev, st.st_ino), path);
      if (!first) {
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, it->second.c_str());
        archive_entry_set_size(e, 0);
        return header(e, path);
      }
    }

    if (S_ISLNK(st.st_mode)) {
      std::string target(size_t(st.st_size) + 1, '\0');
      ssize_t n = ::readlinkat(dirFd, name.c_str(), target.data(), target.size());
      if (n < 0)
        return systemError("readlink", path);
      target.resize(size_t(n));
      archive_entry_set_filetype(e, AE_IFLNK);
      archive_entry_set_symlink(e, target.c_str());
      return header(e, path);
    }
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
      archive_entry_set_filetype(e, S_ISCHR(st.st_mode)   ? AE_IFCHR
                                    : S_ISBLK(st.st_mode) ? AE_IFBLK
                                                          : AE_IFIFO);
      if (!S_ISFIFO(st.st_mode))
        archive_entry_set_rdev(e, st.st_rdev);
      return header(e, path);
    }
    if (!S_ISREG(st.st_mode))
      return storeError("unsupported file type: " + path);

    Fd in(::openat(dirFd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in)
      return systemError("open", path);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_size(e, st.st_size);
    if (llvm::Error err = header(e, path))
      return err;
    static thread_local ThreadBuffer bufBuffer;
    char *buf = bufBuffer.get();
    int64_t left = st.st_size;
    while (left > 0) {
      ssize_t n = ::read(in.V, buf, size_t(std::min<int64_t>(left, ThreadBuffer::Size)));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return systemError("read", path);
      if (n == 0)
        return storeError("file shrank while writing the layer: " + path);
      if (archive_write_data(A, buf, size_t(n)) < 0)
        return storeError("tar data " + path + ": " + archive_error_string(A));
      left -= n;
    }
    return llvm::Error::success();
  }
};

} // namespace

llvm::Expected<LayerInfo> writeLayer(llvm::StringRef dir, const ByteSink &out,
                                     const LayerWriteOptions &opts) {
  Fd root(::open(dir.str().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root)
    return systemError("open", dir);
  struct archive *a = archive_write_new();
  auto freeArchive = llvm::make_scope_exit([&] { archive_write_free(a); });
  // pax_restricted is ustar unless a header needs pax records (long names, xattrs), like Go's
  // archive/tar that docker uses; SCHILY.xattr is the record name docker reads and writes.
  archive_write_set_format_pax_restricted(a);
  archive_write_set_format_option(a, "pax", "xattrheader", "SCHILY");
  archive_write_set_bytes_per_block(a, 0);
  TarSink sink;
  sink.Sink = &out;
  if (archive_write_open(a, &sink, nullptr, tarWrite, tarClose) != ARCHIVE_OK)
    return storeError(llvm::Twine("tar open: ") + archive_error_string(a));
  LayerWriter w(a, opts);
  if (llvm::Error e = w.walk(root.V, "")) {
    if (!sink.Error.empty())
      return storeError(sink.Error);
    return e;
  }
  if (archive_write_close(a) != ARCHIVE_OK || !sink.Error.empty())
    return storeError("tar close: " +
                      (sink.Error.empty() ? std::string(archive_error_string(a)) : sink.Error));
  LayerInfo info;
  info.size = sink.Hasher.bytes();
  info.diffId = sink.Hasher.finish();
  info.entries = w.Entries;
  return info;
}

llvm::Expected<LayerInfo> writeLayer(llvm::StringRef dir, int outFd, const LayerWriteOptions &opts) {
  ByteSink sink = [outFd](const void *data, size_t size) { return writeAll(outFd, data, size, "layer tar"); };
  return writeLayer(dir, sink, opts);
}

// --- applying ---

namespace {

class LayerApplier {
public:
  LayerApplier(int rootFd, const ApplyOptions &o) : Root(rootFd), Opts(o) {}

  llvm::Error apply(struct archive *a) {
    struct archive_entry *e;
    for (;;) {
      int rc = archive_read_next_header(a, &e);
      if (rc == ARCHIVE_EOF)
        break;
      if (rc < ARCHIVE_WARN)
        return storeError(llvm::Twine("reading layer: ") + archive_error_string(a));
      if (llvm::Error err = entry(a, e))
        return err;
    }
    // Directory mtimes last: creating children would bump them again.
    for (auto it = DirTimes.rbegin(); it != DirTimes.rend(); ++it) {
      auto parent = resolveDir(parentOf(it->first), false);
      if (!parent) {
        llvm::consumeError(parent.takeError());
        continue;
      }
      struct timespec ts[2] = {it->second, it->second};
      ::utimensat(parent->V, it->first.empty() ? "." : it->first.back().c_str(), ts, AT_SYMLINK_NOFOLLOW);
    }
    return llvm::Error::success();
  }

  ApplyStats Stats;

private:
  using Path = std::vector<std::string>;
  int Root;
  const ApplyOptions &Opts;
  std::set<std::string> Written; // paths this layer wrote, for opaque dirs in Flat mode
  std::vector<std::pair<Path, struct timespec>> DirTimes;

  static Path parentOf(const Path &p) { return Path(p.begin(), p.end() - (p.empty() ? 0 : 1)); }
  static std::string join(const Path &p) {
    std::string s;
    for (const std::string &c : p)
      s += (s.empty() ? "" : "/") + c;
    return s;
  }

  // Lexically cleans a tar path; a leading "/" is dropped, climbing above the root is an error.
  static llvm::Expected<Path> clean(llvm::StringRef raw) {
    Path out;
    llvm::SmallVector<llvm::StringRef, 16> parts;
    raw.split(parts, '/');
    for (llvm::StringRef c : parts) {
      if (c.empty() || c == ".")
        continue;
      if (c == "..") {
        if (out.empty())
          return storeError("layer entry escapes the root: " + raw);
        out.pop_back();
        continue;
      }
      out.push_back(c.str());
    }
    return out;
  }

  // Opens the directory at `p` inside the root, treating every symlink on the way as if the root
  // were "/" (so "/etc" or "../../etc" in a link target stays inside). Creates missing dirs.
  llvm::Expected<Fd> resolveDir(const Path &p, bool create) {
    std::vector<Fd> stack;
    auto current = [&]() { return stack.empty() ? Root : stack.back().V; };
    std::vector<std::string> pending(p.rbegin(), p.rend()); // back() is next
    int links = 0;
    while (!pending.empty()) {
      std::string c = std::move(pending.back());
      pending.pop_back();
      if (c.empty() || c == ".")
        continue;
      if (c == "..") {
        if (!stack.empty())
          stack.pop_back();
        continue;
      }
      struct stat st;
      if (::fstatat(current(), c.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT || !create)
          return systemError("stat", join(p));
        if (::mkdirat(current(), c.c_str(), 0755) != 0 && errno != EEXIST)
          return systemError("mkdir", join(p));
        ++Stats.entries;
        if (::fstatat(current(), c.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
          return systemError("stat", join(p));
      }
      if (S_ISLNK(st.st_mode)) {
        if (++links > 40)
          return storeError("too many levels of symbolic links: " + join(p));
        std::string target(size_t(st.st_size) + 1, '\0');
        ssize_t n = ::readlinkat(current(), c.c_str(), target.data(), target.size());
        if (n < 0)
          return systemError("readlink", join(p));
        target.resize(size_t(n));
        if (llvm::StringRef(target).startswith("/"))
          stack.clear();
        llvm::SmallVector<llvm::StringRef, 8> parts;
        llvm::StringRef(target).split(parts, '/');
        for (auto it = parts.rbegin(); it != parts.rend(); ++it)
          pending.push_back(it->str());
        continue;
      }
      if (!S_ISDIR(st.st_mode))
        return storeError("not a directory: " + join(p));
      Fd next(::openat(current(), c.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!next)
        return systemError("open", join(p));
      stack.push_back(std::move(next));
    }
    if (stack.empty())
      return Fd(::dup(Root));
    return std::move(stack.back());
  }

  llvm::Error removeExisting(int dirFd, const std::string &name, const std::string &shown) {
    struct stat st;
    if (::fstatat(dirFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return llvm::Error::success();
    if (S_ISDIR(st.st_mode))
      return removeTree(procPath(dirFd, name));
    if (::unlinkat(dirFd, name.c_str(), 0) != 0 && errno != ENOENT)
      return systemError("unlink", shown);
    return llvm::Error::success();
  }

  llvm::Error setMetadata(int dirFd, const std::string &name, struct archive_entry *e,
                          const std::string &shown) {
    mode_t type = archive_entry_filetype(e);
    if (Opts.preserveOwners &&
        ::fchownat(dirFd, name.c_str(), uid_t(archive_entry_uid(e)), gid_t(archive_entry_gid(e)),
                   AT_SYMLINK_NOFOLLOW) != 0 &&
        ::geteuid() == 0)
      return systemError("chown", shown);
    if (type != AE_IFLNK && ::fchmodat(dirFd, name.c_str(), archive_entry_perm(e) & 07777, 0) != 0)
      return systemError("chmod", shown);
    archive_entry_xattr_reset(e);
    const char *key;
    const void *value;
    size_t size;
    while (archive_entry_xattr_next(e, &key, &value, &size) == ARCHIVE_OK) {
      std::string p = procPath(dirFd, name);
      if (::lsetxattr(p.c_str(), key, value, size, 0) != 0 && errno != ENOTSUP && errno != EPERM)
        return systemError(llvm::Twine("setxattr ") + key, shown);
    }
    return llvm::Error::success();
  }

  void setMtime(int dirFd, const std::string &name, struct archive_entry *e) {
    struct timespec t = {archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
    struct timespec ts[2] = {t, t};
    ::utimensat(dirFd, name.c_str(), ts, AT_SYMLINK_NOFOLLOW);
  }

  llvm::Error entry(struct archive *a, struct archive_entry *e) {
    const char *rawName = archive_entry_pathname(e);
    if (!rawName)
      return storeError("layer entry without a name");
    auto path = clean(rawName);
    if (!path)
      return path.takeError();
    std::string shown = join(*path);
    mode_t type = archive_entry_filetype(e);
    if (path->empty()) {
      // "./" itself: only a directory entry may restyle the root.
      if (type == AE_IFDIR) {
        if (llvm::Error err = setMetadata(Root, ".", e, "/"))
          return err;
        DirTimes.push_back({{}, {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}});
      }
      return llvm::Error::success();
    }
    std::string name = path->back();
    auto parent = resolveDir(parentOf(*path), true);
    if (!parent)
      return parent.takeError();
    int dirFd = parent->V;

    llvm::StringRef n(name);
    if (n.startswith(".wh.")) {
      if (n == ".wh..wh..opq")
        return opaque(dirFd, parentOf(*path));
      if (n.startswith(".wh..wh."))
        return llvm::Error::success(); // other aufs metadata (plink): not filesystem content
      std::string victim = n.drop_front(4).str();
      if (llvm::Error err = removeExisting(dirFd, victim, shown))
        return err;
      ++Stats.entries;
      if (Opts.whiteouts == WhiteoutMode::Flat)
        return llvm::Error::success();
      if (::mknodat(dirFd, victim.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0)
        return systemError("mknod whiteout", shown);
      Path v = parentOf(*path);
      v.push_back(victim);
      Written.insert(join(v));
      return llvm::Error::success();
    }

    Written.insert(shown);
    ++Stats.entries;
    struct stat existing;
    bool exists = ::fstatat(dirFd, name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0;
    if (type == AE_IFDIR) {
      if (exists && !S_ISDIR(existing.st_mode)) {
        if (llvm::Error err = removeExisting(dirFd, name, shown))
          return err;
        exists = false;
      }
      if (!exists && ::mkdirat(dirFd, name.c_str(), 0700) != 0)
        return systemError("mkdir", shown);
      if (llvm::Error err = setMetadata(dirFd, name, e, shown))
        return err;
      DirTimes.push_back({*path, {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}});
      return llvm::Error::success();
    }
    if (exists)
      if (llvm::Error err = removeExisting(dirFd, name, shown))
        return err;

    if (const char *link = archive_entry_hardlink(e)) {
      auto target = clean(link);
      if (!target)
        return target.takeError();
      if (target->empty())
        return storeError("hardlink to the root: " + shown);
      auto tdir = resolveDir(parentOf(*target), false);
      if (!tdir) {
        llvm::consumeError(tdir.takeError());
        return storeError("hardlink target is not in the layer: " + shown + " -> " + link);
      }
      // linkat without AT_SYMLINK_FOLLOW links a symlink itself, never what it points to.
      if (::linkat(tdir->V, target->back().c_str(), dirFd, name.c_str(), 0) != 0)
        return systemError("hardlink " + shown + " ->", link);
      return llvm::Error::success();
    }

    switch (type) {
    case AE_IFREG: {
      Fd out(::openat(dirFd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!out)
        return systemError("create", shown);
      const void *buf;
      size_t size;
      la_int64_t offset;
      for (;;) {
        int rc = archive_read_data_block(a, &buf, &size, &offset);
        if (rc == ARCHIVE_EOF)
          break;
        if (rc < ARCHIVE_WARN)
          return storeError("reading " + shown + ": " + archive_error_string(a));
        if (::lseek(out.V, offset, SEEK_SET) < 0)
          return systemError("seek", shown);
        if (llvm::Error err = writeAll(out.V, buf, size, shown))
          return err;
        Stats.bytes += size;
      }
      // Sparse files end in a hole; make the size right.
      if (::ftruncate(out.V, archive_entry_size(e)) != 0)
        return systemError("truncate", shown);
      break;
    }
    case AE_IFLNK: {
      const char *target = archive_entry_symlink(e);
      if (::symlinkat(target ? target : "", dirFd, name.c_str()) != 0)
        return systemError("symlink", shown);
      break;
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: {
      mode_t m = (type == AE_IFCHR ? S_IFCHR : type == AE_IFBLK ? S_IFBLK : S_IFIFO) | 0600;
      if (::mknodat(dirFd, name.c_str(), m, archive_entry_rdev(e)) != 0)
        return systemError("mknod", shown);
      break;
    }
    default:
      return storeError("unsupported tar entry type for " + shown);
    }
    if (llvm::Error err = setMetadata(dirFd, name, e, shown))
      return err;
    setMtime(dirFd, name, e);
    return llvm::Error::success();
  }

  llvm::Error opaque(int dirFd, const Path &dir) {
    ++Stats.entries;
    if (Opts.whiteouts == WhiteoutMode::Overlay) {
      std::string p = procPath(dirFd, ".");
      if (::lsetxattr(p.c_str(), "trusted.overlay.opaque", "y", 1, 0) != 0)
        return systemError("set opaque xattr on", join(dir));
      return llvm::Error::success();
    }
    // Flat: everything older than this layer in the directory disappears.
    std::string prefix = join(dir);
    for (const std::string &child : sortedChildren(dirFd)) {
      std::string p = prefix.empty() ? child : prefix + "/" + child;
      if (!Written.count(p))
        if (llvm::Error err = removeExisting(dirFd, child, p))
          return err;
    }
    return llvm::Error::success();
  }
};

} // namespace

llvm::Expected<ApplyStats> applyLayer(int tarFd, llvm::StringRef dir, const ApplyOptions &opts) {
  Fd root(::open(dir.str().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root)
    return systemError("open", dir);
  struct archive *a = archive_read_new();
  auto freeArchive = llvm::make_scope_exit([&] { archive_read_free(a); });
  archive_read_support_format_tar(a);
  archive_read_support_filter_all(a);
  if (archive_read_open_fd(a, tarFd, 1 << 16) != ARCHIVE_OK)
    return storeError(llvm::Twine("open layer: ") + archive_error_string(a));
  LayerApplier applier(root.V, opts);
  if (llvm::Error e = applier.apply(a))
    return e;
  return applier.Stats;
}

llvm::Expected<ApplyStats> applyLayerFile(llvm::StringRef tarPath, llvm::StringRef dir,
                                          const ApplyOptions &opts) {
  Fd in(::open(tarPath.str().c_str(), O_RDONLY | O_CLOEXEC));
  if (!in)
    return systemError("open", tarPath);
  return applyLayer(in.V, dir, opts);
}

// --- compression ---

llvm::Error compress(int inFd, const ByteSink &out, Compression c) {
  static thread_local ThreadBuffer inBuffer;
  char *in = inBuffer.get();
  std::vector<char> buf(1 << 17);
  if (c == Compression::None) {
    for (;;) {
      ssize_t n = ::read(inFd, in, ThreadBuffer::Size);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return systemError("read", "layer");
      if (n == 0)
        return llvm::Error::success();
      if (llvm::Error e = out(in, size_t(n)))
        return e;
    }
  }
  if (c == Compression::Gzip) {
    z_stream z{};
    // 15 + 16: gzip wrapper; zlib writes mtime 0 and no file name, so the output is reproducible.
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      return storeError("deflateInit2 failed");
    auto end = llvm::make_scope_exit([&] { deflateEnd(&z); });
    for (bool done = false; !done;) {
      ssize_t n = ::read(inFd, in, ThreadBuffer::Size);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return systemError("read", "layer");
      done = n == 0;
      z.next_in = reinterpret_cast<Bytef *>(in);
      z.avail_in = uInt(n);
      do {
        z.next_out = reinterpret_cast<Bytef *>(buf.data());
        z.avail_out = uInt(buf.size());
        int rc = deflate(&z, done ? Z_FINISH : Z_NO_FLUSH);
        if (rc == Z_STREAM_ERROR)
          return storeError("deflate failed");
        if (size_t have = buf.size() - z.avail_out)
          if (llvm::Error e = out(buf.data(), have))
            return e;
      } while (z.avail_out == 0);
    }
    return llvm::Error::success();
  }
  ZSTD_CCtx *cctx = ZSTD_createCCtx();
  auto end = llvm::make_scope_exit([&] { ZSTD_freeCCtx(cctx); });
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
  for (bool done = false; !done;) {
    ssize_t n = ::read(inFd, in, ThreadBuffer::Size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return systemError("read", "layer");
    done = n == 0;
    ZSTD_inBuffer ib = {in, size_t(n), 0};
    for (;;) {
      ZSTD_outBuffer ob = {buf.data(), buf.size(), 0};
      size_t left = ZSTD_compressStream2(cctx, &ob, &ib, done ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(left))
        return storeError(llvm::Twine("zstd: ") + ZSTD_getErrorName(left));
      if (ob.pos)
        if (llvm::Error e = out(buf.data(), ob.pos))
          return e;
      if (done ? left == 0 : ib.pos == ib.size)
        break;
    }
  }
  return llvm::Error::success();
}

llvm::Error decompress(int inFd, const ByteSink &out) {
  struct archive *a = archive_read_new();
  auto freeArchive = llvm::make_scope_exit([&] { archive_read_free(a); });
  archive_read_support_filter_all(a);
  archive_read_support_format_raw(a);
  if (archive_read_open_fd(a, inFd, 1 << 16) != ARCHIVE_OK)
    return storeError(llvm::Twine("decompress: ") + archive_error_string(a));
  struct archive_entry *e;
  int rc = archive_read_next_header(a, &e);
  if (rc == ARCHIVE_EOF)
    return llvm::Error::success();
  if (rc < ARCHIVE_WARN)
    return storeError(llvm::Twine("decompress: ") + archive_error_string(a));
  static thread_local ThreadBuffer bufBuffer;
  char *buf = bufBuffer.get();
  for (;;) {
    la_ssize_t n = archive_read_data(a, buf, ThreadBuffer::Size);
    if (n < 0)
      return storeError(llvm::Twine("decompress: ") + archive_error_string(a));
    if (n == 0)
      return llvm::Error::success();
    if (llvm::Error err = out(buf, size_t(n)))
      return err;
  }
}

} // namespace dfc::store
