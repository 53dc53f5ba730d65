#!/usr/bin/env bash
# dfc compose end to end with real containers in a private store:
#  1. a built service writes into a named volume and a volumes_from data volume, a busybox httpd serves
#     the files on a published port (curl from the host), `down -v` removes containers, volumes and netns;
#  2. one container reaches another by service name and by link alias over the project network;
#  3. `up` in the foreground streams prefixed logs and Ctrl-C stops the containers;
#  4. a broken file fails with file:line:col before anything runs;
#  5. depends_on conditions (service_healthy, service_completed_successfully) and restart: policies.
# Afterwards nothing is left: no `ip netns`, no mounts under the work dir, no supervisor or slirp4netns.
# usage: tests/compose/compose_test.sh DFC   (root, /bin/busybox, ip, curl; exits 77 to skip)
set -uo pipefail
DFC="$(realpath "$1")"
if [[ $(id -u) -ne 0 || ! -x /bin/busybox ]] || ! command -v ip >/dev/null || ! command -v curl >/dev/null; then
  echo "SKIPPED: dfc compose tests need root, /bin/busybox, ip (iproute2) and curl"
  exit 77
fi
WORK="$(mktemp -d /tmp/dfc-compose-test.XXXXXX)"
export DFC_ROOT="$WORK/root"
cleanup() {
  for p in "$WORK"/p*/; do
    [[ -f "$p/compose.yaml" ]] && (cd "$p" && "$DFC" compose down -v -t 0 >/dev/null 2>&1)
  done
  grep -o " ${WORK}[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
fails=0
check() { # check NAME COMMAND...: runs the command, reports the case by name
  if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1"; fails=$((fails + 1)); fi
}
# retry N COMMAND...: runs the command until it succeeds, at most N times a fifth of a second apart.
retry() {
  local n=$1
  shift
  for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.2; done
  return 1
}
freePort() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Host pids of every process a project's containers keep: PID 1, its supervisor and the supervisor's
# children (slirp4netns).
pidOf() { "$DFC" inspect "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Pid"])'; }
holders() {
  for id in $("$DFC" ps -q --no-trunc); do
    pid=$(pidOf "$id")
    sup=$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null) || continue # it just ended
    echo "$pid $sup $(pgrep -P "$sup" | tr '\n' ' ')"
  done
}
# Whether none of the pids is a live process. A zombie is not live: it has ended and holds nothing
# but its pid until its parent (for a daemonised supervisor, the machine's init) reaps it.
noneLive() {
  local pid stat
  for pid in "$@"; do
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
    stat="${stat##*) }"
    [[ -n $stat && ${stat:0:1} != Z ]] && return 1
  done
  return 0
}
"$DFC" bootstrap busybox >/dev/null 2>&1 || { echo "FAIL: dfc bootstrap busybox"; exit 1; }

# --- 1. build + named volume + volumes_from + published port ---
P1="$WORK/p1"
mkdir -p "$P1/gen"
PORT=$(freePort)
cat >"$P1/gen/Dockerfile" <<'DF'
FROM busybox:latest
ARG WHO=nobody
RUN echo "<p>page for $WHO</p>" >/page.html
CMD ["sh", "-c", "cp /page.html /out/index.html && echo shared-by-data >/shared/marker"]
DF
cat >"$P1/compose.yaml" <<'YAML'
version: "2"
services:
  generate:
    build:
      context: gen
      args:
        WHO: ${WHO:-compose}
    volumes:
      - site:/out
    volumes_from:
      - data
  data:
    image: busybox
    volumes:
      - /shared
    command: ["true"]
  serve:
    image: busybox
    command: httpd -f -p 8080 -h /www
    ports:
      - "127.0.0.1:${PORT}:8080"
    volumes:
      - site:/www
    volumes_from:
      - data
    depends_on:
      - generate
volumes:
  site:
YAML
echo "PORT=$PORT" >"$P1/.env"
cd "$P1" || exit 1
"$DFC" compose up --build -d >"$WORK/up1.txt" 2>&1
check "up --build -d exits 0" test $? -eq 0 || cat "$WORK/up1.txt"
check "up printed the start order" grep -q "Container p1-data-1  Started" "$WORK/up1.txt"
check "the build ran with the interpolated build arg" bash -c "\"$DFC\" run --rm p1-generate cat /page.html | grep -qx '<p>page for compose</p>'"
check "curl from the host gets the page the build service wrote into the named volume" \
  retry 50 bash -c "curl -sf http://127.0.0.1:$PORT/index.html | grep -qx '<p>page for compose</p>'"
