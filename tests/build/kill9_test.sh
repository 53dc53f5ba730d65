#!/usr/bin/env bash
# Crash safety of `dfc build`: SIGKILL in the middle of a RUN step leaves no process of the step
# running, a store `dfc system check` passes, and the next build of the same Dockerfile succeeds
# (the RUN runs again: nothing half-made was cached) and gives a working image. The RUN sends a frame
# out of its default network first, so the builder has started slirp4netns for it: that must not
# outlive the builder either.
# usage: kill9_test.sh DFC_BINARY (exit 77 = skipped: not root or no busybox)
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"
interop_init "${1:-}" kill9_test.sh
bootstrap_busybox

mkdir -p "$WORK/ctx"
dd if=/dev/urandom of="$WORK/ctx/blob.bin" bs=1M count=8 status=none
cat >"$WORK/ctx/Dockerfile" <<'DOCKERFILE'
FROM busybox
COPY blob.bin /data/blob.bin
ARG DELAY=0
RUN (ping -c 1 -W 1 10.0.2.2 2>&1 | tail -n 1 || true) && cp /data/blob.bin /data/copy.bin && echo "step-is-running-$$" && sleep $DELAY && echo done > /data/finished
CMD ["cat", "/data/finished"]
DOCKERFILE

# kill_mid_run ROUND: starts a build whose RUN sleeps, SIGKILLs dfc once the RUN printed its marker.
kill_mid_run() {
  local round="$1" log="$WORK/build-$1.log" pid step_pid="" slirp
  SLIRP_PIDS=""
  "$DFC" build --progress plain --build-arg DELAY=97 -t interop/kill9 "$WORK/ctx" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do
    grep -q 'step-is-running-' "$log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q 'step-is-running-' "$log"; then
    echo "the RUN never started (round $round):"
    cat "$log"
    kill -9 "$pid" 2>/dev/null
    return 1
  fi
  # The step's shell, to check it dies with dfc: the sleep whose parent prints the marker's pid.
  step_pid="$(grep -o 'step-is-running-[0-9]*' "$log" | head -1)"
  # The step's slirp4netns: a child of this dfc (with a child of its own while it starts), started by
  # the ping's first frame; looked for a little while (the step sleeps on), and what was there kept
  # for the check below to show if none was found (once in CI, none was: the cause is not known yet).
  for _ in $(seq 30); do
    for slirp in $(pgrep -P "$pid" -x slirp4netns); do
      SLIRP_PIDS="$SLIRP_PIDS $slirp $(pgrep -P "$slirp" | tr '\n' ' ')"
    done
    [ -n "$SLIRP_PIDS" ] && break
    sleep 0.1
  done
  {
    echo "children of dfc $pid:"
    ps -o pid=,comm=,args= --ppid "$pid"
    echo "the step's ping said:"
    grep -E 'packets|ping:|PING' "$log"
  } >"$WORK/slirp-diag-$round" 2>&1
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  echo "killed dfc (pid $pid) during the RUN (round $round; marker $step_pid)"
}

# No `sleep 97` of the killed step may outlive dfc (the runtime ties the container to its caller).
no_orphan_step() {
  for _ in $(seq 50); do
    pgrep -f '^sleep 97$' >/dev/null || return 0
    sleep 0.1
  done
  echo "still running:"
  pgrep -af '^sleep 97$'
  return 1
}

# The killed step's slirp4netns (and its children) end with the builder (their exit pipe closes).
no_orphan_slirp() {
  local p alive
  for _ in $(seq 50); do
    alive=""
    for p in $SLIRP_PIDS; do
      kill -0 "$p" 2>/dev/null && alive="$alive $p"
    done
    [ -z "$alive" ] && return 0
    sleep 0.1
  done
  echo "still running:"
  for p in $alive; do ps -o pid=,args= -p "$p"; done
  return 1
}

for round in 1 2; do
  check "round $round: SIGKILL dfc mid-RUN" kill_mid_run "$round"
  check "round $round: the step's processes are gone" no_orphan_step
  if command -v slirp4netns >/dev/null; then
    check "round $round: the step's network had slirp4netns running" \
      bash -c "[ -n '$SLIRP_PIDS' ] || { cat '$WORK/slirp-diag-$round'; false; }"
    check "round $round: its slirp4netns is gone" no_orphan_slirp
  else
    echo "SKIPPED: round $round: slirp4netns is not installed (the step had the host's network)"
  fi
  check "round $round: dfc system check passes" "$DFC" system check
done
check "the next build succeeds" "$DFC" build --progress plain --build-arg DELAY=0 -t interop/kill9 "$WORK/ctx"
cp "$WORK/out" "$WORK/rebuild.log"
check "the RUN ran again (it was not cached by the killed builds)" grep 'step-is-running-' "$WORK/rebuild.log"
expect_output "the image works" "done" "$DFC" run --rm interop/kill9
check "dfc system check passes after the rebuild" "$DFC" system check
check "a cached rebuild hits every step" bash -c \
  "'$DFC' build --progress plain --build-arg DELAY=0 -t interop/kill9 '$WORK/ctx' 2>&1 | tee /dev/stderr | grep -c CACHED | grep -qx 2"
check "prune then check" bash -c "'$DFC' system prune && '$DFC' system check"

interop_finish
