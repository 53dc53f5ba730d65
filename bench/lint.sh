#!/usr/bin/env bash
# Lint throughput, dfc against dockerfile-utils (npm, validate() in one node process), on the
# 2,103-line file and on BuildKit's corpus, in one run, ratio printed. Both do the same job per
# round, in process: read every file, parse, lint (dfc: IR + every rule, ShellCheck off), render
# the findings as JSON and write them out; dfc_lint_bench uses `dfc lint`'s own heap settings and
# file reading (cli/LintIO.h), so its rounds are the command's work, not a variant's. The command
# exits without freeing its trees and findings; a bench round frees them and times that too, as
# the peer's garbage collection is timed inside its loop.
# Throughput is MB of Dockerfile per CPU second (robust when other work shares the machine); the
# wall-clock ratio is printed beside it. Then the whole commands, one process each, as the peers'
# README measures them: `dfc lint --no-shellcheck -f json` and the peer's node lint on the
# 2,103-line file and on it repeated 20 times (42,040 lines), start-up included, median wall time
# and peak RSS, ratio printed.
# usage: bench/lint.sh [ITERATIONS] [RUNS]
set -euo pipefail

ITERATIONS="${1:-100}"
RUNS="${2:-5}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${DFC_BUILD_DIR:-$ROOT/build}"
SHARED="${DFC_SHARED_DIR:-$ROOT/../shared}"
PEERS="$ROOT/bench/.peers"
WORK="$BUILD/bench"
mkdir -p "$WORK"

if [[ ! -d "$PEERS/node_modules/dockerfile-utils" ]]; then
  echo "bench: installing dockerfile-utils into bench/.peers"
  npm install --prefix "$PEERS" --no-audit --no-fund --silent dockerfile-utils >/dev/null
fi
[[ -f "$BUILD/build.ninja" ]] || bash "$ROOT/scripts/setup.sh"
ninja -C "$BUILD" --quiet dfc_lint_bench dfc

BIG="$WORK/Dockerfile.big"
if [[ -f "$SHARED/peers/lsp/samples/gen-big.py" ]]; then
  python3 "$SHARED/peers/lsp/samples/gen-big.py" >"$BIG"
else
  bash "$ROOT/bench/gen-big.sh" >"$BIG"
fi
CORPUS=()
if [[ -d "$SHARED/conformance/buildkit/parser" ]]; then
  mapfile -t CORPUS < <(find "$SHARED/conformance/buildkit/parser" -name Dockerfile -type f | sort)
else
  echo "bench: $SHARED/conformance absent; the corpus row uses examples/ instead"
  mapfile -t CORPUS < <(find "$ROOT/examples" -name Dockerfile -type f | sort)
fi

field() { grep -oE "(^| )$1=[^ ]+" <<<"$2" | cut -d= -f2; }
printf '%-28s %6s %12s %9s %12s %9s %8s %8s\n' "input" "files" "dfc us/file" "dfc MB/s" "peer us/file" "peer MB/s" \
  "ratio" "wall"
