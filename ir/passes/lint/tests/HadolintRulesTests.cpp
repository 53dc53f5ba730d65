// Tests for the hadolint (DLxxxx) rules: where each fires (line:col), where it must stay silent,
// and that its DL code reaches it through suppressions and configuration.
#include "LintTestSupport.h"

using namespace dfc::lint::test;

TEST_CASE("LastUserRoot (DL3002)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nUSER root\n", "LastUserRoot") == Lines{"2:1"});
  CHECK(fired("FROM a\nUSER 0:0\n", "LastUserRoot") == Lines{"2:1"});
  CHECK(fired("FROM a\nARG U=root\nUSER $U\n", "LastUserRoot") == Lines{"3:1"});
  CHECK(fired("FROM a\nUSER root\nRUN x\nUSER app\n", "LastUserRoot").empty());
  CHECK(fired("FROM a\nUSER app\n", "LastUserRoot").empty());
  // Only the final stage's user reaches the image.
  CHECK(fired("FROM a AS b\nUSER root\nFROM c\nUSER app\n", "LastUserRoot").empty());
  CHECK(fired("FROM a\nUSER rootless\n", "LastUserRoot").empty());
}

TEST_CASE("UseWorkdir (DL3003)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN cd /x && make\n", "UseWorkdir") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN set -e; make -C /x; (cd y; make)\n", "UseWorkdir") == Lines{"2:26"});
  CHECK(fired("FROM a\nWORKDIR /x\nRUN make\n", "UseWorkdir").empty());
  CHECK(fired("FROM a\nRUN echo cd\n", "UseWorkdir").empty());
  CHECK(fired("FROM a\n# hadolint ignore=DL3003\nRUN cd /x && make\n", "UseWorkdir").empty());
}

TEST_CASE("NoSudo (DL3004)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN sudo apt-get update\n", "NoSudo") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN x && /usr/bin/sudo -u app make\n", "NoSudo") == Lines{"2:10"});
  CHECK(fired("FROM a\nRUN echo sudo\n", "NoSudo").empty());
  CHECK(fired("FROM a\nRUN [\"sudo\", \"x\"]\n", "NoSudo").empty()); // exec form: no shell to read
}

TEST_CASE("ImageTagMissing (DL3006)", "[lint][hadolint]") {
  CHECK(fired("FROM debian\n", "ImageTagMissing") == Lines{"1:6"});
  CHECK(fired("FROM localhost:5000/app\n", "ImageTagMissing") == Lines{"1:6"});
  CHECK(fired("ARG IMG=debian\nFROM $IMG\n", "ImageTagMissing") == Lines{"2:6"});
  CHECK(fired("ARG IMG=debian:12\nFROM $IMG\n", "ImageTagMissing").empty());
  CHECK(fired("FROM debian:12\n", "ImageTagMissing").empty());
  CHECK(fired("FROM localhost:5000/app:1\n", "ImageTagMissing").empty());
  CHECK(fired("FROM debian@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
              "ImageTagMissing")
            .empty());
  CHECK(fired("FROM scratch\n", "ImageTagMissing").empty());
  CHECK(fired("FROM debian:12 AS base\nFROM base\n", "ImageTagMissing").empty());
  CHECK(fired("FROM debian:12 AS Base\nFROM BASE\n", "ImageTagMissing").empty());
}

TEST_CASE("ImageLatestTag (DL3007)", "[lint][hadolint]") {
  CHECK(fired("FROM debian:latest\n", "ImageLatestTag") == Lines{"1:6"});
  CHECK(fired("ARG T=latest\nFROM reg.io:443/x/debian:$T AS b\n", "ImageLatestTag") == Lines{"2:6"});
  CHECK(fired("FROM debian:12\n", "ImageLatestTag").empty());
  CHECK(fired("FROM debian\n", "ImageLatestTag").empty()); // DL3006's business
  CHECK(fired("FROM latest:1\n", "ImageLatestTag").empty());
}

