// ADD <url> against a real HTTP server on 127.0.0.1 (python3's http.server): Docker's naming,
// mode and mtime, no unpacking, conditional revalidation on warm builds, --checksum keys (no
// request on a warm build) and checksum mismatches reported at the instruction.
#include "backend/build/Download.h"
#include "backend/build/tests/BuildFixture.h"

#include <csignal>
#include <cstdio>
#include <sys/wait.h>
#include <utime.h>

using namespace dfc;
using namespace dfc::build;
using namespace dfc::build::testing;

namespace {

// python3 -m http.server's handler on an ephemeral port, serving `dir`; its request log (one
// line per request, with the status) goes to `log`.
class HttpServer {
public:
  HttpServer(const std::string &dir, const std::string &log) {
    if (::access("/usr/bin/python3", X_OK) != 0)
      return;
    int out[2];
    REQUIRE(::pipe(out) == 0);
    Pid = ::fork();
    REQUIRE(Pid >= 0);
    if (Pid == 0) {
      ::dup2(out[1], 1);
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 2);
      ::close(out[0]);
      const char *script = "import functools, http.server, sys\n"
                           "h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])\n"
                           "s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), h)\n"
                           "print(s.server_address[1], flush=True)\n"
                           "s.serve_forever()\n";
      ::execl("/usr/bin/python3", "python3", "-c", script, dir.c_str(), (char *)nullptr);
      ::_exit(127);
    }
    ::close(out[1]);
    char buf[32] = {};
    ssize_t n = ::read(out[0], buf, sizeof buf - 1);
    // Kept open while the server runs: a write to a closed pipe would kill it (EPIPE).
    Out = out[0];
    if (n > 0)
      Port = std::atoi(buf);
  }
  ~HttpServer() {
    if (Pid > 0) {
      ::kill(Pid, SIGTERM);
      ::waitpid(Pid, nullptr, 0);
    }
    if (Out >= 0)
      ::close(Out);
  }
  bool running() const { return Port > 0; }
  std::string url(const std::string &path) const { return "http://127.0.0.1:" + std::to_string(Port) + path; }

private:
  pid_t Pid = -1;
  int Port = 0;
  int Out = -1;
};

// Requests the server logged with this status ("200", "304") for this path.
int requests(const std::string &log, const std::string &path, const std::string &status) {
  auto text = store::readFile(log);
  if (!text) {
    llvm::consumeError(text.takeError());
    return 0;
  }
  int n = 0;
  llvm::SmallVector<llvm::StringRef, 16> lines;
  llvm::StringRef(*text).split(lines, '\n');
  for (llvm::StringRef l : lines)
    if (l.contains("\"GET " + path + " HTTP/1.1\" " + status + " "))
      ++n;
  return n;
}

void serve(const std::string &file, const std::string &text, time_t mtime) {
  REQUIRE(noError(store::makeDirs(llvm::StringRef(file).rsplit('/').first)));
  FILE *f = std::fopen(file.c_str(), "w");
  REQUIRE(f);
  std::fputs(text.c_str(), f);
  std::fclose(f);
  struct utimbuf t = {mtime, mtime};
  REQUIRE(::utime(file.c_str(), &t) == 0);
}

#define REQUIRE_SERVER(s)                                                                                         \
  do {                                                                                                            \
    if (!(s).running()) {                                                                                         \
      WARN("SKIPPED: ADD <url> tests need /usr/bin/python3 for a local HTTP server");                            \
      return;                                                                                                     \
    }                                                                                                             \
  } while (0)

} // namespace

TEST_CASE("ADD <url> names, modes and dates the file as Docker does and never unpacks it", "[build][integration][addurl]") {
  REQUIRE_BUILDER();
  BuildFixture f;
  std::string www = f.dir + "/www";
  serve(www + "/files/hello.txt", "hello over http\n", 1000000000);
  REQUIRE(std::system(("mkdir -p " + f.dir + "/t/pkg && echo packed > " + f.dir + "/t/pkg/file && tar -C " + f.dir +
                       "/t -czf " + www + "/pkg.tar.gz pkg")
                          .c_str()) == 0);
  HttpServer server(www, f.dir + "/http.log");
  REQUIRE_SERVER(server);
  BuildResult r = f.mustBuild("FROM busybox\n"
                              "ADD " + server.url("/files/hello.txt") + " /dl/\n"
                              "ADD " + server.url("/files/hello.txt?v=1") + " /named\n"
                              "ADD --chmod=644 " + server.url("/pkg.tar.gz") + " /archives/\n");
  struct stat st;
  CHECK(f.readFromImage(r.image, "/dl/hello.txt", &st) == "hello over http\n");
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(st.st_mtime == 1000000000); // Last-Modified
  CHECK(f.readFromImage(r.image, "/named", &st) == "hello over http\n");
  CHECK(S_ISREG(st.st_mode));
  CHECK(f.readFromImage(r.image, "/archives/pkg.tar.gz", &st) != "<missing>");
  CHECK(S_ISREG(st.st_mode));
  CHECK((st.st_mode & 07777) == 0644);
  CHECK(f.readFromImage(r.image, "/archives/pkg/file") == "<missing>");
  CHECK(urlFilename("http://h/") == "__unnamed__");
  CHECK(urlFilename("https://h/a/b.tgz?x=1#y") == "b.tgz");
}

