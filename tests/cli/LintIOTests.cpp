// readInput (cli/LintIO.h), how `dfc lint` reads a file, on real files, a directory, a FIFO fed in
// pieces, stdin from a pipe, and a read interrupted by a signal.
#include "cli/LintIO.h"

#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <pthread.h>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using dfc::cli::readInput;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/dfc-lintio-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

void writeFile(const std::string &path, const std::string &content) {
  FILE *f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(std::fwrite(content.data(), 1, content.size(), f) == content.size());
  std::fclose(f);
}

// Bytes that differ at every position of a 16 KiB read, so a chunk read twice or skipped shows.
std::string pattern(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i)
    s[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  return s;
}

// For the writer threads (Catch2's assertions are for the main thread): false on a failed write.
bool writeAll(int fd, const std::string &s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n <= 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// A reader that gives up early must fail its test, not kill the process with SIGPIPE.
struct IgnoreSigpipe {
  struct sigaction old {};
  IgnoreSigpipe() {
    struct sigaction sa {};
    sa.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &sa, &old);
  }
  ~IgnoreSigpipe() { ::sigaction(SIGPIPE, &old, nullptr); }
};

void onSignal(int) {}

} // namespace

TEST_CASE("readInput reads small, empty and large regular files whole") {
  TempDir dir;
  std::string text = "stale";
  for (size_t size : {size_t(0), size_t(1), size_t(450), size_t(16383), size_t(16384), size_t(16385),
                      size_t(100000), size_t(3 << 20)}) {
    std::string path = dir.path + "/f" + std::to_string(size), want = pattern(size);
    writeFile(path, want);
    INFO("size " << size);
    REQUIRE_FALSE(readInput(path, text));
    CHECK(text.size() == size);
    CHECK(text == want); // `text` is replaced, not appended to
  }
}

TEST_CASE("readInput: a missing file and a directory give the system's reason") {
  TempDir dir;
  std::string text;
  auto missing = readInput(dir.path + "/nope", text);
  REQUIRE(missing);
  CHECK(*missing == "No such file or directory");
  auto isDir = readInput(dir.path, text);
  REQUIRE(isDir);
  CHECK(*isDir == "Is a directory");
}

TEST_CASE("readInput reads a FIFO to its end, written in pieces larger and smaller than one read") {
  TempDir dir;
  std::string fifo = dir.path + "/fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string want = pattern(70000);
  IgnoreSigpipe quiet;
  bool wrote = false;
  std::thread writer([&] {
    int fd = ::open(fifo.c_str(), O_WRONLY);
    if (fd < 0)
      return;
    // A short piece, a pause (the reader sees a short read that is not the end), then the rest.
    wrote = writeAll(fd, want.substr(0, 100));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    wrote = wrote && writeAll(fd, want.substr(100));
    ::close(fd);
  });
  std::string text;
  auto err = readInput(fifo, text);
  writer.join();
  REQUIRE_FALSE(err);
  CHECK(wrote);
  CHECK(text.size() == want.size());
  CHECK(text == want);
}

TEST_CASE("readInput reads \"-\" from stdin, a pipe") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  int savedStdin = ::dup(STDIN_FILENO);
  REQUIRE(savedStdin >= 0);
  REQUIRE(::dup2(fds[0], STDIN_FILENO) == STDIN_FILENO);
  ::close(fds[0]);
  std::string want = pattern(40000);
  IgnoreSigpipe quiet;
  bool wrote = false;
  std::thread writer([&] {
    wrote = writeAll(fds[1], want.substr(0, 10));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    wrote = wrote && writeAll(fds[1], want.substr(10));
    ::close(fds[1]);
  });
  std::string text;
  auto err = readInput("-", text);
  writer.join();
  REQUIRE(::dup2(savedStdin, STDIN_FILENO) == STDIN_FILENO);
  ::close(savedStdin);
  REQUIRE_FALSE(err);
  CHECK(wrote);
  CHECK(text == want);
}

TEST_CASE("readInput reads on after a signal interrupts a read (EINTR)") {
  TempDir dir;
  std::string fifo = dir.path + "/fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // No SA_RESTART: a blocked read returns EINTR instead of resuming.
  struct sigaction sa {}, old {};
  sa.sa_handler = onSignal;
  sigemptyset(&sa.sa_mask);
  REQUIRE(::sigaction(SIGUSR1, &sa, &old) == 0);
  pthread_t reader = ::pthread_self();
  std::string want = "FROM busybox\nRUN true\n";
  IgnoreSigpipe quiet;
  bool wrote = false;
  std::thread writer([&] {
    int fd = ::open(fifo.c_str(), O_WRONLY);
    if (fd < 0)
      return;
    // The reader is blocked in its first read by now: nothing has been written.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ::pthread_kill(reader, SIGUSR1);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    wrote = writeAll(fd, want);
    ::close(fd);
  });
  std::string text;
  auto err = readInput(fifo, text);
  writer.join();
  ::sigaction(SIGUSR1, &old, nullptr);
  REQUIRE_FALSE(err); // not "Interrupted system call"
  CHECK(wrote);
  CHECK(text == want);
}