TEST_CASE("AptGetPinVersions (DL3008)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN apt-get install -y x\n", "AptGetPinVersions") == Lines{"2:24"});
  CHECK(fired("FROM a\nRUN apt-get update && \\\n    apt-get install -y \\\n      x=1 y\n",
              "AptGetPinVersions") == Lines{"4:11"});
  CHECK(fired("FROM a\nRUN sudo apt-get -o Dpkg::Options::=--force-confnew install a\n",
              "AptGetPinVersions") == Lines{"2:61"});
  CHECK(fired("FROM a\nRUN apt-get install -y x=1 y/bookworm ./z.deb $PKGS\n", "AptGetPinVersions").empty());
  CHECK(fired("FROM a\nRUN apt-get -t bookworm-backports install -y x=1\n", "AptGetPinVersions").empty());
  CHECK(fired("FROM a\nRUN apt-get update\n", "AptGetPinVersions").empty());
  CHECK(fired("FROM a\nRUN apt-cache show x\n", "AptGetPinVersions").empty());
}

TEST_CASE("AptListsNotDeleted (DL3009)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN apt-get update && apt-get install -y x\n", "AptListsNotDeleted") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*\n",
              "AptListsNotDeleted")
            .empty());
  CHECK(
      fired("FROM a\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install x\n",
            "AptListsNotDeleted")
          .empty());
  // Removing the lists in a later RUN does not shrink the earlier layer.
  CHECK(fired("FROM a\nRUN apt-get update\nRUN rm -rf /var/lib/apt/lists/*\n", "AptListsNotDeleted") ==
        Lines{"2:5"});
  // A builder stage's layers are not shipped; a base stage's are.
  CHECK(fired("FROM a AS build\nRUN apt-get update\nFROM b\nCOPY --from=build /x /x\n", "AptListsNotDeleted")
            .empty());
  CHECK(fired("FROM a AS base\nRUN apt-get update\nFROM base\nRUN x\n", "AptListsNotDeleted") ==
        Lines{"2:5"});
}

TEST_CASE("AptGetYes (DL3014)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN apt-get install x=1\n", "AptGetYes") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN apt-get update && sudo apt-get install x=1\n", "AptGetYes") == Lines{"2:23"});
  CHECK(fired("FROM a\nRUN apt-get install -y x\n", "AptGetYes").empty());
  CHECK(fired("FROM a\nRUN apt-get -qy install x\n", "AptGetYes").empty());
  CHECK(fired("FROM a\nRUN apt-get install --assume-yes x\n", "AptGetYes").empty());
  CHECK(fired("FROM a\nRUN apt-get -qq install x\n", "AptGetYes").empty());
  CHECK(fired("FROM a\nRUN apt-get update\n", "AptGetYes").empty());
}

TEST_CASE("AptGetNoInstallRecommends (DL3015)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN apt-get install -y x\n", "AptGetNoInstallRecommends") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN apt-get install -y --no-install-recommends x\n", "AptGetNoInstallRecommends")
            .empty());
  CHECK(fired("FROM a\nRUN apt-get -o APT::Install-Recommends=false install -y x\n",
              "AptGetNoInstallRecommends")
            .empty());
  CHECK(fired("FROM a\nRUN apt-get -o APT::Install-Recommends=true install -y x\n",
              "AptGetNoInstallRecommends") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN apt-get upgrade -y\n", "AptGetNoInstallRecommends").empty());
}

TEST_CASE("UseAptGet (DL3027)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN apt install -y x\n", "UseAptGet") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN x; sudo apt update\n", "UseAptGet") == Lines{"2:13"});
  CHECK(fired("FROM a\nRUN apt-get install -y x && apt-cache policy x\n", "UseAptGet").empty());
  CHECK(fired("FROM a\nRUN echo apt\n", "UseAptGet").empty());
}

TEST_CASE("PipPinVersions (DL3013)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN pip install flask\n", "PipPinVersions") == Lines{"2:17"});
  CHECK(fired("FROM a\nRUN python3 -m pip install -U a==1 b\n", "PipPinVersions") == Lines{"2:36"});
  CHECK(fired("FROM a\nRUN pip3 install --no-cache-dir -r requirements.txt\n", "PipPinVersions").empty());
  CHECK(fired("FROM a\nRUN pip install 'a>=1' b~=2 ./pkg c.whl git+https://x/y.git -e . d@https://x\n",
              "PipPinVersions")
            .empty());
  CHECK(fired("FROM a\nRUN pip download flask && pip --version\n", "PipPinVersions").empty());
}

