// Unit tests of buildProgram: ARG scoping (global, stage, build-args, automatic args),
// expansion with the env before each instruction, stage resolution, dispatch-level errors.
#include "ir/Build.h"
#include "ir/Json.h"

#include <catch2/catch.hpp>

#include <deque>

#include <nlohmann/json.hpp>

using namespace dfc;

namespace {

// A Program's operands are views into its syntax tree: the trees of the run are kept until exit.
Program build(const std::string &df, BuildOptions opts = {}) {
  static std::deque<SyntaxTree> trees;
  trees.push_back(parseDockerfile(df));
  return buildProgram(trees.back(), opts);
}

std::string messages(const Program &p) {
  std::string all;
  for (const Diagnostic &d : p.diagnostics)
    all += "[" + d.code + "] " + d.message + "\n";
  return all;
}

std::optional<std::string> envValue(const shell::ListEnvironment &env, const std::string &k) {
  const std::string *v = env.lookup(k);
  return v ? std::optional<std::string>(*v) : std::nullopt;
}

template <typename T> const T &at(const Program &p, size_t stage, size_t i) {
  REQUIRE(stage < p.stages.size());
  REQUIRE(i < p.stages[stage].instructions.size());
  const T *t = p.stages[stage].instructions[i].as<T>();
  REQUIRE(t);
  return *t;
}

} // namespace

TEST_CASE("ENV sees the values from before the instruction (tricky case 15)", "[ir][expansion]") {
  const char *df = "FROM scratch\nENV a=0\nENV a=1 b=$a\nENV c=\"a\\tb\" d=\"${X:-a b}\"\n";
  INFO(df);
  Program p = build(df);
  INFO(messages(p));
  REQUIRE_FALSE(p.hasErrors());
  const auto &env = at<EnvInstruction>(p, 0, 1);
  CHECK(env.pairs[1].value.raw == "$a");
  CHECK(env.pairs[1].value.expanded() == "0");
  CHECK(envValue(p.stages[0].finalEnv(), "a") == "1");
  CHECK(envValue(p.stages[0].finalEnv(), "b") == "0");
  const auto &env2 = at<EnvInstruction>(p, 0, 2);
  CHECK(env2.pairs[0].value.expanded() == "a\\tb");
  CHECK(env2.pairs[1].value.expanded() == "a b");
  // envBefore(i) is the env as instruction i sees it.
  CHECK(envValue(p.stages[0].envBefore(0), "a") == std::nullopt);
  CHECK(envValue(p.stages[0].envBefore(1), "a") == "0");
  CHECK(envValue(p.stages[0].envBefore(2), "b") == "0");
}

TEST_CASE("a stage whose instructions change no env sees the env it started with", "[ir][env]") {
  Program p = build("FROM a AS one\nRUN true\nFROM one\nRUN true\nFROM one AS two\nENV X=1\nFROM two\nCOPY a b\n");
  REQUIRE(p.stages.size() == 4);
  const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (size_t s : {0, 1}) // an image stage, and a stage from it: PATH alone, before and after
    for (size_t i = 0; i <= 1; ++i) {
      CHECK(envValue(p.stages[s].envBefore(i), "PATH") == path);
      CHECK(p.stages[s].envBefore(i).entries().size() == 1);
    }
  CHECK(envValue(p.stages[2].envBefore(0), "X") == std::nullopt);
  CHECK(envValue(p.stages[2].finalEnv(), "X") == "1");
  // From a stage that set X: its final env, unchanged through COPY.
  CHECK(envValue(p.stages[3].envBefore(0), "X") == "1");
  CHECK(envValue(p.stages[3].finalEnv(), "X") == "1");
  CHECK(envValue(p.stages[3].finalEnv(), "PATH") == path);
}

