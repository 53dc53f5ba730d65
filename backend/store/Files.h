// Small filesystem primitives the store is built on: atomic writes, directory fsync, tree removal.
// Every write that must survive a crash goes through writeFileAtomic (temp + fsync + rename + dir fsync).
#pragma once

#include <llvm/ADT/StringRef.h>
#include <llvm/ADT/Twine.h>
#include <llvm/Support/Error.h>

#include <cstdint>
#include <memory>
#include <string>

namespace dfc::store {

// An llvm::Error carrying a plain message.
llvm::Error storeError(const llvm::Twine &message);
// An llvm::Error for a failed system call: "<what> <path>: <strerror(errno)>".
llvm::Error systemError(const llvm::Twine &what, const llvm::Twine &path);

llvm::Error makeDirs(llvm::StringRef path, unsigned mode = 0755);

// A 64 KiB buffer for one call site's file copies: `static thread_local ThreadBuffer b;` gives one per
// thread, allocated on first use. (As `static thread_local char[1 << 16]`, six sites made 384 KiB of
// TLS that every thread of every dfc process zeroed when it started.)
struct ThreadBuffer {
  static constexpr size_t Size = 1 << 16;
  std::unique_ptr<char[]> Data;
  char *get() {
    if (!Data)
      Data.reset(new char[Size]);
    return Data.get();
  }
};
llvm::Error fsyncDir(llvm::StringRef path);
// Removes a file, symlink or whole directory tree without following symlinks; absent is fine.
llvm::Error removeTree(llvm::StringRef path);
llvm::Expected<std::string> readFile(llvm::StringRef path);
// Writes data to a temp file in tmpDir, fsyncs it, renames it to path and fsyncs path's directory.
// Without `sync` only temp + rename: readers and a killed writer still see old or new whole, and
// a power loss may lose the update (for caches that are checked before use, such as the stat cache).
llvm::Error writeFileAtomic(llvm::StringRef path, llvm::StringRef data, llvm::StringRef tmpDir, bool sync = true);
// syncfs(2) on the filesystem holding path: everything written there so far reaches the disk.
llvm::Error syncFilesystem(llvm::StringRef path);
// "<pid>.<random>" names for temp files, so prune can tell a dead writer's leftovers apart.
std::string tempName(llvm::StringRef prefix = "");
// The pid a tempName() embeds, or 0 when the name is not one of ours.
int tempNameOwner(llvm::StringRef name);
bool processAlive(int pid);
// Bytes used by a file or tree (st_blocks based, hardlinks counted once per walk).
uint64_t diskUsage(llvm::StringRef path);
// Entries below a directory (not counting itself), without following symlinks.
uint64_t countTreeEntries(llvm::StringRef dir);
// Writes all of data to fd, retrying on EINTR and short writes.
llvm::Error writeAll(int fd, const void *data, size_t size, llvm::StringRef what);

} // namespace dfc::store
