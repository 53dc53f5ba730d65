// Tests for dfc's own rules (layer hygiene, cache use, dead stages and args, useless ignore
// comments) and the dockerfile-utils checks our IR diagnostics do not cover.
#include "LintTestSupport.h"

using namespace dfc::lint::test;
using dfc::Severity;
using dfc::lint::Finding;
using dfc::lint::Rule;
using dfc::lint::RuleTag;

static std::string message(const std::string &dockerfile, const std::string &rule,
                           const dfc::lint::Config &cfg = {}) {
  auto f = findings(dockerfile, rule, cfg);
  INFO(dockerfile);
  REQUIRE(f.size() == 1);
  return f[0].message.str();
}

TEST_CASE("CopyAllBeforeInstall", "[lint][dfc]") {
  CHECK(fired("FROM node\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", "CopyAllBeforeInstall") == Lines{"3:1"});
  CHECK(fired("FROM python\nCOPY ./ /src\nRUN pip install -r /src/requirements.txt\n", "CopyAllBeforeInstall") ==
        Lines{"2:1"});
  CHECK(fired("FROM golang\nCOPY . .\nRUN go mod download && go build\n", "CopyAllBeforeInstall") == Lines{"2:1"});
  CHECK(message("FROM ruby\nCOPY . .\nRUN bundle install\n", "CopyAllBeforeInstall") ==
        "COPY of the whole context before `bundle install` (line 3) reruns the install on every source change; "
        "copy the dependency manifests first, install, then copy the rest");
  // The good order, a build step (not an install), and a copy from another stage stay silent.
  CHECK(fired("FROM node\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n",
              "CopyAllBeforeInstall")
            .empty());
  CHECK(fired("FROM node\nCOPY . .\nRUN make\n", "CopyAllBeforeInstall").empty());
  CHECK(fired("FROM a AS b\nFROM node\nCOPY --from=b . .\nRUN npm install\n", "CopyAllBeforeInstall").empty());
}

TEST_CASE("DeleteInLaterLayer", "[lint][dfc]") {
  CHECK(fired("FROM a\nCOPY big.tar.gz /tmp/\nRUN tar xf /tmp/big.tar.gz\nRUN rm -f /tmp/big.tar.gz\n",
              "DeleteInLaterLayer") == Lines{"4:11"});
  CHECK(fired("FROM a\nWORKDIR /app\nCOPY . .\nRUN rm -rf tests\n", "DeleteInLaterLayer") == Lines{"4:12"});
  CHECK(fired("FROM a\nRUN curl -o /tmp/x.deb https://e/x.deb\nRUN dpkg -i /tmp/x.deb && rm /tmp/x.deb\n",
              "DeleteInLaterLayer") == Lines{"3:30"});
  CHECK(message("FROM a\nADD x.zip /opt/x.zip\nRUN rm /opt/x.zip\n", "DeleteInLaterLayer") ==
        "'/opt/x.zip' was added in an earlier layer (line 2); deleting it in a later RUN does not make the image "
        "smaller");
  // Download and delete in one RUN is the right way; deleting something never added is fine.
  CHECK(fired("FROM a\nRUN curl -o /tmp/x.deb https://e/x.deb && dpkg -i /tmp/x.deb && rm /tmp/x.deb\n",
              "DeleteInLaterLayer")
            .empty());
  CHECK(fired("FROM a\nCOPY app /app\nRUN rm -rf /var/lib/apt/lists/*\n", "DeleteInLaterLayer").empty());
}

TEST_CASE("AptUpdateAlone", "[lint][dfc]") {
  CHECK(fired("FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n", "AptUpdateAlone") == Lines{"2:5"});
  CHECK(fired("FROM debian\nRUN set -e; apt update\n", "AptUpdateAlone") == Lines{"2:13"});
  CHECK(fired("FROM debian\nRUN apt-get update && apt-get install -y curl\n", "AptUpdateAlone").empty());
  CHECK(fired("FROM debian\nRUN [\"apt-get\", \"update\"]\n", "AptUpdateAlone").empty());
}

