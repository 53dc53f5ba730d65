#!/usr/bin/env bash
# Sets up, then runs dfc's main job on examples/: for now parse each example Dockerfile and show
# BuildKit's dump of its syntax, the typed IR and its diagnostics; then builds examples/hello and runs it,
# builds examples/web and serves its page on a published port (curl prints it), and runs
# examples/compose with dfc compose.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
bash scripts/setup.sh || exit 1
DFC=build/bin/dfc
JSON_LINES="${DFC_DEMO_JSON_LINES:-40}"

problems=0
for f in examples/*/Dockerfile; do
  echo "=================== $f"
  echo "--- \$ dfc parse --dump=buildkit $f"
  "$DFC" parse --dump=buildkit "$f" 2>/dev/null
  echo "--- \$ dfc parse --json $f   (first $JSON_LINES lines)"
  "$DFC" parse --json "$f" 2>/dev/null | head -n "$JSON_LINES"
  echo "--- \$ dfc parse $f   (diagnostics)"
  "$DFC" parse "$f"
  status=$?
  # examples/broken/ must fail with diagnostics; every other example must parse cleanly.
  if [[ "$f" == examples/broken/* ]]; then
    [[ $status -eq 1 ]] && echo "(exit 1, as expected: every error above was found in one run)" || problems=$((problems + 1))
  else
    [[ $status -eq 0 ]] && echo "(no errors)" || problems=$((problems + 1))
  fi
done
if [[ $problems -ne 0 ]]; then
  echo "demo: $problems example(s) did not behave as expected" >&2
  exit 1
fi
# Build and run: a busybox base made on this machine, examples/hello built on it, then run.
if [[ $(id -u) -eq 0 && -x /bin/busybox ]]; then
  export DFC_ROOT="${DFC_ROOT:-$ROOT/build/demo-store}"
  echo "=================== build (DFC_ROOT=$DFC_ROOT)"
  echo "--- \$ dfc bootstrap busybox"
  "$DFC" bootstrap busybox || problems=$((problems + 1))
  echo "--- \$ dfc build -t hello examples/hello"
  "$DFC" build --progress plain -t hello examples/hello || problems=$((problems + 1))
  echo "--- \$ dfc build -t hello examples/hello   (again: every step CACHED)"
  "$DFC" build --progress plain -t hello examples/hello 2>&1 | grep -E 'CACHED|naming' || problems=$((problems + 1))
  echo "--- \$ dfc run --rm hello"
  [[ "$("$DFC" run --rm hello)" == "hello from dfc" ]] && echo "hello from dfc" || problems=$((problems + 1))
  echo "--- \$ dfc build -t web examples/web   (busybox httpd serving one page)"
  "$DFC" build --progress plain -t web examples/web || problems=$((problems + 1))
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  echo "--- \$ dfc run -d --name demo-web -p 127.0.0.1:$port:8080 web"
  "$DFC" rm -f demo-web >/dev/null 2>&1
  "$DFC" run -d --name demo-web -p "127.0.0.1:$port:8080" web || problems=$((problems + 1))
  echo "--- \$ curl http://127.0.0.1:$port/"
  page=""
  for _ in $(seq 50); do page="$(curl -sf "http://127.0.0.1:$port/")" && break; sleep 0.1; done
  echo "$page"
  grep -q "hello from a dfc container" <<<"$page" || problems=$((problems + 1))
  echo "--- \$ dfc stop demo-web && dfc rm demo-web"
  "$DFC" stop -t 1 demo-web && "$DFC" rm demo-web || problems=$((problems + 1))
  # Compose: a built service fills a named volume, web serves it and reaches api by its service name.
  compose=(compose -f examples/compose/compose.yaml)
  echo "--- \$ WEB_PORT=$port dfc ${compose[*]} up --build -d"
  WEB_PORT=$port "$DFC" "${compose[@]}" up --build -d || problems=$((problems + 1))
  for path in index.html api.json; do
    echo "--- \$ curl http://127.0.0.1:$port/$path"
    page=""
    for _ in $(seq 50); do page="$(curl -sf "http://127.0.0.1:$port/$path")" && break; sleep 0.1; done
    echo "$page"
    [[ -n "$page" ]] || problems=$((problems + 1))
  done
  echo "--- \$ dfc ${compose[*]} ps"
  "$DFC" "${compose[@]}" ps
  echo "--- \$ dfc ${compose[*]} down -v"
  "$DFC" "${compose[@]}" down -v -t 1 || problems=$((problems + 1))
  "$DFC" images
else
  echo "(skipping dfc build/run: needs root and /bin/busybox)"
fi
if [[ $problems -ne 0 ]]; then
  echo "demo: $problems step(s) did not behave as expected" >&2
  exit 1
fi
echo "demo: all examples behaved as expected"
