// Integration tests against Debian's docker-registry started on 127.0.0.1 (never another host):
// push/pull round trips between fresh stores, skopeo on the other end, Basic auth, and indexes.
#include "backend/registry/Login.h"
#include "backend/registry/Pull.h"
#include "backend/registry/Push.h"
#include "backend/registry/RegistryClient.h"
#include "backend/registry/tests/RegistryServer.h"
#include "backend/store/Bootstrap.h"
#include "backend/store/Files.h"
#include "backend/store/ImageStore.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace dfc::registry;
namespace store = dfc::store;
using nlohmann::json;

namespace {

using namespace dfc::registry::test;

RegistryOptions isolated(const TempDir &dir) {
  RegistryOptions o;
  o.configDir = dir / "docker-config"; // never the user's own credentials
  return o;
}

} // namespace

TEST_CASE("push to docker-registry, pull into a fresh store: same image, layers skipped and mounted",
          "[integration]") {
  if (!haveRegistry())
    return;
  RegistryServer registry;
  TempDir dir;
  store::ResolvedImage busybox;
  auto a = busyboxStore(dir / "a", busybox);
  std::string dest = registry.host() + "/dfc/busybox:1";

  PushOptions push;
  push.registry = isolated(dir);
  std::vector<std::string> lines;
  push.progress = [&](llvm::StringRef l) { lines.push_back(l.str()); };
  PushResult first = must(pushImage(*a, "busybox", dest, push), "push " + dest);
  CHECK(first.blobsUploaded == 2); // one layer + config
  CHECK(first.blobsSkipped == 0);
  CHECK(first.manifestMediaType == store::mediatype::DockerManifest);
  CHECK(lines.front() == "The push refers to repository [" + registry.host() + "/dfc/busybox]");
  CHECK(lines.back() ==
        "1: digest: " + first.manifestDigest.str() + " size: " + std::to_string(first.manifestSize));

  // The second push only asks (HEAD) and compresses nothing: the cache knows the gzip digest.
  PushResult again = must(pushImage(*a, "busybox", dest, push), "second push " + dest);
  CHECK(again.blobsUploaded == 0);
  CHECK(again.blobsSkipped == 2);
  CHECK(again.manifestDigest == first.manifestDigest);

  // Another repository on the same registry: the layer is mounted, not uploaded again.
  PushResult other = must(pushImage(*a, "busybox", registry.host() + "/other/bb:x", push), "push other");
  CHECK(other.blobsMounted == 1);
  CHECK(other.blobsUploaded == 1); // the config
  CHECK(other.manifestDigest == first.manifestDigest);

  // Pull into a store that has never seen the image.
  auto b = openStore(dir / "b");
  PullOptions pull;
  pull.registry = isolated(dir);
  PullResult pulled = must(pullImage(*b, dest, pull), "pull " + dest);
  CHECK(pulled.manifestDigest == first.manifestDigest);
  CHECK(pulled.image.id == busybox.id);
  CHECK(pulled.image.spec.diffIds == busybox.spec.diffIds);
  CHECK(pulled.layersFetched == 1);
  auto resolved = must(b->resolve(dest), "resolve " + dest);
  CHECK(resolved.id == busybox.id);
  std::string snap = must(b->snapshotDir(busybox.spec.diffIds.at(0)), "snapshot");
  CHECK(exists(snap + "/bin/busybox"));
  CHECK(exists(snap + "/bin/sh"));
  CHECK(exists(snap + "/etc/passwd"));
  auto check = must(b->check(), "check");
  CHECK(check.ok());

  // Pulling again downloads no layer.
  PullResult twice = must(pullImage(*b, dest, pull), "second pull");
  CHECK(twice.layersFetched == 0);
  CHECK(twice.layersPresent == 1);

  // By digest: no tag is recorded, the same image comes back.
  auto c = openStore(dir / "c");
  std::string byDigest = registry.host() + "/dfc/busybox@" + first.manifestDigest.str();
  PullResult pinned = must(pullImage(*c, byDigest, pull), "pull " + byDigest);
  CHECK(pinned.image.id == busybox.id);
  auto tags = must(c->list(), "list");
  REQUIRE(tags.size() == 1);
  CHECK(tags[0].repository == "<none>");

  SECTION("skopeo sees what dfc pushed") {
    if (!executable(SkopeoBinary)) {
      WARN("SKIPPED: skopeo is missing");
      return;
    }
    std::string out;
    int rc = run(std::string(SkopeoBinary) + " inspect --tls-verify=false docker://" + dest, out);
    INFO(out);
    REQUIRE(rc == 0);
    json j = json::parse(out);
    CHECK(j["Digest"] == first.manifestDigest.str());
    REQUIRE(j["Layers"].size() == 1);
    rc = run(std::string(SkopeoBinary) + " inspect --raw --tls-verify=false docker://" + dest, out);
    REQUIRE(rc == 0);
    CHECK(store::Digest::ofBytes(out) == first.manifestDigest);
    rc = run(std::string(SkopeoBinary) + " inspect --config --raw --tls-verify=false docker://" + dest, out);
    REQUIRE(rc == 0);
    CHECK(store::Digest::ofBytes(out) == busybox.id);
  }
}

