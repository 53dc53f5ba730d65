// Overlay mounts, confined copies into a rootfs and /etc/passwd lookups for build steps.
// Destinations resolve through SourceTree in Rootfs mode, so an image's symlinks stay inside it.
#include "backend/build/Filesystem.h"

#include "backend/store/Files.h"

#include <archive.h>
#include <archive_entry.h>
#include <llvm/ADT/StringSet.h>
#include <llvm/ADT/SmallVector.h>

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dfc::build {
namespace {

llvm::Error fsError(const llvm::Twine &m) { return store::storeError(m); }

std::string parentOf(llvm::StringRef rel) {
  size_t slash = rel.rfind('/');
  return slash == llvm::StringRef::npos ? std::string() : rel.substr(0, slash).str();
}

std::string baseOf(llvm::StringRef rel) {
  size_t slash = rel.rfind('/');
  return slash == llvm::StringRef::npos ? rel.str() : rel.substr(slash + 1).str();
}

std::string joinRel(llvm::StringRef a, llvm::StringRef b) {
  if (a.empty())
    return b.str();
  if (b.empty())
    return a.str();
  return a.str() + "/" + b.str();
}

std::string stripSlashes(llvm::StringRef p) {
  std::string c = cleanPath(p);
  while (!c.empty() && c[0] == '/')
    c.erase(0, 1);
  return c == "." ? std::string() : c;
}

llvm::Error copyFileData(int in, int out, const std::string &what) {
  for (;;) {
    ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
    if (n == 0)
      return llvm::Error::success();
    if (n > 0)
      continue;
    if (errno == EINTR)
      continue;
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
      return store::systemError("copy", what);
    break;
  }
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n == 0)
      return llvm::Error::success();
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return store::systemError("read", what);
    }
    if (llvm::Error e = store::writeAll(out, buf, size_t(n), what))
      return e;
  }
}

// Removes whatever is at path unless it is a directory (Docker replaces files and links).
void removeNonDir(const std::string &path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
    ::unlink(path.c_str());
}

llvm::Expected<std::string> readIn(llvm::StringRef root, llvm::StringRef rel) {
  SourceTree t(root.str(), SourceTree::Kind::Rootfs);
  auto p = t.resolve(rel);
  if (!p)
    return p.takeError();
  return store::readFile(*p);
}

// Finds `name` (or a numeric id) in a passwd/group file; returns fields split on ':'.
std::optional<std::vector<std::string>> findEntry(llvm::StringRef text, llvm::StringRef name) {
  llvm::SmallVector<llvm::StringRef, 64> lines;
  text.split(lines, '\n');
  for (int pass = 0; pass < 2; ++pass)
    for (llvm::StringRef line : lines) {
      llvm::SmallVector<llvm::StringRef, 8> f;
      line.split(f, ':');
      if (f.size() < 4)
        continue;
      if ((pass == 0 && f[0] == name) || (pass == 1 && f[2] == name))
        return std::vector<std::string>(f.begin(), f.end());
    }
  return std::nullopt;
}

bool isNumber(llvm::StringRef s) { return !s.empty() && s.find_first_not_of("0123456789") == llvm::StringRef::npos; }

} // namespace

OverlayMount &OverlayMount::operator=(OverlayMount &&o) noexcept {
  if (this != &o) {
    llvm::consumeError(unmount());
    Target = std::move(o.Target);
    o.Target.clear();
  }
  return *this;
}

OverlayMount::~OverlayMount() { llvm::consumeError(unmount()); }

llvm::Error OverlayMount::unmount() {
  if (Target.empty())
    return llvm::Error::success();
  std::string t = std::move(Target);
  Target.clear();
  if (::umount2(t.c_str(), 0) != 0 && ::umount2(t.c_str(), MNT_DETACH) != 0)
    return store::systemError("umount", t);
  return llvm::Error::success();
}

