// Blob storage: temp file in $ROOT/tmp, fsync, hash check, rename into blobs/sha256, fsync dir.
// A writer killed at any point leaves at most a temp file, which prune() removes.
#include "backend/store/ContentStore.h"

#include "backend/store/Files.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dfc::store {

std::string defaultStoreRoot() {
  if (const char *r = std::getenv("DFC_ROOT"); r && *r)
    return r;
  if (::geteuid() == 0)
    return "/var/lib/dfc";
  if (const char *x = std::getenv("XDG_DATA_HOME"); x && *x)
    return std::string(x) + "/dfc";
  const char *home = std::getenv("HOME");
  return std::string(home ? home : "/tmp") + "/.local/share/dfc";
}

llvm::Expected<ContentStore> ContentStore::open(llvm::StringRef root) {
  if (root.empty())
    return storeError("empty store root");
  std::string r = root.str();
  while (r.size() > 1 && r.back() == '/')
    r.pop_back();
  if (llvm::Error e = makeDirs(r + "/blobs/sha256"))
    return e;
  if (llvm::Error e = makeDirs(r + "/tmp", 0700))
    return e;
  return ContentStore(r);
}

std::string ContentStore::blobPath(const Digest &d) const { return Root + "/blobs/sha256/" + d.hex().str(); }