TEST_CASE("OCI manifests with zstd layers in chunked uploads round trip", "[integration]") {
  if (!haveRegistry())
    return;
  RegistryServer registry;
  TempDir dir;
  store::ResolvedImage busybox;
  auto a = busyboxStore(dir / "a", busybox);
  std::string dest = registry.host() + "/dfc/oci:zstd";
  PushOptions push;
  push.registry = isolated(dir);
  push.format = ManifestFormat::Oci;
  push.compression = store::Compression::Zstd;
  push.chunkSize = 100 * 1024; // busybox compresses to ~1 MB: several PATCHes
  PushResult pushed = must(pushImage(*a, "busybox", dest, push), "push " + dest);
  CHECK(pushed.manifestMediaType == store::mediatype::OciManifest);

  auto client = must(RegistryClient::connect(registry.host(), isolated(dir)), "connect");
  auto manifest = must(client->getManifest("dfc/oci", "zstd"), "get manifest");
  CHECK(manifest.mediaType == store::mediatype::OciManifest);
  CHECK(manifest.digest == pushed.manifestDigest);
  auto parsed = must(store::parseManifest(manifest.bytes), "parse");
  REQUIRE(parsed.layers.size() == 1);
  CHECK(parsed.layers[0].mediaType == store::mediatype::OciLayerZstd);
  CHECK(uint64_t(parsed.layers[0].size) > push.chunkSize);

  auto b = openStore(dir / "b");
  PullOptions pull;
  pull.registry = isolated(dir);
  PullResult pulled = must(pullImage(*b, dest, pull), "pull " + dest);
  CHECK(pulled.image.id == busybox.id);

  // Docker's schema 2 cannot say zstd: refused before anything is sent.
  push.format = ManifestFormat::Docker;
  CHECK_THAT(errorText(pushImage(*a, "busybox", dest, push)), Catch::Contains("zstd"));

  SECTION("a blob whose bytes changed in the registry fails verification") {
    std::string file = registry.blobFile(parsed.layers[0].digest);
    std::string bytes = must(store::readFile(file), "read " + file);
    bytes[bytes.size() / 2] ^= 0x5a; // same size, different content
    writeText(file, bytes);
    auto fresh = openStore(dir / "tampered");
    std::string msg = errorText(pullImage(*fresh, dest, pull));
    CHECK_THAT(msg, Catch::Contains("failed verification"));
    CHECK_THAT(msg, Catch::Contains(parsed.layers[0].digest.str()));
    auto report = must(fresh->check(), "check");
    CHECK(report.ok());
    CHECK(must(fresh->list(), "list").empty());
  }

  SECTION("a descriptor smaller than the blob stops the download") {
    store::Descriptor lying = parsed.layers[0];
    lying.size -= 1;
    auto err = client->fetchBlob("dfc/oci", lying.digest, lying.size,
                                 [](const char *, size_t) { return llvm::Error::success(); });
    CHECK_THAT(errorText(std::move(err)), Catch::Contains("larger than its descriptor"));
  }
}

TEST_CASE("An index is narrowed to this machine's platform", "[integration]") {
  if (!haveRegistry())
    return;
  RegistryServer registry;
  TempDir dir;
  store::ResolvedImage busybox;
  auto a = busyboxStore(dir / "a", busybox);
  PushOptions push;
  push.registry = isolated(dir);
  push.format = ManifestFormat::Oci;
  PushResult pushed = must(pushImage(*a, "busybox", registry.host() + "/multi:single", push), "push");

  store::Index index;
  store::Descriptor other{store::mediatype::OciManifest,
                          pushed.manifestDigest,
                          int64_t(pushed.manifestSize),
                          {},
                          store::Platform{"s390x", "linux", ""}};
  store::Descriptor ours = other;
  ours.platform = store::Platform{store::hostArchitecture(), "linux", ""};
  index.manifests = {other, ours};
  auto client = must(RegistryClient::connect(registry.host(), isolated(dir)), "connect");
  std::string indexBytes = store::canonicalJson(index);
  auto indexDigest =
      must(client->putManifest("multi", "latest", store::mediatype::OciIndex, indexBytes), "put index");

  auto b = openStore(dir / "b");
  PullOptions pull;
  pull.registry = isolated(dir);
  PullResult pulled = must(pullImage(*b, registry.host() + "/multi", pull), "pull index");
  CHECK(pulled.indexDigest == indexDigest);
  CHECK(pulled.manifestDigest == pushed.manifestDigest);
  CHECK(pulled.image.id == busybox.id);

  pull.architecture = "riscv64";
  std::string msg = errorText(pullImage(*b, registry.host() + "/multi", pull));
  CHECK_THAT(msg, Catch::Contains("no matching manifest for linux/riscv64"));
  CHECK_THAT(msg, Catch::Contains("linux/s390x"));

  CHECK_THAT(errorText(pullImage(*b, registry.host() + "/multi:nope",
                                 PullOptions{isolated(dir), "linux", "", "", {}})),
             Catch::Contains("not found"));
}

