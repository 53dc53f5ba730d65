#!/usr/bin/env bash
# Installs every Debian package dfc builds and tests with, then configures and builds build/.
# Idempotent and silent when nothing is missing; runs unattended (CI=true, no stdin) as root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${DFC_BUILD_DIR:-$ROOT/build}"

# The one package list. Append names here (space or newline separated) when a component needs more.
DFC_PACKAGES="
  antlr4 libantlr4-runtime-dev nlohmann-json3-dev llvm-14-dev catch2
  libarchive-dev libsqlite3-dev libcurl4-openssl-dev libssl-dev libyaml-cpp-dev
  libseccomp-dev libcap-dev libcli11-dev libboost-dev libboost-filesystem-dev
  ccache ninja-build cmake clang-14 libclang-rt-14-dev clang-format-14 clang-tidy-14
  shellcheck libzstd-dev zlib1g-dev pkg-config nodejs npm busybox-static runc python3
  skopeo umoci debootstrap docker-registry python3-cryptography
  pre-commit
  neovim
  buildah podman
  slirp4netns iproute2 curl
"

# A package counts as present when dpkg has it installed or an installed package provides it:
# NodeSource's nodejs provides (and conflicts with) Debian's npm, so asking apt for npm would fail.
missingPackages() {
  local installed provided pkg
  installed="$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' 2>/dev/null | awk '$1 == "ii" { print $2 }')"
  provided="$(dpkg-query -W -f='${db:Status-Abbrev}|${Provides}\n' 2>/dev/null |
    awk -F'|' '$1 ~ /^ii/ { n = split($2, p, ","); for (i = 1; i <= n; i++) { sub(/^ */, "", p[i]); sub(/ .*/, "", p[i]); print p[i] } }')"
  for pkg in $DFC_PACKAGES; do
    if ! grep -qxF "$pkg" <<<"$installed" && ! grep -qxF "$pkg" <<<"$provided"; then
      echo "$pkg"
    fi
  done
}

installPackages() {
  local missing sudo=()
  missing="$(missingPackages | tr '\n' ' ')"
  [[ -z "$missing" ]] && return 0
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root to install: $missing" >&2; exit 1; }
    sudo=(sudo -n)
  fi
  echo "setup: installing $missing"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq </dev/null
  # shellcheck disable=SC2086 # one word per package
  "${sudo[@]}" apt-get install -y -qq -o Dpkg::Use-Pty=0 $missing </dev/null >/dev/null
}

configureAndBuild() {
  if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
  fi
  # Ninja re-runs CMake by itself when a CMakeLists.txt or a globbed folder changes.
  local jobs=()
  [[ -n "${DFC_JOBS:-}" ]] && jobs=(-j "$DFC_JOBS")
  ninja -C "$BUILD_DIR" "${jobs[@]}" --quiet
}

installPackages
configureAndBuild
