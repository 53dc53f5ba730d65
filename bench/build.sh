#!/usr/bin/env bash
# `dfc build` against buildah (bud --layers --isolation oci) and docker/BuildKit (Debian docker.io) on
# ../shared/peers/build's benchmarks, run in place, in modes cold / warm / touch / edit; prints each
# tool's median wall seconds and dfc's ratio against the best peer ("n/a" for a peer that is missing).
# With dfc and a, it also prints `dfc plan` on a after the build (peers have no plan).
# usage: bench/build.sh [-n RUNS] [--benches "a b b-merged"] [--tools "dfc dfc-O0 dfc-O2 buildah docker"] [--budget SECONDS]
# dfc-O0 and dfc-O2 (dfc build -O0 / -O2) run on b only: the optimiser rows compare b at -O2 with
# b-merged built by the peers and with b at -O0.
# (root; c needs debian:bookworm, made with debootstrap)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${DFC_BUILD_DIR:-$ROOT/build}"
SHARED="${DFC_SHARED_DIR:-$ROOT/../shared}"
BENCH_DIR="$SHARED/peers/build"
RUNS=3
BENCHES="a b b-merged"
TOOLS="dfc dfc-O0 dfc-O2 buildah docker"
BUDGET=1200 # seconds; past it the remaining cells print n/a rather than the run overrunning
while [[ $# -gt 0 ]]; do
  case "$1" in
  -n) RUNS="$2"; shift 2 ;;
  --benches) BENCHES="$2"; shift 2 ;;
  --tools) TOOLS="$2"; shift 2 ;;
  --budget) BUDGET="$2"; shift 2 ;;
  *) echo "usage: bench/build.sh [-n RUNS] [--benches \"a b b-merged c\"] [--tools \"dfc buildah docker\"] [--budget SECONDS]" >&2; exit 2 ;;
  esac
done
[[ $(id -u) -eq 0 ]] || { echo "bench/build.sh: needs root (overlay mounts, namespaces, dockerd)" >&2; exit 1; }
[[ -d "$BENCH_DIR" ]] || { echo "bench/build.sh: $BENCH_DIR is absent" >&2; exit 1; }
DFC="${DFC:-$BUILD/bin/dfc}"
if [[ -z "${DFC_SKIP_NINJA:-}" ]]; then
  [[ -f "$BUILD/build.ninja" ]] || bash "$ROOT/scripts/setup.sh"
  ninja -C "$BUILD" --quiet dfc
fi
START=$SECONDS
WORK="$(mktemp -d "${DFC_BENCH_TMP:-/var/tmp}"/dfc-bench-build.XXXXXX)"
LOG="$WORK/log"
# shellcheck source=dockerd.sh
source "$ROOT/bench/dockerd.sh"
RESTORE=() # files of the shared benchmarks edited in place: "path|saved copy"

cleanup() {
  local r
  for r in "${RESTORE[@]}"; do cat "${r#*|}" >"${r%%|*}"; done
  dockerd_stop
  grep -o " $WORK/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 130" INT TERM

# --- tools -------------------------------------------------------------------------------------
export DFC_ROOT="$WORK/dfc"
"$DFC" bootstrap busybox >>"$LOG" 2>&1 || { echo "dfc bootstrap busybox failed:"; cat "$LOG"; exit 1; }
"$DFC" save -o "$WORK/busybox.tar" busybox >>"$LOG" 2>&1
if [[ " $BENCHES " == *" c "* ]]; then
  "$DFC" inspect debian:bookworm >/dev/null 2>&1 || "$DFC" bootstrap debian:bookworm >>"$LOG" 2>&1 ||
    echo "bench: dfc bootstrap debian:bookworm failed; c's dfc cells will fail"
  "$DFC" save -o "$WORK/debian.tar" debian:bookworm >>"$LOG" 2>&1
fi

# buildah on its own overlay storage; containers.conf as this VM needs it (no CAP_SYS_RESOURCE:
# fixed ulimits runc can set; crun refuses hybrid cgroups: runc).
HAVE_BUILDAH=0
if [[ " $TOOLS " == *" buildah "* ]] && command -v buildah >/dev/null; then
  mkdir -p "$WORK/containers"/{root,run,tmp}
  nofile="$(ulimit -Hn)"
  [[ $nofile == unlimited ]] && nofile=1048576
  cat >"$WORK/containers/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=32768:32768"]
