#!/usr/bin/env bash
# `dfc build --runtime runc`: RUN steps' bundles run under Debian's runc (seen in `runc list` while a
# step runs), give the same image (same id) as dfc's own runtime, and show a failing step's exit code.
# usage: runtime_runc_test.sh DFC_BINARY (exit 77 = skipped: not root or runc not installable)
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"
interop_init "${1:-}" runtime_runc_test.sh
need_packages runc
bootstrap_busybox

mkdir -p "$WORK/ctx"
echo input >"$WORK/ctx/in.txt"
cat >"$WORK/ctx/Dockerfile" <<'DOCKERFILE'
FROM busybox
COPY in.txt /work/
WORKDIR /work
RUN echo "uid=$(id -u) cwd=$(pwd) $(cat in.txt)" > out.txt && ln -s out.txt link && mkdir -m 0700 private
RUN rm in.txt && hostname > host.txt
CMD ["cat", "/work/out.txt"]
DOCKERFILE
check "build with dfc's runtime" "$DFC" build --progress plain -t rt/dfc "$WORK/ctx"
check "build with --runtime runc (no cache)" "$DFC" build --progress plain --no-cache --runtime runc -t rt/runc "$WORK/ctx"
expect_output "the runc-built image runs" "uid=0 cwd=/work input" "$DFC" run --rm rt/runc
check "both runtimes give the same image id" bash -c \
  "a=\$('$DFC' inspect rt/dfc | jq -r '.[0].Id'); b=\$('$DFC' inspect rt/runc | jq -r '.[0].Id');
   echo \"\$a \$b\"; [[ -n \$a && \$a == \$b ]]"

# runc must really run the step: a slow RUN shows up in `runc list` while it runs (under the state
# root backend/runtime/Runc.cpp gives runc, so other runc users do not count).
cat >"$WORK/ctx/Dockerfile.slow" <<'DOCKERFILE'
FROM busybox
RUN echo slow-step-started && sleep 3 && echo slow-step-done
DOCKERFILE
"$DFC" build --progress plain --runtime runc -f "$WORK/ctx/Dockerfile.slow" "$WORK/ctx" >"$WORK/slow.log" 2>&1 &
pid=$!
seen=0
for _ in $(seq 80); do
  grep -q slow-step-started "$WORK/slow.log" && runc --root /run/dfc/runc list -q 2>/dev/null | grep -q . && { seen=1; break; }
  sleep 0.1
done
wait "$pid"
rc=$?
check "the slow build succeeded" test "$rc" -eq 0
check "runc listed the step's container while it ran" test "$seen" -eq 1

printf 'FROM busybox\nRUN echo failing-on-purpose && exit 7\n' >"$WORK/ctx/Dockerfile.fail"
check "a failing RUN under runc fails the build with its exit code" bash -c \
  "out=\$('$DFC' build --progress plain --runtime runc -f '$WORK/ctx/Dockerfile.fail' '$WORK/ctx' 2>&1); rc=\$?;
   echo \"\$out\"; [[ \$rc -ne 0 && \$out == *failing-on-purpose* && \$out == *'exit code: 7'* ]]"
check "an unknown runtime is a usage error" bash -c "'$DFC' build --runtime crun '$WORK/ctx'; [[ \$? -ne 0 ]]"

interop_finish