TEST_CASE("PipNoCacheDir (DL3042)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN pip install a==1\n", "PipNoCacheDir") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN pip install --no-cache-dir a==1\n", "PipNoCacheDir").empty());
  CHECK(fired("FROM a\nENV PIP_NO_CACHE_DIR=1\nRUN pip install a==1\n", "PipNoCacheDir").empty());
  CHECK(fired("FROM a\nRUN PIP_NO_CACHE_DIR=1 pip install a==1\n", "PipNoCacheDir").empty());
  CHECK(fired("FROM a\nRUN --mount=type=cache,target=/root/.cache/pip pip install a==1\n", "PipNoCacheDir")
            .empty());
  CHECK(fired("FROM a\nRUN pip freeze\n", "PipNoCacheDir").empty());
}

TEST_CASE("NpmPinVersions (DL3016)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN npm install -g express\n", "NpmPinVersions") == Lines{"2:20"});
  CHECK(fired("FROM a\nRUN npm i @angular/cli react@18\n", "NpmPinVersions") == Lines{"2:11"});
  CHECK(fired("FROM a\nRUN npm install\n", "NpmPinVersions").empty());
  CHECK(fired("FROM a\nRUN npm ci && npm install express@4 @scope/x@1 ./local git+https://h/r.git x.tgz\n",
              "NpmPinVersions")
            .empty());
}

TEST_CASE("ApkPinVersions (DL3018)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN apk add --no-cache curl\n", "ApkPinVersions") == Lines{"2:24"});
  CHECK(fired("FROM a\nRUN apk add --virtual .deps gcc=13.2 musl-dev\n", "ApkPinVersions") == Lines{"2:38"});
  CHECK(fired("FROM a\nRUN apk add curl=8.5.0-r0 bash~5 ./x.apk $EXTRA\n", "ApkPinVersions").empty());
  CHECK(fired("FROM a\nRUN apk del curl && apk update\n", "ApkPinVersions").empty());
}

TEST_CASE("ApkNoCache (DL3019)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN apk add curl=1\n", "ApkNoCache") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN apk add --no-cache curl=1\n", "ApkNoCache").empty());
  CHECK(fired("FROM a\nRUN --mount=type=cache,target=/var/cache/apk apk add curl=1\n", "ApkNoCache").empty());
  CHECK(fired("FROM a\nRUN apk info\n", "ApkNoCache").empty());
}

TEST_CASE("GemPinVersions (DL3028)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN gem install bundler\n", "GemPinVersions") == Lines{"2:17"});
  CHECK(fired("FROM a\nRUN gem install bundler:2.5.0 rake:13\n", "GemPinVersions").empty());
  CHECK(fired("FROM a\nRUN gem install bundler -v 2.5.0\n", "GemPinVersions").empty());
  CHECK(fired("FROM a\nRUN gem update --system\n", "GemPinVersions").empty());
}

TEST_CASE("CopyInsteadOfAdd (DL3020) with fix", "[lint][hadolint]") {
  CHECK(fired("FROM a\nADD app.py /app/\n", "CopyInsteadOfAdd") == Lines{"2:1"});
  auto f = findings("FROM a\nadd . /app\n", "CopyInsteadOfAdd");
  REQUIRE(f.size() == 1);
  REQUIRE(f[0].fix);
  CHECK(f[0].fix->edits[0].newText == "copy");
  CHECK(f[0].fix->edits[0].range.begin.column == 0);
  CHECK(f[0].fix->edits[0].range.end.column == 3);
  CHECK(findings("FROM a\nADD x /y\n", "CopyInsteadOfAdd")[0].fix->edits[0].newText == "COPY");
  CHECK(fired("FROM a\nADD https://example.com/x.txt /x\n", "CopyInsteadOfAdd").empty());
  CHECK(fired("FROM a\nADD rootfs.tar.gz /\n", "CopyInsteadOfAdd").empty());
  CHECK(fired("FROM a\nADD --checksum=sha256:abc x /y\n", "CopyInsteadOfAdd").empty());
  CHECK(fired("FROM a\nADD git@github.com:o/r.git /src\n", "CopyInsteadOfAdd").empty());
}

