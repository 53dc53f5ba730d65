#!/usr/bin/env bash
# The `dfc-lint` pre-commit hook end to end: Debian's pre-commit runs this checkout's
# .pre-commit-hooks.yaml (`pre-commit try-repo`) on a scratch git repo, fails on a bad Dockerfile
# showing dfc's diagnostics, then passes once the file is fixed.
# usage: precommit_test.sh DFC_BINARY (exit 77 = skipped: pre-commit or git missing)
set -uo pipefail

DFC="$(realpath "${1:?usage: precommit_test.sh path/to/dfc}")"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
for tool in pre-commit git; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed (scripts/setup.sh installs it)"
    exit 77
  fi
done
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# The hook is `language: system`: it runs whatever `dfc` is on PATH, so put ours first.
export PATH="$(dirname "$DFC"):$PATH"
export PRE_COMMIT_HOME="$WORK/cache" HOME="$WORK/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git config --global user.email test@example.invalid
git config --global user.name test
git config --global init.defaultBranch main
git config --global --add safe.directory '*'

# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$WORK" && git init -q repo && cd repo || exit 1
printf 'FROM busybox:1.36 AS Build\nMAINTAINER Jane <j@x.org>\nUSER nobody\nHEALTHCHECK NONE\nCMD ["true"]\n' >Dockerfile
printf 'not a dockerfile\n' >README
git add Dockerfile README && git commit -qm init

pre-commit try-repo "$ROOT" dfc-lint --files Dockerfile README >"$WORK/out" 2>&1
rc=$?
check "bad Dockerfile: the hook fails" eval '[[ $rc -ne 0 ]] && grep -q "dfc lint.*Failed" "$WORK/out"'
check "bad Dockerfile: dfc's diagnostics are shown" grep -qF "Dockerfile:1:22: warning: Stage name 'Build' should be lowercase [StageNameCasing]" "$WORK/out"
check "the hook only sees Dockerfiles (README is not linted)" eval '! grep -q "^README:" "$WORK/out"'

dfc lint --fix Dockerfile >/dev/null 2>&1
pre-commit try-repo "$ROOT" dfc-lint --files Dockerfile >"$WORK/out" 2>&1
rc=$?
check "after --fix the hook passes" eval '[[ $rc -eq 0 ]] && grep -q "dfc lint.*Passed" "$WORK/out"'

finish
