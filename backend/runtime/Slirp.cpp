// slirp4netns as a child: --configure sets tap0 up inside the namespace, --ready-fd says when, and
// --exit-fd ends it when our end of the pipe closes (with us, if we die first).
#include "backend/runtime/Slirp.h"

#include <llvm/ADT/Twine.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace dfc::runtime {

std::string slirpBinary() {
  for (const char *p : {"/usr/bin/slirp4netns", "/usr/local/bin/slirp4netns"})
    if (::access(p, X_OK) == 0)
      return p;
  return "";
}

Slirp::Slirp(Slirp &&o) noexcept : Pid(std::exchange(o.Pid, -1)), ExitWrite(std::exchange(o.ExitWrite, -1)) {}

Slirp &Slirp::operator=(Slirp &&o) noexcept {
  if (this != &o) {
    end();
    Pid = std::exchange(o.Pid, -1);
    ExitWrite = std::exchange(o.ExitWrite, -1);
  }
  return *this;
}

llvm::Expected<Slirp> Slirp::attach(const std::string &target, bool byPath) {
  Slirp s;
  std::string bin = slirpBinary();
  if (bin.empty())
    return s;
  auto fail = [](const llvm::Twine &what) {
    return llvm::createStringError(std::errc::io_error, "%s", what.str().c_str());
  };
  int ready[2], exitPipe[2];
  if (::pipe2(ready, O_CLOEXEC) != 0)
    return fail(llvm::Twine("pipe: ") + std::strerror(errno));
  if (::pipe2(exitPipe, O_CLOEXEC) != 0) {
    ::close(ready[0]);
    ::close(ready[1]);
    return fail(llvm::Twine("pipe: ") + std::strerror(errno));
  }
  std::vector<std::string> args = {bin, "--configure", "--mtu=65520", "--disable-host-loopback",
                                   "--ready-fd=3", "--exit-fd=4"};
  if (byPath)
    args.push_back("--netns-type=path");
  args.push_back(target);
  args.push_back("tap0");
  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid(); // keeps a terminal's Ctrl-C for the container, not for its network
    // Out of the way first: a pipe end that already is fd 3 or 4 would be overwritten (or keep
    // its close-on-exec flag) by the dup2 below.
    int readyFd = ::fcntl(ready[1], F_DUPFD, 10), exitFd = ::fcntl(exitPipe[0], F_DUPFD, 10);
    ::dup2(readyFd, 3);
    ::dup2(exitFd, 4);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(ready[1]);
  ::close(exitPipe[0]);
  if (pid < 0) {
    ::close(ready[0]);
    ::close(exitPipe[1]);
    return fail(llvm::Twine("fork: ") + std::strerror(errno));
  }
  char c;
  ssize_t got;
  do
    got = ::read(ready[0], &c, 1);
  while (got < 0 && errno == EINTR);
  ::close(ready[0]);
  s.Pid = pid;
  s.ExitWrite = exitPipe[1];
  if (got != 1) {
    s.end();
    return fail("slirp4netns did not start");
  }
  return s;
}

void Slirp::end() {
  if (ExitWrite >= 0)
    ::close(std::exchange(ExitWrite, -1));
  if (Pid > 0) {
    int status;
    for (int i = 0; i < 100 && ::waitpid(Pid, &status, WNOHANG) == 0; ++i)
      ::usleep(2000);
    if (::waitpid(Pid, &status, WNOHANG) == 0) {
      ::kill(Pid, SIGKILL);
      ::waitpid(Pid, &status, 0);
    }
    Pid = -1;
  }
}

} // namespace dfc::runtime
