// `dfc lint`'s process-level set-up and file reading (see LintIO.h).
#include "cli/LintIO.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dfc::cli {

namespace {
// The stretch of heap below the first 2 MiB boundary (tuneHeapForLint). Volatile: a block nobody
// reads is otherwise dropped, malloc and all, by the optimiser.
void *volatile SkippedHeap = nullptr;
} // namespace

void tuneHeapForLint() {
  constexpr size_t Step = 64u << 20, Huge = 2u << 20;
  ::mallopt(M_MMAP_THRESHOLD, 64 << 20); // vectors of findings or instructions stay on the heap
  ::mallopt(M_TRIM_THRESHOLD, 256 << 20);
  ::mallopt(M_TOP_PAD, static_cast<int>(Step));
  // Grow the heap by one step now (malloc takes it from the top: under the mmap threshold, so
  // sbrk with the pad), then mark its whole 2 MiB extents for huge pages. Nothing is touched yet.
  void *probe = std::malloc(64 << 10);
  if (!probe)
    return;
  uintptr_t at = reinterpret_cast<uintptr_t>(probe);
  std::free(probe); // back into the top chunk
  uintptr_t lo = (at + Huge - 1) & ~uintptr_t(Huge - 1);
  uintptr_t hi = reinterpret_cast<uintptr_t>(::sbrk(0)) & ~uintptr_t(Huge - 1);
  if (hi <= lo)
    return;
  ::madvise(reinterpret_cast<void *>(lo), hi - lo, MADV_HUGEPAGE); // advice: failure is harmless
  // The heap starts anywhere in a 2 MiB extent, and what lies below the first boundary stays in
  // small pages (up to 512 faults of ~1.2 us on this VM): one block that is never touched (only
  // its header's page) takes that stretch, so the work starts on the boundary. Kept reachable.
  if (lo - at >= (64u << 10))
    SkippedHeap = std::malloc(lo - at - 2 * sizeof(size_t));
}

namespace {

// Appends what is left of fd to `out`; false on a read error (errno set). Read through a stack
// buffer: growing `out` by 64 KiB first zero-filled it (an empty Dockerfile cost a 64 KiB memset).
bool readRest(int fd, std::string &out) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0)
      out.append(buf, static_cast<size_t>(n));
    else if (n == 0)
      return true;
    else if (errno != EINTR)
      return false;
  }
}

// Reads fd to its end into `out`. No fstat up front: it cost 0.4 us a file, more than the read of
// a 450-byte Dockerfile, and a second read that returns 0 at the end costs ~0.13 us. Only an
// input that fills the first 16 KiB read is asked for its size, to read the rest of a regular
// file in one call instead of 16 KiB at a time.
bool readAll(int fd, std::string &out) {
  char buf[16384];
  ssize_t n;
  do
    n = ::read(fd, buf, sizeof buf);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    return n == 0;
  out.append(buf, static_cast<size_t>(n));
  struct stat st;
  if (static_cast<size_t>(n) == sizeof buf && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<uint64_t>(st.st_size) > out.size()) {
    // The size stat gave, in one read; then on to the end (a file that grew meanwhile, or a short read).
    size_t done = out.size(), size = static_cast<size_t>(st.st_size);
    out.resize(size);
    while (done < size) {
      ssize_t m = ::read(fd, &out[done], size - done);
      if (m < 0 && errno == EINTR)
        continue;
      if (m <= 0) {
        out.resize(done);
        return m == 0;
      }
      done += static_cast<size_t>(m);
    }
  }
  return readRest(fd, out);
}

} // namespace

std::optional<std::string> readInput(const std::string &path, std::string &text) {
  text.clear();
  if (path == "-")
    return readAll(STDIN_FILENO, text) ? std::nullopt : std::optional<std::string>(std::strerror(errno));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::string(std::strerror(errno));
  bool ok = readAll(fd, text);
  int saved = errno;
  ::close(fd);
  if (!ok)
    return std::string(std::strerror(saved));
  return std::nullopt;
}

} // namespace dfc::cli
