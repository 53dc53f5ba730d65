#!/usr/bin/env bash
# Several dfc processes on one store at once (issue 5: "several dfc processes at once are safe"):
# four builds that share their first steps (so they race to create the same cache entries and
# layers), each with steps of its own, run together while other processes list, inspect and tag
# images. Every build must succeed, each image must run and hold what its own Dockerfile made,
# `dfc system check` must pass, and a rebuild of each must hit the cache for every step.
# usage: concurrent_test.sh DFC_BINARY (exit 77 = skipped: not root or no busybox)
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"
interop_init "${1:-}" concurrent_test.sh
bootstrap_busybox

mkdir -p "$WORK/ctx"
dd if=/dev/urandom of="$WORK/ctx/shared.bin" bs=1M count=4 status=none
for n in 1 2 3 4; do
  echo "own file $n" >"$WORK/ctx/own$n.txt"
  cat >"$WORK/ctx/Dockerfile.$n" <<DOCKERFILE
FROM busybox
COPY shared.bin /data/shared.bin
RUN sha256sum /data/shared.bin > /data/shared.sum
COPY own$n.txt /data/own.txt
RUN echo "built $n" > /data/who && cat /data/own.txt >> /data/who
CMD ["cat", "/data/who"]
DOCKERFILE
done

# Four builds at once, and readers hammering the store while they run.
build_all() {
  local pids=() n rc=0
  for n in 1 2 3 4; do
    "$DFC" build --progress plain -f "$WORK/ctx/Dockerfile.$n" -t "conc/img$n" "$WORK/ctx" \
      >"$WORK/build-$n-$1.log" 2>&1 &
    pids+=($!)
  done
  for _ in $(seq 1 20); do
    "$DFC" images >/dev/null 2>>"$WORK/readers.log" || echo "images failed" >>"$WORK/readers.log"
    "$DFC" inspect busybox >/dev/null 2>>"$WORK/readers.log" || echo "inspect failed" >>"$WORK/readers.log"
  done
  for n in 1 2 3 4; do
    if ! wait "${pids[$((n - 1))]}"; then
      echo "build $n failed:"
      cat "$WORK/build-$n-$1.log"
      rc=1
    fi
  done
  return $rc
}

check "four builds at once on one store all succeed" build_all first
check "readers never failed while builds ran" test ! -s "$WORK/readers.log"
for n in 1 2 3 4; do
  expect_output "image $n runs and holds its own step's output" "built $n
own file $n" "$DFC" run --rm "conc/img$n"
done
check "the shared steps made one layer, not four" bash -c \
  "test \"\$('$DFC' history conc/img1 | head -3)\" != '' &&
   a=\$('$DFC' inspect conc/img1 | python3 -c 'import json,sys; j=json.load(sys.stdin); j=j[0] if isinstance(j,list) else j; print(j[\"RootFS\"][\"Layers\"][1])') &&
   for n in 2 3 4; do
     b=\$('$DFC' inspect conc/img\$n | python3 -c 'import json,sys; j=json.load(sys.stdin); j=j[0] if isinstance(j,list) else j; print(j[\"RootFS\"][\"Layers\"][1])');
     test \"\$a\" = \"\$b\" || exit 1; done"
check "dfc system check passes" "$DFC" system check
check "tags and removals at once keep the store consistent" bash -c "
  for n in 1 2 3 4; do '$DFC' tag conc/img\$n conc/copy\$n & done; wait
  for n in 1 2 3 4; do '$DFC' rmi conc/copy\$n & done; wait
  '$DFC' system check"
check "four rebuilds at once" build_all again
for n in 1 2 3 4; do
  check "rebuild $n hit the cache for every step" bash -c \
    "! grep -q 'CACHE MISS' '$WORK/build-$n-again.log' && test \$(grep -c ' CACHED\$' '$WORK/build-$n-again.log') -eq 4"
done
interop_finish