TEST_CASE("CopyDestTrailingSlash (DL3021)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nCOPY a b /dest\n", "CopyDestTrailingSlash") == Lines{"2:10"});
  CHECK(fired("FROM a\nCOPY [\"a\", \"b\", \"/dest\"]\n", "CopyDestTrailingSlash") == Lines{"2:17"});
  CHECK(fired("FROM a\nCOPY a b /dest/\n", "CopyDestTrailingSlash").empty());
  CHECK(fired("FROM a\nCOPY a /dest\n", "CopyDestTrailingSlash").empty());
}

TEST_CASE("CopyFromUnknownStage (DL3022)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nCOPY --from=builder /x /x\n", "CopyFromUnknownStage") == Lines{"2:6"});
  // A stage defined later is not a previously defined alias.
  CHECK(fired("FROM a\nCOPY --from=later /x /x\nFROM b AS later\n", "CopyFromUnknownStage") == Lines{"2:6"});
  CHECK(fired("FROM a AS builder\nFROM b\nCOPY --from=builder /x /x\n", "CopyFromUnknownStage").empty());
  CHECK(fired("FROM a\nFROM b\nCOPY --from=0 /x /x\n", "CopyFromUnknownStage").empty());
  CHECK(fired("FROM a\nCOPY --from=nginx:1.25 /etc/nginx /x\n", "CopyFromUnknownStage").empty());
  CHECK(fired("FROM a\nCOPY --from=ghcr.io/o/img /x /x\n", "CopyFromUnknownStage").empty());
  CHECK(fired("FROM a AS me\nCOPY --from=me /x /x\n", "CopyFromUnknownStage").empty());
}

TEST_CASE("CopyFromOwnStage (DL3023)", "[lint][hadolint]") {
  CHECK(fired("FROM a AS me\nCOPY --from=me /x /x\n", "CopyFromOwnStage") == Lines{"2:6"});
  CHECK(fired("FROM a AS Me\nCOPY --from=ME /x /x\n", "CopyFromOwnStage") == Lines{"2:6"});
  CHECK(fired("FROM a\nFROM b\nCOPY --from=1 /x /x\n", "CopyFromOwnStage") == Lines{"3:6"});
  CHECK(fired("FROM a AS me\nFROM b\nCOPY --from=me /x /x\n", "CopyFromOwnStage").empty());
}

TEST_CASE("NoPlatformFlag (DL3029)", "[lint][hadolint]") {
  CHECK(fired("FROM --platform=linux/amd64 debian:12\n", "NoPlatformFlag") == Lines{"1:6"});
  CHECK(fired("FROM --platform=$BUILDPLATFORM golang:1 AS build\n", "NoPlatformFlag").empty());
  CHECK(fired("FROM debian:12\n", "NoPlatformFlag").empty());
}

