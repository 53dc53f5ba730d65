#!/usr/bin/env bash
# Cross-check of `dfc lint` against dockerfile-utils (npm) on BuildKit's parser corpus: every
# disagreement must be listed, with a verdict, in crosscheck-expected.txt (see crosscheck.js).
# usage: crosscheck.sh DFC_BINARY   (exit 77 = skipped: no ../shared corpus, or no node/npm)
set -euo pipefail

DFC="$(realpath "${1:?usage: crosscheck.sh path/to/dfc}")"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SHARED="${DFC_SHARED_DIR:-$ROOT/../shared}"
CORPUS="$SHARED/conformance/buildkit/parser"
PEERS="$ROOT/bench/.peers"

if [[ ! -d "$CORPUS" ]]; then
  echo "SKIP: $CORPUS is absent; the cross-check needs BuildKit's parser corpus"
  exit 77
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIP: node and npm are needed to run dockerfile-utils (scripts/setup.sh installs them)"
  exit 77
fi
if [[ ! -d "$PEERS/node_modules/dockerfile-utils" ]]; then
  echo "crosscheck: installing dockerfile-utils into bench/.peers"
  npm install --prefix "$PEERS" --no-audit --no-fund --silent dockerfile-utils >/dev/null
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mapfile -t FILES < <(find "$CORPUS" -name Dockerfile -type f | sort)
# ShellCheck is not something the peer does; the threshold keeps findings from setting the exit code.
"$DFC" lint --no-shellcheck --failure-threshold none --format json "${FILES[@]}" >"$WORK/dfc.json"
NODE_PATH="$PEERS/node_modules" node "$HERE/crosscheck.js" "$CORPUS" "$WORK/dfc.json" \
  "$HERE/crosscheck-expected.txt" "${FILES[@]}"
