#!/usr/bin/env bash
# The VS Code extension as CI builds it: npm ci, npm test, vsce package on a copy of vscode-extension/,
# then checks what the .vsix holds. Usage: extension_test.sh [DFC_BINARY]. Missing node/npm is a failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DFC_BIN="${1:-}"
fail() { echo "FAIL: $*" >&2; exit 1; }

command -v node >/dev/null || fail "node is not installed (scripts/setup.sh installs nodejs)"
command -v npm >/dev/null || fail "npm is not installed (scripts/setup.sh installs nodejs/npm)"
major="$(node -p 'process.versions.node.split(".")[0]')"
[[ "$major" -ge 20 ]] || fail "node $(node --version) is too old: @vscode/vsce 3 needs node 20 or later"
if [[ -n "$DFC_BIN" ]]; then
  [[ -x "$DFC_BIN" ]] || fail "dfc binary $DFC_BIN is not executable"
  DFC_BIN="$(cd "$(dirname "$DFC_BIN")" && pwd)/$(basename "$DFC_BIN")" # the tests run elsewhere
fi

# A copy with only what git would hold: the committed lockfile must be enough for npm ci,
# and the source tree stays free of node_modules/, out/, dist/ and .vsix files.
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
tar -C "$ROOT/vscode-extension" --exclude=./node_modules --exclude=./out --exclude=./dist --exclude='*.vsix' -cf - . |
  tar -C "$WORK" -xf -
cd "$WORK"
[[ -f package-lock.json ]] || fail "vscode-extension/package-lock.json is missing"

export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
echo "== npm ci"
npm ci --no-audit --no-fund --loglevel=error || fail "npm ci"
echo "== npm test"
DFC_BIN="$DFC_BIN" npm test 2>&1 | tee test.log
[[ ${PIPESTATUS[0]} -eq 0 ]] || fail "npm test"
grep -Eq '^# fail 0$' test.log || fail "npm test reported failures"
grep -E '^# (tests|pass|fail|skipped) ' test.log | tr '\n' ' '
echo
if [[ -n "$DFC_BIN" ]] && grep -q '# SKIP' test.log; then fail "a test skipped although DFC_BIN is set"; fi

echo "== vsce package"
# --no-install: the vsce from the lockfile, never a fresh download.
npx --no-install @vscode/vsce package --out "$WORK/dfc.vsix" </dev/null || fail "vsce package"
[[ -s "$WORK/dfc.vsix" ]] || fail "vsce wrote no .vsix"

echo "== .vsix contents"
python3 - "$WORK/dfc.vsix" <<'PY' || fail ".vsix contents"
import json, sys, zipfile
path = sys.argv[1]
z = zipfile.ZipFile(path)
names = z.namelist()
problems = []
for need in ("extension/package.json", "extension/dist/extension.js", "extension.vsixmanifest"):
    if need not in names:
        problems.append(f"missing {need}")
for name in names:
    if "node_modules/" in name or name.startswith(("extension/src/", "extension/test/", "extension/out/")):
        problems.append(f"should not ship {name}")
if "extension/package.json" in names:
    manifest = json.loads(z.read("extension/package.json"))
    if manifest.get("main") != "./dist/extension.js":
        problems.append(f"main is {manifest.get('main')!r}")
    commands = {c["command"] for c in manifest.get("contributes", {}).get("commands", [])}
    for c in ("dfc.build", "dfc.plan", "dfc.lintWorkspace"):
        if c not in commands:
            problems.append(f"command {c} not contributed")
    langs = {l["id"] for l in manifest.get("contributes", {}).get("languages", [])}
    if "dockerfile" not in langs:
        problems.append("dockerfile language not contributed")
if "extension/dist/extension.js" in names:
    js = z.read("extension/dist/extension.js").decode()
    if "lsp" not in js or "--stdio" not in js:
        problems.append("bundle does not start `dfc lsp --stdio`")
import os
print(f"{path}: {os.path.getsize(path)} bytes, {len(names)} entries")
for n in names:
    print("  " + n)
for p in problems:
    print("problem: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
echo "PASS: extension builds, tests and packages"