TEST_CASE("EXPOSE splits expanded words into ports", "[ir][expansion]") {
  const char *df = "FROM scratch\nENV P=\"80 443/UDP\"\nEXPOSE $P 8000-8001/tcp\n";
  INFO(df);
  Program p = build(df);
  INFO(messages(p));
  REQUIRE_FALSE(p.hasErrors());
  const auto &e = at<ExposeInstruction>(p, 0, 1);
  REQUIRE(e.ports.size() == 3);
  CHECK(e.ports[0].start == 80);
  CHECK(e.ports[0].protocol == "tcp");
  CHECK(e.ports[1].start == 443);
  CHECK(e.ports[1].protocol == "udp");
  CHECK(e.ports[1].protocolUppercase);
  CHECK(e.ports[2].start == 8000);
  CHECK(e.ports[2].end == 8001);
}

TEST_CASE("EXPOSE errors are BuildKit's", "[ir][expose]") {
  struct Case {
    const char *port, *error;
  } cases[] = {
      {"80/xyz", "invalid port: \"80/xyz\": invalid proto: xyz"},
      {"/tcp", "invalid port: \"/tcp\": no port specified"},
      {"abc", "invalid containerPort: abc"},
      {"70000", "invalid containerPort: 70000"},
      {"x:80", "invalid hostPort: x"},
      {"1.2.3:80:80", "invalid IP address: 1.2.3"},
      {"8000-8001:80-85", "invalid ranges specified for container and host Ports: 80-85 and 8000-8001"}};
  for (const Case &c : cases) {
    DYNAMIC_SECTION("EXPOSE " << c.port) {
      Program p = build(std::string("FROM scratch\nEXPOSE ") + c.port + "\n");
      REQUIRE(p.diagnostics.size() == 1);
      CHECK(p.diagnostics[0].message == c.error);
      CHECK(p.diagnostics[0].code == "semantic");
      CHECK(p.diagnostics[0].range.begin.line == 1);
      CHECK(p.diagnostics[0].range.begin.column == 7);
    }
  }
}

TEST_CASE("global ARGs are visible only in FROM (tricky case 16)", "[ir][args]") {
  const char *df = "ARG V=1\nFROM img:$V\nRUN echo $V\nENV X=$V\nARG V\nENV Y=$V\n";
  INFO(df);
  Program p = build(df);
  INFO(messages(p));
  REQUIRE_FALSE(p.hasErrors());
  REQUIRE(p.stages.size() == 1);
  const auto *img = std::get_if<ImageRef>(&p.stages[0].base);
  REQUIRE(img);
  CHECK(img->raw == "img:$V");
  CHECK(img->expanded == "img:1");
  CHECK(at<EnvInstruction>(p, 0, 1).pairs[0].value.expanded() == "");
  CHECK(at<EnvInstruction>(p, 0, 1).undefinedVars == std::vector<std::string>{"V"});
  // `ARG V` without a default inherits the global value.
  CHECK(at<ArgInstruction>(p, 0, 2).args[0].value == std::optional<std::string>("1"));
  CHECK(at<EnvInstruction>(p, 0, 3).pairs[0].value.expanded() == "1");
  CHECK(at<EnvInstruction>(p, 0, 3).undefinedVars.empty());
}

TEST_CASE("ARG precedence: build-arg > own default > global value", "[ir][args]") {
  const char *df = "ARG G=global\nARG H=$G-h\nFROM scratch\nARG G\nARG D=own\nARG H\nARG NONE\n";
  INFO(df);
  SECTION("no build args") {
    Program p = build(df);
    INFO(messages(p));
    REQUIRE_FALSE(p.hasErrors());
    CHECK(envValue(p.globalScope(), "H") == "global-h");
    const auto &env = p.stages[0].finalEnv();
    CHECK(envValue(env, "G") == "global");
    CHECK(envValue(env, "D") == "own");
    CHECK(envValue(env, "H") == "global-h");
    CHECK(envValue(env, "NONE") == std::nullopt);
    CHECK(p.stages[0].declaredArgs == std::vector<std::string>{"G", "D", "H", "NONE"});
  }
  SECTION("build args override defaults and globals") {
    BuildOptions o;
    o.buildArgs = {{"G", "cli"}, {"D", "cli-d"}, {"NONE", "set"}, {"UNDECLARED", "x"}};
    Program p = build(df, o);
    INFO(messages(p));
    const auto &env = p.stages[0].finalEnv();
    CHECK(envValue(p.globalScope(), "H") == "cli-h"); // meta ARG defaults see the build-arg
    CHECK(envValue(env, "G") == "cli");
    CHECK(envValue(env, "D") == "cli-d");
    CHECK(envValue(env, "NONE") == "set");
    CHECK(envValue(env, "UNDECLARED") == std::nullopt);
  }
}

