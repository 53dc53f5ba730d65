// Real builds in temporary stores on a busybox base made by `bootstrapBusybox`: instructions,
// cache behaviour (rebuild, touch, edit), .dockerignore, confinement, failures, reproducibility
// and stage selection. Needs root, overlayfs and /bin/busybox; skips visibly otherwise.
#include "backend/build/tests/BuildFixture.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace dfc;
using namespace dfc::build;
using namespace dfc::build::testing;

namespace {
using Fixture = BuildFixture;
} // namespace

TEST_CASE("every instruction kind builds with Docker's semantics", "[build][integration]") {
  REQUIRE_BUILDER();
  Fixture f;
  f.write("app/main.sh", "echo main\n", 0755);
  f.write("app/skip.tmp", "no");
  f.write("data.txt", "data");
  // A tar for ADD to unpack.
  REQUIRE(std::system(("mkdir -p " + f.dir + "/tarsrc/pkg && echo packed > " + f.dir + "/tarsrc/pkg/file && tar -C " +
                       f.dir + "/tarsrc -czf " + f.dir + "/ctx/pkg.tar.gz pkg")
                          .c_str()) == 0);
  BuildResult r = f.mustBuild(R"DF(FROM busybox
ARG WHO=world
ENV GREETING="hello ${WHO}" EMPTY=
LABEL org.example.name="demo" other=x
EXPOSE 8080 53/udp
VOLUME /data
WORKDIR /srv/app
COPY --chmod=600 data.txt ./
COPY --chown=1000:100 --exclude=*.tmp app/ /opt/app/
ADD pkg.tar.gz /unpacked/
COPY <<EOF /etc/inline.conf
key=${WHO}
EOF
RUN echo "$GREETING from $(pwd) as $(id -u)" > /out.txt
RUN <<EOS
set -e
echo heredoc-script > /heredoc.txt
EOS
USER 1000
RUN id -u > /tmp/uid
SHELL ["/bin/sh", "-ec"]
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=5s CMD true
ONBUILD RUN echo child
MAINTAINER someone
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["echo hi"]
)DF");
  const store::ImageConfig &c = r.image.spec.config;
  CHECK(c.env("GREETING") == std::optional<std::string>("hello world"));
  CHECK_FALSE(c.env("WHO")); // build args do not persist
  CHECK(c.Labels.at("org.example.name") == "demo");
  CHECK(c.ExposedPorts.count("8080/tcp") == 1);
  CHECK(c.ExposedPorts.count("53/udp") == 1);
  CHECK(c.Volumes.count("/data") == 1);
  CHECK(c.WorkingDir == "/srv/app");
  CHECK(c.User == "1000");
  CHECK(c.Shell == std::vector<std::string>{"/bin/sh", "-ec"});
  CHECK(c.StopSignal == "SIGTERM");
  REQUIRE(c.Healthcheck);
  CHECK(c.Healthcheck->Interval == 5000000000LL);
  CHECK(c.OnBuild == std::vector<std::string>{"RUN echo child"});
  CHECK(r.image.spec.author == "someone");
  CHECK(c.Entrypoint == std::vector<std::string>{"/bin/sh", "-c"});
  CHECK(c.Cmd == std::vector<std::string>{"echo hi"});

  struct stat st;
  CHECK(f.readFromImage(r.image, "/srv/app/data.txt", &st) == "data");
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(f.readFromImage(r.image, "/opt/app/main.sh", &st) == "echo main\n");
  CHECK(st.st_uid == 1000);
  CHECK(st.st_gid == 100);
  CHECK((st.st_mode & 0777) == 0755);
  CHECK(f.readFromImage(r.image, "/opt/app/skip.tmp") == "<missing>");
  CHECK(f.readFromImage(r.image, "/unpacked/pkg/file") == "packed\n");
  CHECK(f.readFromImage(r.image, "/etc/inline.conf") == "key=world\n");
  CHECK(f.readFromImage(r.image, "/out.txt") == "hello world from /srv/app as 0\n");
  CHECK(f.readFromImage(r.image, "/heredoc.txt") == "heredoc-script\n");
  CHECK(f.readFromImage(r.image, "/tmp/uid") == "1000\n");
  // Metadata-only steps make no layer: base + WORKDIR + 4 COPY/ADD + 3 RUN.
  CHECK(r.image.spec.diffIds.size() == 1 + 1 + 4 + 3);
  // The RUN's network files are mount points, not part of the layer.
  CHECK(f.readFromImage(r.image, "/etc/hosts") == "<missing>");
}