TEST_CASE("ADD <url> without a checksum revalidates; with one a warm build sends nothing", "[build][integration][addurl]") {
  REQUIRE_BUILDER();
  BuildFixture f;
  std::string www = f.dir + "/www", log = f.dir + "/http.log";
  serve(www + "/v.txt", "one\n", 1000000000);
  HttpServer server(www, log);
  REQUIRE_SERVER(server);
  std::string df = "FROM busybox\nADD " + server.url("/v.txt") + " /v.txt\nRUN cat /v.txt > /seen\n";
  BuildResult cold = f.mustBuild(df);
  CHECK(f.readFromImage(cold.image, "/seen") == "one\n");
  CHECK(requests(log, "/v.txt", "200") == 1);

  // Warm: one conditional request, answered 304, and every step hits.
  CHECK(cachedFlags(f.mustBuild(df)) == std::vector<bool>{true, true});
  CHECK(requests(log, "/v.txt", "200") == 1);
  CHECK(requests(log, "/v.txt", "304") == 1);

  // The remote file changes: the ADD misses and says why.
  serve(www + "/v.txt", "two\n", 1100000000);
  BuildResult changed = f.mustBuild(df);
  CHECK(cachedFlags(changed) == std::vector<bool>{false, false});
  CHECK(changed.steps[0].reason == "file changed: " + server.url("/v.txt"));
  CHECK(f.readFromImage(changed.image, "/seen") == "two\n");

  // --checksum: the key is the checksum, so a warm build does not ask the server at all.
  std::string sum = store::Digest::ofBytes("two\n").str();
  std::string pinned = "FROM busybox\nADD --checksum=" + sum + " " + server.url("/v.txt") + " /pinned\n";
  BuildResult p = f.mustBuild(pinned);
  CHECK(f.readFromImage(p.image, "/pinned") == "two\n");
  auto before = store::readFile(log);
  REQUIRE(bool(before));
  CHECK(cachedFlags(f.mustBuild(pinned)) == std::vector<bool>{true});
  auto after = store::readFile(log);
  REQUIRE(bool(after));
  CHECK(*after == *before);
}

TEST_CASE("ADD --checksum mismatch and unreachable URLs fail at the instruction", "[build][integration][addurl]") {
  REQUIRE_BUILDER();
  BuildFixture f;
  std::string www = f.dir + "/www";
  serve(www + "/x.txt", "x\n", 1000000000);
  HttpServer server(www, f.dir + "/http.log");
  REQUIRE_SERVER(server);
  std::string wrong = store::Digest::ofBytes("not x\n").str();
  auto r = f.build("FROM busybox\nRUN true\nADD --checksum=" + wrong + " " + server.url("/x.txt") + " /x\n");
  REQUIRE_FALSE(bool(r));
  std::string text = errorText(r.takeError());
  CHECK(llvm::StringRef(text).startswith("Dockerfile:3:1: "));
  CHECK(text.find("checksum mismatch for " + server.url("/x.txt") + ": expected " + wrong + ", got " +
                  store::Digest::ofBytes("x\n").str()) != std::string::npos);

  auto missing = f.build("FROM busybox\nADD " + server.url("/nope.txt") + " /x\n");
  REQUIRE_FALSE(bool(missing));
  text = errorText(missing.takeError());
  CHECK(llvm::StringRef(text).startswith("Dockerfile:2:1: "));
  CHECK(text.find("HTTP status 404") != std::string::npos);

  auto local = f.build("FROM busybox\nADD --checksum=" + wrong + " Dockerfile /x\n");
  REQUIRE_FALSE(bool(local));
  CHECK(errorText(local.takeError()) == "Dockerfile:2:1: checksum can't be specified for non-HTTP(S) sources");
}