TEST_CASE("ARG defaults in one instruction see earlier ARGs of it", "[ir][args]") {
  Program p = build("FROM scratch\nARG a=1 b=$a\n");
  INFO(messages(p));
  CHECK(envValue(p.stages[0].finalEnv(), "b") == "1");
}

TEST_CASE("automatic platform args are global-only", "[ir][args]") {
  BuildOptions o;
  o.platform = "linux/arm64/v8";
  o.buildPlatform = "linux/amd64";
  o.target = "second";
  const char *df =
      "FROM --platform=$BUILDPLATFORM busybox AS first\nRUN echo\n"
      "FROM alpine AS second\nENV X=$TARGETARCH\nARG TARGETARCH\nARG TARGETSTAGE\nENV Y=$TARGETARCH\n";
  INFO(df);
  Program p = build(df, o);
  INFO(messages(p));
  REQUIRE_FALSE(p.hasErrors());
  REQUIRE(p.stages[0].platform);
  CHECK(p.stages[0].platform->expanded() == "linux/amd64");
  CHECK(p.stages[0].effectivePlatform == "linux/amd64");
  CHECK(p.stages[1].effectivePlatform == "linux/arm64/v8");
  CHECK(envValue(p.globalScope(), "TARGETOS") == "linux");
  CHECK(envValue(p.globalScope(), "TARGETVARIANT") == "v8");
  CHECK(at<EnvInstruction>(p, 1, 0).pairs[0].value.expanded() == "");
  CHECK(at<EnvInstruction>(p, 1, 3).pairs[0].value.expanded() == "arm64");
  CHECK(envValue(p.stages[1].finalEnv(), "TARGETSTAGE") == "second");
  CHECK(p.reachableStages() == std::vector<size_t>{1});
}

TEST_CASE("host platform comes from uname", "[ir][args]") {
  std::string host = hostPlatform();
  CHECK_THAT(host, Catch::StartsWith("linux/"));
  Program p = build("FROM scratch\nARG BUILDPLATFORM\nARG TARGETPLATFORM\n");
  CHECK(envValue(p.stages[0].finalEnv(), "BUILDPLATFORM") == host);
  CHECK(envValue(p.stages[0].finalEnv(), "TARGETPLATFORM") == host);
}

TEST_CASE("proxy build args are passed without ARG", "[ir][args]") {
  BuildOptions o;
  o.buildArgs = {{"http_proxy", "http://p:3128"}, {"OTHER", "x"}};
  Program p = build("FROM scratch\nRUN true\n", o);
  REQUIRE(p.proxyEnv.size() == 1);
  CHECK(p.proxyEnv[0].first == "http_proxy");
  CHECK(envValue(p.stages[0].finalEnv(), "http_proxy") == std::nullopt);
}

TEST_CASE("stage names are lowercased; FROM looks up the raw name (tricky case 17)", "[ir][stages]") {
  const char *df = "FROM alpine AS B\nENV IN_B=1\nFROM scratch\nCOPY --from=B /a /b\nFROM B\nFROM b\n";
  INFO(df);
  Program p = build(df);
  INFO(messages(p));
  REQUIRE_FALSE(p.hasErrors());
  REQUIRE(p.stages.size() == 4);
  CHECK(p.stages[0].name == "b");
  CHECK(at<CopyInstruction>(p, 1, 0).fromStage == std::optional<size_t>(0));
  CHECK(std::holds_alternative<ImageRef>(p.stages[2].base));
  const auto *ref = std::get_if<StageRef>(&p.stages[3].base);
  REQUIRE(ref);
  CHECK(ref->index == 0);
  // A stage built on another inherits its env.
  CHECK(envValue(p.stages[3].finalEnv(), "IN_B") == "1");
  CHECK(p.stages[2].displayName() == "stage-2");
}