llvm::Expected<OverlayMount> OverlayMount::mount(const std::vector<std::string> &lowers, llvm::StringRef upper,
                                                 llvm::StringRef work, llvm::StringRef target,
                                                 llvm::StringRef emptyDir, bool volatileUpper) {
  // The same layer can stand twice in an image (two RUNs that change nothing make the same empty
  // layer), and overlayfs refuses a lower directory given twice (ELOOP). Only its topmost
  // occurrence matters: it covers every path the lower one has, whiteouts and opaque dirs included.
  std::string opts = "lowerdir=";
  bool first = true;
  llvm::StringSet<> seen;
  for (const std::string &l : lowers) {
    if (!seen.insert(l).second)
      continue;
    opts += (first ? "" : ":") + l;
    first = false;
  }
  // A read-only overlay needs two lowers on some kernels, and scratch has none: an empty
  // directory at the bottom changes nothing.
  if (upper.empty() || lowers.empty()) {
    opts += (first ? "" : ":") + emptyDir.str();
    if (upper.empty() && lowers.size() < 1)
      opts += ":" + emptyDir.str();
  }
  if (!upper.empty())
    opts += ",upperdir=" + upper.str() + ",workdir=" + work.str();
  opts += ",index=off,redirect_dir=off,metacopy=off";
  if (opts.size() > 4000)
    return fsError("too many layers for one overlay mount (" + llvm::Twine(lowers.size()) + ")");
  if (llvm::Error e = store::makeDirs(target))
    return e;
  bool mounted = false;
  if (volatileUpper && !upper.empty()) {
    std::string v = opts + ",volatile";
    mounted = ::mount("overlay", target.str().c_str(), "overlay", 0, v.c_str()) == 0;
    if (!mounted && errno != EINVAL)
      return store::systemError("mount overlay (" + v + ") on", target);
  }
  if (!mounted && ::mount("overlay", target.str().c_str(), "overlay", 0, opts.c_str()) != 0)
    return store::systemError("mount overlay (" + opts + ") on", target);
  OverlayMount m;
  m.Target = target.str();
  return m;
}

llvm::Expected<Ids> lookupUser(llvm::StringRef root, llvm::StringRef spec) {
  Ids ids;
  if (spec.empty())
    return ids;
  auto [user, group] = spec.split(':');
  bool hasGroup = spec.contains(':');
  if (isNumber(user)) {
    ids.uid = uint32_t(std::stoul(user.str()));
    if (!hasGroup) {
      auto passwd = readIn(root, "etc/passwd");
      if (passwd) {
        if (auto e = findEntry(*passwd, user))
          ids.gid = uint32_t(std::stoul((*e)[3]));
      } else {
        llvm::consumeError(passwd.takeError());
      }
    }
  } else {
    auto passwd = readIn(root, "etc/passwd");
    if (!passwd) {
      llvm::consumeError(passwd.takeError());
      return fsError("unable to find user " + user + ": no /etc/passwd in the image");
    }
    auto e = findEntry(*passwd, user);
    if (!e || !isNumber((*e)[2]) || !isNumber((*e)[3]))
      return fsError("unable to find user " + user + ": no matching entries in passwd file");
    ids.uid = uint32_t(std::stoul((*e)[2]));
    ids.gid = uint32_t(std::stoul((*e)[3]));
  }
  if (hasGroup) {
    if (isNumber(group)) {
      ids.gid = uint32_t(std::stoul(group.str()));
    } else {
      auto groups = readIn(root, "etc/group");
      if (!groups) {
        llvm::consumeError(groups.takeError());
        return fsError("unable to find group " + group + ": no /etc/group in the image");
      }
      auto e = findEntry(*groups, group);
      if (!e || !isNumber((*e)[2]))
        return fsError("unable to find group " + group + ": no matching entries in group file");
      ids.gid = uint32_t(std::stoul((*e)[2]));
    }
  }
  return ids;
}