TEST_CASE("yum, dnf and zypper rules (DL3030-DL3041)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN yum install httpd-2.4 && yum clean all\n", "YumYes") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN yum install -y httpd-2.4 && yum clean all\n", "YumYes").empty());
  CHECK(fired("FROM a\nRUN yum --assumeyes install httpd-2.4\n", "YumYes").empty());
  CHECK(fired("FROM a\nRUN yum install -y httpd\n", "YumClean") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN yum install -y httpd && yum clean all\n", "YumClean").empty());
  CHECK(fired("FROM a\nRUN yum install -y httpd && rm -rf /var/cache/yum\n", "YumClean").empty());
  CHECK(fired("FROM a\nRUN yum install -y httpd-2.4.6 mod_ssl\n", "YumPinVersions") == Lines{"2:32"});
  CHECK(fired("FROM a\nRUN yum install -y ./x.rpm httpd-2.4.6\n", "YumPinVersions").empty());

  CHECK(fired("FROM a\nRUN dnf install x-1 && dnf clean all\n", "DnfYes") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN microdnf install -y x-1\n", "DnfYes").empty());
  CHECK(fired("FROM a\nRUN dnf -y install x-1\n", "DnfClean") == Lines{"2:5"});
  CHECK(
      fired("FROM a\nRUN --mount=type=cache,target=/var/cache/dnf dnf -y install x-1\n", "DnfClean").empty());
  CHECK(fired("FROM a\nRUN dnf -y install x\n", "DnfPinVersions") == Lines{"2:20"});
  CHECK(fired("FROM a\nRUN dnf -y install x-1.0\n", "DnfPinVersions").empty());

  CHECK(fired("FROM a\nRUN zypper install x=1 && zypper clean\n", "ZypperNonInteractive") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN zypper -n install x=1\n", "ZypperNonInteractive").empty());
  CHECK(fired("FROM a\nRUN zypper install -y x=1\n", "ZypperNonInteractive").empty());
  CHECK(fired("FROM a\nRUN zypper -n in x=1\n", "ZypperClean") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN zypper -n in x=1 && zypper cc\n", "ZypperClean").empty());
  CHECK(fired("FROM a\nRUN zypper -n in x=1 && zypper clean -a\n", "ZypperClean").empty());
  CHECK(fired("FROM a\nRUN zypper -n install x 'y>=2'\n", "ZypperPinVersions") == Lines{"2:23"});
  CHECK(fired("FROM a\nRUN zypper refresh\n", "ZypperPinVersions").empty());
}

TEST_CASE("CopyRelativeDestNoWorkdir (DL3045)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nCOPY x app/\n", "CopyRelativeDestNoWorkdir") == Lines{"2:8"});
  CHECK(fired("FROM a\nCOPY x .\n", "CopyRelativeDestNoWorkdir") == Lines{"2:8"});
  CHECK(fired("FROM a\nWORKDIR /app\nCOPY x .\n", "CopyRelativeDestNoWorkdir").empty());
  CHECK(fired("FROM a AS base\nWORKDIR /app\nFROM base\nCOPY x .\n", "CopyRelativeDestNoWorkdir").empty());
  CHECK(fired("FROM a\nCOPY x /app/\nCOPY y $HOME/\nCOPY z C:\\\\app\\\\\n", "CopyRelativeDestNoWorkdir")
            .empty());
  // WORKDIR in another (unrelated) stage does not count.
  CHECK(fired("FROM a\nWORKDIR /app\nFROM b\nCOPY x .\n", "CopyRelativeDestNoWorkdir") == Lines{"4:8"});
}

TEST_CASE("WgetProgress (DL3047)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN wget https://x/y\n", "WgetProgress") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN wget --progress=dot:giga https://x/y\n", "WgetProgress").empty());
  CHECK(fired("FROM a\nRUN wget -qO- https://x/y | sh\n", "WgetProgress").empty());
  CHECK(fired("FROM a\nRUN wget -nv https://x/y\n", "WgetProgress").empty());
}

TEST_CASE("LabelKeyInvalid (DL3048)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nLABEL com.docker.x=1\n", "LabelKeyInvalid") == Lines{"2:7"});
  CHECK(fired("FROM a\nLABEL ok=1 Bad=2 a..b=3 -x=4 y-=5\n", "LabelKeyInvalid") ==
        (Lines{"2:12", "2:18", "2:25", "2:30"}));
  CHECK(fired("FROM a\nLABEL org.opencontainers.image.version=1 maintainer=me a-b.c2=3\n", "LabelKeyInvalid")
            .empty());
}

TEST_CASE("HealthcheckMissing (DL3057)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN x\n", "HealthcheckMissing") == Lines{"1:1"});
  CHECK(fired("FROM a AS b\nHEALTHCHECK CMD true\nFROM c\n", "HealthcheckMissing") == Lines{"3:1"});
  CHECK(fired("FROM a\nHEALTHCHECK CMD curl -f http://localhost/\n", "HealthcheckMissing").empty());
  CHECK(fired("FROM a AS b\nHEALTHCHECK NONE\nFROM b\n", "HealthcheckMissing").empty());
  auto f = findings("FROM a\n", "HealthcheckMissing");
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == dfc::Severity::Info);
}

