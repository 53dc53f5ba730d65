#!/usr/bin/env bash
# Container start-up, side by side in one run: `dfc run --rm busybox true` against `podman run --rm`
# (runc, storage private to this run, as tests/interop does) and Debian's `docker run --rm` (the running
# dockerd, else a private one with its own data root and socket, stopped at the end, as bench/build.sh
# does), the same busybox image everywhere; median of N runs each (20 by default) after one warm-up, and
# each peer's time over dfc's. A peer that cannot run says why.
# usage: bench/run.sh [RUNS]
set -euo pipefail

RUNS="${1:-20}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${DFC_BUILD_DIR:-$ROOT/build}"
[[ -f "$BUILD/build.ninja" ]] || bash "$ROOT/scripts/setup.sh"
ninja -C "$BUILD" --quiet dfc
DFC="$BUILD/bin/dfc"
[[ -x "$DFC" ]] || DFC="$(find "$BUILD" -name dfc -type f -perm -u+x | head -n1)"
if [[ $(id -u) -ne 0 ]]; then
  echo "bench/run.sh needs root (namespaces, overlay mounts)" >&2
  exit 1
fi

# A throwaway dfc store and peer storage, so the bench never touches the user's. Under /var/tmp
# (DFC_BENCH_TMP), on the filesystem of the default store /var/lib/dfc: on this VM a mkdir anywhere
# below /tmp costs ~0.9 ms of ext4 inode search against ~45 us in /var/tmp or /var/lib, which
# timed the disk's layout rather than the tools (both dfc and the peers keep their storage here).
WORK="$(mktemp -d "${DFC_BENCH_TMP:-/var/tmp}"/dfc-bench-run-XXXXXX)"
# shellcheck source=dockerd.sh
source "$ROOT/bench/dockerd.sh"
# shellcheck source=../tests/interop/lib.sh
source "$ROOT/tests/interop/lib.sh"
cleanup() {
  if [[ -n "${PEER_STORAGE:-}" ]]; then
    podman "${PODMAN_ARGS[@]}" rm -af >/dev/null 2>&1 || true
  fi
  dockerd_stop
  { grep -o " $WORK/[^ ]*" /proc/self/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 130" INT TERM
export DFC_ROOT="$WORK/dfc-store"
"$DFC" bootstrap busybox >/dev/null
"$DFC" save -o "$WORK/busybox.tar" busybox >/dev/null

# Median wall time in milliseconds of "$@", run RUNS times after one warm-up; empty when it fails.
median_ms() {
  "$@" >/dev/null 2>"$WORK/err" || { sed 's/^/  | /' "$WORK/err" | tail -3 >&2; return 0; }
  # Microseconds from bash's own clock ($EPOCHREALTIME): `$(date +%s%N)` would time a fork and exec
  # of date as well (~1 ms here, more than a tenth of a dfc run).
  local times=() i start end
  for ((i = 0; i < RUNS; i++)); do
    start=${EPOCHREALTIME/[.,]/}
    "$@" >/dev/null 2>&1 || return 0
    end=${EPOCHREALTIME/[.,]/}
    times+=("$((end - start))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'
}

notes=()
podman_ms=""
docker_ms=""
# podman from Debian with runc (crun refuses this VM's hybrid cgroups) on storage private to this run.
if (need_packages podman runc) >"$WORK/need.log" 2>&1; then
  setup_peer_storage
  if podman "${PODMAN_ARGS[@]}" load -i "$WORK/busybox.tar" >"$WORK/podman-load.log" 2>&1; then
    podman_image="$(podman "${PODMAN_ARGS[@]}" images -q | head -n1)"
  else
    notes+=("podman: load failed: $(tail -1 "$WORK/podman-load.log")")
  fi
else
  notes+=("podman: skipped: $(tail -1 "$WORK/need.log")")
fi
# Debian's docker.io: the running dockerd, else a private one (bench/dockerd.sh), which cleanup stops.
docker_ok=0
if [[ ! -x "$DOCKER_CLI" ]] || ! command -v dockerd >/dev/null; then
  notes+=("docker: skipped: Debian's docker.io is not installed (/usr/bin/docker, dockerd)")
else
  dockerd_start "$WORK/docker" || true
  # A dockerd of the user's keeps its own busybox:latest when it has one.
  if ! "$DOCKER_CLI" info >/dev/null 2>&1; then
    notes+=("docker: skipped: dockerd did not come up: $(tail -1 "$WORK/docker/log" 2>/dev/null)")
  elif [[ -z "$DOCKERD_PID" ]] && "$DOCKER_CLI" image inspect busybox:latest >/dev/null 2>&1; then
    docker_ok=1
  elif ! "$DOCKER_CLI" load -i "$WORK/busybox.tar" >"$WORK/docker-load.log" 2>&1; then
    notes+=("docker: load failed: $(tail -1 "$WORK/docker-load.log")")
  else
    docker_ok=1
  fi
fi

dfc_ms="$(median_ms "$DFC" run --rm busybox true)"
dfc_none_ms="$(median_ms "$DFC" run --rm --network none busybox true)"
if [[ -n "${podman_image:-}" ]]; then
  podman_ms="$(median_ms podman "${PODMAN_ARGS[@]}" run --rm "$podman_image" true)"
  [[ -n "$podman_ms" ]] || notes+=("podman: run failed (see above)")
fi
if [[ $docker_ok == 1 ]]; then
  docker_ms="$(median_ms "$DOCKER_CLI" run --rm busybox:latest true)"
  [[ -n "$docker_ms" ]] || notes+=("docker: run failed (see above)")
fi

ratio() { [[ -n "$1" && -n "$2" ]] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }' || echo "n/a"; }
printf '%-46s %10s %12s\n' "command (median of $RUNS, wall)" "ms" "x dfc"
printf '%-46s %10s %12s\n' "dfc run --rm busybox true" "${dfc_ms:-n/a}" "1.0x"
printf '%-46s %10s %12s\n' "dfc run --rm --network none busybox true" "${dfc_none_ms:-n/a}" "$(ratio "$dfc_none_ms" "$dfc_ms")"
printf '%-46s %10s %12s\n' "podman run --rm busybox true (runc)" "${podman_ms:-n/a}" "$(ratio "$podman_ms" "$dfc_ms")"
printf '%-46s %10s %12s\n' "docker run --rm busybox true" "${docker_ms:-n/a}" "$(ratio "$docker_ms" "$dfc_ms")"
for n in "${notes[@]+"${notes[@]}"}"; do
  echo "note: $n"
done