TEST_CASE("rebuilds hit the cache; touch keeps hits; an edit misses from the first COPY reading it",
          "[build][integration]") {
  REQUIRE_BUILDER();
  Fixture f;
  f.write("a.txt", "a");
  f.write("b.txt", "b");
  std::string df = "FROM busybox\nRUN echo one > /one\nCOPY a.txt /a\nRUN cat /a > /a2\nCOPY b.txt /b\nRUN ls / > /ls\n";
  BuildResult cold = f.mustBuild(df);
  CHECK(cachedFlags(cold) == std::vector<bool>{false, false, false, false, false});
  BuildResult warm = f.mustBuild(df);
  CHECK(cachedFlags(warm) == std::vector<bool>{true, true, true, true, true});
  CHECK(warm.image.id == cold.image.id);
  CHECK(warm.filesHashed == 0);

  struct timespec later[2] = {{2000000000, 0}, {2000000000, 0}};
  REQUIRE(::utimensat(AT_FDCWD, (f.dir + "/ctx/a.txt").c_str(), later, 0) == 0);
  BuildResult touched = f.mustBuild(df);
  CHECK(cachedFlags(touched) == std::vector<bool>{true, true, true, true, true});
  CHECK(touched.filesHashed == 1);
  CHECK(touched.image.id == cold.image.id);

  f.write("b.txt", "b edited");
  BuildResult edited = f.mustBuild(df);
  CHECK(cachedFlags(edited) == std::vector<bool>{true, true, true, false, false});
  CHECK(f.readFromImage(edited.image, "/b") == "b edited");

  BuildRequest nc;
  nc.noCache = true;
  BuildResult uncached = f.mustBuild(df, nc);
  CHECK(cachedFlags(uncached) == std::vector<bool>{false, false, false, false, false});
}

TEST_CASE(".dockerignore keeps files out of COPY", "[build][integration]") {
  REQUIRE_BUILDER();
  Fixture f;
  f.write(".dockerignore", "*.secret\nlogs\n!logs/keep.log\n");
  f.write("app/x.secret", "s");
  f.write("app/ok", "ok");
  f.write("logs/keep.log", "keep");
  f.write("logs/drop.log", "drop");
  f.write("top.secret", "s");
  BuildResult r = f.mustBuild("FROM busybox\nCOPY . /ctx/\n");
  CHECK(f.readFromImage(r.image, "/ctx/app/ok") == "ok");
  CHECK(f.readFromImage(r.image, "/ctx/top.secret") == "<missing>");
  CHECK(f.readFromImage(r.image, "/ctx/logs/keep.log") == "keep");
  CHECK(f.readFromImage(r.image, "/ctx/logs/drop.log") == "<missing>");
  auto ignored = f.build("FROM busybox\nCOPY top.secret /\n");
  REQUIRE_FALSE(bool(ignored));
  CHECK_THAT(errorText(ignored.takeError()), Catch::Contains("Dockerfile:2:1") && Catch::Contains("not found"));
}