TEST_CASE("ConsecutiveRun (DL3059)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN a\nRUN b\nRUN c\n", "ConsecutiveRun") == (Lines{"3:1", "4:1"}));
  CHECK(fired("FROM a\nRUN a\n# why\nRUN b\n", "ConsecutiveRun") == Lines{"4:1"});
  CHECK(fired("FROM a\nRUN a\nENV X=1\nRUN b\n", "ConsecutiveRun").empty());
  CHECK(fired("FROM a\nRUN a\nRUN --mount=type=cache,target=/c b\n", "ConsecutiveRun").empty());
  // The same flags in another order are the same options; flags of equal length but other values are not.
  CHECK(fired("FROM a\nRUN --network=none --mount=type=cache,target=/root/.cache/pip a\n"
              "RUN --mount=type=cache,target=/root/.cache/pip --network=none b\n",
              "ConsecutiveRun") == Lines{"3:1"});
  CHECK(fired("FROM a\nRUN --mount=type=cache,target=/root/.cache/aaa a\n"
              "RUN --mount=type=cache,target=/root/.cache/bbb b\n",
              "ConsecutiveRun")
            .empty());
  CHECK(fired("FROM a\nRUN a\nFROM b\nRUN b\n", "ConsecutiveRun").empty());
}

TEST_CASE("WgetAndCurl (DL4001)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN curl -fsSL x\nRUN wget -q y && wget -q z\n", "WgetAndCurl") ==
        (Lines{"3:5", "3:18"}));
  CHECK(fired("FROM a\nRUN wget -q y\nRUN curl x\n", "WgetAndCurl") == Lines{"3:5"});
  CHECK(fired("FROM a\nRUN curl x\nFROM b\nRUN wget -q y\n", "WgetAndCurl").empty());
  CHECK(fired("FROM a\nRUN curl x && curl y\n", "WgetAndCurl").empty());
}

TEST_CASE("ShellInsteadOfLn (DL4005)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN ln -sf /bin/bash /bin/sh\n", "ShellInsteadOfLn") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN ln -s /bin/bash /usr/local/bin/x\n", "ShellInsteadOfLn").empty());
  CHECK(fired("FROM a\nSHELL [\"/bin/bash\", \"-c\"]\n", "ShellInsteadOfLn").empty());
}

TEST_CASE("PipefailBeforePipe (DL4006)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN wget -O - https://x | tar xz\n", "PipefailBeforePipe") == Lines{"2:1"});
  CHECK(fired("FROM a\nRUN set -o pipefail && wget -O - https://x | tar xz\n", "PipefailBeforePipe").empty());
  CHECK(
      fired("FROM a\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\n", "PipefailBeforePipe")
          .empty());
  CHECK(
      fired("FROM a\nSHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]\nRUN a | b\n", "PipefailBeforePipe")
          .empty());
  CHECK(fired("FROM a\nSHELL [\"/bin/bash\", \"-c\"]\nRUN a | b\n", "PipefailBeforePipe") == Lines{"3:1"});
  CHECK(fired("FROM a\nSHELL [\"pwsh\", \"-Command\"]\nRUN a | b\n", "PipefailBeforePipe").empty());
  // SHELL carries into FROM <stage>, not into unrelated stages.
  CHECK(fired("FROM a AS base\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nFROM base\nRUN a | b\n"
              "FROM c\nRUN a | b\n",
              "PipefailBeforePipe") == Lines{"6:1"});
  CHECK(fired("FROM a\nRUN a || b\n", "PipefailBeforePipe").empty());
}

TEST_CASE("YarnCacheClean (DL3060)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN yarn install --frozen-lockfile\n", "YarnCacheClean") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN cd app && yarn\n", "YarnCacheClean") == Lines{"2:15"});
  CHECK(fired("FROM a\nRUN yarn install && yarn cache clean\n", "YarnCacheClean").empty());
  CHECK(fired("FROM a\nRUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install\n",
              "YarnCacheClean")
            .empty());
  CHECK(fired("FROM a\nRUN yarn build\n", "YarnCacheClean").empty());
}

