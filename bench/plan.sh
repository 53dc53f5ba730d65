#!/usr/bin/env bash
# `dfc plan` on ../shared/peers/build/a (a copy of it, with its 2,000-file tree) after one build:
# the median wall milliseconds of N runs and the mean CPU milliseconds (user + sys) per run, with
# the load average beside them. With DFC_BEFORE=<another dfc binary>, that binary runs in the same
# rounds on the same store (before/after a change). --rt runs every plan SCHED_FIFO (chrt -f 50), so
# other processes on a shared machine cannot delay it (the measuring shell itself is switched to
# SCHED_FIFO, so no extra process is timed): a stand-in for an idle machine, labelled so.
# Peers: buildah and `docker build` have no plan (`docker build --check` lints, it does not key or
# look up the cache), so there is no peer row.
# usage: bench/plan.sh [-n RUNS] [--rt]   (root: the build needs overlay mounts; DFC=<dfc binary>)
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${DFC_SHARED_DIR:-$ROOT/../shared}"
RUNS=20
RT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
  -n) RUNS="$2"; shift 2 ;;
  --rt) RT=1; shift ;;
  *) echo "usage: bench/plan.sh [-n RUNS] [--rt]" >&2; exit 2 ;;
  esac
done
[[ $(id -u) -eq 0 ]] || { echo "bench/plan.sh: needs root (the first build mounts overlays)" >&2; exit 1; }
[[ -f "$SHARED/peers/build/a/Dockerfile" ]] || { echo "bench/plan.sh: $SHARED/peers/build/a is absent" >&2; exit 1; }
DFC="${DFC:-$ROOT/build/bin/dfc}"
WORK="$(mktemp -d "${DFC_BENCH_TMP:-/var/tmp}"/dfc-bench-plan.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
export DFC_ROOT="$WORK/store"
mkdir -p "$WORK/a"
cp "$SHARED/peers/build/a/Dockerfile" "$WORK/a/"
sh "$SHARED/peers/build/gen-src.sh" "$WORK/a" >/dev/null
# A build records a source's walk only once its files are 2 s old (see ARCHITECTURE.md, prediction).
sleep 2.1
"$DFC" bootstrap busybox >"$WORK/log" 2>&1 && "$DFC" build -q -t bench/plan "$WORK/a" >>"$WORK/log" 2>&1 ||
  { echo "bench/plan.sh: bootstrap or build failed:"; cat "$WORK/log"; exit 1; }

declare -A TOOL=([after]="$DFC")
[[ -n "${DFC_BEFORE:-}" ]] && TOOL[before]="$DFC_BEFORE"
declare -A WALL CPU
children_ms() { # children's user + sys in a `times` output (its second line), in ms
  tail -1 "$1" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.3f", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 }'
}
load0="$(cut -d' ' -f1-3 /proc/loadavg)"
# This shell, and so every plan it starts, runs SCHED_FIFO for the measured rounds.
[[ -n "$RT" ]] && { chrt -f -p 50 $$ || exit 1; }
for t in "${!TOOL[@]}"; do "${TOOL[$t]}" plan "$WORK/a" >/dev/null 2>&1 || { echo "$t: dfc plan failed"; exit 1; }; done
for _ in $(seq "$RUNS"); do
  for t in "${!TOOL[@]}"; do
    times >"$WORK/times0"
    s=$EPOCHREALTIME
    "${TOOL[$t]}" plan "$WORK/a" >/dev/null 2>&1
    e=$EPOCHREALTIME
    times >"$WORK/times1"
    c0="$(children_ms "$WORK/times0")"
    c1="$(children_ms "$WORK/times1")"
    WALL[$t]+="$(echo "($e - $s) * 1000" | bc -l) "
    CPU[$t]="$(echo "${CPU[$t]:-0} + $c1 - $c0" | bc -l)"
  done
done
# CPU from the scheduler's accounting (perf stat's task-clock) when perf is there: `times` counts
# in clock ticks.
CPU_HOW="times"
if command -v perf >/dev/null && perf stat -x, -e task-clock true >/dev/null 2>&1; then
  CPU_HOW="perf stat task-clock"
  for t in "${!TOOL[@]}"; do
    ms="$(perf stat -x, -r "$RUNS" -e task-clock "${TOOL[$t]}" plan "$WORK/a" 2>&1 >/dev/null | awk -F, '/task-clock/ { print $1 }')"
    [[ -n "$ms" ]] && CPU[$t]="$(echo "$ms * $RUNS" | bc -l)"
  done
fi
[[ -n "$RT" ]] && chrt -o -p 0 $$
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-8s %14s %14s\n' binary wall_ms_median cpu_ms_mean
for t in before after; do
  [[ -n "${TOOL[$t]:-}" ]] || continue
  printf '%-8s %14.2f %14.2f\n' "$t" "$(echo "${WALL[$t]}" | median)" "$(echo "${CPU[$t]} / $RUNS" | bc -l)"
done
echo "(dfc plan on a after its build, $RUNS runs each${RT:+, under chrt -f 50}, CPU by $CPU_HOW; load average before: $load0," \
  "after: $(cut -d' ' -f1-3 /proc/loadavg); peers have no plan)"
