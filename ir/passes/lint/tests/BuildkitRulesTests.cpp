// Tests for the BuildKit build-check rules: each fires at its exact line:col, stays silent on
// the good form, and (where it has one) offers the fix BuildKit's docs recommend.
#include "LintTestSupport.h"

using namespace dfc::lint::test;

static std::string fixText(const std::string &dockerfile, const std::string &rule) {
  auto f = findings(dockerfile, rule);
  INFO(dockerfile);
  REQUIRE(f.size() == 1);
  REQUIRE(f[0].fix);
  REQUIRE(f[0].fix->edits.size() == 1);
  return f[0].fix->edits[0].newText.str();
}

static std::string message(const std::string &dockerfile, const std::string &rule,
                           const dfc::lint::Config &cfg = {}) {
  auto f = findings(dockerfile, rule, cfg);
  INFO(dockerfile);
  REQUIRE(f.size() == 1);
  return f[0].message.str();
}

TEST_CASE("NoEmptyContinuation", "[lint][buildkit]") {
  std::string bad = "FROM a\nRUN echo a \\\n\n  && echo b\n";
  CHECK(fired(bad, "NoEmptyContinuation") == Lines{"2:1"});
  CHECK(message(bad, "NoEmptyContinuation") == "Empty continuation line");
  CHECK(fired("FROM a\nRUN echo a \\\n  && echo b\n", "NoEmptyContinuation").empty());
  CHECK(fired("FROM a\nRUN echo a \\\n# comment\n  && echo b\n", "NoEmptyContinuation").empty());
}

TEST_CASE("ConsistentInstructionCasing", "[lint][buildkit]") {
  CHECK(fired("FROM a\nrun x\nRUN y\n", "ConsistentInstructionCasing") == Lines{"2:1"});
  CHECK(fired("from a\nrun x\nRUN y\n", "ConsistentInstructionCasing") == Lines{"3:1"});
  CHECK(fired("FROM a\nRun x\n", "ConsistentInstructionCasing") == Lines{"2:1"});
  CHECK(fired("FROM a\nRUN x\n", "ConsistentInstructionCasing").empty());
  CHECK(fired("from a\nrun x\n", "ConsistentInstructionCasing").empty());
  CHECK(message("from a\nrun x\nRUN y\n", "ConsistentInstructionCasing") ==
        "Command 'RUN' should match the case of the command majority (lowercase)");
  CHECK(fixText("FROM a\nrun x\nRUN y\n", "ConsistentInstructionCasing") == "RUN");
}

TEST_CASE("DuplicateStageName answers to DL3024", "[lint][buildkit]") {
  CHECK(fired("FROM a AS b\nFROM c AS B\n", "DuplicateStageName") == Lines{"2:11"});
  CHECK(message("FROM a AS b\nFROM c AS b\n", "DuplicateStageName") ==
        "Duplicate stage name \"b\", stage names should be unique");
  CHECK(fired("FROM a AS b\nFROM c AS d\nFROM e\n", "DuplicateStageName").empty());
  CHECK(dfc::lint::findRule("DL3024")->info.id == std::string("DuplicateStageName"));
}

TEST_CASE("ReservedStageName", "[lint][buildkit]") {
  CHECK(fired("FROM a AS scratch\n", "ReservedStageName") == Lines{"1:11"});
  CHECK(fired("FROM a AS context\n", "ReservedStageName") == Lines{"1:11"});
  CHECK(message("FROM a AS scratch\n", "ReservedStageName") ==
        "'scratch' is reserved and should not be used as a stage name");
  CHECK(fired("FROM a AS scratchy\nFROM scratch\n", "ReservedStageName").empty());
}

