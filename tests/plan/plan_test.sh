#!/usr/bin/env bash
# dfc plan through the CLI: it leaves the store byte for byte as it was, prints text, json and dot,
# and predicts the misses (with the reasons) that the next `dfc build` reports in its progress.
# usage: tests/plan/plan_test.sh DFC   (root and /bin/busybox; exits 77 to skip)
set -uo pipefail
DFC="$(realpath "$1")" # the test cds into its context
if [[ $(id -u) -ne 0 || ! -x /bin/busybox ]]; then
  echo "SKIPPED: dfc plan tests need root and /bin/busybox"
  exit 77
fi
WORK="$(mktemp -d /tmp/dfc-plan-test.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
export DFC_ROOT="$WORK/root"
fails=0
check() { # check NAME COMMAND...: runs the command, reports the case by name
  if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1"; fails=$((fails + 1)); fi
}
"$DFC" bootstrap busybox >/dev/null 2>&1 || { echo "FAIL: dfc bootstrap busybox"; exit 1; }
mkdir -p "$WORK/ctx"
cd "$WORK/ctx" || exit 1
echo a >a.txt
cat >Dockerfile <<'DF'
FROM busybox:latest AS base
RUN echo base >/base
FROM busybox:latest AS unused
RUN echo unused >/unused
FROM base
COPY a.txt /a.txt
RUN cat /a.txt >/b
RUN echo more >>/b
CMD ["sh"]
DF
"$DFC" build -q -t plantest . >/dev/null 2>&1 || { echo "FAIL: first build"; exit 1; }

snapshot() { (cd "$DFC_ROOT" && find . -printf '%p %s %T@ %m\n' | sort && cat dfc.db* | sha256sum); }
before="$(snapshot)"
"$DFC" plan . >"$WORK/plan.txt" 2>&1
check "plan text exits 0" test $? -eq 0
"$DFC" plan -O2 --format json . >"$WORK/plan.json" 2>&1
check "plan json exits 0" test $? -eq 0
"$DFC" plan --format dot . >"$WORK/plan.dot" 2>&1
check "plan dot exits 0" test $? -eq 0
check "plan leaves the store unchanged" test "$before" == "$(snapshot)"

check "text: everything cached after a build" grep -q "^4 cached, 0 to run" "$WORK/plan.txt"
check "text: the unused stage is dropped" grep -q "dropped: stage unused" "$WORK/plan.txt"
check "json: O2 merged the two RUNs, hit nothing (merged layer never built)" python3 - "$WORK/plan.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
final = j["stages"][2]
kinds = [u["kind"] for u in final["units"]]
merged = [u for u in final["units"] if u["kind"] == "merged-run"]
assert j["level"] == 2 and j["stages"][1]["dropped"], j
assert len(merged) == 1 and len(merged[0]["steps"]) == 2, kinds
assert merged[0]["cache"] == "MISS" and merged[0]["reason"] == "merged layer not built before", merged
assert all(u.get("cache", "HIT") == "HIT" for u in final["units"] if u["kind"] == "step"), final
PY
check "dot: stage graph with the dropped stage dashed" grep -q 's0 -> s2' "$WORK/plan.dot"
check "dot: dashed dropped stage" grep -q 's1 .*style=dashed' "$WORK/plan.dot"

echo changed >a.txt
"$DFC" plan . >"$WORK/plan2.txt" 2>&1
check "plan predicts the COPY miss and why" grep -q "MISS (file changed: a.txt)" "$WORK/plan2.txt"
check "plan predicts the RUN after it misses" grep -q "MISS (parent step changed)" "$WORK/plan2.txt"
"$DFC" build --progress plain -t plantest . >"$WORK/build2.txt" 2>&1
check "build prints the same reasons" grep -q "CACHE MISS: file changed: a.txt" "$WORK/build2.txt"
check "build prints the parent reason" grep -q "CACHE MISS: parent step changed" "$WORK/build2.txt"

# The selection shortcut: a build records each COPY source's digest with the stat of everything
# its walk saw (only for files older than 2 s, so the sleep); plan then reuses it while every
# stat holds. Each edit is one the shortcut could miss if it trusted directories alone.
mkdir -p "$WORK/tree" && cd "$WORK/tree" || exit 1
mkdir -p src/sub/deeper src/skip
for f in src/a.c src/sub/b.c src/sub/deeper/c.c src/skip/kept.c src/skip/gone.c; do echo x >"$f"; done
printf 'src/skip\n!src/skip/kept.c\n' >.dockerignore
cat >Dockerfile <<'DF'
FROM busybox:latest
COPY src/ /src/
COPY src/*.c /glob/
DF
sleep 2.1
"$DFC" build -q -t plantree . >/dev/null 2>&1 || { echo "FAIL: tree build"; exit 1; }
check "the build recorded the selections" test -n "$(find "$DFC_ROOT/statcache" -name '*.sel' -size +0)"
before="$(snapshot)"
plan_says() { # plan_says PATTERN: the plan of the tree prints PATTERN
  "$DFC" plan . >"$WORK/plan3.txt" 2>&1 && grep -q "$1" "$WORK/plan3.txt"
}
check "tree: all cached after the build" plan_says "^2 cached, 0 to run"
check "tree: plan reused both selections, hashed nothing" \
  bash -c 'DFC_TRACE=1 "$1" plan . 2>&1 >/dev/null | grep -q "(2 selections reused, 0 files hashed)"' _ "$DFC"
check "tree: plan leaves the store unchanged" test "$before" == "$(snapshot)"
echo y >src/sub/deeper/c.c
check "tree: a same-size edit under an unchanged directory misses" plan_says "MISS (file changed: src)"
echo x >src/sub/deeper/c.c
check "tree: undone, it hits again" plan_says "^2 cached, 0 to run"
echo x >src/skip/gone.c.new && mv src/skip/gone.c.new src/skip/gone.c
check "tree: an ignored file's change hits" plan_says "^2 cached, 0 to run"
echo y >src/skip/kept.c
check "tree: a re-included file's edit misses" plan_says "MISS (file changed: src)"
echo x >src/skip/kept.c
echo x >src/new.c
check "tree: a new file matching the glob misses" plan_says "MISS (file changed: src/new.c)"
rm src/new.c
printf 'src/skip\n' >.dockerignore
check "tree: a .dockerignore change misses" plan_says "MISS (file changed: src)"
check "tree: plans left the store unchanged" test "$before" == "$(snapshot)"
cd "$WORK/ctx" || exit 1

"$DFC" plan -O5 . >/dev/null 2>&1
check "-O5 is a usage error" test $? -eq 2
if [[ $fails -ne 0 ]]; then
  echo "--- plan.txt"; cat "$WORK/plan.txt"; echo "--- plan2.txt"; cat "$WORK/plan2.txt"
  echo "--- plan3.txt (last tree plan)"; cat "$WORK/plan3.txt"
  exit 1
fi
