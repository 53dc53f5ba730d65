// Tests for the first BuildKit rules and for the suppression machinery every rule shares.
#include "LintTestSupport.h"

#include <fstream>
#include <set>

using namespace dfc::lint::test;

TEST_CASE("StageNameCasing", "[lint]") {
  CHECK(fired("FROM a AS Build\n", "StageNameCasing") == Lines{"1:11"});
  CHECK(fired("FROM a AS build\n", "StageNameCasing").empty());
  auto f = findings("FROM a AS Build\n", "StageNameCasing");
  REQUIRE(f.size() == 1);
  REQUIRE(f[0].fix);
  CHECK(f[0].fix->edits[0].newText == "build");
}

TEST_CASE("FromAsCasing", "[lint]") {
  CHECK(fired("FROM a as b\n", "FromAsCasing") == Lines{"1:8"});
  CHECK(fired("from a AS b\n", "FromAsCasing") == Lines{"1:8"});
  CHECK(fired("FROM a AS b\nfrom c as d\n", "FromAsCasing").empty());
}

TEST_CASE("MaintainerDeprecated answers to DL4000", "[lint]") {
  CHECK(fired("FROM a\nMAINTAINER me <me@x>\n", "MaintainerDeprecated") == Lines{"2:1"});
  auto f = findings("FROM a\nMAINTAINER me\n", "MaintainerDeprecated");
  REQUIRE(f.size() == 1);
  CHECK(f[0].fix->edits[0].newText == "LABEL org.opencontainers.image.authors=\"me\"");
}

TEST_CASE("suppressions: inline, global, check directive, config", "[lint]") {
  CHECK(fired("FROM a\n# hadolint ignore=DL4000\nMAINTAINER me\n", "MaintainerDeprecated").empty());
  CHECK(fired("FROM a\n# dfc ignore=MaintainerDeprecated\nMAINTAINER me\nMAINTAINER you\n",
              "MaintainerDeprecated") == Lines{"4:1"});
  CHECK(fired("# hadolint global ignore=DL4000\nFROM a\nMAINTAINER me\n", "MaintainerDeprecated").empty());
  CHECK(fired("# check=skip=MaintainerDeprecated\nFROM a\nMAINTAINER me\n", "MaintainerDeprecated").empty());
  dfc::lint::Config cfg;
  cfg.ignored.insert("dl4000");
  CHECK(fired("FROM a\nMAINTAINER me\n", "MaintainerDeprecated", cfg).empty());
  cfg.ignored.clear();
  cfg.disableIgnorePragma = true;
  CHECK(fired("FROM a\n# hadolint ignore=DL4000\nMAINTAINER me\n", "MaintainerDeprecated", cfg) == Lines{"3:1"});
}

TEST_CASE("every rule has a unique id and a docs page", "[lint][docs]") {
  std::set<std::string> seen;
  for (const dfc::lint::Rule *r : dfc::lint::allRules()) {
    INFO("rule " << r->info.id);
    CHECK(seen.insert(llvm::StringRef(r->info.id).lower()).second);
    CHECK(std::ifstream(std::string(DFC_SOURCE_DIR) + "/docs/rules/" + r->info.id + ".md").good());
  }
  CHECK(seen.size() > 80);
}
