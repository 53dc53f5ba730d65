#!/usr/bin/env bash
# Builds the libFuzzer target in build-fuzz/ (clang-14) and runs it on seeds made at run time.
# usage: tests/fuzz/run.sh [SECONDS]  (default 60). Exit non-zero when the fuzzer finds a crash.
set -euo pipefail

DURATION="${1:-60}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${DFC_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
SHARED="${DFC_SHARED_DIR:-$ROOT/../shared}"

# Warnings are enforced by the gcc build; clang's extra ones must not block fuzzing.
if [[ ! -f "$BUILD/build.ninja" ]]; then
  CC=clang-14 CXX=clang++-14 cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DDFC_FUZZ=ON -DDFC_WERROR=OFF >/dev/null
fi
ninja -C "$BUILD" ${DFC_JOBS:+-j "$DFC_JOBS"} --quiet dfc_frontend_fuzz

# Seeds are copied in fresh each run (never into the repo): our examples plus BuildKit's corpus.
WORK="$BUILD/fuzz"
rm -rf "$WORK/corpus"
mkdir -p "$WORK/corpus" "$WORK/artifacts"
seeds=0
while IFS= read -r -d '' f; do
  cp "$f" "$WORK/corpus/$(echo "${f#"$ROOT"/}" | tr '/' '_')"
  seeds=$((seeds + 1))
done < <(find "$ROOT/examples" -name 'Dockerfile*' -type f -print0)
if [[ -d "$SHARED/conformance/buildkit/parser" ]]; then
  while IFS= read -r -d '' f; do
    cp "$f" "$WORK/corpus/buildkit_$(echo "${f#"$SHARED"/conformance/buildkit/parser/}" | tr '/' '_')"
    seeds=$((seeds + 1))
  done < <(find "$SHARED/conformance/buildkit/parser" -name Dockerfile -type f -print0)
else
  echo "fuzz: $SHARED/conformance absent, seeding from examples/ only"
fi

LOG="$WORK/fuzz.log"
echo "fuzz: running dfc_frontend_fuzz for ${DURATION}s on $seeds seeds (log: $LOG)"
status=0
"$BUILD/bin/dfc_frontend_fuzz" "$WORK/corpus" -dict="$ROOT/tests/fuzz/dockerfile.dict" \
  -max_total_time="$DURATION" -max_len=65536 -timeout=5 -rss_limit_mb=2048 \
  -artifact_prefix="$WORK/artifacts/" -print_final_stats=1 >"$LOG" 2>&1 || status=$?

if [[ $status -ne 0 ]]; then
  echo "fuzz: FAILED (exit $status); the input that failed is in $WORK/artifacts/" >&2
  # The cause, our own stack frames (long template names cut), and where the input was saved.
  {
    grep -m3 -E 'ERROR|runtime error|^bad |what\(\)|timeout|out-of-memory' "$LOG"
    grep -E '^ +#[0-9]+ ' "$LOG" | grep -vE 'fuzzer::|libc\.so|libstdc\+\+|sanitizer|nptl/|stdlib/|signal/' | head -15 | cut -c1-220
    grep -E '^SUMMARY|Test unit written' "$LOG"
  } >&2 || tail -40 "$LOG" >&2
  exit 1
fi
runs="$(grep -oE '^Done [0-9]+ runs' "$LOG" | grep -oE '[0-9]+' || echo '?')"
echo "fuzz: ${DURATION}s, $runs runs, no crash"