TEST_CASE("JSONArgsRecommended answers to DL3025", "[lint][buildkit]") {
  CHECK(fired("FROM a\nCMD node server.js\n", "JSONArgsRecommended") == Lines{"2:1"});
  CHECK(fired("FROM a\nENTRYPOINT my-app --serve\n", "JSONArgsRecommended") == Lines{"2:1"});
  CHECK(message("FROM a\nENTRYPOINT x\n", "JSONArgsRecommended") ==
        "JSON arguments recommended for ENTRYPOINT to prevent unintended behavior related to OS signals");
  CHECK(fixText("FROM a\nCMD node \"my server.js\"\n", "JSONArgsRecommended") ==
        "[\"node\", \"my server.js\"]");
  // Shell syntax has no faithful JSON form: reported, but no fix.
  auto f = findings("FROM a\nCMD echo $HOME && run\n", "JSONArgsRecommended");
  REQUIRE(f.size() == 1);
  CHECK_FALSE(f[0].fix);
  CHECK(fired("FROM a\nCMD [\"node\", \"server.js\"]\n", "JSONArgsRecommended").empty());
  CHECK(fired("FROM a\nSHELL [\"/bin/bash\", \"-c\"]\nCMD node server.js\n", "JSONArgsRecommended").empty());
  CHECK(fired("FROM a\nRUN make\n", "JSONArgsRecommended").empty());
  CHECK(dfc::lint::findRule("dl3025") != nullptr);
}

TEST_CASE("UndefinedArgInFrom", "[lint][buildkit]") {
  CHECK(fired("FROM alpine:$VERSION\n", "UndefinedArgInFrom") == Lines{"1:13"});
  CHECK(message("ARG VERSION=1\nFROM alpine:${VERSIN}\n", "UndefinedArgInFrom") ==
        "FROM argument 'VERSIN' is not declared (did you mean VERSION?)");
  CHECK(fired("ARG VERSION=3\nFROM alpine:$VERSION\n", "UndefinedArgInFrom").empty());
  CHECK(fired("ARG VERSION\nFROM alpine:$VERSION\n", "UndefinedArgInFrom").empty());
  CHECK(fired("FROM --platform=$BUILDPLATFORM alpine\n", "UndefinedArgInFrom").empty());
}

TEST_CASE("WorkdirRelativePath answers to DL3000", "[lint][buildkit]") {
  CHECK(fired("FROM a\nWORKDIR app\n", "WorkdirRelativePath") == Lines{"2:9"});
  CHECK(message("FROM a\nWORKDIR app\n", "WorkdirRelativePath") ==
        "Relative workdir \"app\" can have unexpected results if the base image changes");
  CHECK(fired("FROM a\nWORKDIR /app\nWORKDIR sub\n", "WorkdirRelativePath").empty());
  CHECK(fired("FROM a\nWORKDIR C:\\\\app\n", "WorkdirRelativePath").empty());
  CHECK(fired("FROM a\nARG D=/x\nWORKDIR $D\n", "WorkdirRelativePath").empty());
  // Each stage starts over.
  CHECK(fired("FROM a\nWORKDIR /app\nFROM b\nWORKDIR app\n", "WorkdirRelativePath") == Lines{"4:9"});
}

TEST_CASE("UndefinedVar points at the reference and suggests", "[lint][buildkit]") {
  CHECK(fired("FROM a\nENV PATH=$PATH:/x\nRUN echo $FOO\n", "UndefinedVar").empty());
  CHECK(fired("FROM a\nCOPY $SRC /dst\n", "UndefinedVar") == Lines{"2:6"});
  CHECK(fired("FROM a\nARG SRC=x\nCOPY $SRC /dst\n", "UndefinedVar").empty());
  CHECK(fired("FROM a\nENV SRC=x\nCOPY ${SRC} /dst\n", "UndefinedVar").empty());
  CHECK(fired("FROM a\nENV \\\n  X=1 \\\n  Y=${Z:-2}\n", "UndefinedVar") == Lines{"4:5"});
  CHECK(message("FROM a\nENV PYTHONPATH=/app\nENV P=$PYTHONPAT\n", "UndefinedVar") ==
        "Usage of undefined variable '$PYTHONPAT' (did you mean $PYTHONPATH?)");
  CHECK(message("FROM a\nENV P=$NOTHING_LIKE_IT\n", "UndefinedVar") ==
        "Usage of undefined variable '$NOTHING_LIKE_IT'");
}

