#!/usr/bin/env bash
# `dfc build` progress on a terminal (a pty from util-linux's script): --progress auto and tty draw
# BuildKit's redrawn view (a "[+] Building" header with counts, " => " step lines with timers,
# cursor-up + clear sequences, a FINISHED line, CACHED steps, a failing step's output and error);
# on a pipe, auto is the plain log, unchanged ("#N ..." lines, no escape sequences).
# usage: progress_test.sh DFC_BINARY (exit 77 = skipped: not root, or no `script`)
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"
interop_init "${1:-}" progress_test.sh
need_packages bsdutils
bootstrap_busybox

mkdir -p "$WORK/ctx" "$WORK/bad"
cat >"$WORK/ctx/Dockerfile" <<'DOCKERFILE'
FROM busybox
RUN echo first-line && sleep 0.5 && echo second-line
RUN echo done > /done
DOCKERFILE
printf 'FROM busybox\nRUN echo about-to-fail && exit 3\n' >"$WORK/bad/Dockerfile"

# on_pty CMD TYPESCRIPT: runs CMD on a pty; TYPESCRIPT gets what the terminal saw.
on_pty() { script -q -e -c "$1" "$2" >/dev/null 2>&1 </dev/null; }
ESC=$'\x1b'

tty_view() {
  local t="$1"
  grep -Eq '\[\+\] Building [0-9.]+s \([0-9]+/[0-9]+\)' "$t" &&      # the live header
    grep -Eq '\[\+\] Building [0-9.]+s \(([0-9]+)/\1\) FINISHED' "$t" && # the final one, all done
    grep -q "$ESC\[[0-9]*F" "$t" && grep -q "$ESC\[J" "$t" &&          # cursor up, clear below
    grep -q ' => \[1/3\] FROM busybox' "$t" &&
    grep -Eq ' => \[2/3\] RUN echo first-line .* [0-9]+\.[0-9]s' "$t" &&  # a step with its timer
    grep -q ' => => # first-line' "$t" &&                              # its output while it runs
    ! grep -q '^#[0-9]' "$t"                                           # no plain log
}
failed_step() {
  local t="$1"
  grep -q ' => ERROR \[2/2\] RUN echo about-to-fail' "$t" &&
    grep -q ' => => # about-to-fail' "$t" &&
    grep -q 'exit code: 3' "$t"
}
plain_on_pipe() {
  "$DFC" build --no-cache -t p/plain "$WORK/ctx" 2>&1 | cat >"$WORK/plain.log"
  grep -q '^#2 \[2/3\] RUN echo first-line' "$WORK/plain.log" &&
    grep -q '^#2 [0-9.]* first-line' "$WORK/plain.log" &&
    ! grep -q "$ESC" "$WORK/plain.log"
}

check "auto on a terminal builds" on_pty "'$DFC' build -t p/auto '$WORK/ctx'" "$WORK/auto.typescript"
check "auto on a terminal: the redrawn view" tty_view "$WORK/auto.typescript"
check "--progress tty, warm" on_pty "'$DFC' build --progress tty -t p/auto '$WORK/ctx'" "$WORK/warm.typescript"
check "warm: CACHED step lines" grep -q ' => CACHED \[2/3\] RUN echo first-line' "$WORK/warm.typescript"
on_pty "'$DFC' build --progress tty '$WORK/bad'" "$WORK/bad.typescript"
check "a failing step keeps its output and error on screen" failed_step "$WORK/bad.typescript"
check "auto on a pipe is the plain log" plain_on_pipe

interop_finish