TEST_CASE("--from errors", "[ir][stages]") {
  SECTION("later stage") {
    Program p = build("FROM scratch AS a\nCOPY --from=b /x /y\nFROM scratch AS b\n");
    CHECK_THAT(messages(p),
               Catch::Contains("cannot copy from stage \"b\", it needs to be defined before current "
                               "stage \"a\""));
  }
  SECTION("index out of range") {
    Program p = build("FROM scratch\nCOPY --from=3 /x /y\n");
    CHECK_THAT(messages(p), Catch::Contains("invalid stage index 3"));
  }
  SECTION("variable") {
    Program p = build("ARG I=alpine\nFROM scratch\nCOPY --from=$I /x /y\n");
    CHECK_THAT(messages(p), Catch::Contains("variable expansion is not supported for --from"));
  }
  SECTION("image reference is not an error") {
    Program p = build("FROM scratch\nCOPY --from=alpine:3 /x /y\n");
    CHECK_FALSE(p.hasErrors());
    CHECK_FALSE(at<CopyInstruction>(p, 0, 0).fromStage);
  }
  SECTION("mount from a later stage") {
    Program p = build("FROM scratch AS a\nRUN --mount=from=b,target=/t true\nFROM scratch AS b\n");
    CHECK_THAT(messages(p),
               Catch::Contains("cannot mount from stage \"b\" to \"/t\", stage needs to be defined "
                               "before current command"));
  }
  SECTION("mount from may not hold a variable") {
    Program p = build("FROM scratch\nRUN --mount=from=$X,target=/t true\n");
    CHECK_THAT(messages(p),
               Catch::Contains("'from' doesn't support variable expansion, define alias stage instead"));
  }
  SECTION("a mount spec with bad CSV quoting or nothing in it is an instruction error") {
    Program p = build("FROM scratch\nRUN --mount='type=bind,\"target=/t' true\n");
    CHECK_THAT(messages(p), Catch::Contains("failed to parse csv mounts: parse error on line 1, column 21"));
    Program bare = build("FROM scratch\nRUN --mount='a\"b' true\n");
    CHECK_THAT(messages(bare), Catch::Contains("bare \" in non-quoted-field"));
    Program empty = build("FROM scratch\nRUN --mount= true\n");
    CHECK_THAT(messages(empty), Catch::Contains("failed to parse csv mounts: EOF"));
  }
}

TEST_CASE("RUN --mount is expanded and validated at dispatch", "[ir][mounts]") {
  Program p = build("FROM scratch AS src\nFROM scratch\nARG T=/cache\n"
                    "RUN --mount=type=cache,target=$T,sharing=locked,uid=1000,mode=0755 "
                    "--mount=type=secret,id=tok,required --mount=from=src,src=/a,dst=/b,rw true\n");
  INFO(messages(p));
  REQUIRE_FALSE(p.hasErrors());
  const auto &run = at<RunInstruction>(p, 1, 1);
  REQUIRE(run.mounts.size() == 3);
  CHECK(run.mounts[0].type == MountType::Cache);
  CHECK(run.mounts[0].target == "/cache");
  CHECK(run.mounts[0].sharing == "locked");
  CHECK(run.mounts[0].uid == std::optional<uint64_t>(1000));
  CHECK(run.mounts[0].mode == std::optional<uint64_t>(0755));
  CHECK_FALSE(run.mounts[0].readOnly);
  CHECK(run.mounts[1].type == MountType::Secret);
  CHECK(run.mounts[1].required);
  CHECK(run.mounts[1].readOnly);
  CHECK(run.mounts[2].fromStage == std::optional<size_t>(0));
  CHECK_FALSE(run.mounts[2].readOnly);
  CHECK(p.stages[1].dependencies.size() == 1);

  struct Case {
    const char *mount, *error;
  } bad[] = {{"type=foo", "unsupported mount type \"foo\""},
             {"type=bind,foo=bar", "unexpected key 'foo' in 'foo=bar'"},
             {"type=bind,bogus", "invalid field 'bogus' must be a key=value pair"},
             {"type=bind,required", "unexpected key 'required' for mount type 'bind'"},
             {"type=secret,from=x,target=/t", "secret mount should not have a from"},
             {"type=secret,id=a,sharing=shared", "secret mount should not define sharing"},
             {"type=secret", "invalid secret mount. one of source, target required"},
             {"type=secret,source=a,id=b", "both source and id can't be set"},
             {"type=bind,sharing=shared", "invalid cache sharing set for bind mount"},
             {"type=bind,mode=0700", "mode not allowed for \"bind\" type mounts"}};
  for (const Case &c : bad) {
    DYNAMIC_SECTION("--mount=" << c.mount) {
      Program q = build(std::string("FROM scratch\nRUN --mount=") + c.mount + " true\n");
      REQUIRE(q.diagnostics.size() == 1);
      CHECK_THAT(q.diagnostics[0].message, Catch::StartsWith(c.error));
      CHECK(q.diagnostics[0].range.begin.line == 1);
      CHECK(q.diagnostics[0].range.begin.column == 4); // the --mount flag
    }
  }
}

