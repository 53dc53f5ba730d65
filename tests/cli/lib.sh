# Sourced by the tests/cli scripts: a tally of named checks, `run` capturing one dfc command's
# output and exit status, and the summary that sets the script's exit status.
# shellcheck shell=bash
# Uses DFC and WORK from the sourcing script.

passed=0
failed=0
rc=0

# check NAME COMMAND...: counts COMMAND's success; on failure prints the name, the last exit
# status and the start of the last command's output.
check() {
  local name="$1"
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name (last exit $rc)"
    [[ -f "$WORK/out" ]] && sed 's/^/  stdout: /' "$WORK/out" | head -30
    [[ -f "$WORK/err" ]] && sed 's/^/  stderr: /' "$WORK/err" | head -20
  fi
  return 0
}

# run ARGS...: runs dfc with stdin from $STDIN (default /dev/null); output in $WORK/out and
# $WORK/err, exit status in $rc.
run() {
  "$DFC" "$@" <"${STDIN:-/dev/null}" >"$WORK/out" 2>"$WORK/err"
  rc=$?
}
# waitFor TRIES COMMAND...: runs COMMAND every 0.1 s until it succeeds (status 0) or TRIES runs failed
# (status 1): the deadline of a poll, generous because a loaded machine is slow, not wrong.
waitFor() {
  local tries="$1" i
  shift
  for ((i = 0; i < tries; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}
outHas() { grep -qF -- "$1" "$WORK/out"; }
outMatches() { grep -qE -- "$1" "$WORK/out"; }
errHas() { grep -qE -- "$1" "$WORK/err"; }
errEmpty() { [[ ! -s "$WORK/err" ]]; }

# finish: prints the tally; the script's exit status is 0 only when nothing failed.
finish() {
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