TEST_CASE("MultipleInstructionsDisallowed answers to DL4003 and DL4004", "[lint][buildkit]") {
  CHECK(fired("FROM a\nCMD [\"a\"]\nCMD [\"b\"]\n", "MultipleInstructionsDisallowed") == Lines{"2:1"});
  CHECK(fired("FROM a\nENTRYPOINT [\"a\"]\nENTRYPOINT [\"b\"]\nENTRYPOINT [\"c\"]\n",
              "MultipleInstructionsDisallowed") == Lines{"2:1", "3:1"});
  CHECK(fired("FROM a\nHEALTHCHECK NONE\nHEALTHCHECK CMD true\n", "MultipleInstructionsDisallowed") == Lines{"2:1"});
  CHECK(message("FROM a\nCMD [\"a\"]\nCMD [\"b\"]\n", "MultipleInstructionsDisallowed") ==
        "Multiple CMD instructions should not be used in the same stage because only the last one will be used");
  CHECK(fired("FROM a\nCMD [\"a\"]\nFROM b\nCMD [\"b\"]\nENTRYPOINT [\"c\"]\n", "MultipleInstructionsDisallowed")
            .empty());
  CHECK(dfc::lint::findRule("DL4004") == dfc::lint::findRule("DL4003"));
}

TEST_CASE("LegacyKeyValueFormat", "[lint][buildkit]") {
  CHECK(fired("FROM a\nENV FOO bar\n", "LegacyKeyValueFormat") == Lines{"2:1"});
  CHECK(fired("FROM a\nLABEL maintainer me\n", "LegacyKeyValueFormat") == Lines{"2:1"});
  CHECK(message("FROM a\nENV FOO bar\n", "LegacyKeyValueFormat") ==
        "\"ENV key=value\" should be used instead of legacy \"ENV key value\" format");
  CHECK(fixText("FROM a\nENV FOO bar\n", "LegacyKeyValueFormat") == "FOO=bar");
  CHECK(fixText("FROM a\nENV FOO bar baz\n", "LegacyKeyValueFormat") == "FOO=\"bar baz\"");
  CHECK(fired("FROM a\nENV FOO=bar A=b\nLABEL x=y\n", "LegacyKeyValueFormat").empty());
}

TEST_CASE("RedundantTargetPlatform", "[lint][buildkit]") {
  std::string bad = "FROM --platform=$TARGETPLATFORM alpine\n";
  CHECK(fired(bad, "RedundantTargetPlatform") == Lines{"1:6"});
  CHECK(message(bad, "RedundantTargetPlatform") ==
        "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior");
  CHECK(fixText(bad, "RedundantTargetPlatform") == "");
  auto f = findings(bad, "RedundantTargetPlatform");
  CHECK(f[0].fix->edits[0].range.begin.offset == 5);
  CHECK(f[0].fix->edits[0].range.end.offset == 32);
  CHECK(fired("FROM --platform=${TARGETPLATFORM} alpine\n", "RedundantTargetPlatform") == Lines{"1:6"});
  CHECK(fired("FROM --platform=$BUILDPLATFORM alpine\nFROM alpine\n", "RedundantTargetPlatform").empty());
}

TEST_CASE("SecretsUsedInArgOrEnv", "[lint][buildkit]") {
  CHECK(fired("FROM a\nARG GITHUB_TOKEN\n", "SecretsUsedInArgOrEnv") == Lines{"2:5"});
  CHECK(fired("FROM a\nENV DB_PASSWORD=x AWS_SECRET_KEY=y\n", "SecretsUsedInArgOrEnv") == Lines{"2:5", "2:19"});
  CHECK(fired("ARG API_KEY\nFROM a\n", "SecretsUsedInArgOrEnv") == Lines{"1:5"});
  CHECK(message("FROM a\nARG GITHUB_TOKEN\n", "SecretsUsedInArgOrEnv") ==
        "Do not use ARG or ENV instructions for sensitive data (ARG \"GITHUB_TOKEN\")");
  CHECK(fired("FROM a\nARG PUBLIC_KEY\nENV TOKENIZER=x KEYBOARD=y MONKEY=z\n", "SecretsUsedInArgOrEnv").empty());
}