TEST_CASE("AddUrlWithoutChecksum", "[lint][dfc]") {
  CHECK(fired("FROM a\nADD https://example.com/x.tgz /x.tgz\n", "AddUrlWithoutChecksum") == Lines{"2:5"});
  CHECK(message("FROM a\nADD http://e/x /x\n", "AddUrlWithoutChecksum") ==
        "ADD of 'http://e/x' without --checksum: the download is neither verified nor reproducible");
  CHECK(fired("FROM a\nADD --checksum=sha256:0123 https://example.com/x.tgz /x.tgz\n", "AddUrlWithoutChecksum")
            .empty());
  CHECK(fired("FROM a\nADD https://github.com/moby/buildkit.git#v0.10.1 /src\nADD local.tgz /\n",
              "AddUrlWithoutChecksum")
            .empty());
}

TEST_CASE("ChownAfterCopy", "[lint][dfc]") {
  CHECK(fired("FROM a\nCOPY app /app\nRUN chown -R node:node /app\n", "ChownAfterCopy") == Lines{"3:5"});
  CHECK(fired("FROM a\nWORKDIR /srv\nCOPY . .\nRUN chown -R www /srv/html\n", "ChownAfterCopy") == Lines{"4:5"});
  CHECK(message("FROM a\nCOPY app /app\nRUN chown -R u:g /app\n", "ChownAfterCopy") ==
        "chown of '/app' copied at line 2 stores the files twice; use COPY --chown=u:g instead");
  CHECK(fired("FROM a\nCOPY --chown=node app /app\nRUN chown -R node /app\n", "ChownAfterCopy").empty());
  CHECK(fired("FROM a\nCOPY app /app\nRUN chown -R node /data\n", "ChownAfterCopy").empty());
}

TEST_CASE("PreferCacheMount", "[lint][dfc]") {
  CHECK(fired("FROM node\nRUN npm ci && npm cache clean --force\n", "PreferCacheMount") == Lines{"2:15"});
  CHECK(fired("FROM python\nRUN pip install x && rm -rf /root/.cache/pip\n", "PreferCacheMount") == Lines{"2:22"});
  CHECK(fired("FROM debian\nRUN apt-get install -y x && apt-get clean\n", "PreferCacheMount") == Lines{"2:29"});
  CHECK(message("FROM node\nRUN npm cache clean --force\n", "PreferCacheMount") ==
        "`npm cache clean` throws the package cache away on every build; use RUN "
        "--mount=type=cache,target=/root/.npm instead");
  CHECK(fired("FROM node\nRUN --mount=type=cache,target=/root/.npm npm ci && npm cache clean --force\n",
              "PreferCacheMount")
            .empty());
  CHECK(fired("FROM node\nRUN npm ci\n", "PreferCacheMount").empty());
}

TEST_CASE("UnusedStage", "[lint][dfc]") {
  CHECK(fired("FROM a AS old\nFROM b AS build\nFROM c\nCOPY --from=build /x /x\n", "UnusedStage") == Lines{"1:11"});
  CHECK(fired("FROM a\nFROM b\n", "UnusedStage") == Lines{"1:1"});
  CHECK(message("FROM a AS old\nFROM c AS final\n", "UnusedStage") ==
        "Stage 'old' is not used by the target stage 'final' and is never built (unless selected with --target)");
  CHECK(fired("FROM a AS base\nFROM base AS build\nFROM c\nCOPY --from=build /x /x\n", "UnusedStage").empty());
  CHECK(fired("FROM a AS cache\nFROM c\nRUN --mount=from=cache,target=/c true\n", "UnusedStage").empty());
}