TEST_CASE("TrustedRegistry (DL3026)", "[lint][hadolint]") {
  dfc::lint::Config cfg;
  CHECK(fired("FROM evil.io/x:1\n", "TrustedRegistry", cfg).empty()); // not configured: silent
  cfg.trustedRegistries = {"docker.io", "*.corp.example"};
  CHECK(fired("FROM evil.io/x:1\n", "TrustedRegistry", cfg) == Lines{"1:6"});
  CHECK(fired("ARG R=quay.io\nFROM $R/x:1\n", "TrustedRegistry", cfg) == Lines{"2:6"});
  CHECK(fired("FROM debian:12\nFROM library/nginx:1\nFROM reg.corp.example/app:1\nFROM scratch\n",
              "TrustedRegistry", cfg)
            .empty());
  CHECK(fired("FROM corp.example/app:1\n", "TrustedRegistry", cfg) == Lines{"1:6"});
  CHECK(fired("FROM reg.corp.example/a:1 AS b\nFROM b\n", "TrustedRegistry", cfg).empty());
  cfg.trustedRegistries = {"ghcr.io"};
  CHECK(fired("FROM debian:12\n", "TrustedRegistry", cfg) == Lines{"1:6"});
  CHECK(fired("FROM localhost:5000/x:1\n", "TrustedRegistry", cfg) == Lines{"1:6"});
}

namespace {
dfc::lint::Config schemaConfig() {
  dfc::lint::Config cfg;
  cfg.labelSchema = {{"author", "text"},     {"url", "url"},      {"version", "semver"}, {"commit", "hash"},
                     {"created", "rfc3339"}, {"license", "spdx"}, {"email", "email"}};
  return cfg;
}
} // namespace

TEST_CASE("label schema: LabelMissing (DL3049), LabelNotInSchema (DL3050), LabelEmpty (DL3051)",
          "[lint][hadolint]") {
  auto cfg = schemaConfig();
  const std::string complete =
      "FROM a\nLABEL author=me url=https://x version=1.0.0 commit=" + std::string(40, 'a') +
      " created=2024-01-01T00:00:00Z license=MIT email=a@b.c\n";
  for (const char *rule :
       {"LabelMissing", "LabelNotInSchema", "LabelEmpty", "LabelUrlInvalid", "LabelSemverInvalid",
        "LabelHashInvalid", "LabelTimeInvalid", "LabelSpdxInvalid", "LabelEmailInvalid"}) {
    INFO(rule);
    CHECK(fired(complete, rule, cfg).empty());
  }
  CHECK(fired("FROM a\nLABEL author=me\n", "LabelMissing", cfg).size() == 6);
  CHECK(fired("FROM a\nLABEL author=me\n", "LabelMissing", cfg)[0] == "1:1");
  CHECK(fired("FROM a\n", "LabelMissing").empty()); // no schema, nothing required
  // Labels set on a FROM <stage> base count; on an unrelated stage they do not.
  dfc::lint::Config one;
  one.labelSchema = {{"author", "text"}};
  CHECK(fired("FROM a AS base\nLABEL author=me\nFROM base\n", "LabelMissing", one).empty());
  CHECK(fired("FROM a\nLABEL author=me\nFROM b\n", "LabelMissing", one) == Lines{"3:1"});

  CHECK(fired("FROM a\nLABEL autor=me\n", "LabelNotInSchema", cfg).empty()); // strictLabels off
  cfg.strictLabels = true;
  CHECK(fired("FROM a\nLABEL author=me autor=me\n", "LabelNotInSchema", cfg) == Lines{"2:17"});

  CHECK(fired("FROM a\nLABEL author=\"\" url=\"\"\n", "LabelEmpty", cfg) == (Lines{"2:7", "2:17"}));
  CHECK(fired("FROM a\nARG WHO\nLABEL author=$WHO other=\"\"\n", "LabelEmpty", cfg).empty());
}