bool ContentStore::has(const Digest &d) const {
  struct stat st;
  return !d.empty() && ::stat(blobPath(d).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

llvm::Expected<uint64_t> ContentStore::size(const Digest &d) const {
  struct stat st;
  if (::stat(blobPath(d).c_str(), &st) != 0)
    return systemError("stat blob", d.str());
  return uint64_t(st.st_size);
}

llvm::Error ContentStore::install(const std::string &tmpPath, const Digest &d) const {
  std::string final = blobPath(d);
  // Blobs are immutable, read-only files; another process may have installed the same one.
  ::chmod(tmpPath.c_str(), 0444);
  if (::rename(tmpPath.c_str(), final.c_str()) != 0) {
    llvm::Error e = systemError("rename blob", final);
    ::unlink(tmpPath.c_str());
    return e;
  }
  return fsyncDir(Root + "/blobs/sha256");
}

BlobWriter::BlobWriter(const ContentStore &store, int fd, std::string tmpPath)
    : Store(&store), Fd(fd), TmpPath(std::move(tmpPath)) {}

BlobWriter::BlobWriter(BlobWriter &&o) noexcept : Store(o.Store), Fd(o.Fd), TmpPath(std::move(o.TmpPath)) {
  // The hasher cannot move; a writer is only moved before anything is written.
  o.Fd = -1;
  o.TmpPath.clear();
}

BlobWriter::~BlobWriter() { abort(); }

void BlobWriter::abort() {
  if (Fd >= 0)
    ::close(Fd);
  Fd = -1;
  if (!TmpPath.empty())
    ::unlink(TmpPath.c_str());
  TmpPath.clear();
}

llvm::Error BlobWriter::write(const void *data, size_t size) {
  if (Fd < 0)
    return storeError("blob writer is closed");
  Hasher.update(data, size);
  return writeAll(Fd, data, size, TmpPath);
}

llvm::Expected<Digest> BlobWriter::commit(std::optional<Digest> expected) {
  if (Fd < 0)
    return storeError("blob writer is closed");
  Digest d = Hasher.finish();
  if (::fsync(Fd) != 0) {
    llvm::Error e = systemError("fsync", TmpPath);
    abort();
    return e;
  }
  ::close(Fd);
  Fd = -1;
  if (expected && *expected != d) {
    abort();
    return storeError("digest mismatch: expected " + expected->str() + ", got " + d.str());
  }
  std::string tmp = std::move(TmpPath);
  TmpPath.clear();
  if (llvm::Error e = Store->install(tmp, d))
    return e;
  return d;
}

llvm::Expected<StagedBlob> BlobWriter::stage() {
  if (Fd < 0)
    return storeError("blob writer is closed");
  StagedBlob b;
  b.size = Hasher.bytes();
  b.digest = Hasher.finish();
  if (::close(Fd) != 0) {
    Fd = -1;
    llvm::Error e = systemError("close", TmpPath);
    abort();
    return e;
  }
  Fd = -1;
  b.tmpPath = std::move(TmpPath);
  TmpPath.clear();
  return b;
}

llvm::Error ContentStore::installStaged(const std::vector<StagedBlob> &blobs) const {
  bool moved = false;
  for (const StagedBlob &b : blobs) {
    if (has(b.digest)) {
      ::unlink(b.tmpPath.c_str());
      continue;
    }
    ::chmod(b.tmpPath.c_str(), 0444);
    if (::rename(b.tmpPath.c_str(), blobPath(b.digest).c_str()) != 0) {
      llvm::Error e = systemError("rename blob", blobPath(b.digest));
      ::unlink(b.tmpPath.c_str());
      return e;
    }
    moved = true;
  }
  return moved ? fsyncDir(Root + "/blobs/sha256") : llvm::Error::success();
}

llvm::Expected<BlobWriter> ContentStore::writer() const {
  std::string tmp = tmpDir() + "/" + tempName("blob-");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return systemError("create", tmp);
  return BlobWriter(*this, fd, tmp);
}

llvm::Expected<Digest> ContentStore::putBytes(llvm::StringRef data, std::optional<Digest> expected) const {
  Digest d = Digest::ofBytes(data);
  if (expected && *expected != d)
    return storeError("digest mismatch: expected " + expected->str() + ", got " + d.str());
  if (has(d))
    return d;
  auto w = writer();
  if (!w)
    return w.takeError();
  if (llvm::Error e = w->write(data))
    return e;
  return w->commit(d);
}

llvm::Expected<Digest> ContentStore::putFile(llvm::StringRef path, std::optional<Digest> expected) const {
  int in = ::open(path.str().c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return systemError("open", path);
  auto w = writer();
  if (!w) {
    ::close(in);
    return w.takeError();
  }
  static thread_local ThreadBuffer bufBuffer;
  char *buf = bufBuffer.get();
  for (;;) {
    ssize_t n = ::read(in, buf, ThreadBuffer::Size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      llvm::Error e = systemError("read", path);
      ::close(in);
      return e;
    }
    if (n == 0)
      break;
    if (llvm::Error e = w->write(buf, size_t(n))) {
      ::close(in);
      return e;
    }
  }
  ::close(in);
  return w->commit(expected);
}

llvm::Expected<Digest> ContentStore::adoptFile(llvm::StringRef path, std::optional<Digest> expected) const {
  auto d = Digest::ofFile(path);
  if (!d)
    return d.takeError();
  if (expected && *expected != *d) {
    ::unlink(path.str().c_str());
    return storeError("digest mismatch: expected " + expected->str() + ", got " + d->str());
  }
  int fd = ::open(path.str().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return systemError("open", path);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0)
    return systemError("fsync", path);
  if (llvm::Error e = install(path.str(), *d))
    return e;
  return *d;
}

llvm::Expected<std::string> ContentStore::readBytes(const Digest &d) const { return readFile(blobPath(d)); }

llvm::Expected<bool> ContentStore::verify(const Digest &d) const {
  auto actual = Digest::ofFile(blobPath(d));
  if (!actual)
    return actual.takeError();
  return *actual == d;
}

std::vector<Digest> ContentStore::list() const {
  std::vector<Digest> out;
  DIR *dir = ::opendir((Root + "/blobs/sha256").c_str());
  if (!dir)
    return out;
  while (struct dirent *e = ::readdir(dir)) {
    if (auto d = Digest::fromHex(e->d_name))
      out.push_back(*d);
    else
      llvm::consumeError(d.takeError());
  }
  ::closedir(dir);
  std::sort(out.begin(), out.end());
  return out;
}

llvm::Error ContentStore::remove(const Digest &d) const {
  if (::unlink(blobPath(d).c_str()) != 0 && errno != ENOENT)
    return systemError("unlink blob", d.str());
  return llvm::Error::success();
}

} // namespace dfc::store