TEST_CASE("UnusedArg", "[lint][dfc]") {
  CHECK(fired("ARG UNUSED=1\nFROM a\n", "UnusedArg") == Lines{"1:5"});
  CHECK(fired("FROM a\nARG NAME=x\nCOPY a /b\n", "UnusedArg") == Lines{"2:5"});
  CHECK(message("FROM a\nARG NAME=x\n", "UnusedArg") == "ARG 'NAME' is declared but never used");
  CHECK(fired("ARG V=1\nFROM a:$V\nARG W\nCOPY $W /w\n", "UnusedArg").empty());
  CHECK(fired("ARG V=1\nFROM a\nARG V\nRUN make\n", "UnusedArg").empty());
  // RUN sees every ARG as an environment variable (DEBIAN_FRONTEND, proxies...).
  CHECK(fired("FROM a\nARG DEBIAN_FRONTEND=noninteractive\nRUN apt-get install -y x\n", "UnusedArg").empty());
  CHECK(fired("FROM a\nARG A=1 B=$A\nENV B=$B\n", "UnusedArg").empty());
  CHECK(fired("FROM a\nARG F=x\nCOPY <<EOF /f\n${F}\nEOF\n", "UnusedArg").empty());
}

TEST_CASE("UselessSuppression", "[lint][dfc]") {
  // Suppresses a real finding: nothing to say.
  CHECK(fired("FROM a\n# hadolint ignore=DL4000\nMAINTAINER me\n", "UselessSuppression").empty());
  CHECK(fired("# hadolint global ignore=DL4000\nFROM a\nMAINTAINER me\n", "UselessSuppression").empty());
  CHECK(fired("FROM a\n# dfc ignore=all\nMAINTAINER me\n", "UselessSuppression").empty());
  CHECK(fired("FROM a\n# hadolint ignore=dl4000\nMAINTAINER me\n", "UselessSuppression").empty());
  CHECK(fired("FROM a\n# dfc ignore=ALL\nRUN true\n", "UselessSuppression") == Lines{"2:1"});
  CHECK(fired("FROM a\n# dfc ignore=UselessSuppression,DL3024\nRUN true\n", "UselessSuppression").empty());
  // Suppresses nothing.
  CHECK(fired("FROM a\n# hadolint ignore=DL4000\nRUN true\n", "UselessSuppression") == Lines{"2:1"});
  CHECK(fired("# dfc global ignore=MaintainerDeprecated\nFROM a\n", "UselessSuppression") == Lines{"1:1"});
  CHECK(message("FROM a\n# dfc ignore=StageNameCasing\nRUN true\n", "UselessSuppression") ==
        "Suppression of 'StageNameCasing' has no effect: the next instruction does not trigger it");
  // One useful and one useless name in one comment: only the useless one is reported.
  CHECK(fired("FROM a\n# hadolint ignore=DL4000,DL3024\nMAINTAINER me\n", "UselessSuppression") == Lines{"2:1"});
  // Names of other tools, and rules the configuration turned off, cannot be judged.
  CHECK(fired("FROM a\n# hadolint ignore=SC9999,XX1234\nRUN true\n", "UselessSuppression").empty());
  // ShellCheck and SyntaxError findings are added by the CLI after lint(): not judged here.
  CHECK(fired("FROM a\n# dfc ignore=ShellCheck,SyntaxError\nRUN true\n", "UselessSuppression").empty());
  dfc::lint::Config cfg;
  cfg.ignored.insert("MaintainerDeprecated");
  CHECK(fired("FROM a\n# hadolint ignore=DL4000\nRUN true\n", "UselessSuppression", cfg).empty());
  cfg.ignored = {"UselessSuppression"};
  CHECK(fired("FROM a\n# hadolint ignore=DL4000\nRUN true\n", "UselessSuppression", cfg).empty());
  // Suppressions keep working as before for the rule they name.
  CHECK(fired("FROM a\n# hadolint ignore=DL4000\nMAINTAINER me\n", "MaintainerDeprecated").empty());
}

TEST_CASE("InvalidStopSignal (dockerfile-utils)", "[lint][dockerfile-utils]") {
  CHECK(fired("FROM a\nSTOPSIGNAL SIGFOO\n", "InvalidStopSignal") == Lines{"2:12"});
  CHECK(fired("FROM a\nSTOPSIGNAL 99\n", "InvalidStopSignal") == Lines{"2:12"});
  CHECK(message("FROM a\nSTOPSIGNAL TERMINATE\n", "InvalidStopSignal") ==
        "Invalid stop signal: 'TERMINATE' is not a signal name or number");
  for (const char *ok : {"SIGTERM", "TERM", "sigkill", "9", "SIGRTMIN+3", "$SIG"}) {
    std::string df = std::string("FROM a\nARG SIG=TERM\nSTOPSIGNAL ") + ok + "\n";
    INFO(df);
    CHECK(fired(df, "InvalidStopSignal").empty());
  }
}