TEST_CASE("nothing outside the context can be copied", "[build][integration]") {
  REQUIRE_BUILDER();
  Fixture f;
  f.write("../outside.txt", "secret");
  REQUIRE(::symlink("../outside.txt", (f.dir + "/ctx/escape").c_str()) == 0);
  REQUIRE(::symlink("/etc/shadow", (f.dir + "/ctx/abs").c_str()) == 0);
  for (const char *df : {"FROM busybox\nCOPY ../outside.txt /x\n", "FROM busybox\nCOPY escape /x\n",
                         "FROM busybox\nCOPY abs /x\n", "FROM busybox\nRUN --mount=type=bind,source=../,target=/m true\n"}) {
    CAPTURE(df);
    auto r = f.build(df);
    REQUIRE_FALSE(bool(r));
    CHECK_THAT(errorText(r.takeError()), Catch::Contains("Dockerfile:2:1") && Catch::Contains("outside the build context"));
  }
}

TEST_CASE("a failed RUN reports its exit code, output and position", "[build][integration]") {
  REQUIRE_BUILDER();
  Fixture f;
  auto r = f.build("FROM busybox\nRUN echo fine\n  RUN echo about to fail; exit 3\n");
  REQUIRE_FALSE(bool(r));
  int code = 0;
  std::string text = errorText(r.takeError(), &code);
  CHECK(code == 3);
  CHECK_THAT(text, Catch::Contains("Dockerfile:3:3") && Catch::Contains("exit code: 3"));
  // The step before the failure was recorded and is a hit next time.
  BuildResult ok = f.mustBuild("FROM busybox\nRUN echo fine\n");
  CHECK(cachedFlags(ok) == std::vector<bool>{true});
}

TEST_CASE("two fresh stores build the same image digest", "[build][integration]") {
  REQUIRE_BUILDER();
  std::string df = "FROM busybox\nCOPY f /f\nRUN echo built > /built && mkdir -p /d/e && touch /d/e/x\n"
                   "ENV X=1\nCMD [\"cat\", \"/f\"]\n";
  for (bool explicitEpoch : {true, false}) {
    DYNAMIC_SECTION("SOURCE_DATE_EPOCH " << (explicitEpoch ? "set" : "unset")) {
      std::string ids[2];
      for (int i = 0; i < 2; ++i) {
        Fixture f;
        f.write("f", "content");
        BuildRequest req;
        if (explicitEpoch)
          req.sourceDateEpoch = 1700000000;
        BuildResult r = f.mustBuild(df, req);
        ids[i] = r.image.manifestDigest.str();
        if (i == 1)
          ::sleep(1); // make sure the clock moved between the builds
      }
      CHECK(ids[0] == ids[1]);
    }
  }
}

TEST_CASE("only the stages the target needs are built, independent ones in parallel", "[build][integration]") {
  REQUIRE_BUILDER();
  Fixture f;
  std::string df = R"(FROM busybox AS unused
RUN exit 1
FROM busybox AS a
RUN echo a > /a
FROM busybox AS b
RUN echo b > /b
FROM a AS final
COPY --from=b /b /from-b
RUN cat /a /from-b > /both
)";
  BuildResult r = f.mustBuild(df);
  CHECK(r.builtStages == std::vector<size_t>{1, 2, 3});
  CHECK(f.readFromImage(r.image, "/both") == "a\nb\n");
  BuildRequest t;
  t.target = "b";
  t.tags = {"only-b:latest"};
  BuildResult onlyB = f.mustBuild(df, t);
  CHECK(onlyB.builtStages == std::vector<size_t>{2});
  CHECK(f.readFromImage(onlyB.image, "/b") == "b\n");
}

TEST_CASE("steps that change nothing make the same empty layer twice; later steps still mount it",
          "[build][integration]") {
  REQUIRE_BUILDER();
  Fixture f;
  BuildRequest req;
  req.noCache = true;
  BuildResult r = f.mustBuild("FROM busybox\nRUN echo x\nRUN echo x\nRUN echo x\nRUN echo y > /y\n", req);
  REQUIRE(r.steps.size() == 4);
  CHECK(r.steps[0].key != r.steps[1].key); // distinct steps, one empty layer digest between them
  CHECK(f.readFromImage(r.image, "/y") == "y\n");
}
