// FROM pulls what is missing: a base image pushed to Debian's docker-registry on 127.0.0.1 and
// removed from the store is pulled by the build (its ONBUILD triggers included); with pulling off,
// or a registry that is not there, the build fails at the FROM.
#include "backend/build/tests/BuildFixture.h"
#include "backend/registry/Push.h"
#include "backend/registry/tests/RegistryServer.h"

using namespace dfc;
using namespace dfc::build;
using dfc::build::testing::BuildFixture;
using dfc::build::testing::cachedFlags;

TEST_CASE("FROM pulls a base image the store lacks from its registry", "[build][integration][pull]") {
  REQUIRE_BUILDER();
  if (!registry::test::haveRegistry())
    return;
  registry::test::RegistryServer reg;
  BuildFixture f;
  std::string name = reg.host() + "/base/app:1";
  BuildRequest parent;
  parent.tags = {name};
  f.mustBuild("FROM busybox\nRUN echo pushed > /marker\nONBUILD RUN echo onbuild > /ob\n", parent);
  auto pushed = registry::pushImage(*f.store, name);
  REQUIRE(registry::test::errorText(std::move(pushed)) == "");
  auto removed = f.store->removeImage(name, true);
  REQUIRE(registry::test::errorText(std::move(removed)) == "");
  REQUIRE(registry::test::errorText(f.store->resolve(name)) != "");

  std::string df = "FROM " + name + "\nRUN cat /marker /ob > /seen\n";
  BuildRequest noPull;
  noPull.pullMissing = false;
  auto refused = f.build(df, noPull);
  REQUIRE_FALSE(bool(refused));
  std::string text = dfc::build::testing::errorText(refused.takeError());
  CHECK(llvm::StringRef(text).startswith("Dockerfile:1:1: image " + name + " not found in the local store"));

  BuildResult child = f.mustBuild(df);
  CHECK(f.readFromImage(child.image, "/seen") == "pushed\nonbuild\n");
  CHECK(registry::test::errorText(f.store->resolve(name)) == ""); // pulled and tagged
  CHECK(cachedFlags(f.mustBuild(df)) == std::vector<bool>{true, true});

  // Nothing listens there: the pull fails, at the FROM.
  int port = registry::test::freePort();
  auto unreachable = f.build("ARG X=1\nFROM 127.0.0.1:" + std::to_string(port) + "/none:1\nRUN true\n");
  REQUIRE_FALSE(bool(unreachable));
  text = dfc::build::testing::errorText(unreachable.takeError());
  CHECK(llvm::StringRef(text).startswith("Dockerfile:2:1: image 127.0.0.1:" + std::to_string(port) +
                                         "/none:1 is not in the local store and pulling it failed: "));
}
