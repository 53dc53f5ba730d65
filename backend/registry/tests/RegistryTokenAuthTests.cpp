// Bearer token auth end to end: docker-registry with `auth: token:` trusts only JWTs signed by
// token_server.py (a real token server: Basic credentials in, RS256 JWT with x5c out, only the
// actions each user may have), and every registry command runs through the dfc binary.
#include "backend/registry/tests/RegistryServer.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <set>

using namespace dfc::registry::test;
using nlohmann::json;

namespace {

// Debian's python3, not whatever python3 PATH finds: python3-cryptography is installed for it.
const char Python[] = "/usr/bin/python3";
const char Issuer[] = "dfc-test-issuer";
const char Service[] = "dfc-test-registry";

bool haveTokenServer() {
  std::string out;
  if (executable(Python) && run(std::string(Python) + " -c 'import cryptography'", out) == 0)
    return true;
  WARN("SKIPPED: " << Python
                   << " cannot import cryptography (apt-get install python3-cryptography): " << out);
  return false;
}

// token_server.py on 127.0.0.1:<free port>; it writes root.crt, then listens.
class TokenServer {
public:
  TokenServer() {
    Port = freePort();
    std::string log = Dir / "server.log";
    Pid = spawnLogged({Python, DFC_TOKEN_SERVER, std::to_string(Port), Dir.path, Issuer, Service}, log);
    bool ready = waitForHttp(realm() + "?service=" + Service, {200}, Pid);
    INFO("token server log: " << must(dfc::store::readFile(log), "read " + log));
    REQUIRE(ready);
  }
  ~TokenServer() { stopChild(Pid); }
  std::string realm() const { return "http://127.0.0.1:" + std::to_string(Port) + "/token"; }
  TokenAuth auth() const { return {realm(), Service, Issuer, Dir / "root.crt"}; }
  // Every token request so far, oldest first: {"user", "scopes", "granted", "status"}.
  std::vector<json> requests() const {
    std::vector<json> out;
    std::string text = must(dfc::store::readFile(Dir / "requests.log"), "requests.log");
    llvm::SmallVector<llvm::StringRef, 16> lines;
    llvm::StringRef(text).split(lines, '\n', -1, false);
    for (llvm::StringRef line : lines)
      out.push_back(json::parse(line.str()));
    return out;
  }
  // The requests made since the last call.
  std::vector<json> newRequests() {
    std::vector<json> all = requests();
    std::vector<json> fresh(all.begin() + long(Seen), all.end());
    Seen = all.size();
    return fresh;
  }

private:
  TempDir Dir;
  int Port = 0;
  pid_t Pid = -1;
  size_t Seen = 0;
};

int runDfc(const std::string &root, const std::string &config, const std::string &args, std::string &out) {
  return run("env DFC_ROOT=" + root + " DFC_CONFIG=" + config + " " DFC_BINARY " " + args, out);
}

std::string describe(const std::vector<json> &requests) {
  std::string s;
  for (const json &r : requests)
    s += r.dump() + "\n";
  return s;
}

// Each scope set is asked for once in one dfc process: tokens are reused per scope.
void checkOneTokenPerScope(const std::vector<json> &requests) {
  std::set<std::string> seen;
  for (const json &r : requests) {
    INFO("token requests:\n" << describe(requests));
    CHECK(seen.insert(r["scopes"].dump()).second);
  }
}

bool asked(const std::vector<json> &requests, const std::string &user, const std::string &scope) {
  for (const json &r : requests)
    if (r["user"] == user && r["scopes"] == json::array({scope}) && r["status"] == 200)
      return true;
  return false;
}

} // namespace

