#!/usr/bin/env bash
# End-to-end checks of `dfc parse` on real files: outputs, diagnostics and exit codes.
# usage: parse_test.sh DFC_BINARY (run from the repo root; CTest does that)
# shellcheck disable=SC2016 # the checks are eval'd later, so they quote their $ on purpose
set -uo pipefail

DFC="${1:?usage: parse_test.sh path/to/dfc}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT" || exit 1

# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
isJson() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); sys.exit(0 if isinstance(v, dict) else 1)' "$WORK/out"; }

# --- version and usage errors ---
run --version
check "--version prints the version" eval '[[ $rc -eq 0 ]] && grep -qE "^dfc [0-9]+\.[0-9]+\.[0-9]+" "$WORK/out"'
run
check "no subcommand is a usage error (2)" eval '[[ $rc -eq 2 ]]'
run parse
check "parse without FILE is a usage error (2)" eval '[[ $rc -eq 2 ]]'
run parse --dump=xml examples/webapp/Dockerfile
check "--dump=xml is a usage error (2)" eval '[[ $rc -eq 2 ]]'
run parse --build-arg =x examples/webapp/Dockerfile
check "--build-arg without a key is a usage error (2)" eval '[[ $rc -eq 2 ]] && errHas "build-arg"'

# --- a good file ---
for f in examples/webapp/Dockerfile examples/hello/Dockerfile; do
  run parse "$f"
  check "$f parses cleanly" eval '[[ $rc -eq 0 ]] && ! errHas "error:"'
done
run parse --dump=buildkit examples/webapp/Dockerfile
check "webapp --dump=buildkit exit 0" eval '[[ $rc -eq 0 ]]'
check "webapp dump has one line per instruction (21)" eval '[[ $(grep -c "^(" "$WORK/out") -eq 21 ]]'
check "webapp dump: first FROM" eval 'sed -n 3p "$WORK/out" | grep -qxF "(from \"\${BASE}\" \"AS\" \"build\")"'
check "webapp dump: COPY flags" outHas '(copy ["--from=build" "--chown=web:web"] "/src/app/dist" "/srv/www")'
check "webapp dump: ENV triples" outHas '(env "APP_HOME" "/src/app" "=" "NODE_ENV" "production" "=")'
check "webapp dump: exec form" outHas '(entrypoint "busybox" "httpd" "-f")'
run parse --json examples/webapp/Dockerfile
check "webapp --json is a JSON object" eval '[[ $rc -eq 0 ]] && isJson'
check "webapp --json has the default APP_VERSION expanded" outHas '1.4.2'
run parse --json --build-arg APP_VERSION=9.9.9 --target runtime examples/webapp/Dockerfile
check "--build-arg reaches the IR" eval '[[ $rc -eq 0 ]] && outHas 9.9.9'

# --- exact BuildKit dump of a small file, through stdin ---
printf 'FROM busybox\nRUN echo hi \\\n  there\nENV A=1\nCMD ["sh", "-c", "true"]\n' >"$WORK/small"
STDIN="$WORK/small" run parse --dump=buildkit -
printf '(from "busybox")\n(run "echo hi   there")\n(env "A" "1" "=")\n(cmd "sh" "-c" "true")\n' >"$WORK/small.expected"
check "stdin --dump=buildkit matches BuildKit byte for byte" eval '[[ $rc -eq 0 ]] && cmp -s "$WORK/out" "$WORK/small.expected"'

# --- broken input: every error at once, file:line:col, exit 1 ---
run parse examples/broken/Dockerfile
check "broken file exits 1" eval '[[ $rc -eq 1 ]]'
check "broken: ENV error at 4:col" errHas '^examples/broken/Dockerfile:4:[0-9]+: error: ENV must have two arguments'
check "broken: JSON error at 6:col" errHas '^examples/broken/Dockerfile:6:[0-9]+: error: .*JSON'
check "broken: several errors reported in one run" eval '[[ $(grep -c "^examples/broken/Dockerfile:[0-9]*:[0-9]*: error: " "$WORK/err") -ge 4 ]]'
run parse --dump=buildkit examples/broken/Dockerfile
check "broken --dump=buildkit still exits non-zero" eval '[[ $rc -eq 1 ]] && errHas "^examples/broken/Dockerfile:4:"'
printf 'FROM busybox\nENV PATH\n' >"$WORK/stdin-broken"
STDIN="$WORK/stdin-broken" run parse -
check "stdin errors are named <stdin>" eval '[[ $rc -eq 1 ]] && errHas "^<stdin>:2:[0-9]+: error: "'

# --- unreadable input ---
run parse /nonexistent/Dockerfile
check "missing file exits 2 with the reason" eval '[[ $rc -eq 2 ]] && errHas "^dfc: cannot read /nonexistent/Dockerfile: No such file or directory$"'
run parse examples
check "a directory is unreadable (2)" eval '[[ $rc -eq 2 ]] && errHas "^dfc: cannot read examples: "'

finish
