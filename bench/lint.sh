#!/usr/bin/env bash
# Lint throughput, dfc (parse + IR + every rule, in-process, ShellCheck off) against dockerfile-utils
# (npm, validate() in one node process), on the 2,103-line file and on BuildKit's corpus, in one
# run, ratio printed. Also the wall time of the real `dfc lint` command over the corpus.
# usage: bench/lint.sh [ITERATIONS]
set -euo pipefail

ITERATIONS="${1:-100}"
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
printf '%-28s %7s %12s %10s %12s %10s %8s\n' "input" "files" "dfc us/file" "dfc MB/s" "peer us/file" "peer MB/s" "ratio"
row() {
  local label="$1" n="$2"
  shift 2
  local ours peer
  ours="$("$BUILD/bin/dfc_lint_bench" --iterations "$n" "$@")"
  peer="$(NODE_PATH="$PEERS/node_modules" node "$ROOT/bench/peer-lint.js" "$n" "$@")"
  local oursMb peerMb
  oursMb="$(field mb_per_s "$ours")"
  peerMb="$(field mb_per_s "$peer")"
  printf '%-28s %7s %12s %10s %12s %10s %7.1fx\n' "$label" "$(field files "$ours")" "$(field us_per_file "$ours")" \
    "$oursMb" "$(field us_per_file "$peer")" "$peerMb" "$(awk -v a="$oursMb" -v b="$peerMb" 'BEGIN { print (b > 0 ? a / b : 0) }')"
}
row "big ($(wc -l <"$BIG") lines)" "$ITERATIONS" "$BIG"
row "corpus" "$ITERATIONS" "${CORPUS[@]}"
echo "ratio = dfc MB/s / peer MB/s (median of $ITERATIONS rounds each, start-up excluded, ShellCheck off)"

# The whole command as users run it: start-up, reading, the thread pool and JSON output included.
start=$(date +%s%N)
"$BUILD/bin/dfc" lint --no-shellcheck --failure-threshold none --format json "${CORPUS[@]}" >/dev/null
end=$(date +%s%N)
echo "dfc lint --no-shellcheck over the ${#CORPUS[@]} corpus files: $(((end - start) / 1000000)) ms wall"