TEST_CASE("InstructionCasing (dockerfile-utils)", "[lint][dockerfile-utils]") {
  // Every keyword with a lower-case letter, in any file (BuildKit's rule only wants one case).
  CHECK(fired("from a\nrun x\n", "InstructionCasing") == Lines{"1:1", "2:1"});
  CHECK(fired("FROM a\nRun x\nRUN y\n", "InstructionCasing") == Lines{"2:1"});
  CHECK(fired("FROM a\nONBUILD copy . /x\nonbuild RUN y\n", "InstructionCasing") == Lines{"2:9", "3:1"});
  CHECK(fired("FROM a\nRUN x\nSTOPSIGNAL 9\n", "InstructionCasing").empty());
  CHECK(fired("FROM a\nfrobnicate x\n", "InstructionCasing").empty()); // SyntaxError's job
  std::vector<Finding> f = findings("FROM a\nworkdir /x\n", "InstructionCasing");
  REQUIRE(f.size() == 1);
  CHECK(f[0].message == "Instruction 'workdir' should be written in uppercase ('WORKDIR')");
  CHECK(f[0].severity == Severity::Style);
  REQUIRE(f[0].fix);
  CHECK(f[0].fix->edits[0].newText == "WORKDIR");
}

TEST_CASE("rule tags for editors are data beside each rule", "[lint]") {
  using dfc::lint::findRule;
  using dfc::lint::ruleTag;
  CHECK(ruleTag(findRule("MaintainerDeprecated")->info) == RuleTag::Deprecated);
  CHECK(ruleTag(findRule("LegacyKeyValueFormat")->info) == RuleTag::Deprecated);
  for (const char *id : {"UnusedArg", "UnusedStage", "UselessSuppression", "RedundantTargetPlatform", "NoEmptyContinuation"})
    CHECK(ruleTag(findRule(id)->info) == RuleTag::Unnecessary);
  CHECK(ruleTag(findRule("StageNameCasing")->info) == RuleTag::None);
  size_t tagged = 0;
  for (const Rule *r : dfc::lint::allRules())
    tagged += ruleTag(r->info) != RuleTag::None;
  CHECK(tagged == 7);
}

TEST_CASE("JsonInSingleQuotes (dockerfile-utils)", "[lint][dockerfile-utils]") {
  CHECK(fired("FROM a\nCMD ['node', 'server.js']\n", "JsonInSingleQuotes") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN --network=none ['make']\n", "JsonInSingleQuotes") == Lines{"2:20"});
  CHECK(fired("FROM a\nHEALTHCHECK --interval=5s CMD ['curl', '-f', 'http://x/']\n", "JsonInSingleQuotes") ==
        Lines{"2:31"});
  CHECK(fired("FROM a\nONBUILD ENTRYPOINT ['x']\n", "JsonInSingleQuotes") == Lines{"2:20"});
  CHECK(message("FROM a\nCMD ['a']\n", "JsonInSingleQuotes") ==
        "JSON arrays must use double quotes: this CMD is taken as a shell command");
  auto f = findings("FROM a\nENTRYPOINT ['my app', \"--x\"]\n", "JsonInSingleQuotes");
  REQUIRE(f.size() == 1);
  REQUIRE(f[0].fix);
  CHECK(f[0].fix->edits[0].newText == "[\"my app\", \"--x\"]");
  for (const char *ok : {"CMD [\"a\", \"b\"]", "CMD echo '[a]'", "RUN [ -f x ] && echo ok", "CMD ['a' 'b']",
                         "ENV X=['a']"}) {
    std::string df = std::string("FROM a\n") + ok + "\n";
    INFO(df);
    CHECK(fired(df, "JsonInSingleQuotes").empty());
  }
}