TEST_CASE("dfc pulls what skopeo copied from an OCI archive dfc saved", "[integration]") {
  if (!haveRegistry())
    return;
  if (!executable(SkopeoBinary)) {
    WARN("SKIPPED: skopeo is missing");
    return;
  }
  RegistryServer registry;
  TempDir dir;
  store::ResolvedImage busybox;
  auto a = busyboxStore(dir / "a", busybox);
  std::string archive = dir / "busybox-oci.tar";
  store::SaveOptions save;
  save.format = store::ArchiveFormat::OciArchive;
  REQUIRE(errorText(a->save({"busybox:latest"}, archive, save)) == "");

  struct Case {
    const char *name;
    const char *flags;
  } cases[] = {{"plain", ""},
               {"gzip", "--dest-compress --dest-compress-format gzip"},
               {"zstd", "--dest-compress --dest-compress-format zstd"}};
  for (const Case &k : cases) {
    DYNAMIC_SECTION("skopeo copy " << k.name) {
      std::string dest = registry.host() + "/y:" + k.name;
      std::string out;
      int rc = run(std::string(SkopeoBinary) + " copy --dest-tls-verify=false " + k.flags +
                       " oci-archive:" + archive + " docker://" + dest,
                   out);
      INFO(out);
      REQUIRE(rc == 0);
      auto b = openStore(dir / (std::string("b-") + k.name));
      PullOptions pull;
      pull.registry = isolated(dir);
      PullResult pulled = must(pullImage(*b, dest, pull), "pull " + dest);
      CHECK(pulled.image.id == busybox.id);
      std::string snap = must(b->snapshotDir(busybox.spec.diffIds.at(0)), "snapshot");
      CHECK(exists(snap + "/bin/busybox"));
    }
  }
}

TEST_CASE("Basic auth: push fails clearly without login, works after it, fails again after logout",
          "[integration]") {
  if (!haveRegistry())
    return;
  RegistryServer registry(/*basicAuth=*/true);
  TempDir dir;
  store::ResolvedImage busybox;
  auto a = busyboxStore(dir / "a", busybox);
  std::string dest = registry.host() + "/private/bb:1";
  PushOptions push;
  push.registry = isolated(dir);

  std::string msg = errorText(pushImage(*a, "busybox", dest, push));
  CHECK_THAT(msg, Catch::Contains("authentication required"));
  CHECK_THAT(msg, Catch::Contains("dfc login " + registry.host()));

  CHECK_THAT(errorText(login(registry.host(), {"alice", "looking-glass"}, isolated(dir))),
             Catch::Contains("incorrect username or password"));
  CredentialStore creds(isolated(dir).configDir);
  auto stored = must(creds.get(registry.host()), "read credentials");
  CHECK_FALSE(stored); // a rejected login stores nothing

  REQUIRE(errorText(login("http://" + registry.host() + "/v2/", {"alice", "wonderland"}, isolated(dir))) ==
          "");
  stored = must(creds.get(registry.host()), "read credentials");
  REQUIRE(stored);
  CHECK(stored->username == "alice");

  PushResult pushed = must(pushImage(*a, "busybox", dest, push), "push after login");
  CHECK(pushed.blobsUploaded == 2);
  auto b = openStore(dir / "b");
  PullOptions pull;
  pull.registry = isolated(dir);
  PullResult pulled = must(pullImage(*b, dest, pull), "pull after login");
  CHECK(pulled.image.id == busybox.id);

  CHECK(must(logout(registry.host(), isolated(dir)), "logout"));
  CHECK_THAT(errorText(pullImage(*b, dest, pull)), Catch::Contains("authentication required"));
}
