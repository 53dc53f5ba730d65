// The registry commands end to end through the dfc binary: bootstrap, push, login/logout and pull
// against a docker-registry with Basic auth on 127.0.0.1, each dfc run with its own DFC_ROOT/DFC_CONFIG.
#include "backend/registry/tests/RegistryServer.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace dfc::registry::test;

namespace {

// Runs dfc with the test's store and config directories (never the user's).
int runDfc(const std::string &root, const std::string &config, const std::string &args, std::string &out) {
  return run("env DFC_ROOT=" + root + " DFC_CONFIG=" + config + " " DFC_BINARY " " + args, out);
}

} // namespace

TEST_CASE("dfc push, login, pull and logout against a registry with Basic auth", "[integration]") {
  if (!haveRegistry())
    return;
  RegistryServer registry(/*basicAuth=*/true);
  TempDir dir;
  std::string a = dir / "a", b = dir / "b", config = dir / "config";
  std::string dest = registry.host() + "/cli/bb:1";
  std::string out;

  INFO("dfc bootstrap");
  REQUIRE(runDfc(a, config, "bootstrap busybox", out) == 0);

  {
    INFO("push without login: " << out);
    CHECK(runDfc(a, config, "push busybox " + dest, out) == 1);
    CHECK_THAT(out, Catch::Contains("authentication required"));
    CHECK_THAT(out, Catch::Contains("dfc login " + registry.host()));
  }
  {
    INFO("login with a wrong password: " << out);
    CHECK(runDfc(a, config, "login -u alice -p nope " + registry.host(), out) == 1);
    CHECK_THAT(out, Catch::Contains("incorrect username or password"));
    CHECK_FALSE(exists(config + "/config.json"));
  }
  {
    INFO("login: " << out);
    REQUIRE(run("printf 'wonderland\\n' | env DFC_CONFIG=" + config +
                    " " DFC_BINARY " login -u alice --password-stdin " + registry.host(),
                out) == 0);
    CHECK_THAT(out, Catch::Contains("Login Succeeded"));
    auto text = must(dfc::store::readFile(config + "/config.json"), "config.json");
    auto j = nlohmann::json::parse(text);
    CHECK(j["auths"][registry.host()]["auth"] == "YWxpY2U6d29uZGVybGFuZA=="); // alice:wonderland
  }
  std::string digestLine;
  {
    INFO("push: " << out);
    REQUIRE(runDfc(a, config, "push busybox " + dest, out) == 0);
    CHECK_THAT(out, Catch::Contains("The push refers to repository [" + registry.host() + "/cli/bb]"));
    CHECK_THAT(out, Catch::Contains(": Pushed"));
    size_t at = out.find("1: digest: sha256:");
    REQUIRE(at != std::string::npos);
    digestLine = out.substr(at + 11, 71);
  }
  {
    INFO("pull into a fresh store: " << out);
    REQUIRE(runDfc(b, config, "pull " + dest, out) == 0);
    CHECK_THAT(out, Catch::Contains("Digest: " + digestLine));
    CHECK_THAT(out, Catch::Contains("Status: Downloaded newer image for " + dest));
    CHECK_THAT(out, Catch::EndsWith(dest + "\n"));
    REQUIRE(runDfc(b, config, "pull " + dest, out) == 0);
    CHECK_THAT(out, Catch::Contains("Already exists"));
    CHECK_THAT(out, Catch::Contains("Status: Image is up to date for " + dest));
  }
  {
    INFO("same image id in both stores");
    std::string ida, idb;
    REQUIRE(runDfc(a, config, "inspect busybox", ida) == 0);
    REQUIRE(runDfc(b, config, "inspect " + dest, idb) == 0);
    auto ja = nlohmann::json::parse(ida), jb = nlohmann::json::parse(idb);
    auto first = [](const nlohmann::json &j) { return j.is_array() ? j.at(0) : j; };
    CHECK(first(ja)["Id"] == first(jb)["Id"]);
  }
  {
    INFO("logout: " << out);
    REQUIRE(runDfc(a, config, "logout " + registry.host(), out) == 0);
    CHECK_THAT(out, Catch::Contains("Removing login credentials for " + registry.host()));
    REQUIRE(runDfc(a, config, "logout " + registry.host(), out) == 0);
    CHECK_THAT(out, Catch::Contains("Not logged in"));
    CHECK(runDfc(b, config, "pull " + dest, out) == 1);
    CHECK_THAT(out, Catch::Contains("authentication required"));
  }
}
