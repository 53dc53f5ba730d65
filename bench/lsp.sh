#!/usr/bin/env bash
# Language-server latency and memory, `dfc lsp` against dockerfile-language-server-nodejs (npm),
# side by side in one run on the 2,103-line file from gen-big.py, driven by ../shared's drive.js.
# Prints one row per measurement with both servers' numbers and the ratio (peer / dfc).
# usage: bench/lsp.sh [REPEAT] [EDITS]
set -euo pipefail

REPEAT="${1:-100}"
EDITS="${2:-50}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${DFC_BUILD_DIR:-$ROOT/build}"
SHARED="${DFC_SHARED_DIR:-$ROOT/../shared}"
PEERS="$ROOT/bench/.peers"
DRIVE="$SHARED/peers/lsp/drive.js"
WORK="$BUILD/bench"
mkdir -p "$WORK"

if [[ ! -f "$DRIVE" ]]; then
  echo "bench/lsp.sh: SKIP: $DRIVE is absent (needs the shared peers folder)"
  exit 0
fi
if [[ ! -x "$PEERS/node_modules/.bin/docker-langserver" ]]; then
  echo "bench: installing dockerfile-language-server-nodejs into bench/.peers"
  npm install --prefix "$PEERS" --no-audit --no-fund --silent dockerfile-language-server-nodejs >/dev/null
fi
[[ -f "$BUILD/build.ninja" ]] || bash "$ROOT/scripts/setup.sh"
ninja -C "$BUILD" --quiet dfc

BIG="$WORK/Dockerfile.big"
python3 "$SHARED/peers/lsp/samples/gen-big.py" >"$BIG"

DFC=("$BUILD/bin/dfc" lsp --stdio)
PEER=(node "$PEERS/node_modules/.bin/docker-langserver" --stdio)
# Positions (0-based): 2:1 the first FROM keyword, 6:1 inside a RUN keyword, 2:8 `BASE` in `FROM ${BASE}`.
run() { # name, tokens-repeat, server...
  local name="$1" trepeat="$2"
  shift 2
  node "$DRIVE" --file "$BIG" --hover 2:1 --completion 6:1 --request textDocument/definition@2:8 \
    --repeat "$REPEAT" --edits "$EDITS" --quiet --summary "$WORK/lsp-$name-main.json" -- "$@" >/dev/null
  # The peer's full semantic tokens take seconds on this file, so they get their own, shorter run.
  node "$DRIVE" --file "$BIG" --request textDocument/semanticTokens/full --repeat "$trepeat" --quiet \
    --summary "$WORK/lsp-$name-tokens.json" -- "$@" >/dev/null
}
echo "bench: dfc lsp ($REPEAT requests each, $EDITS edits)"
run dfc 20 "${DFC[@]}"
echo "bench: docker-langserver"
run peer 3 "${PEER[@]}"

node - "$WORK" <<'JS'
const fs = require('fs');
const dir = process.argv[2];
const load = (n, k) => JSON.parse(fs.readFileSync(`${dir}/lsp-${n}-${k}.json`, 'utf8'));
const s = {};
for (const n of ['dfc', 'peer']) s[n] = { main: load(n, 'main'), tokens: load(n, 'tokens') };
const med = (x, key) => { const r = x.main.requests[key]; return r ? r.median : null; };
const rows = [
  ['open -> diagnostics (ms)', (x) => x.main.didOpenToDiagnosticsMs],
  ['hover median (ms)', (x) => med(x, 'textDocument/hover@2:1')],
  ['completion median (ms)', (x) => med(x, 'textDocument/completion@6:1')],
  ['definition median (ms)', (x) => med(x, 'textDocument/definition@2:8')],
  ['edit -> diagnostics median (ms)', (x) => x.main.editToDiagnostics ? x.main.editToDiagnostics.median : null],
  ['full semantic tokens median (ms)', (x) => { const r = x.tokens.requests['textDocument/semanticTokens/full']; return r ? r.median : null; }],
  ['peak RSS (MB)', (x) => Math.max(x.main.peakRssKB || 0, x.tokens.peakRssKB || 0) / 1024],
  ['diagnostics on open', (x) => x.main.diagnosticsCount],
];
const fmt = (v) => (v === null || v === undefined ? 'n/a' : (+v).toFixed(v >= 100 ? 0 : 2));
console.log(`\n${'measure'.padEnd(34)} ${'dfc'.padStart(10)} ${'peer'.padStart(10)} ${'peer/dfc'.padStart(10)}`);
for (const [label, get] of rows) {
  const a = get(s.dfc), b = get(s.peer);
  const ratio = a && b ? (b / a).toFixed(1) + 'x' : 'n/a';
  console.log(`${label.padEnd(34)} ${fmt(a).padStart(10)} ${fmt(b).padStart(10)} ${ratio.padStart(10)}`);
}
JS