TEST_CASE("label schema value formats (DL3052-DL3058)", "[lint][hadolint]") {
  auto cfg = schemaConfig();
  struct Case {
    const char *rule, *label, *good, *bad;
  };
  const Case cases[] = {
      {"LabelUrlInvalid", "url", "https://example.com/x", "example.com"},
      {"LabelUrlInvalid", "url", "mailto:me@example.com", "https://"},
      {"LabelSemverInvalid", "version", "1.2.3-rc.1+build.5", "1.2"},
      {"LabelSemverInvalid", "version", "0.0.1", "01.2.3"},
      {"LabelSemverInvalid", "version", "1.0.0-alpha-1", "1.0.0-01"},
      {"LabelHashInvalid", "commit", "0123456789abcdef0123456789abcdef01234567", "0123456"},
      {"LabelTimeInvalid", "created", "2024-05-01T12:30:00.123+02:00", "2024-05-01"},
      {"LabelTimeInvalid", "created", "2024-05-01t12:30:00z", "2024-13-01T12:30:00Z"},
      {"LabelSpdxInvalid", "license", "(MIT OR Apache-2.0) AND GPL-2.0+", "MIT License"},
      {"LabelSpdxInvalid", "license", "GPL-2.0-or-later WITH Classpath-exception-2.0", "MIT OR"},
      {"LabelEmailInvalid", "email", "first.last@example.org", "me@localhost"},
      {"LabelEmailInvalid", "email", "a+b@x.io", "me"},
  };
  for (const Case &c : cases) {
    INFO(c.rule << " " << c.label << " good=" << c.good << " bad=" << c.bad);
    CHECK(fired(std::string("FROM a\nLABEL ") + c.label + "=\"" + c.good + "\"\n", c.rule, cfg).empty());
    CHECK(fired(std::string("FROM a\nLABEL ") + c.label + "=\"" + c.bad + "\"\n", c.rule, cfg).size() == 1);
  }
  // Position is the value; build-time values and labels outside the schema are not judged.
  CHECK(fired("FROM a\nLABEL version=1.2\n", "LabelSemverInvalid", cfg) == Lines{"2:15"});
  CHECK(fired("FROM a\nARG V\nLABEL version=$V\n", "LabelSemverInvalid", cfg).empty());
  CHECK(fired("FROM a\nLABEL other=1.2\n", "LabelSemverInvalid", cfg).empty());
}

TEST_CASE("IrrelevantCommand (DL3001)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN service nginx start && vim x\n", "IrrelevantCommand") == (Lines{"2:5", "2:28"}));
  CHECK(fired("FROM a\nRUN sudo /usr/bin/top -b\n", "IrrelevantCommand") == Lines{"2:10"});
  CHECK(fired("FROM a\nRUN apt-get install -y vim=2 openssh-client=1 && echo ps\n", "IrrelevantCommand")
            .empty());
}

TEST_CASE("EnvSameStatementReference (DL3044)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nENV A=1 B=$A\n", "EnvSameStatementReference") == Lines{"2:11"});
  CHECK(fired("FROM a\nENV A=/x B=\"${A}/bin\"\n", "EnvSameStatementReference") == Lines{"2:12"});
  CHECK(fired("FROM a\nENV A=1\nENV B=$A\n", "EnvSameStatementReference").empty());
  CHECK(fired("FROM a\nENV PATH=/x:$PATH\n", "EnvSameStatementReference").empty());
  CHECK(fired("FROM a\nENV A=1 B=$AB C=\\$A\n", "EnvSameStatementReference").empty());
  // A was set before: B gets the old value, which is what the author can see above.
  CHECK(fired("FROM a\nENV A=0\nENV A=1 B=$A\n", "EnvSameStatementReference").empty());
}

TEST_CASE("UseraddNoLogInit (DL3046)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN useradd -u 123456 app\n", "UseraddNoLogInit") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN useradd --uid=1000000 app\n", "UseraddNoLogInit") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN useradd -l -u 123456 app\n", "UseraddNoLogInit").empty());
  CHECK(fired("FROM a\nRUN useradd --no-log-init -u 123456 app\n", "UseraddNoLogInit").empty());
  CHECK(fired("FROM a\nRUN useradd -u 1000 app && useradd app2\n", "UseraddNoLogInit").empty());
}

TEST_CASE("ZypperDistUpgrade (DL3035)", "[lint][hadolint]") {
  CHECK(fired("FROM a\nRUN zypper -n dist-upgrade\n", "ZypperDistUpgrade") == Lines{"2:5"});
  CHECK(fired("FROM a\nRUN zypper refresh && zypper dup -y\n", "ZypperDistUpgrade") == Lines{"2:23"});
  CHECK(fired("FROM a\nRUN zypper -n update\n", "ZypperDistUpgrade").empty());
}
