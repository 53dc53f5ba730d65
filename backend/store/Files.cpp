// Filesystem primitives for the store: atomic writes, fsyncs, tree removal, temp names.
// Plain POSIX calls so what the kernel is asked to do stays visible.
#include "backend/store/Files.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <random>
#include <set>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace dfc::store {

llvm::Error storeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message.str());
}

llvm::Error systemError(const llvm::Twine &what, const llvm::Twine &path) {
  int err = errno;
  return storeError(what + " " + path + ": " + std::strerror(err));
}

llvm::Error makeDirs(llvm::StringRef path, unsigned mode) {
  // The path itself first, its parents only when it says they are missing: one mkdir(2) in the usual
  // case (only the last directory is new), not one per component.
  std::string p = path.rtrim('/').str();
  if (p.empty())
    p = path.empty() ? "." : "/";
  if (::mkdir(p.c_str(), mode) == 0)
    return llvm::Error::success();
  if (errno == ENOENT) {
    size_t slash = p.rfind('/');
    if (slash == std::string::npos || slash == 0)
      return systemError("mkdir", p);
    if (llvm::Error e = makeDirs(llvm::StringRef(p).take_front(slash), mode))
      return e;
    if (::mkdir(p.c_str(), mode) == 0)
      return llvm::Error::success();
  }
  if (errno != EEXIST)
    return systemError("mkdir", p);
  struct stat st;
  if (::stat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return storeError("not a directory: " + path);
  return llvm::Error::success();
}

llvm::Error fsyncDir(llvm::StringRef path) {
  int fd = ::open(path.str().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return systemError("open", path);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0)
    return systemError("fsync", path);
  return llvm::Error::success();
}

static llvm::Error removeAt(int dirFd, const char *name, const std::string &shown) {
  struct stat st;
  if (::fstatat(dirFd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT ? llvm::Error::success() : systemError("stat", shown);
  if (S_ISDIR(st.st_mode)) {
    int fd = ::openat(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
      return systemError("open", shown);
    DIR *d = ::fdopendir(fd);
    if (!d) {
      ::close(fd);
      return systemError("opendir", shown);
    }
    std::vector<std::string> names;
    while (struct dirent *e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, ".."))
        names.push_back(e->d_name);
    }
    llvm::Error err = llvm::Error::success();
    for (const std::string &n : names) {
      if ((err = removeAt(::dirfd(d), n.c_str(), shown + "/" + n)))
        break;
    }
    ::closedir(d);
    if (err)
      return err;
    if (::unlinkat(dirFd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
      return systemError("rmdir", shown);
    return llvm::Error::success();
  }
  if (::unlinkat(dirFd, name, 0) != 0 && errno != ENOENT)
    return systemError("unlink", shown);
  return llvm::Error::success();
}

llvm::Error removeTree(llvm::StringRef path) { return removeAt(AT_FDCWD, path.str().c_str(), path.str()); }

llvm::Expected<std::string> readFile(llvm::StringRef path) {
  int fd = ::open(path.str().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return systemError("open", path);
  // Read straight into a string of the file's size (+1, so the end is seen without growing): no
  // growing copies of a large file (the stat cache, image configs); one that grows meanwhile, or a
  // file without a size (/proc), is still read to its end.
  std::string out;
  struct stat st;
  out.resize(::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? size_t(st.st_size) + 1 : 65536);
  size_t have = 0;
  for (;;) {
    if (have == out.size())
      out.resize(out.size() * 2);
    ssize_t n = ::read(fd, out.data() + have, out.size() - have);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      llvm::Error e = systemError("read", path);
      ::close(fd);
      return e;
    }
    if (n == 0)
      break;
    have += size_t(n);
  }
  ::close(fd);
  out.resize(have);
  return out;
}

llvm::Error writeAll(int fd, const void *data, size_t size, llvm::StringRef what) {
  const char *p = static_cast<const char *>(data);
  while (size) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return systemError("write", what);
    p += n;
    size -= size_t(n);
  }
  return llvm::Error::success();
}

std::string tempName(llvm::StringRef prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}() ^ (uint64_t(::getpid()) << 32)};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%d.%016llx", int(::getpid()), static_cast<unsigned long long>(rng()));
  return prefix.str() + buf;
}

int tempNameOwner(llvm::StringRef name) {
  size_t dot = name.find('.');
  size_t digits = name.find_first_of("0123456789");
  if (dot == llvm::StringRef::npos || digits == llvm::StringRef::npos || digits > dot)
    return 0;
  int pid = 0;
  if (name.slice(digits, dot).getAsInteger(10, pid))
    return 0;
  return pid;
}

bool processAlive(int pid) {
  if (pid <= 0)
    return false;
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

static uint64_t usageAt(int dirFd, const char *name, std::set<std::pair<dev_t, ino_t>> &seen) {
  struct stat st;
  if (::fstatat(dirFd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return 0;
  if (!seen.insert({st.st_dev, st.st_ino}).second)
    return 0;
  uint64_t total = uint64_t(st.st_blocks) * 512;
  if (!S_ISDIR(st.st_mode))
    return total;
  int fd = ::openat(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return total;
  DIR *d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return total;
  }
  while (struct dirent *e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, ".."))
      total += usageAt(::dirfd(d), e->d_name, seen);
  }
  ::closedir(d);
  return total;
}

uint64_t diskUsage(llvm::StringRef path) {
  std::set<std::pair<dev_t, ino_t>> seen;
  return usageAt(AT_FDCWD, path.str().c_str(), seen);
}

llvm::Error syncFilesystem(llvm::StringRef path) {
  int fd = ::open(path.str().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return systemError("open", path);
  int rc = ::syncfs(fd);
  ::close(fd);
  if (rc != 0)
    return systemError("syncfs", path);
  return llvm::Error::success();
}

llvm::Error writeFileAtomic(llvm::StringRef path, llvm::StringRef data, llvm::StringRef tmpDir, bool sync) {
  std::string tmp = (tmpDir + "/" + tempName()).str();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return systemError("create", tmp);
  if (llvm::Error e = writeAll(fd, data.data(), data.size(), tmp)) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  }
  if (sync && ::fsync(fd) != 0) {
    llvm::Error e = systemError("fsync", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.str().c_str()) != 0) {
    llvm::Error e = systemError("rename", path);
    ::unlink(tmp.c_str());
    return e;
  }
  if (!sync)
    return llvm::Error::success();
  auto slash = path.rfind('/');
  return fsyncDir(slash == llvm::StringRef::npos ? "." : path.substr(0, slash));
}

static uint64_t countEntries(int dirFd) {
  uint64_t n = 0;
  int dup = ::dup(dirFd);
  DIR *d = dup >= 0 ? ::fdopendir(dup) : nullptr;
  if (!d) {
    if (dup >= 0)
      ::close(dup);
    return 0;
  }
  while (struct dirent *e = ::readdir(d)) {
    if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, ".."))
      continue;
    ++n;
    struct stat st;
    if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
      int sub = ::openat(::dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0) {
        n += countEntries(sub);
        ::close(sub);
      }
    }
  }
  ::closedir(d);
  return n;
}

uint64_t countTreeEntries(llvm::StringRef dir) {
  int fd = ::open(dir.str().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  uint64_t n = countEntries(fd);
  ::close(fd);
  return n;
}

} // namespace dfc::store