TEST_CASE("RUN --network and --security", "[ir][run]") {
  Program ok = build("FROM scratch\nRUN --network=none --security=insecure true\n");
  REQUIRE_FALSE(ok.hasErrors());
  CHECK(at<RunInstruction>(ok, 0, 0).network == "none");
  CHECK(at<RunInstruction>(ok, 0, 0).security == "insecure");
  CHECK(at<RunInstruction>(ok, 0, 0).flagsUsed == std::vector<std::string>{"network", "security"});
  Program n = build("FROM scratch\nRUN --network=bridge true\n");
  CHECK(messages(n) == "[syntax] invalid network mode \"bridge\"\n");
  Program s = build("FROM scratch\nRUN --security=x true\n");
  CHECK(messages(s) == "[syntax] security \"x\" is not valid\n");
}

TEST_CASE("builder flag errors carry the flag's range", "[ir][flags]") {
  struct Case {
    const char *line, *error;
    unsigned column;
  } cases[] = {{"COPY --nope a b", "unknown flag: --nope", 5},
               {"COPY --chown a b", "missing a value on flag: --chown", 5},
               {"COPY --link=maybe a b", "expecting boolean value for flag --link, not: maybe", 5},
               {"COPY --link= a b", "missing a value on flag: --link", 5},
               {"COPY --from=a --from=b a b", "duplicate flag specified: --from", 14},
               {"CMD --x echo", "unknown flag: --x", 4}};
  for (const Case &c : cases) {
    DYNAMIC_SECTION(c.line) {
      Program p = build(std::string("FROM scratch\n") + c.line + "\n");
      REQUIRE_FALSE(p.diagnostics.empty());
      CHECK_THAT(p.diagnostics[0].message, Catch::StartsWith(c.error));
      CHECK(p.diagnostics[0].code == "syntax");
      CHECK(p.diagnostics[0].range.begin.line == 1);
      CHECK(p.diagnostics[0].range.begin.column == c.column);
    }
  }
  // Quirks: STOPSIGNAL and HEALTHCHECK NONE never validate flags (tricky case 14); ARG neither.
  for (const char *line : {"STOPSIGNAL --x SIGKILL", "HEALTHCHECK --interval=5s NONE", "ARG --x a"}) {
    DYNAMIC_SECTION(line) {
      Program p = build(std::string("FROM scratch\n") + line + "\n");
      CHECK(messages(p) == "");
    }
  }
}