TEST_CASE("InvalidDefaultArgInFrom", "[lint][buildkit]") {
  CHECK(fired("ARG TAG\nFROM node:${TAG}\n", "InvalidDefaultArgInFrom") == Lines{"2:6"});
  CHECK(fired("ARG IMAGE\nFROM $IMAGE\n", "InvalidDefaultArgInFrom") == Lines{"2:6"});
  CHECK(message("ARG IMAGE\nFROM $IMAGE\n", "InvalidDefaultArgInFrom") ==
        "Default value for ARG $IMAGE results in empty or invalid base image name");
  CHECK(fired("ARG TAG=20\nFROM node:${TAG}\n", "InvalidDefaultArgInFrom").empty());
  CHECK(fired("ARG IMAGE=alpine\nFROM $IMAGE\nFROM node:20\n", "InvalidDefaultArgInFrom").empty());
  CHECK(fired("ARG REG=ghcr.io:443\nFROM ${REG}/a/b:1@sha256:abc\n", "InvalidDefaultArgInFrom").empty());
}

TEST_CASE("FromPlatformFlagConstDisallowed", "[lint][buildkit]") {
  CHECK(fired("FROM --platform=linux/amd64 alpine\n", "FromPlatformFlagConstDisallowed") == Lines{"1:6"});
  CHECK(message("FROM --platform=linux/amd64 alpine\n", "FromPlatformFlagConstDisallowed") ==
        "FROM --platform flag should not use constant value \"linux/amd64\"");
  CHECK(fired("FROM --platform=$BUILDPLATFORM alpine\n", "FromPlatformFlagConstDisallowed").empty());
  CHECK(fired("FROM --platform=linux/arm64 alpine AS build-arm64\n", "FromPlatformFlagConstDisallowed").empty());
}

TEST_CASE("CopyIgnoredFile reads Config::dockerignore", "[lint][buildkit]") {
  dfc::lint::Config cfg;
  cfg.dockerignore = {"*.md", "!README.md", "secrets", "**/*.log", "build/"};
  std::string df = "FROM a\nCOPY NOTES.md README.md /x/\nADD secrets/key.pem /k\nCOPY a/b/c.log ./build/out /\n"
                   "COPY --from=other NOTES.md /y\nCOPY src /src\n";
  CHECK(fired(df, "CopyIgnoredFile", cfg) == Lines{"2:6", "3:5", "4:6", "4:16"});
  CHECK(message("FROM a\nCOPY NOTES.md /\n", "CopyIgnoredFile", cfg) ==
        "Attempting to Copy file \"NOTES.md\" that is excluded by .dockerignore");
  // No .dockerignore, nothing to say.
  CHECK(fired(df, "CopyIgnoredFile").empty());
}

TEST_CASE("ExposeProtoCasing", "[lint][buildkit]") {
  CHECK(fired("FROM a\nEXPOSE 80/TCP 443/tcp\n", "ExposeProtoCasing") == Lines{"2:8"});
  CHECK(message("FROM a\nEXPOSE 80/TcP\n", "ExposeProtoCasing") ==
        "Defined protocol '80/TcP' in EXPOSE instruction should be lowercase");
  CHECK(fixText("FROM a\nEXPOSE 80/UDP\n", "ExposeProtoCasing") == "80/udp");
  CHECK(fired("FROM a\nEXPOSE 80/tcp 53/udp 8080\n", "ExposeProtoCasing").empty());
}

TEST_CASE("ExposeInvalidFormat", "[lint][buildkit]") {
  CHECK(fired("FROM a\nEXPOSE 80 127.0.0.1:80:80 8080:80\n", "ExposeInvalidFormat") == Lines{"2:11", "2:27"});
  CHECK(message("FROM a\nEXPOSE 8080:80\n", "ExposeInvalidFormat") ==
        "EXPOSE instruction should not define an IP address or host-port mapping, found '8080:80'");
  CHECK(fired("FROM a\nEXPOSE 80 443/tcp 1000-2000/udp\n", "ExposeInvalidFormat").empty());
}