[engine]
runtime = "runc"
CONF
  printf '[storage]\ndriver = "overlay"\nrunroot = "%s"\ngraphroot = "%s"\n' \
    "$WORK/containers/run" "$WORK/containers/root" >"$WORK/containers/storage.conf"
  printf 'unqualified-search-registries = []\nshort-name-mode = "disabled"\n' >"$WORK/containers/registries.conf"
  export CONTAINERS_CONF="$WORK/containers/containers.conf" CONTAINERS_STORAGE_CONF="$WORK/containers/storage.conf"
  export CONTAINERS_REGISTRIES_CONF="$WORK/containers/registries.conf" TMPDIR="$WORK/containers/tmp"
  if buildah pull -q "docker-archive:$WORK/busybox.tar" >>"$LOG" 2>&1; then
    HAVE_BUILDAH=1
    [[ -f "$WORK/debian.tar" ]] && buildah pull -q "docker-archive:$WORK/debian.tar" >>"$LOG" 2>&1
  fi
fi

# docker/BuildKit: the running dockerd, else a private one (own data root and socket) with the default
# bridge, which BuildKit's RUN steps attach to. The bases come from dfc's archives either way.
HAVE_DOCKER=0
export DOCKER_BUILDKIT=1
if [[ " $TOOLS " == *" docker "* && -x "$DOCKER_CLI" ]] && command -v dockerd >/dev/null; then
  dockerd_start "$WORK/docker" || true
  if "$DOCKER_CLI" load -i "$WORK/busybox.tar" >>"$LOG" 2>&1; then
    HAVE_DOCKER=1
    [[ -f "$WORK/debian.tar" ]] && "$DOCKER_CLI" load -i "$WORK/debian.tar" >>"$LOG" 2>&1
  else
    echo "bench: dockerd did not come up; docker cells are n/a"
    tail -5 "$WORK/docker/log" 2>/dev/null
  fi
fi

# build TOOL BENCH: one build, quiet; its status is the build's.
build() {
  local dir="$BENCH_DIR/$2" net=()
  [[ $2 == c ]] && net=(--network host)
  case "$1" in
  dfc) "$DFC" build --progress plain -t "bench/$2" "$dir" ;;
  dfc-O0) "$DFC" build -O0 --progress plain -t "bench/$2" "$dir" ;;
  dfc-O2) "$DFC" build -O2 --progress plain -t "bench/$2" "$dir" ;;
  buildah) buildah bud --layers --isolation oci --pull-never "${net[@]}" -t "bench/$2" "$dir" ;;
  docker) "$DOCKER_CLI" build --progress plain "${net[@]}" -t "bench/$2" "$dir" ;;
  esac >>"$LOG" 2>&1
}

# forget TOOL BENCH: the result and the whole build cache, for a cold build.
forget() {
  case "$1" in
  dfc | dfc-O0 | dfc-O2) "$DFC" rmi "bench/$2" && "$DFC" system prune -a ;;
  buildah) buildah rmi "bench/$2" && buildah rmi --prune ;;
  docker) "$DOCKER_CLI" rmi "bench/$2" && "$DOCKER_CLI" builder prune -af ;;
  esac >>"$LOG" 2>&1
}

# The file each benchmark's touch/edit modes change: one the first COPY reads.
changed_file() {
  case "$1" in
  a) echo "$BENCH_DIR/a/src/mod07/file42.c" ;;
  c) echo "$BENCH_DIR/c/app.json" ;;
  *) echo "$BENCH_DIR/$1/conf.txt" ;;
  esac
}

EDITS=0
# prepare MODE TOOL BENCH: what happens before the timed build of that mode.
prepare() {
  local f
  f="$(changed_file "$3")"
  case "$1" in
  cold) forget "$2" "$3" ;;
  warm) ;;
  touch) touch "$f" ;;
  edit)
    EDITS=$((EDITS + 1))
    # Valid for every format the file has (C, key=value, JSON's trailing whitespace).
    printf '%s\n' "$(cat "${RESTORE_COPY[$3]}")" >"$f"
    printf '%*s\n' "$EDITS" '' >>"$f"
    ;;
  esac
}

declare -A RESTORE_COPY
declare -A MEDIAN
now() { date +%s.%N; }