TEST_CASE("instruction-level errors are all reported, building continues", "[ir][errors]") {
  const char *df = "RUN before\nFROM scratch\nUSER\nWORKDIR\nENV a=1\nFROM x AS 1bad\nSHELL echo\nENV b=$a\n";
  INFO(df);
  Program p = build(df);
  CHECK(messages(p) == "[syntax] no build stage in current context\n"
                       "[syntax] USER requires exactly one argument\n"
                       "[syntax] WORKDIR requires exactly one argument\n"
                       "[syntax] invalid name for build stage: \"1bad\", name can't start with a number or "
                       "contain symbols\n"
                       "[syntax] SHELL requires the arguments to be in JSON form\n");
  REQUIRE(p.stages.size() == 2);
  CHECK(p.diagnostics[0].range.begin.line == 0);
  CHECK(p.diagnostics[1].range.begin.line == 2);
  // The invalid instructions are kept (marked) for the editor.
  CHECK_FALSE(p.stages[0].instructions[0].base().valid);
  CHECK(p.stages[0].instructions[2].base().valid);
}

TEST_CASE("FROM errors and file-level errors", "[ir][errors]") {
  CHECK(messages(build("FROM a b\n")) == "[syntax] FROM requires either one or three arguments\n");
  CHECK(messages(build("FROM ${BLANK} AS foo\n")) == "[semantic] base name (${BLANK}) should not be blank\n");
  CHECK(messages(build("FROM --platform=$NOPE scratch\n")) ==
        "[semantic] empty platform value from expression $NOPE\n");
  CHECK_THAT(messages(build("ARG a=1\n")), Catch::Contains("dockerfile contains no stages to build"));
  CHECK_THAT(messages(build("")), Catch::Contains("the Dockerfile cannot be empty"));
  BuildOptions o;
  o.target = "nosuch";
  CHECK(messages(build("FROM scratch\n", o)) == "[semantic] target stage \"nosuch\" could not be found\n");
}

TEST_CASE("COPY/ADD operands and flags", "[ir][copy]") {
  const char *df = "FROM scratch\nARG U=app\nCOPY --chown=$U:$U --chmod=755 --link --parents --exclude=*.md "
                   "--exclude=x a $U/b /dst/\nADD --keep-git-dir=false --checksum=sha256:abc --unpack "
                   "https://x/y.tgz /z\nCOPY [\"a b\", \"/c\"]\n";
  INFO(df);
  Program p = build(df);
  INFO(messages(p));
  REQUIRE_FALSE(p.hasErrors());
  const auto &c = at<CopyInstruction>(p, 0, 1);
  REQUIRE(c.chown);
  CHECK(c.chown->expanded() == "app:app");
  CHECK(c.chmod->expanded() == "755");
  CHECK(c.link);
  CHECK(c.parents);
  CHECK(c.exclude == std::vector<std::string>{"*.md", "x"});
  REQUIRE(c.sources.size() == 2);
  CHECK(c.sources[1].raw == "$U/b");
  CHECK(c.sources[1].expanded() == "app/b");
  CHECK(c.dest.expanded() == "/dst/");
  const auto &a = at<AddInstruction>(p, 0, 2);
  CHECK(a.keepGitDir == std::optional<bool>(false));
  CHECK(a.unpack == std::optional<bool>(true));
  CHECK(a.checksum->expanded() == "sha256:abc");
  const auto &j = at<CopyInstruction>(p, 0, 3);
  CHECK(j.json);
  REQUIRE(j.sources.size() == 1);
  CHECK(j.sources[0].raw == "a b");
  // ADD takes no --from, COPY no --unpack.
  CHECK_THAT(messages(build("FROM scratch\nADD --from=x a b\n")), Catch::Contains("unknown flag: --from"));
  CHECK_THAT(messages(build("FROM scratch\nCOPY --unpack a b\n")), Catch::Contains("unknown flag: --unpack"));
}

TEST_CASE("COPY heredoc content is expanded unless quoted", "[ir][heredoc]") {
  const char *df = "FROM scratch\nENV A=1\nCOPY <<EOF <<'RAW' /d/\n$A \"q\"\nEOF\n$A\nRAW\n";
  INFO(df);
  Program p = build(df);
  INFO(messages(p));
  REQUIRE_FALSE(p.hasErrors());
  const auto &c = at<CopyInstruction>(p, 0, 1);
  REQUIRE(c.heredocSources.size() == 2);
  CHECK(c.heredocSources[0].data == "1 \"q\"\n");
  CHECK(c.heredocSources[1].data == "$A\n");
  CHECK_FALSE(c.heredocSources[1].expand);
}

