#!/usr/bin/env bash
# A real editor against the real server: headless Neovim (0.7+, built-in LSP client) runs
# nvim-e2e.lua with `DFC lsp --stdio` on a temp Dockerfile. Usage: nvim_e2e.sh DFC. Fails without nvim.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DFC="${1:-$HERE/../../build/bin/dfc}"
fail() { echo "FAIL: $*" >&2; exit 1; }

command -v nvim >/dev/null || fail "nvim is not installed (scripts/setup.sh installs Debian's neovim)"
[[ -x "$DFC" ]] || fail "dfc binary $DFC is not executable"
DFC="$(cd "$(dirname "$DFC")" && pwd)/$(basename "$DFC")"
version="$(nvim --version | head -1)"
[[ "$version" =~ v0\.([0-9]+)\. && ${BASH_REMATCH[1]} -ge 7 ]] || [[ "$version" =~ v[1-9] ]] ||
  fail "$version is too old: the LSP calls used need Neovim 0.7"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# Line numbers (0-based) are the ones nvim-e2e.lua uses: 4 has a lint finding with a fix
# (single-quoted exec form); 2-3 an indented lower-case keyword and an unindented continuation for
# the formatter; 5 is empty (instruction completion); 7 references the stage (--from= completion);
# 8-10 a heredoc whose body formatting must leave alone.
cat >"$WORK/Dockerfile" <<'DOCKERFILE'
FROM busybox:1.36 AS base
ARG GREETING=hello
  run echo "$GREETING" > /greeting && \
echo done
CMD ['cat', '/greeting']

FROM base
COPY --from=base /greeting /copy
copy <<EOT /motd
  run   this stays
EOT
DOCKERFILE
# What the buffer (and then the file) must hold after the quick fix and formatting.
EXPECTED=(
  'FROM busybox:1.36 AS base'
  'ARG GREETING=hello'
  'RUN echo "$GREETING" > /greeting && \'
  '    echo done'
  'CMD ["cat", "/greeting"]'
  ''
  'FROM base'
  'COPY --from=base /greeting /copy'
  'COPY <<EOT /motd'
  '  run   this stays'
  'EOT'
)
expectedJson="$(printf '%s\n' "${EXPECTED[@]}" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read().split("\n")[:-1]))')"

export DFC_LSP_CMD="[\"$DFC\", \"lsp\", \"--stdio\"]"
export DFC_E2E_FILE="$WORK/Dockerfile"
export DFC_E2E_EXPECTED="$expectedJson"
export DFC_E2E_TIMEOUT_MS="${DFC_E2E_TIMEOUT_MS:-10000}"
export HOME="$WORK" XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data" XDG_STATE_HOME="$WORK/state"

status=0
# -u NONE: no user config or plugins; the outer timeout catches an editor that never quits.
timeout 120 nvim --headless -u NONE -i NONE -n -c "luafile $HERE/nvim-e2e.lua" </dev/null >"$WORK/out.log" 2>&1 || status=$?
cat "$WORK/out.log"
[[ $status -eq 0 ]] || fail "nvim exited with status $status"
grep -q '^nvim e2e: [0-9]* passed, 0 failed' "$WORK/out.log" || fail "no summary line from nvim-e2e.lua"

# The editor wrote the buffer back: the file on disk must be the expected text too.
diff <(printf '%s\n' "${EXPECTED[@]}") "$WORK/Dockerfile" || fail "the Dockerfile written by Neovim differs from the expected text"
echo "PASS: Neovim drove dfc lsp through diagnostics, hover, completion, a quick fix and formatting"
