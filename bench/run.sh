#!/usr/bin/env bash
# Container start-up: `dfc run --rm busybox true` against `podman run --rm` and `docker run --rm` with
# the same busybox image, median of N runs each (20 by default), ratios printed; a peer that is not
# installed or cannot run here reads "n/a".
# usage: bench/run.sh [RUNS]
set -euo pipefail

RUNS="${1:-20}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${DFC_BUILD_DIR:-$ROOT/build}"
DFC="$BUILD/bin/dfc"
[[ -x "$DFC" ]] || DFC="$BUILD/cli/dfc"
[[ -f "$BUILD/build.ninja" ]] || bash "$ROOT/scripts/setup.sh"
ninja -C "$BUILD" --quiet dfc
[[ -x "$DFC" ]] || DFC="$(find "$BUILD" -name dfc -type f -perm -u+x | head -n1)"

# A throwaway store with the busybox image, so the bench never touches the user's.
export DFC_ROOT
DFC_ROOT="$(mktemp -d /tmp/dfc-bench-run-XXXXXX)"
trap 'rm -rf "$DFC_ROOT"' EXIT
"$DFC" bootstrap busybox >/dev/null

# Median wall time in milliseconds of "$@", run RUNS times after one warm-up; empty when it fails.
median_ms() {
  "$@" >/dev/null 2>&1 || return 0
  local times=() i start end
  for ((i = 0; i < RUNS; i++)); do
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || return 0
    end=$(date +%s%N)
    times+=("$(((end - start) / 1000))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'
}

# Peers run the same image: imported from dfc's own export when they do not have busybox yet.
prepare_peer() {
  local tool="$1"
  command -v "$tool" >/dev/null || return 1
  "$tool" image inspect busybox >/dev/null 2>&1 && return 0
  local tar="$DFC_ROOT/busybox.tar"
  [[ -f "$tar" ]] || "$DFC" save -o "$tar" busybox >/dev/null 2>&1 || return 1
  "$tool" load -i "$tar" >/dev/null 2>&1
}

dfc_ms="$(median_ms "$DFC" run --rm busybox true)"
dfc_none_ms="$(median_ms "$DFC" run --rm --network none busybox true)"
podman_ms=""
docker_ms=""
prepare_peer podman && podman_ms="$(median_ms podman run --rm busybox true)"
prepare_peer docker && docker_ms="$(median_ms docker run --rm busybox true)"

ratio() { [[ -n "$1" && -n "$2" ]] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }' || echo "n/a"; }
printf '%-42s %12s %14s\n' "command (median of $RUNS)" "ms" "peer / dfc"
printf '%-42s %12s %14s\n' "dfc run --rm busybox true" "${dfc_ms:-n/a}" "-"
printf '%-42s %12s %14s\n' "dfc run --rm --network none busybox true" "${dfc_none_ms:-n/a}" "-"
printf '%-42s %12s %14s\n' "podman run --rm busybox true" "${podman_ms:-n/a}" "$(ratio "$podman_ms" "$dfc_ms")"
printf '%-42s %12s %14s\n' "docker run --rm busybox true" "${docker_ms:-n/a}" "$(ratio "$docker_ms" "$dfc_ms")"