for bench in $BENCHES; do
  [[ -d "$BENCH_DIR/$bench" ]] || { echo "bench: no benchmark $bench"; continue; }
  if [[ $bench == a && ! -d "$BENCH_DIR/a/src" ]]; then
    (cd "$BENCH_DIR" && sh gen-src.sh a >>"$LOG" 2>&1)
  fi
  f="$(changed_file "$bench")"
  cp "$f" "$WORK/saved-$bench"
  RESTORE+=("$f|$WORK/saved-$bench")
  RESTORE_COPY[$bench]="$WORK/saved-$bench"
  for tool in $TOOLS; do
    case $tool in
    buildah) [[ $HAVE_BUILDAH == 1 ]] || continue ;;
    docker) [[ $HAVE_DOCKER == 1 ]] || continue ;;
    dfc-O0 | dfc-O2) [[ $bench == b ]] || continue ;;
    esac
    # Each mode starts from a built image with the original file content.
    cat "$WORK/saved-$bench" >"$f"
    build "$tool" "$bench"
    for mode in cold warm touch edit; do
      times=()
      for _ in $(seq "$RUNS"); do
        if ((SECONDS - START > BUDGET)); then
          times=()
          break
        fi
        prepare "$mode" "$tool" "$bench"
        t0="$(now)"
        if build "$tool" "$bench"; then
          times+=("$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')")
        else
          echo "bench: $tool failed on $bench ($mode); see the log tail:"
          tail -5 "$LOG"
          times=()
          break
        fi
      done
      cat "$WORK/saved-$bench" >"$f"
      [[ $mode == edit ]] && build "$tool" "$bench"
      if [[ ${#times[@]} -gt 0 ]]; then
        MEDIAN[$bench,$mode,$tool]="$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
      fi
    done
  done
done

# dfc plan on a after its build (read-only, every step a hit): the median wall seconds of 10 runs;
# peers have no plan.
PLAN_ROW=""
if [[ " $TOOLS " == *" dfc "* && " $BENCHES " == *" a "* && -n "${MEDIAN[a,warm,dfc]:-}" ]]; then
  walls=()
  for _ in $(seq 10); do
    t0="$(now)"
    "$DFC" plan "$BENCH_DIR/a" >>"$LOG" 2>&1 || { walls=(); break; }
    walls+=("$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.4f", b - a }')")
  done
  if [[ ${#walls[@]} -gt 0 ]]; then
    PLAN_ROW="$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
  fi
fi

printf '\n%-9s %-6s %9s %9s %9s   %s\n' bench mode dfc buildah buildkit "dfc vs best peer"
for bench in $BENCHES; do
  for mode in cold warm touch edit; do
    d="${MEDIAN[$bench,$mode,dfc]:-n/a}"
    bh="${MEDIAN[$bench,$mode,buildah]:-n/a}"
    bk="${MEDIAN[$bench,$mode,docker]:-n/a}"
    ratio="$(awk -v d="$d" -v x="$bh" -v y="$bk" 'BEGIN {
      best = ""; if (x != "n/a") best = x; if (y != "n/a" && (best == "" || y + 0 < best + 0)) best = y;
      if (d == "n/a" || best == "") { print "n/a"; exit }
      if (d + 0 <= 0) d = 0.001;
      printf "%.1fx %s", (best / d >= 1 ? best / d : d / best), (best / d >= 1 ? "faster" : "slower") }')"
    printf '%-9s %-6s %9s %9s %9s   %s\n' "$bench" "$mode" "$d" "$bh" "$bk" "$ratio"
  done
done
if [[ " $TOOLS " == *" dfc-O2 "* && " $BENCHES " == *" b "* ]]; then
  # Optimiser rows: b at -O2 against b-merged (the hand-merged file) built by the best peer, and
  # against b at -O0. Target: b at -O2 cold within 20% of b-merged.
  printf '\n%-28s %-6s %9s %9s   %s\n' "optimiser" mode "b -O2" other "b -O2 vs other"
  for mode in cold warm touch edit; do
    o2="${MEDIAN[b,$mode,dfc-O2]:-n/a}"
    for other in "b-merged buildah" "b-merged docker" "b-merged dfc" "b dfc-O0"; do
      set -- $other
      x="${MEDIAN[$1,$mode,$2]:-n/a}"
      label="$1 by $2"
      [[ $2 == docker ]] && label="$1 by buildkit"
      ratio="$(awk -v d="$o2" -v x="$x" 'BEGIN {
        if (d == "n/a" || x == "n/a") { print "n/a"; exit }
        if (d + 0 <= 0) d = 0.001;
        printf "%.2fx %s", (x / d >= 1 ? x / d : d / x), (x / d >= 1 ? "faster" : "slower") }')"
      printf '%-28s %-6s %9s %9s   %s\n' "$label" "$mode" "$o2" "$x" "$ratio"
    done
  done
fi
[[ -n "$PLAN_ROW" ]] && printf '\n%-9s %-6s %9s %9s %9s   %s\n' a plan "$PLAN_ROW" n/a n/a "(dfc plan, median of 10; peers have no plan)"
echo "(median wall seconds of $RUNS runs; whole run $((SECONDS - START)) s)"
