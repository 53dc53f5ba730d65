// Shared by the registry integration tests: a docker-registry process on 127.0.0.1 in a temp dir,
// stopped with bounded waiting, plus small helpers for llvm::Error in Catch and running commands.
#pragma once

#include "backend/registry/Http.h"
#include "backend/store/Bootstrap.h"
#include "backend/store/Files.h"
#include "backend/store/ImageStore.h"

#include <catch2/catch.hpp>

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

namespace dfc::registry::test {

namespace store = dfc::store;

inline const char RegistryBinary[] = "/usr/bin/docker-registry";
inline const char SkopeoBinary[] = "/usr/bin/skopeo";

// Catch cannot test llvm::Error / Expected directly: these turn them into text ("" = success).
inline std::string errorText(llvm::Error e) { return e ? llvm::toString(std::move(e)) : std::string(); }
template <typename T> std::string errorText(llvm::Expected<T> v) {
  return v ? std::string() : llvm::toString(v.takeError());
}
template <typename T> T must(llvm::Expected<T> v, const std::string &what) {
  if (!v)
    FAIL(what << ": " << llvm::toString(v.takeError()));
  return std::move(*v);
}

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

// docker-registry on 127.0.0.1:<free port> with its storage in a temp dir; stopped (TERM, then KILL
// after 5 s) when the object goes away, and killed by the kernel if this test process dies first.
class RegistryServer {
public:
  explicit RegistryServer(bool basicAuth = false) {
    Port = freePort();
    std::string config = "version: 0.1\n"
                         "log:\n  level: error\n  accesslog:\n    disabled: true\n"
                         "storage:\n  filesystem:\n    rootdirectory: " +
                         Dir / "data" + "\n  delete:\n    enabled: true\n" +
                         "http:\n  addr: 127.0.0.1:" + std::to_string(Port) + "\n";
    if (basicAuth) {
      writeText(Dir / "htpasswd", htpasswdLine("alice", "wonderland"));
      config += "auth:\n  htpasswd:\n    realm: dfc-test\n    path: " + Dir / "htpasswd" + "\n";
    }
    writeText(Dir / "config.yml", config);
    std::string log = Dir / "registry.log";
    std::string cfg = Dir / "config.yml";
    pid_t parent = ::getpid();
    Pid = ::fork();
    REQUIRE(Pid >= 0);
    if (Pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent)
        ::_exit(127);
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execl(RegistryBinary, RegistryBinary, "serve", cfg.c_str(), static_cast<char *>(nullptr));
      ::_exit(127);
    }
    // Ready when /v2/ answers (200, or 401 with auth); give up after 20 s.
    HttpClient http;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      HttpRequest req;
      req.url = "http://" + host() + "/v2/";
      req.timeoutSeconds = 2;
      auto r = http.send(req);
      if (r && (r->status == 200 || r->status == 401)) {
        Ready = true;
        break;
      }
      if (!r)
        llvm::consumeError(r.takeError());
      int status;
      if (::waitpid(Pid, &status, WNOHANG) == Pid) {
        Pid = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    INFO("registry log: " << must(store::readFile(log), "read " + log));
    REQUIRE(Ready);
  }
  ~RegistryServer() {
    if (Pid <= 0)
      return;
    ::kill(Pid, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      int status;
      if (::waitpid(Pid, &status, WNOHANG) == Pid)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(Pid, SIGKILL);
    int status;
    ::waitpid(Pid, &status, 0);
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(Port); }
  // Where the filesystem driver keeps a blob's bytes (tests tamper with them).
  std::string blobFile(const store::Digest &d) const {
    return Dir / ("data/docker/registry/v2/blobs/sha256/" + d.hex().substr(0, 2).str() + "/" + d.hex().str() + "/data");
  }

private:
  TempDir Dir;
  int Port = 0;
  pid_t Pid = -1;
  bool Ready = false;
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
