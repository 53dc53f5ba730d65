// Shared by the registry integration tests: a docker-registry process on 127.0.0.1 in a temp dir,
// stopped with bounded waiting, plus small helpers for llvm::Error in Catch and running commands.
#pragma once

#include "backend/registry/Http.h"
#include "backend/store/Bootstrap.h"
#include "backend/store/Files.h"
#include "backend/store/ImageStore.h"
#include "tests/support/CatchLlvm.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <crypt.h>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace dfc::registry::test {

namespace store = dfc::store;

inline const char RegistryBinary[] = "/usr/bin/docker-registry";
inline const char SkopeoBinary[] = "/usr/bin/skopeo";

using dfc::test::errorText;
using dfc::test::must;

inline bool executable(const char *path) { return ::access(path, X_OK) == 0; }

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/dfc-registry-it-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { llvm::consumeError(store::removeTree(path)); }
  std::string operator/(llvm::StringRef rel) const { return path + "/" + rel.str(); }
};

inline void writeText(const std::string &path, const std::string &text) {
  FILE *f = std::fopen(path.c_str(), "w");
  REQUIRE(f);
  REQUIRE(std::fwrite(text.data(), 1, text.size(), f) == text.size());
  std::fclose(f);
}

inline int freePort() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(s >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(s, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(s, reinterpret_cast<sockaddr *>(&a), &len) == 0);
  ::close(s);
  return ntohs(a.sin_port);
}

// A bcrypt htpasswd line, the only hash docker-registry accepts.
inline std::string htpasswdLine(const std::string &user, const std::string &password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  REQUIRE(::crypt_gensalt_rn("$2y$", 5, nullptr, 0, salt, sizeof salt) != nullptr);
  struct crypt_data data {};
  const char *hash = ::crypt_r(password.c_str(), salt, &data);
  REQUIRE(hash != nullptr);
  REQUIRE(llvm::StringRef(hash).startswith("$2y$"));
  return user + ":" + hash + "\n";
}

// Starts argv[0] with stdout+stderr to `log`; the kernel kills it if this test process dies first.
inline pid_t spawnLogged(const std::vector<std::string> &argv, const std::string &log) {
  std::vector<char *> args;
  args.reserve(argv.size() + 1);
  for (const std::string &a : argv)
    args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

// TERM, then KILL after 5 s.
inline void stopChild(pid_t pid) {
  if (pid <= 0)
    return;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    int status;
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  int status;
  ::waitpid(pid, &status, 0);
}

// Polls `url` until it answers with one of `statuses` (true), the child exits or 20 s pass (false).
inline bool waitForHttp(const std::string &url, std::initializer_list<long> statuses, pid_t &child) {
  HttpClient http;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    HttpRequest req;
    req.url = url;
    req.timeoutSeconds = 2;
    auto r = http.send(req);
    if (r && std::find(statuses.begin(), statuses.end(), r->status) != statuses.end())
      return true;
    if (!r)
      llvm::consumeError(r.takeError());
    int status;
    if (::waitpid(child, &status, WNOHANG) == child) {
      child = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// What docker-registry's `auth: token:` section names: a token server and the certificate that
// signs its tokens.
struct TokenAuth {
  std::string realm;
  std::string service;
  std::string issuer;
  std::string rootCertBundle;
};

// docker-registry on 127.0.0.1:<free port> with its storage in a temp dir; stopped (TERM, then KILL
// after 5 s) when the object goes away, and killed by the kernel if this test process dies first.
class RegistryServer {
public:
  explicit RegistryServer(bool basicAuth = false) {
    std::string auth;
    if (basicAuth) {
      writeText(Dir / "htpasswd", htpasswdLine("alice", "wonderland"));
      auth = "auth:\n  htpasswd:\n    realm: dfc-test\n    path: " + Dir / "htpasswd" + "\n";
    }
    start(auth);
  }
  explicit RegistryServer(const TokenAuth &t) {
    start("auth:\n  token:\n    realm: " + t.realm + "\n    service: " + t.service +
          "\n    issuer: " + t.issuer + "\n    rootcertbundle: " + t.rootCertBundle + "\n");
  }
  ~RegistryServer() { stopChild(Pid); }
  std::string host() const { return "127.0.0.1:" + std::to_string(Port); }
  // Where the filesystem driver keeps a blob's bytes (tests tamper with them).
  std::string blobFile(const store::Digest &d) const {
    return Dir / ("data/docker/registry/v2/blobs/sha256/" + d.hex().substr(0, 2).str() + "/" + d.hex().str() +
                  "/data");
  }

private:
  void start(const std::string &auth) {
    Port = freePort();
    std::string config = "version: 0.1\n"
                         "log:\n  level: error\n  accesslog:\n    disabled: true\n"
                         "storage:\n  filesystem:\n    rootdirectory: " +
                         Dir / "data" + "\n  delete:\n    enabled: true\n" +
                         "http:\n  addr: 127.0.0.1:" + std::to_string(Port) + "\n" + auth;
    writeText(Dir / "config.yml", config);
    std::string log = Dir / "registry.log";
    Pid = spawnLogged({RegistryBinary, "serve", Dir / "config.yml"}, log);
    // Ready when /v2/ answers (200, or 401 with auth).
    bool ready = waitForHttp("http://" + host() + "/v2/", {200, 401}, Pid);
    INFO("registry log: " << must(store::readFile(log), "read " + log));
    REQUIRE(ready);
  }

  TempDir Dir;
  int Port = 0;
  pid_t Pid = -1;
};

inline bool haveRegistry() {
  if (executable(RegistryBinary))
    return true;
  WARN("SKIPPED: " << RegistryBinary << " is missing (apt-get install docker-registry)");
  return false;
}

inline std::unique_ptr<store::ImageStore> openStore(const std::string &root) {
  auto s = store::ImageStore::open(root);
  if (!s)
    FAIL("opening store " << root << ": " << llvm::toString(s.takeError()));
  return std::move(*s);
}

// A store with the busybox bootstrap image tagged busybox:latest.
inline std::unique_ptr<store::ImageStore> busyboxStore(const std::string &root, store::ResolvedImage &image) {
  auto s = openStore(root);
  auto img = store::bootstrapBusybox(*s, "busybox:latest");
  if (!img)
    FAIL("bootstrapBusybox: " << llvm::toString(img.takeError()));
  image = *img;
  return s;
}

// Runs a command under a time limit; stdout+stderr come back in `output`.
inline int run(const std::string &cmd, std::string &output) {
  output.clear();
  FILE *p = ::popen(("timeout 120 " + cmd + " 2>&1").c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
    output.append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline bool exists(const std::string &path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

} // namespace dfc::registry::test