TEST_CASE("HEALTHCHECK operands", "[ir][healthcheck]") {
  Program p =
      build("FROM scratch\nHEALTHCHECK --interval=1m30s --timeout=500ms --retries=3 CMD [\"curl\", \"x\"]\n"
            "HEALTHCHECK NONE\n");
  INFO(messages(p));
  REQUIRE_FALSE(p.hasErrors());
  const auto &h = at<HealthcheckInstruction>(p, 0, 0);
  CHECK(h.interval == 90'000'000'000LL);
  CHECK(h.timeout == 500'000'000LL);
  CHECK(h.retries == 3);
  CHECK(h.test == std::vector<std::string>{"CMD", "curl", "x"});
  CHECK(at<HealthcheckInstruction>(p, 0, 1).test == std::vector<std::string>{"NONE"});
  CHECK(messages(build("FROM scratch\nHEALTHCHECK --retries=-1 CMD x\n")) ==
        "[syntax] --retries cannot be negative (-1)\n");
  CHECK(messages(build("FROM scratch\nHEALTHCHECK NONE x\n")) ==
        "[syntax] HEALTHCHECK NONE takes no arguments\n");
  CHECK(messages(build("FROM scratch\nHEALTHCHECK CMD\n")) ==
        "[syntax] Missing command after HEALTHCHECK CMD\n");
  CHECK(messages(build("FROM scratch\nHEALTHCHECK foo x\n")) ==
        "[syntax] Unknown type \"FOO\" in HEALTHCHECK (try CMD)\n");
  CHECK(messages(build("FROM scratch\nHEALTHCHECK --interval=5 CMD x\n")) ==
        "[syntax] time: missing unit in duration \"5\"\n");
}

TEST_CASE("ONBUILD keeps the expression and parses the trigger", "[ir][onbuild]") {
  const char *df = "FROM scratch\nONBUILD RUN --mount=type=cache,target=/c <<EOF\necho hi\nEOF\n";
  INFO(df);
  Program p = build(df);
  INFO(messages(p));
  REQUIRE_FALSE(p.hasErrors());
  const auto &o = at<OnbuildInstruction>(p, 0, 0);
  CHECK(o.expression == "RUN --mount=type=cache,target=/c <<EOF\necho hi\nEOF");
  REQUIRE(o.trigger);
  const auto *run = o.trigger->as<RunInstruction>();
  REQUIRE(run);
  CHECK(run->flagsUsed == std::vector<std::string>{"mount"});
}

TEST_CASE("CMD/ENTRYPOINT forms", "[ir][cmd]") {
  Program p = build("FROM scratch\nCMD echo $HOME\nENTRYPOINT []\nCMD [\"a\", \"b\"]\n");
  REQUIRE_FALSE(p.hasErrors());
  const auto &cmd = at<CmdInstruction>(p, 0, 0);
  CHECK(cmd.cmd.shellForm);
  REQUIRE(cmd.cmd.args.size() == 1);
  CHECK(cmd.cmd.args[0].expanded() == "echo $HOME"); // the shell expands it, not the builder
  CHECK(at<EntrypointInstruction>(p, 0, 1).empty);
  CHECK_FALSE(at<CmdInstruction>(p, 0, 2).cmd.shellForm);
}

TEST_CASE("UndefinedVar input: unset variables that are not declared ARGs", "[ir][lint-input]") {
  Program p = build("FROM scratch\nARG DECLARED\nENV A=$DECLARED B=$MISSING\nWORKDIR $ALSO_MISSING\n");
  INFO(messages(p));
  CHECK(at<EnvInstruction>(p, 0, 1).undefinedVars == std::vector<std::string>{"MISSING"});
  CHECK(at<WorkdirInstruction>(p, 0, 2).undefinedVars == std::vector<std::string>{"ALSO_MISSING"});
}

TEST_CASE("expansion errors are semantic diagnostics on the word", "[ir][expansion]") {
  Program p = build("FROM scratch\nENV A=${B:-x\nUSER ${X:?must be set}\n");
  REQUIRE(p.diagnostics.size() == 2);
  CHECK_THAT(p.diagnostics[0].message, Catch::Contains("missing '}'"));
  CHECK(p.diagnostics[0].code == "semantic");
  CHECK(p.diagnostics[0].range.begin.line == 1);
  CHECK_THAT(p.diagnostics[1].message, Catch::Contains("X: must be set"));
}

TEST_CASE("programToJson renders stages, operands and 1-based ranges", "[ir][json]") {
  Program p = build("ARG V=1\nFROM alpine:$V AS base\nENV X=$V\nCOPY --from=base a b\n");
  std::string text = programToJson(p, 2);
  auto j = nlohmann::json::parse(text);
  REQUIRE(j["stages"].size() == 1);
  CHECK(j["stages"][0]["name"] == "base");
  CHECK(j["stages"][0]["base"]["image"] == "alpine:1");
  CHECK(j["stages"][0]["baseName"]["raw"] == "alpine:$V");
  CHECK(j["stages"][0]["instructions"][0]["kind"] == "ENV");
  CHECK(j["stages"][0]["instructions"][0]["pairs"][0]["value"]["raw"] == "$V");
  CHECK(j["stages"][0]["instructions"][0]["range"]["start"]["line"] == 3);
  CHECK(j["stages"][0]["instructions"][0]["range"]["start"]["col"] == 1);
  CHECK(j["globalArgs"][0]["args"][0]["value"] == "1");
  // COPY --from its own stage is a cycle.
  REQUIRE(j["diagnostics"].size() == 1);
  CHECK(j["diagnostics"][0]["message"] == "circular dependency detected on stage: base");
  CHECK(j["diagnostics"][0]["range"]["start"]["line"] == 4);
  CHECK(programToJson(p, -1).find('\n') == std::string::npos);
}

TEST_CASE("programToJson survives invalid UTF-8 (fuzz finding)") {
  SyntaxTree tree = parseDockerfile("FROM busybox\nRUN echo \xff\n");
  Program program = buildProgram(tree);
  std::string json = programToJson(program, -1);
  CHECK(json.find("echo \xEF\xBF\xBD") != std::string::npos);
}

TEST_CASE("Operand expansion equals ProcessWord for every word shape (fast paths included)", "[ir][expansion]") {
  // Plain words, whole quoted words and $NAME / ${NAME} references skip the lexer in
  // buildProgram: each must expand exactly as the lexer does, unset names included.
  const char *words[] = {"plain",     "\"q\"",     "'s$x'",      "\"a$A\"",     "$A",       "${A}",
                         "x$A/y${A}z", "$UNSET",   "${UNSET}/p", "$",          "a$",       "$1",
                         "${A:-d}",   "\"\"",      "''",         "\"a\\\"b\"",  "a\\$b",    "$A_B",
                         "${A}B",     "$_",        "\"a'b\"",    "'a\"b'",      "<<x",      "$EMPTY.",
                         "${EMPTY}",  "a\"b\"c",   "\"a\"\"b\"", "$A$A",        "${A}${B}", "'\\'"};
  for (const char *w : words) {
    std::string df = std::string("FROM scratch\nENV A=1 EMPTY=\nWORKDIR ") + w + "\n";
    INFO(df);
    Program p = build(df);
    INFO(messages(p));
    const Stage &st = p.stages.at(0);
    const WorkdirInstruction &wd = at<WorkdirInstruction>(p, 0, 1);
    shell::WordResult r = shell::processWord(wd.path.raw, st.envBefore(1));
    if (!r.ok()) {
      CHECK(p.hasErrors());
      continue;
    }
    CHECK(wd.path.expanded() == r.word);
    std::vector<std::string> undefined = r.unmatched; // none are declared ARGs here
    CHECK(wd.undefinedVars == undefined);
  }
}
