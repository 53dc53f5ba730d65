// Unit tests for the registry client's pure parts: auth challenges, host rules, config.json
// credentials, URL resolution and the compressed-layer cache. No network.
#include "backend/registry/CompressedLayers.h"
#include "backend/registry/Credentials.h"
#include "backend/registry/Http.h"
#include "backend/registry/Login.h"
#include "backend/registry/RegistryClient.h"
#include "backend/store/Files.h"
#include "backend/store/Image.h"
#include "tests/support/CatchLlvm.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <sys/stat.h>

using namespace dfc::registry;
using dfc::test::errorText;
using dfc::test::must;
namespace store = dfc::store;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/dfc-registry-unit-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { llvm::consumeError(store::removeTree(path)); }
};
} // namespace

TEST_CASE("Bearer and Basic challenges parse like Docker Hub and docker-registry send them") {
  auto cs = parseChallenges(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull")");
  REQUIRE(cs.size() == 1);
  CHECK(cs[0].scheme == "bearer");
  CHECK(cs[0].params["realm"] == "https://auth.docker.io/token");
  CHECK(cs[0].params["service"] == "registry.docker.io");
  CHECK(cs[0].params["scope"] == "repository:library/alpine:pull");

  cs = parseChallenges(R"(Basic realm="dfc test")");
  REQUIRE(cs.size() == 1);
  CHECK(cs[0].scheme == "basic");
  CHECK(cs[0].params["realm"] == "dfc test");

  // Two schemes in one header, a quoted comma and an escaped quote.
  cs = parseChallenges(R"(Basic realm="a, b", Bearer realm="https://x/t",scope="q\"r")");
  REQUIRE(cs.size() == 2);
  CHECK(cs[0].params["realm"] == "a, b");
  CHECK(cs[1].scheme == "bearer");
  CHECK(cs[1].params["scope"] == "q\"r");

  CHECK(parseChallenges("").empty());
}

TEST_CASE("Registry hosts: Docker Hub maps to registry-1, loopback is insecure by default") {
  CHECK(registryHost("docker.io") == "registry-1.docker.io");
  CHECK(registryHost("index.docker.io") == "registry-1.docker.io");
  CHECK(registryHost("quay.io") == "quay.io");
  CHECK(registryHost("127.0.0.1:5000") == "127.0.0.1:5000");
  for (const char *h :
       {"localhost", "localhost:5000", "127.0.0.1", "127.0.0.1:5000", "127.1.2.3:80", "[::1]:5000"}) {
    INFO(h);
    CHECK(isLoopbackHost(h));
  }
  for (const char *h :
       {"registry-1.docker.io", "128.0.0.1:5000", "10.0.0.1", "localhost.example.com", "[::2]:5"}) {
    INFO(h);
    CHECK_FALSE(isLoopbackHost(h));
  }
  CHECK(repositoryScope("library/alpine", false) == "repository:library/alpine:pull");
  CHECK(repositoryScope("x", true) == "repository:x:pull,push");
}

TEST_CASE("base64 round trips and matches known encodings") {
  CHECK(base64Encode("user:pass") == "dXNlcjpwYXNz");
  CHECK(base64Encode("a") == "YQ==");
  CHECK(base64Encode("ab") == "YWI=");
  CHECK(base64Encode("") == "");
  for (const std::string &s :
       std::vector<std::string>{"", "a", "ab", "abc", "user:p@ss:word", std::string("\0\xff\x10", 3)}) {
    INFO(s);
    CHECK(must(base64Decode(base64Encode(s)), "decode") == s);
  }
  CHECK(errorText(base64Decode("a*b")) == "invalid base64 character");
}

TEST_CASE("config.json credentials: docker's format, keys, unknown fields kept, mode 0600") {
  TempDir dir;
  CredentialStore creds(dir.path + "/cfg");
  CHECK_FALSE(must(creds.get("127.0.0.1:5000"), "get"));

  REQUIRE(errorText(store::makeDirs(dir.path + "/cfg")) == "");
  REQUIRE(errorText(store::writeFileAtomic(
              creds.path(),
              R"({"auths":{"https://other.example:443/v2/":{"auth":"dTpw"}},"psFormat":"x",)"
              R"("insecure-registries":["http://reg.lan:5000"]})",
              dir.path)) == "");
  REQUIRE(errorText(creds.set("127.0.0.1:5000", {"alice", "s3cret:x"})) == "");
  REQUIRE(errorText(creds.set("docker.io", {"bob", "pw"})) == "");

  auto j = nlohmann::json::parse(must(store::readFile(creds.path()), "read config.json"));
  CHECK(j["psFormat"] == "x");
  CHECK(j["auths"]["127.0.0.1:5000"]["auth"] == base64Encode("alice:s3cret:x"));
  CHECK(j["auths"]["https://index.docker.io/v1/"]["auth"] == base64Encode("bob:pw"));
  struct stat st;
  REQUIRE(::stat(creds.path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  auto alice = must(creds.get("127.0.0.1:5000"), "get alice");
  REQUIRE(alice);
  CHECK(alice->username == "alice");
  CHECK(alice->password == "s3cret:x");
  // A key written with scheme and path still matches its host.
  auto other = must(creds.get("other.example:443"), "get other");
  REQUIRE(other);
  CHECK(other->username == "u");
  CHECK(must(creds.insecureRegistries(), "insecure") == std::vector<std::string>{"reg.lan:5000"});

  CHECK(must(creds.erase("127.0.0.1:5000"), "erase"));
  CHECK_FALSE(must(creds.erase("127.0.0.1:5000"), "erase again"));
  CHECK_FALSE(must(creds.get("127.0.0.1:5000"), "get erased"));
  auto hub = must(creds.get("docker.io"), "get hub");
  REQUIRE(hub);
  CHECK(hub->username == "bob");
}

TEST_CASE("Credential keys and login arguments name registries as docker does") {
  CHECK(credentialKey("docker.io") == "https://index.docker.io/v1/");
  CHECK(credentialKey("127.0.0.1:5000") == "127.0.0.1:5000");
  CHECK(loginDomain("") == "docker.io");
  CHECK(loginDomain("https://index.docker.io/v1/") == "docker.io");
  CHECK(loginDomain("registry-1.docker.io") == "docker.io");
  CHECK(loginDomain("http://127.0.0.1:5000/v2/") == "127.0.0.1:5000");
  CHECK(loginDomain("quay.io") == "quay.io");
}

TEST_CASE("Upload Locations resolve against the request URL") {
  CHECK(resolveUrl("http://h:5000/v2/x/blobs/uploads/", "/v2/x/blobs/uploads/u1?_state=s") ==
        "http://h:5000/v2/x/blobs/uploads/u1?_state=s");
  CHECK(resolveUrl("http://h:5000/v2/x/", "https://cdn/y") == "https://cdn/y");
  CHECK(resolveUrl("http://h/v2/x/blobs/uploads/?a=b", "u2") == "http://h/v2/x/blobs/uploads/u2");
}

TEST_CASE("Layer media types map to compressions") {
  CHECK(layerCompression(store::mediatype::DockerLayerGzip) == store::Compression::Gzip);
  CHECK(layerCompression(store::mediatype::OciLayerGzip) == store::Compression::Gzip);
  CHECK(layerCompression(store::mediatype::OciLayerZstd) == store::Compression::Zstd);
  CHECK(layerCompression(store::mediatype::OciLayer) == store::Compression::None);
  CHECK(layerCompression(store::mediatype::DockerLayer) == store::Compression::None);
  CHECK_FALSE(layerCompression("application/octet-stream"));
}

TEST_CASE("CompressedLayers remembers compressed digests and their repositories") {
  TempDir dir;
  REQUIRE(errorText(store::makeDirs(dir.path + "/tmp")) == "");
  CompressedLayers known(dir.path);
  store::Digest diff = store::Digest::ofBytes("layer");
  store::Digest gz = store::Digest::ofBytes("layer.gz");
  CHECK_FALSE(known.find(diff, store::Compression::Gzip));
  known.record(diff, {gz, 42, store::mediatype::DockerLayerGzip, {}}, "127.0.0.1:5000/a");
  known.record(diff, {gz, 42, store::mediatype::DockerLayerGzip, {}}, "127.0.0.1:5000/b");
  known.record(diff, {gz, 42, store::mediatype::DockerLayerGzip, {}}, "127.0.0.1:5000/a");
  auto found = known.find(diff, store::Compression::Gzip);
  REQUIRE(found);
  CHECK(found->digest == gz);
  CHECK(found->size == 42);
  CHECK(found->repositories == std::vector<std::string>{"127.0.0.1:5000/a", "127.0.0.1:5000/b"});
  CHECK_FALSE(known.find(diff, store::Compression::Zstd));
  // A corrupt cache file is "nothing known".
  REQUIRE(errorText(store::writeFileAtomic(dir.path + "/registry/layers/" + diff.hex().str() + ".json",
                                           "{not json", dir.path + "/tmp")) == "");
  CHECK_FALSE(known.find(diff, store::Compression::Gzip));
}
