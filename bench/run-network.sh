#!/usr/bin/env bash
# RUN steps' network cost: 10 `RUN echo > file` steps built --no-cache with the default network (own
# namespace + outbound access) and as `RUN --network=none`, interleaved; prints each mode's median wall
# seconds and the ratio default/none. With DFC_BEFORE=<another dfc binary>, that binary runs side by
# side in the same rounds (before/after a change).
# usage: bench/run-network.sh [-n RUNS]   (root; DFC=<dfc binary> overrides build/bin/dfc)
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS=7
[[ "${1:-}" == "-n" ]] && RUNS="$2"
[[ $(id -u) -eq 0 ]] || { echo "bench/run-network.sh: needs root" >&2; exit 1; }
DFC="${DFC:-$ROOT/build/bin/dfc}"
WORK="$(mktemp -d "${DFC_BENCH_TMP:-/var/tmp}"/dfc-bench-runnet.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
export DFC_ROOT="$WORK/store"
"$DFC" bootstrap busybox >"$WORK/log" 2>&1 || { echo "dfc bootstrap busybox failed:"; cat "$WORK/log"; exit 1; }
for net in default none; do
  mkdir -p "$WORK/$net"
  {
    echo "FROM busybox"
    for i in $(seq 10); do echo "RUN --network=$net echo step $i > /step$i"; done
  } >"$WORK/$net/Dockerfile"
done

declare -A TOOL=([after]="$DFC")
[[ -n "${DFC_BEFORE:-}" ]] && TOOL[before]="$DFC_BEFORE"
declare -A TIMES
for _ in $(seq "$RUNS"); do
  for t in "${!TOOL[@]}"; do
    for net in default none; do
      s=$(date +%s.%N)
      "${TOOL[$t]}" build -q --no-cache -t bench/runnet "$WORK/$net" >"$WORK/log" 2>&1 ||
        { echo "$t --network=$net failed:"; cat "$WORK/log"; exit 1; }
      e=$(date +%s.%N)
      TIMES[$t.$net]+="$(echo "$e - $s" | bc) "
    done
  done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-8s %12s %12s %16s\n' binary default_s none_s default/none
for t in before after; do
  [[ -n "${TOOL[$t]:-}" ]] || continue
  d=$(echo "${TIMES[$t.default]}" | median)
  n=$(echo "${TIMES[$t.none]}" | median)
  printf '%-8s %12.3f %12.3f %16.2f\n' "$t" "$d" "$n" "$(echo "$d / $n" | bc -l)"
done
echo "(10 RUN steps, --no-cache, median of $RUNS; wall time under whatever else runs on this machine)"
