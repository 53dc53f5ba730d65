// ONBUILD triggers in real builds: a child of an image (or of a stage) runs the parent's triggers
// right after FROM with the child's scope, once (not inherited further), keyed in the cache, and
// refused or failing triggers point at the FROM and name the trigger.
#include "backend/build/tests/BuildFixture.h"

using namespace dfc;
using namespace dfc::build;
using namespace dfc::build::testing;

namespace {

// An image whose config carries `triggers` verbatim, as another tool could have written it.
void commitWithTriggers(store::ImageStore &s, const std::string &tag, std::vector<std::string> triggers) {
  auto bb = s.resolve("busybox:latest");
  REQUIRE(bool(bb));
  store::ImageSpec spec = bb->spec;
  spec.config.OnBuild = std::move(triggers);
  auto img = s.commit(spec, tag);
  REQUIRE(bool(img));
}

} // namespace

TEST_CASE("a child image runs its parent's ONBUILD triggers once, right after FROM", "[build][integration][onbuild]") {
  REQUIRE_BUILDER();
  BuildFixture f;
  f.write("seed.txt", "from the child's context\n");
  BuildRequest parent;
  parent.tags = {"parent:1"};
  f.mustBuild("FROM busybox\n"
              "ONBUILD ARG WHO=child\n"
              "ONBUILD RUN echo \"trigger for $WHO\" >> /trig\n"
              "ONBUILD COPY seed.txt /seed.txt\n"
              "ONBUILD ENV TRIGGERED=yes\n",
              parent);
  auto p = f.store->resolve("parent:1");
  REQUIRE(bool(p));
  CHECK(p->spec.config.OnBuild.size() == 4);
  CHECK(f.readFromImage(*p, "/trig") == "<missing>"); // triggers do not run in the parent

  BuildRequest child;
  child.tags = {"child:1"};
  BuildResult c = f.mustBuild("FROM parent:1\nRUN cat /trig /seed.txt > /seen && echo \"$TRIGGERED\" >> /seen\n", child);
  CHECK(f.readFromImage(c.image, "/seen") == "trigger for child\nfrom the child's context\nyes\n");
  CHECK(c.image.spec.config.OnBuild.empty()); // consumed, not inherited
  CHECK(c.image.spec.config.env("TRIGGERED") == std::optional<std::string>("yes"));
  REQUIRE(c.steps.size() == 3); // trigger RUN, trigger COPY, the child's RUN
  CHECK(c.steps[0].instruction == "ONBUILD RUN echo \"trigger for $WHO\" >> /trig");
  CHECK(c.steps[1].instruction == "ONBUILD COPY seed.txt /seed.txt");

  // The triggers are steps with keys: an unchanged rebuild hits all, an edit of the file the
  // trigger copies misses from the trigger on.
  CHECK(cachedFlags(f.mustBuild("FROM parent:1\nRUN cat /trig /seed.txt > /seen && echo \"$TRIGGERED\" >> /seen\n",
                                child)) == std::vector<bool>{true, true, true});
  f.write("seed.txt", "edited\n");
  BuildResult edited =
      f.mustBuild("FROM parent:1\nRUN cat /trig /seed.txt > /seen && echo \"$TRIGGERED\" >> /seen\n", child);
  CHECK(cachedFlags(edited) == std::vector<bool>{true, false, false});
  CHECK(edited.steps[1].reason == "file changed: seed.txt");

  // A grandchild does not run them again.
  BuildResult g = f.mustBuild("FROM child:1\nRUN cat /trig > /again\n");
  CHECK(f.readFromImage(g.image, "/again") == "trigger for child\n");
  CHECK(g.steps.size() == 1);
}

TEST_CASE("a stage FROM an earlier stage runs that stage's ONBUILD instructions", "[build][integration][onbuild]") {
  REQUIRE_BUILDER();
  BuildFixture f;
  BuildResult r = f.mustBuild("FROM busybox AS base\n"
                              "ONBUILD RUN echo ran > /ran\n"
                              "RUN test ! -e /ran\n"
                              "FROM base\n"
                              "RUN cat /ran > /copy\n");
  CHECK(f.readFromImage(r.image, "/copy") == "ran\n");
  CHECK(r.image.spec.config.OnBuild.empty());
}

TEST_CASE("refused and failing ONBUILD triggers point at the FROM", "[build][integration][onbuild]") {
  REQUIRE_BUILDER();
  BuildFixture f;
  struct Case {
    std::vector<std::string> triggers;
    std::string message;
  };
  for (const Case &c : {Case{{"FROM busybox"}, "FROM isn't allowed as an ONBUILD trigger"},
                        Case{{"MAINTAINER me"}, "MAINTAINER isn't allowed as an ONBUILD trigger"},
                        Case{{"RUN true", "ONBUILD RUN true"}, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"},
                        Case{{"COPY"}, "COPY requires at least two arguments"},
                        Case{{"ENV A=${B"}, "at 1:7: "}}) {
    INFO(c.triggers.back());
    commitWithTriggers(*f.store, "bad:1", c.triggers);
    auto r = f.build("# a comment\nFROM bad:1\nRUN true\n");
    REQUIRE_FALSE(bool(r));
    std::string text = errorText(r.takeError());
    CHECK(llvm::StringRef(text).startswith("Dockerfile:2:1: "));
    CHECK(text.find("ONBUILD trigger " + std::to_string(c.triggers.size()) + " of image bad:1") != std::string::npos);
    CHECK(text.find(c.message) != std::string::npos);
  }

  commitWithTriggers(*f.store, "fails:1", {"RUN echo before", "RUN exit 3"});
  auto r = f.build("\n\nFROM fails:1\nRUN true\n");
  REQUIRE_FALSE(bool(r));
  int code = 0;
  std::string text = errorText(r.takeError(), &code);
  CHECK(code == 3);
  CHECK(llvm::StringRef(text).startswith("Dockerfile:3:1: ONBUILD RUN exit 3: "));
}