TEST_CASE("dfc push, login, pull and logout against a registry with Bearer token auth", "[integration]") {
  if (!haveRegistry() || !haveTokenServer())
    return;
  TokenServer tokens;
  RegistryServer registry(tokens.auth());
  TempDir dir;
  std::string alice = dir / "alice", bob = dir / "bob"; // config dirs
  std::string a = dir / "a", b = dir / "b", c = dir / "c", d = dir / "d";
  std::string host = registry.host();
  std::string dest = host + "/private/bb:1";
  std::string out;
  tokens.newRequests();

  INFO("dfc bootstrap");
  REQUIRE(runDfc(a, alice, "bootstrap busybox", out) == 0);

  {
    INFO("push without login: " << out);
    CHECK(runDfc(a, alice, "push busybox " + dest, out) == 1);
    CHECK_THAT(out, Catch::Contains("authentication required"));
    CHECK_THAT(out, Catch::Contains("dfc login " + host));
    // The registry sent dfc to the token server, which gave an anonymous token without push.
    auto reqs = tokens.newRequests();
    INFO("token requests:\n" << describe(reqs));
    bool anonymous = false;
    for (const json &r : reqs)
      anonymous |= r["user"].is_null() && r["status"] == 200;
    CHECK(anonymous);
  }
  {
    INFO("login with a wrong password: " << out);
    CHECK(runDfc(a, alice, "login -u alice -p nope " + host, out) == 1);
    CHECK_THAT(out, Catch::Contains("incorrect username or password"));
    CHECK_FALSE(exists(alice + "/config.json"));
    auto reqs = tokens.newRequests();
    INFO("token requests:\n" << describe(reqs));
    REQUIRE(reqs.size() == 1);
    CHECK(reqs[0]["status"] == 401);
  }
  {
    INFO("login: " << out);
    REQUIRE(run("printf 'wonderland\\n' | env DFC_CONFIG=" + alice +
                    " " DFC_BINARY " login -u alice --password-stdin " + host,
                out) == 0);
    CHECK_THAT(out, Catch::Contains("Login Succeeded"));
    auto reqs = tokens.newRequests();
    INFO("token requests:\n" << describe(reqs));
    REQUIRE(reqs.size() == 1);
    CHECK(reqs[0]["user"] == "alice");
    CHECK(reqs[0]["scopes"] == json::array()); // GET /v2/ names no scope
  }
  std::string digest;
  {
    INFO("push: " << out);
    REQUIRE(runDfc(a, alice, "push busybox " + dest, out) == 0);
    CHECK_THAT(out, Catch::Contains(": Pushed"));
    size_t at = out.find("1: digest: sha256:");
    REQUIRE(at != std::string::npos);
    digest = out.substr(at + 11, 71);
    auto reqs = tokens.newRequests();
    checkOneTokenPerScope(reqs);
    INFO("token requests:\n" << describe(reqs));
    CHECK(asked(reqs, "alice", "repository:private/bb:pull"));
    CHECK(asked(reqs, "alice", "repository:private/bb:pull,push")); // a new scope, a new token
  }
  {
    INFO("pull into a fresh store: " << out);
    REQUIRE(runDfc(b, alice, "pull " + dest, out) == 0);
    CHECK_THAT(out, Catch::Contains("Digest: " + digest));
    CHECK_THAT(out, Catch::Contains("Status: Downloaded newer image for " + dest));
    auto reqs = tokens.newRequests();
    INFO("token requests:\n" << describe(reqs));
    CHECK(reqs.size() == 1); // manifest, config and layer share the pull token
    CHECK(asked(reqs, "alice", "repository:private/bb:pull"));
  }
  {
    INFO("a pull-only user (whose token server answers with access_token) pulls but cannot push: " << out);
    REQUIRE(runDfc(c, bob, "login -u bob -p builder " + host, out) == 0);
    REQUIRE(runDfc(c, bob, "pull " + dest, out) == 0);
    CHECK_THAT(out, Catch::Contains("Digest: " + digest));
    CHECK(runDfc(a, bob, "push busybox " + host + "/private/bb:2", out) == 1);
    CHECK_THAT(out, Catch::Contains("denied"));
    CHECK_THAT(out, Catch::Contains("bob"));
    // The registry's challenge lists the actions in Go map order: "pull,push" or "push,pull".
    CHECK_THAT(out, Catch::Contains("did not grant bob repository:private/bb:pull,push") ||
                        Catch::Contains("did not grant bob repository:private/bb:push,pull"));
    CHECK_THAT(out, !Catch::Contains("dfc login")); // logging in again would not help
    auto reqs = tokens.newRequests();
    INFO("token requests:\n" << describe(reqs));
    CHECK(asked(reqs, "bob", "repository:private/bb:pull,push"));
    CHECK(runDfc(d, alice, "pull " + host + "/private/bb:2", out) == 1);
    CHECK_THAT(out, Catch::Contains("not found"));
  }
  {
    INFO("push to a public repository (blob mounted from the private one): " << out);
    REQUIRE(runDfc(a, alice, "push busybox " + host + "/public/bb:1", out) == 0);
    checkOneTokenPerScope(tokens.newRequests());
  }
  {
    INFO("logout, then the private repository is closed and the public one open: " << out);
    REQUIRE(runDfc(a, alice, "logout " + host, out) == 0);
    CHECK_FALSE(
        nlohmann::json::parse(must(dfc::store::readFile(alice + "/config.json"), "config.json"))["auths"]
            .contains(host));
    CHECK(runDfc(d, alice, "pull " + dest, out) == 1);
    CHECK_THAT(out, Catch::Contains("authentication required"));
    CHECK_THAT(out, Catch::Contains("dfc login " + host));
    REQUIRE(runDfc(d, alice, "pull " + host + "/public/bb:1", out) == 0);
    CHECK_THAT(out, Catch::Contains("Digest: " + digest));
    auto reqs = tokens.newRequests();
    INFO("token requests:\n" << describe(reqs));
    for (const json &r : reqs)
      CHECK(r["user"].is_null());
  }
}