check "serve sees the data service's volume through volumes_from" \
  retry 50 bash -c "\"$DFC\" exec p1-serve-1 cat /shared/marker | grep -qx shared-by-data"
"$DFC" compose ps >"$WORK/ps1.txt" 2>&1
check "compose ps lists the running server with its port" grep -q "p1-serve-1 .*serve .*Up .*127.0.0.1:$PORT->8080/tcp" "$WORK/ps1.txt"
check "compose ps -a lists the finished ones" bash -c "\"$DFC\" compose ps -a | grep -q 'p1-generate-1 .*Exited (0)'"
# This store's namespaces start with dfc-<tag>- (the tag hashes the store root): other stores' projects,
# say a concurrent run of this test, are not ours to count.
TAG=$("$DFC" inspect p1-serve-1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Config"]["Labels"]["dfc.compose.netns"][:13])')
ours() { ip netns list 2>/dev/null | grep -q "^$TAG$1"; }
noneOfOurs() { [[ -n "$TAG" ]] && ! ours ""; }
check "the project has its network namespaces" ours "p-p1\b"
check "every service has a network namespace" ours "c-p1-data-1\b"
"$DFC" compose up -d >"$WORK/up1b.txt" 2>&1
check "a second up keeps the unchanged running container" grep -q "Container p1-serve-1  Running" "$WORK/up1b.txt"
check "the volume exists in the store" test -d "$DFC_ROOT/volumes/p1_site/_data"
held="$(holders)"
check "the running containers' processes are known" test -n "$held"
"$DFC" compose down -v -t 1 >"$WORK/down1.txt" 2>&1
check "down -v exits 0" test $? -eq 0 || cat "$WORK/down1.txt"
check "down removed every container" test -z "$("$DFC" ps -a -q)"
check "down -v removed the named volume" test ! -e "$DFC_ROOT/volumes/p1_site"
check "down -v removed the anonymous volume of the data service" bash -c "! ls \"$DFC_ROOT/volumes\" | grep -q p1_data"
check "down removed every network namespace of the project" noneOfOurs
check "no mounts are left under the store" bash -c "! grep -q \" $WORK\" /proc/mounts"
# shellcheck disable=SC2086 # $held: a list of pids
check "no container, supervisor or slirp4netns process is left" noneLive $held
check "the server no longer answers" bash -c "! curl -sf -m 2 http://127.0.0.1:$PORT/ >/dev/null"

# --- 2. service names and link aliases on the project network ---
P2="$WORK/p2"
mkdir -p "$P2"
cat >"$P2/compose.yaml" <<'YAML'
services:
  api:
    image: busybox
    command: ["sh", "-c", "mkdir -p /w && echo api says hi >/w/index.html && exec httpd -f -p 8080 -h /w"]
  web:
    image: busybox
    links:
      - api:backend
    depends_on: [api]
    command:
      - sh
      - -c
      - until wget -q -O /tmp/got http://api:8080/; do sleep 0.1; done; cat /tmp/got; exec sleep 600
YAML
cd "$P2" || exit 1
"$DFC" compose up -d >"$WORK/up2.txt" 2>&1
check "scenario 2 up -d exits 0" test $? -eq 0 || cat "$WORK/up2.txt"
check "web fetched api's page by service name (its log)" \
  retry 50 bash -c "\"$DFC\" compose logs | grep -q '^web-1 *| api says hi'"
check "web reaches api by the link alias" bash -c "\"$DFC\" exec p2-web-1 wget -q -O - http://backend:8080/ | grep -qx 'api says hi'"
# Outbound access (slirp4netns) to a server on this machine's own address: the traffic stays here.
HOSTIP=$(ip -4 route get 1.1.1.1 2>/dev/null | sed -nE 's/.* src ([0-9.]+).*/\1/p')
if [[ -n "$HOSTIP" ]]; then
  OUTPORT=$(freePort)
  mkdir -p "$WORK/out" && echo "outbound works" >"$WORK/out/o.txt"
  (cd "$WORK/out" && exec python3 -m http.server --bind "$HOSTIP" "$OUTPORT" >/dev/null 2>&1) &
  server=$!
  check "a compose container has outbound access (to this host's $HOSTIP)" \
    retry 25 bash -c "\"$DFC\" exec p2-web-1 wget -q -O - http://$HOSTIP:$OUTPORT/o.txt 2>/dev/null | grep -qx 'outbound works'"
  kill $server
  wait $server 2>/dev/null
else
  echo "SKIPPED: outbound check (no IPv4 source address on this machine)"
fi
check "api's /etc/hosts names web's container" bash -c "\"$DFC\" exec p2-api-1 grep -q 'p2-web-1' /etc/hosts"
apiNet=$(readlink "/proc/$(pidOf p2-api-1)/ns/net")
webNet=$(readlink "/proc/$(pidOf p2-web-1)/ns/net")
check "each container has its own network namespace, not the host's" \
  test -n "$apiNet" -a -n "$webNet" -a "$apiNet" != "$webNet" -a "$apiNet" != "$(readlink /proc/self/ns/net)"
check "the host cannot reach the project subnet" bash -c "! curl -sf -m 1 http://10.89.0.2:8080/ >/dev/null"
held="$(holders)"
"$DFC" compose down -t 1 >"$WORK/down2.txt" 2>&1 || cat "$WORK/down2.txt"
check "scenario 2 down leaves no containers" test -z "$("$DFC" ps -a -q)"
check "scenario 2 down leaves no network namespaces" noneOfOurs
# shellcheck disable=SC2086
check "scenario 2 leaves no processes" noneLive $held

# --- 3. foreground up: prefixed logs, Ctrl-C stops ---
P3="$WORK/p3"
mkdir -p "$P3"
cat >"$P3/compose.yaml" <<'YAML'
services:
  ticker:
    image: busybox
    command: ["sh", "-c", "trap 'echo bye; exit 0' INT TERM; echo ready; while :; do sleep 0.1; done"]
YAML
cd "$P3" || exit 1
"$DFC" compose up >"$WORK/up3.txt" 2>&1 &
uppid=$!
check "foreground up streams the prefixed log" retry 100 grep -q '^ticker-1 *| ready' "$WORK/up3.txt"
kill -INT $uppid
wait $uppid
check "Ctrl-C ends up with exit 0" test $? -eq 0
check "Ctrl-C stopped the container (its trap ran)" grep -q '^ticker-1 *| bye' "$WORK/up3.txt"
check "the stopped container is listed as exited" bash -c "\"$DFC\" compose ps -a | grep -q 'p3-ticker-1 .*Exited'"
"$DFC" compose down >/dev/null 2>&1
# A container that ignores SIGTERM: the second Ctrl-C kills it instead of waiting out the stop timeout.
cat >"$P3/compose.yaml" <<'YAML'
services:
  stubborn:
    image: busybox
    command: ["sh", "-c", "trap '' INT TERM; echo ready; while :; do sleep 0.1; done"]
YAML
"$DFC" compose up >"$WORK/up3b.txt" 2>&1 &
uppid=$!
check "the stubborn service is up" retry 100 grep -q '^stubborn-1 *| ready' "$WORK/up3b.txt"
kill -INT $uppid
check "the first Ctrl-C stops gracefully" retry 50 grep -q 'Gracefully stopping' "$WORK/up3b.txt"
kill -INT $uppid
wait $uppid
check "the second Ctrl-C kills, and up ends" grep -q 'Killing' "$WORK/up3b.txt"
check "the killed container is exited (137)" bash -c "\"$DFC\" compose ps -a | grep -q 'p3-stubborn-1 .*Exited (137)'"
"$DFC" compose down >/dev/null 2>&1
check "scenario 3 down leaves no network namespaces" noneOfOurs

# --- 4. errors ---
P4="$WORK/p4"
mkdir -p "$P4"
printf 'services:\n  web:\n    image: busybox\n    depends_on: [nothere]\n' >"$P4/compose.yaml"
cd "$P4" || exit 1
"$DFC" compose up -d >"$WORK/up4.txt" 2>&1
check "a broken file exits 1" test $? -eq 1
check "the error names file:line:col" grep -q "compose.yaml:4:18: service \"web\" depends on undefined service \"nothere\"" "$WORK/up4.txt"
check "nothing was created for it" noneOfOurs

# --- 5. depends_on conditions and restart: ---
# app starts only once init has exited 0 and db's healthcheck passed (db makes /data/ready after a
# while, and app looks for both files when it starts; db is probed every start_interval within its
# start_period); a failing service restarts by its policy.
P5="$WORK/p5"
mkdir -p "$P5"
cat >"$P5/compose.yaml" <<'YAML'
services:
  init:
    image: busybox
    command: sh -c 'sleep 1; echo done > /data/init'
    volumes: [shared:/data]
  db:
    image: busybox
    command: sh -c 'sleep 2; touch /data/ready; sleep 600'
    volumes: [shared:/data]
    healthcheck:
      test: ["CMD", "test", "-f", "/data/ready"]
      interval: 1h
      start_period: 5m
      start_interval: 200ms
  app:
    image: busybox
    command: sh -c 'test -f /data/init && test -f /data/ready && echo deps-ok; sleep 600'
    volumes: [shared:/data]
    depends_on:
      init: {condition: service_completed_successfully}
      db:
        condition: service_healthy
  flaky:
    image: busybox
    command: sh -c 'echo run >> /data/flaky; exit 3'
    volumes: [shared:/data]
    restart: on-failure:2
volumes:
  shared:
YAML
cd "$P5" || exit 1
"$DFC" compose up -d --dependency-timeout 120 >"$WORK/up5.txt" 2>&1
check "up with conditions exits 0" test $? -eq 0 || cat "$WORK/up5.txt"
check "up waited for db to be healthy" grep -q "Container p5-db-1  Healthy" "$WORK/up5.txt"
check "up waited for init to complete" grep -q "Container p5-init-1  Exited" "$WORK/up5.txt"
check "app started after both conditions held" retry 100 bash -c "\"$DFC\" logs p5-app-1 | grep -qx deps-ok"
restarts() { "$DFC" inspect "$1" | python3 -c 'import json,sys; j=json.load(sys.stdin)[0]; print(j["State"]["Status"], j["RestartCount"])'; }
flakyDone() { [[ "$(restarts p5-flaky-1)" == "exited 2" ]]; }
check "restart: on-failure:2 ends after two restarts" retry 300 flakyDone
check "the failing service ran three times" bash -c "[[ \$(\"$DFC\" exec p5-db-1 cat /data/flaky | wc -l) -eq 3 ]]"
"$DFC" compose down -v -t 0 >/dev/null 2>&1

# An unhealthy dependency and a failed one-shot fail `up` with the container or service named.
cat >"$P5/compose.yaml" <<'YAML'
services:
  sick:
    image: busybox
    command: sleep 600
    healthcheck:
      test: ["CMD", "false"]
      interval: 100ms
      retries: 2
  app:
    image: busybox
    command: sleep 600
    depends_on:
      sick: {condition: service_healthy}
YAML
"$DFC" compose up -d >"$WORK/up5b.txt" 2>&1
check "an unhealthy dependency fails up" test $? -eq 1
check "the error names the unhealthy container" grep -q "dependency failed to start: container p5-sick-1 is unhealthy" "$WORK/up5b.txt"
check "the dependent service was not created" bash -c "! \"$DFC\" ps -a | grep -q p5-app-1"
"$DFC" compose down -t 0 >/dev/null 2>&1
cat >"$P5/compose.yaml" <<'YAML'
services:
  migrate:
    image: busybox
    command: sh -c 'exit 3'
  app:
    image: busybox
    command: sleep 600
    depends_on:
      migrate: {condition: service_completed_successfully}
YAML
"$DFC" compose up -d >"$WORK/up5c.txt" 2>&1
check "a failed one-shot dependency fails up" test $? -eq 1
check "the error names the failed service and its code" grep -q "service \"migrate\" didn't complete successfully: exit 3" "$WORK/up5c.txt"
"$DFC" compose down -t 0 >/dev/null 2>&1
check "scenario 5 down leaves no network namespaces" noneOfOurs

echo "compose tests: $fails failure(s)"
[[ $fails -eq 0 ]]