row() {
  local label="$1" n="$2"
  shift 2
  local ours peer
  ours="$("$BUILD/bin/dfc_lint_bench" --iterations "$n" "$@")"
  peer="$(NODE_PATH="$PEERS/node_modules" node "$ROOT/bench/peer-lint.js" "$n" "$@")"
  local oursMb peerMb
  oursMb="$(field mb_per_s "$ours")"
  peerMb="$(field mb_per_s "$peer")"
  printf '%-28s %6s %12s %9s %12s %9s %7.1fx %7.1fx\n' "$label" "$(field files "$ours")" \
    "$(field us_per_file "$ours")" "$oursMb" "$(field us_per_file "$peer")" "$peerMb" \
    "$(awk -v a="$oursMb" -v b="$peerMb" 'BEGIN { print (b > 0 ? a / b : 0) }')" \
    "$(awk -v a="$(field wall_mb_per_s "$ours")" -v b="$(field wall_mb_per_s "$peer")" 'BEGIN { print (b > 0 ? a / b : 0) }')"
  lastPeer="$peer" # the peer's figures of this row, for the reading-alone line below
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
row "big ($(wc -l <"$BIG") lines)" "$ITERATIONS" "$BIG"
row "corpus" "$ITERATIONS" "${CORPUS[@]}"
# What reading the files alone costs (open, read, close, as dfc lint reads them): every round of both
# tools pays it, so no linter that reads its files each round can beat peer/read on this machine.
readOnly="$("$BUILD/bin/dfc_lint_bench" --read-only --iterations "$ITERATIONS" "${CORPUS[@]}")"
peerCorpus="$lastPeer" # the corpus row's run of the peer, not a second one
printf 'corpus, reading the files alone: %s us/file of CPU; the peer %s us/file: a ceiling of %.1fx for any linter\n' \
  "$(field us_per_file "$readOnly")" "$(field us_per_file "$peerCorpus")" \
  "$(awk -v a="$(field us_per_file "$peerCorpus")" -v b="$(field us_per_file "$readOnly")" 'BEGIN { print (b > 0 ? a / b : 0) }')"
echo "ratio = dfc MB/s / peer MB/s in CPU time; wall = the same in wall time (median of $ITERATIONS"
echo "rounds each; a round reads, lints and writes JSON for every file; start-up excluded; ShellCheck off)"

# The whole commands as users run them, one process each: start-up, reading and JSON output
# included. Median wall milliseconds of RUNS runs, peak RSS of the median run's peers.
BIG20="$WORK/Dockerfile.big20"
for _ in $(seq 20); do cat "$BIG"; done >"$BIG20"
# Prints "MS KB": median wall ms and the largest peak RSS over RUNS runs of the command.
measure() {
  local times=() rss=0 i start end kb
  for ((i = 0; i < RUNS; i++)); do
    start=${EPOCHREALTIME/[.,]/} # bash's clock: no fork and exec of date inside the timing
    /usr/bin/time -f '%M' -o "$WORK/rss" "$@" >/dev/null 2>&1
    end=${EPOCHREALTIME/[.,]/}
    times+=("$(awk -v us="$((end - start))" 'BEGIN { printf "%.1f", us / 1000 }')")
    kb="$(tail -1 "$WORK/rss")"
    if ((kb > rss)); then rss=$kb; fi
  done
  printf '%s %s\n' "$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$((RUNS / 2 + 1))p")" "$rss"
}
echo
printf '%-34s %8s %10s %10s %10s %12s %8s\n' "one process each" "lines" "dfc ms" "dfc MB" "peer ms" "peer MB" "ratio"
processRow() {
  local label="$1" file="$2" ours peer
  ours="$(measure "$BUILD/bin/dfc" lint --no-shellcheck --failure-threshold none --format json "$file")"
  peer="$(measure env NODE_PATH="$PEERS/node_modules" node "$ROOT/bench/peer-lint.js" --once "$file")"
  read -r oursMs oursKb <<<"$ours"
  read -r peerMs peerKb <<<"$peer"
  printf '%-34s %8s %10s %10s %10s %12s %7.1fx\n' "$label" "$(wc -l <"$file")" "$oursMs" \
    "$(awk -v k="$oursKb" 'BEGIN { printf "%.1f", k / 1024 }')" "$peerMs" \
    "$(awk -v k="$peerKb" 'BEGIN { printf "%.1f", k / 1024 }')" \
    "$(awk -v a="$oursMs" -v b="$peerMs" 'BEGIN { print (a > 0 ? b / a : 0) }')"
}
processRow "big, dfc lint vs node lint" "$BIG"
processRow "big x20, dfc lint vs node lint" "$BIG20"
start=${EPOCHREALTIME/[.,]/}
"$BUILD/bin/dfc" lint --no-shellcheck --failure-threshold none --format json "${CORPUS[@]}" >/dev/null
end=${EPOCHREALTIME/[.,]/}
echo "ratio = peer ms / dfc ms (median of $RUNS runs, start-up included, ShellCheck off; MB = peak RSS)"
echo "dfc lint --no-shellcheck over the ${#CORPUS[@]} corpus files: $(awk -v us="$((end - start))" 'BEGIN { printf "%.1f", us / 1000 }') ms wall"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