llvm::Expected<std::string> makeDirsIn(llvm::StringRef root, llvm::StringRef rel, const Ids &ids) {
  SourceTree t(root.str(), SourceTree::Kind::Rootfs);
  std::string cleaned = stripSlashes(rel);
  llvm::SmallVector<llvm::StringRef, 16> parts;
  llvm::StringRef(cleaned).split(parts, '/', -1, false);
  std::string sofar;
  for (llvm::StringRef p : parts) {
    sofar = joinRel(sofar, p);
    auto host = t.resolve(sofar);
    if (!host)
      return host.takeError();
    struct stat st;
    if (::stat(host->c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode))
        return fsError("cannot create directory /" + sofar + ": a file is in the way");
      continue;
    }
    if (::mkdir(host->c_str(), 0755) != 0 && errno != EEXIST)
      return store::systemError("mkdir", *host);
    if (::lchown(host->c_str(), ids.uid, ids.gid) != 0)
      return store::systemError("chown", *host);
  }
  return t.resolve(cleaned);
}

llvm::Error copyEntries(llvm::StringRef root, const std::vector<SourceEntry> &entries, llvm::StringRef destRel,
                        const CopyOptions &opts) {
  Ids owner = opts.owner.value_or(Ids{});
  std::string dest = stripSlashes(destRel);
  auto parent = makeDirsIn(root, parentOf(dest), owner);
  if (!parent)
    return parent.takeError();
  SourceTree t(root.str(), SourceTree::Kind::Rootfs);
  // Directory mtimes are set last: writing their children would change them again.
  std::vector<std::pair<std::string, struct timespec>> dirTimes;
  // Entries come sorted, so a directory's files follow each other: their parent is resolved once
  // (a confined walk is an lstat per path component). Any directory entry may replace a path
  // component, so it forgets the last resolution.
  std::string lastParentRel, lastParentHost;
  bool haveParent = false;
  for (const SourceEntry &e : entries) {
    std::string rel = joinRel(dest, e.relPath);
    std::string parentRel = parentOf(rel);
    if (!haveParent || parentRel != lastParentRel) {
      auto resolved = t.resolve(parentRel);
      if (!resolved)
        return resolved.takeError();
      struct stat pst;
      if (::stat(resolved->c_str(), &pst) != 0) {
        // The parent was left out of the selection (an ignored directory with a re-included child).
        resolved = makeDirsIn(root, parentRel, owner);
        if (!resolved)
          return resolved.takeError();
      }
      lastParentRel = parentRel;
      lastParentHost = *resolved;
      haveParent = true;
    }
    const std::string *par = &lastParentHost;
    std::string host = rel.empty() ? root.str() : *par + "/" + baseOf(rel);
    mode_t perm = opts.mode ? *opts.mode : (e.st.st_mode & 07777);
    if (S_ISDIR(e.st.st_mode)) {
      haveParent = false;
      struct stat cur;
      bool existed = ::lstat(host.c_str(), &cur) == 0;
      if (existed && S_ISLNK(cur.st_mode)) {
        auto r = t.resolve(rel);
        if (!r)
          return r.takeError();
        host = *r;
        existed = ::stat(host.c_str(), &cur) == 0;
      }
      if (existed && !S_ISDIR(cur.st_mode)) {
        ::unlink(host.c_str());
        existed = false;
      }
      if (!existed && ::mkdir(host.c_str(), 0755) != 0)
        return store::systemError("mkdir", host);
      // The destination directory itself keeps its metadata when it existed already.
      if (!e.relPath.empty() || !existed) {
        if (::lchown(host.c_str(), owner.uid, owner.gid) != 0 || ::chmod(host.c_str(), perm) != 0)
          return store::systemError("chown/chmod", host);
        dirTimes.emplace_back(host, e.st.st_mtim);
      }
    } else if (S_ISREG(e.st.st_mode)) {
      struct stat cur;
      if (::lstat(host.c_str(), &cur) == 0) {
        if (S_ISDIR(cur.st_mode))
          return fsError("cannot copy to /" + rel + ": it is a directory");
        ::unlink(host.c_str());
      }
      int in = ::open(e.hostPath.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (in < 0)
        return store::systemError("open", e.hostPath);
      int out = ::open(host.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (out < 0) {
        ::close(in);
        return store::systemError("create", host);
      }
      llvm::Error err = copyFileData(in, out, e.hostPath);
      if (!err && (::fchown(out, owner.uid, owner.gid) != 0 || ::fchmod(out, perm) != 0))
        err = store::systemError("chown/chmod", host);
      struct timespec times[2] = {e.st.st_mtim, e.st.st_mtim};
      if (!err)
        ::futimens(out, times);
      ::close(in);
      ::close(out);
      if (err)
        return err;
    } else if (S_ISLNK(e.st.st_mode)) {
      char buf[4096];
      ssize_t n = ::readlink(e.hostPath.c_str(), buf, sizeof buf - 1);
      if (n < 0)
        return store::systemError("readlink", e.hostPath);
      buf[n] = 0;
      removeNonDir(host);
      if (::symlink(buf, host.c_str()) != 0)
        return store::systemError("symlink", host);
      ::lchown(host.c_str(), owner.uid, owner.gid);
      struct timespec times[2] = {e.st.st_mtim, e.st.st_mtim};
      ::utimensat(AT_FDCWD, host.c_str(), times, AT_SYMLINK_NOFOLLOW);
    }
    // Sockets, fifos and devices are not copied (BuildKit skips them too).
  }
  for (auto it = dirTimes.rbegin(); it != dirTimes.rend(); ++it) {
    struct timespec times[2] = {it->second, it->second};
    ::utimensat(AT_FDCWD, it->first.c_str(), times, AT_SYMLINK_NOFOLLOW);
  }
  return llvm::Error::success();
}

llvm::Error writeFileIn(llvm::StringRef root, llvm::StringRef destRel, llvm::StringRef data, const CopyOptions &opts,
                        int64_t mtime) {
  Ids owner = opts.owner.value_or(Ids{});
  std::string dest = stripSlashes(destRel);
  auto parent = makeDirsIn(root, parentOf(dest), owner);
  if (!parent)
    return parent.takeError();
  std::string host = *parent + "/" + baseOf(dest);
  removeNonDir(host);
  int out = ::open(host.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return store::systemError("create", host);
  llvm::Error err = store::writeAll(out, data.data(), data.size(), host);
  if (!err && (::fchown(out, owner.uid, owner.gid) != 0 || ::fchmod(out, opts.mode.value_or(0644)) != 0))
    err = store::systemError("chown/chmod", host);
  struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
  ::futimens(out, times);
  ::close(out);
  return err;
}

bool isTarArchive(llvm::StringRef path) {
  struct archive *a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  bool ok = false;
  if (archive_read_open_filename(a, path.str().c_str(), 1 << 16) == ARCHIVE_OK) {
    struct archive_entry *e;
    int rc = archive_read_next_header(a, &e);
    ok = rc == ARCHIVE_OK || rc == ARCHIVE_WARN;
  }
  archive_read_free(a);
  return ok;
}

bool onlyEmptyStubs(llvm::StringRef dir) {
  DIR *d = ::opendir(dir.str().c_str());
  if (!d)
    return false;
  bool ok = true;
  while (struct dirent *e = ::readdir(d)) {
    llvm::StringRef n(e->d_name);
    if (n == "." || n == "..")
      continue;
    std::string p = dir.str() + "/" + n.str();
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0 || !((S_ISREG(st.st_mode) && st.st_size == 0) ||
                                          (S_ISDIR(st.st_mode) && onlyEmptyStubs(p)))) {
      ok = false;
      break;
    }
  }
  ::closedir(d);
  return ok;
}

bool isEmptyDir(llvm::StringRef path) {
  DIR *d = ::opendir(path.str().c_str());
  if (!d)
    return true;
  bool empty = true;
  while (struct dirent *e = ::readdir(d)) {
    llvm::StringRef n(e->d_name);
    if (n != "." && n != "..") {
      empty = false;
      break;
    }
  }
  ::closedir(d);
  return empty;
}

} // namespace dfc::build
