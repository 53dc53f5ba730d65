#!/usr/bin/env bash
# End-to-end checks of `dfc run` and the container commands through the real binary, one process per
# command as a user types them (so state has to survive the process that started a container):
# exit codes, -d, ps, stop, logs, exec, rm, stale supervisors, published ports, HEALTHCHECK.
# Needs root, overlayfs and /bin/busybox; skips (77) otherwise. Leaves no process or mount behind.
# usage: run_test.sh DFC_BINARY
set -uo pipefail

DFC="$(realpath "${1:?usage: run_test.sh path/to/dfc}")"
if [[ $(id -u) -ne 0 || ! -x /bin/busybox ]]; then
  echo "SKIP: dfc run needs root and /bin/busybox (Debian's busybox-static)"
  exit 77
fi
WORK="$(mktemp -d /tmp/dfc-cli-run.XXXXXX)"
export DFC_ROOT="$WORK/store"
cleanup() {
  "$DFC" rm -f $("$DFC" ps -aq 2>/dev/null) >/dev/null 2>&1
  grep -o " $WORK/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
outHas() { grep -qE -- "$1" "$WORK/out"; } # a regex here
outLacks() { ! grep -qE -- "$1" "$WORK/out"; }
is() { [[ "$1" == "$2" ]]; }
# inspectShows NAME TEXT...: `dfc inspect NAME` (into $WORK/out) shows every TEXT.
inspectShows() {
  local name="$1" text
  shift
  run inspect "$name"
  for text in "$@"; do grep -qF -- "$text" "$WORK/out" || return 1; done
}
gone() { ! kill -0 "$1" 2>/dev/null; }
isId() { [[ "$1" =~ ^[0-9a-f]{64}$ ]]; }
# Supervisors (and the slirp4netns they start) of this test's store: they inherit DFC_ROOT.
ours() {
  local p
  for p in $(pgrep -f '^(dfc-supervisor|/usr/bin/slirp4netns)'); do
    grep -qsF "DFC_ROOT=$DFC_ROOT" "/proc/$p/environ" && echo "$p"
  done
}
# The supervisor of a container id: a dfc-supervisor process with the id in its environment whose
# parent is not one (the container's init is a clone of its supervisor and shares both).
supervisorOf() {
  local p all=()
  for p in $(pgrep -f '^dfc-supervisor'); do
    grep -qsF "$1" "/proc/$p/environ" && all+=("$p")
  done
  for p in "${all[@]}"; do
    [[ " ${all[*]} " == *" $(ps -o ppid= -p "$p" | tr -d ' ') "* ]] || echo "$p"
  done
}

"$DFC" bootstrap busybox >/dev/null 2>&1 || {
  echo "FAIL: dfc bootstrap busybox"
  exit 1
}

# --- exit codes: the container's, 125 for dfc, 126/127 when the command cannot run ---
run run --rm busybox sh -c 'exit 3'
check "container exit code" is "$rc" 3
run run --rm busybox /no/such/command
check "missing command is 127" is "$rc" 127
run run --rm busybox /etc/passwd
check "non-executable command is 126" is "$rc" 126
run run --rm no-such-image true
check "unknown image is 125" is "$rc" 125
run run --rm -e A=1 -w /made busybox sh -c 'echo "$A $(pwd)"'
check "env and workdir" outHas '^1 /made$'
run ps -a
check "--rm leaves no container" outLacks 'busybox'

# --- an attached --rm container seen and stopped from another process, as docker stop does: the
# attached dfc removes it as soon as it ends, which is no error for stop ---
"$DFC" run --rm --name attached busybox sleep 30 >"$WORK/attached.out" 2>&1 &
client=$!
for _ in $(seq 100); do
  "$DFC" ps 2>/dev/null | grep -q ' attached$' && break
  sleep 0.05
done
run ps
check "ps shows the attached --rm container" outHas ' Up .* attached$'
run stop -t 5 attached
check "stop of an attached --rm container succeeds" is "$rc" 0
check "stop prints its name" outHas '^attached$'
check "stop says nothing on stderr" errEmpty
wait "$client"
check "the attached run ends with the stop signal's status" is "$?" 143
run ps -a
check "the stopped --rm container is gone" outLacks 'attached'

# dfc wait from another process on a --rm container prints its code though the record goes as it ends
# (docker wait does), attached or detached.
"$DFC" run --rm --name waitedrm busybox sh -c 'sleep 1; exit 7' >/dev/null 2>&1 &
client=$!
waitFor 100 bash -c "\"$DFC\" ps | grep -q ' waitedrm$'"
run wait waitedrm
check "wait on an attached --rm container prints its exit code" eval '[[ $rc -eq 0 ]] && outHas "^7$"'
wait "$client"
run run -d --rm --name waitedrm2 busybox sh -c 'sleep 1; exit 9'
run wait waitedrm2
check "wait on a detached --rm container prints its exit code" eval '[[ $rc -eq 0 ]] && outHas "^9$"'

# The attached dfc of a --rm container killed outright: its container dies with it (PDEATHSIG), and
# the record and directory it left go the next time anyone looks, as docker removes it.
"$DFC" run --rm --name killedclient busybox sleep 30 >/dev/null 2>&1 &
client=$!
waitFor 100 bash -c "\"$DFC\" ps | grep -q ' killedclient$'"
kid="$("$DFC" inspect killedclient | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')"
check "the killed client's container has an id" isId "$kid"
kill -9 "$client"
wait "$client" 2>/dev/null
run ps -a
check "a --rm container whose attached dfc was killed is removed, not Exited (255)" outLacks 'killedclient'
check "its directory is removed too" test ! -e "$DFC_ROOT/containers/$kid"

# --- what an attached --rm container writes goes to the store's disk, as any container's (not to
# memory: a tmpfs holds at most half the RAM and cannot be paged out) ---
run run --rm busybox df -k /
rootSize="$(awk 'NR == 2 { print $2 }' "$WORK/out")"
storeSize="$(df -k --output=size "$DFC_ROOT" | tail -n 1 | tr -d ' ')"
check "an attached --rm container's root is as large as the store's filesystem" is "$rootSize" "$storeSize"

# --- the compiled seccomp program is kept in the store's cache and used only when it checks out ---
seccompCheck='grep -q "^Seccomp:.2" /proc/self/status && ! unshare -U true 2>/dev/null && echo filtered'
run run --rm busybox sh -c "$seccompCheck"
check "seccomp filter on (first run compiles it)" outHas '^filtered$'
cached=("$DFC_ROOT"/cache/seccomp-*.bpf)
check "the compiled program is kept" test -s "${cached[0]}"
run run --rm busybox sh -c "$seccompCheck"
check "seccomp filter on (from the cache)" outHas '^filtered$'
# A torn or foreign file is compiled again, never loaded: here one that would allow everything.
printf '\x06\x00\x00\x00\x00\x00\xff\x7f%.0s' 1 2 3 >"${cached[0]}"
run run --rm busybox sh -c "$seccompCheck"
check "seccomp filter on (bad cache file ignored)" outHas '^filtered$'
check "bad cache file rewritten" test "$(stat -c %s "${cached[0]}")" -gt 100

# --- -d prints the full id; the state outlives the process that started it ---
run run -d --name web -p 127.0.0.1:0:8080 busybox sh -c 'mkdir -p /www; echo hello > /www/index.html; exec httpd -f -p 8080 -h /www'
id="$(cat "$WORK/out")"
check "-d prints a 64-hex id" isId "$id"
run ps
check "ps lists it running with its port" outHas "^${id:0:12} +busybox +\"sh -c mkdir -p /www…\" .* Up .*127\.0\.0\.1:[0-9]+->8080/tcp +web$"
port="$(grep -oE '127\.0\.0\.1:[0-9]+' "$WORK/out" | head -n1 | cut -d: -f2)"
body=""
for _ in $(seq 100); do
  body="$(busybox wget -qO- "http://127.0.0.1:$port/index.html" 2>/dev/null)" && break
  sleep 0.05
done
check "published port serves" is "$body" hello
run exec web cat /www/index.html
check "exec runs inside" outHas '^hello$'

# The fixed bug: stop recorded nothing (the supervisor's write was lost) and ps said
# "Exited (255) 56 years ago".
run stop -t 2 web
check "stop prints the name" outHas '^web$'
run ps -a
check "stopped: real exit status and time" outHas 'Exited \((143|137)\) (Less than a second|[0-9]+ seconds?) ago'
check "stopped: no 1970 time" outLacks 'years ago'
run inspect web
check "inspect: exit code and finish time" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
c = c[0] if isinstance(c, list) else c
s = c["State"]
assert s["Status"] == "exited" and s["ExitCode"] in (137, 143), s
assert not s["FinishedAt"].startswith(("0001", "1970")), s
' "$WORK/out"

# --- logs, wait ---
run run -d busybox sh -c 'echo out; echo err >&2; exit 5'
lid="$(cat "$WORK/out")"
run wait "$lid"
check "wait prints the exit code" outHas '^5$'
run logs "$lid"
check "logs: stdout" outHas '^out$'
check "logs: stderr" errHas '^err$'
run run --name tailed busybox sh -c 'for i in 1 2 3 4 5; do echo "line $i"; done'
run logs --tail 2 tailed
check "logs --tail 2: the last two lines" is "$(cat "$WORK/out")" $'line 4\nline 5'
run logs -n 0 tailed
check "logs -n 0: nothing" is "$(cat "$WORK/out")" ''
run logs -t --tail 1 tailed
check "logs -t: each line after its RFC 3339 time" outHas '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z line 5$'
run logs --tail many tailed
check "logs --tail with a non-number is a usage error" is "$rc" 2
run rm tailed

# An attached run is logged too (docker's json-file): its output reaches the terminal as it comes
# and `dfc logs` shows it afterwards, stdout and stderr apart, a last line without newline kept.
run run --name attachedlog busybox sh -c 'echo aout; echo aerr >&2; printf tail'
check "attached: stdout printed" is "$(cat "$WORK/out")" $'aout\ntail'
check "attached: stderr printed" errHas '^aerr$'
run logs attachedlog
check "attached: logs has its stdout" is "$(cat "$WORK/out")" $'aout\ntail'
check "attached: logs has its stderr" errHas '^aerr$'
run rm attachedlog
# Our stdout closing early reaches the container as its own broken pipe did (SIGPIPE, 141), not an
# endless run whose output nobody reads.
"$DFC" run --name piped busybox yes | head -2 >"$WORK/piped"
check "attached into a closed pipe: the container ends with SIGPIPE" is "${PIPESTATUS[0]}" 141
check "attached into a closed pipe: the first lines came through" is "$(cat "$WORK/piped")" $'y\ny'
run rm piped

# --- create, start, restart (docker's lifecycle): a container started again keeps its writable
# layer, name and settings, and its log grows ---
run create --name life busybox sh -c 'n=$(cat /n 2>/dev/null || echo 0); echo "run $n"; echo $((n + 1)) >/n; exit 3'
check "create prints the new id" isId "$(cat "$WORK/out")"
run ps -a
check "a created container shows as Created" outHas ' Created .* life$'
run start -a life
check "start -a returns the container's exit code" is "$rc" 3
check "start -a prints its output" is "$(cat "$WORK/out")" 'run 0'
run start life
check "start prints the name" is "$(cat "$WORK/out")" life
run wait life
check "wait after start: the new run's exit code" is "$(cat "$WORK/out")" 3
run logs life
check "started again: the writable layer kept, the log appended" is "$(cat "$WORK/out")" $'run 0\nrun 1'
run start -a life life
check "start -a of two containers is a usage error" is "$rc" 2
run rm life
upCount() { [[ "$("$DFC" logs again2 2>/dev/null | grep -c '^up$')" -eq "$1" ]]; }
run run -d --name again2 busybox sh -c 'trap "exit 0" TERM; echo up; while :; do sleep 0.1; done'
waitFor 100 upCount 1
run start again2
check "start of a running container does nothing" eval '[[ $rc -eq 0 ]] && upCount 1'
run restart -t 5 again2
check "restart prints the name" is "$(cat "$WORK/out")" again2
check "restart: stopped and started again" waitFor 100 upCount 2
run ps
check "restart: running again" outHas ' Up .* again2$'
run rm -f again2
# A start that failed (its host port taken) leaves the overlay's work dir as a mount left it: the
# next start must clear it as it does after a run.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
run run -d --name portholder -p "127.0.0.1:$port:80" busybox sleep 60
run create --name portwaiter -p "127.0.0.1:$port:80" busybox sleep 60
run start portwaiter
check "start with its host port taken fails" eval '[[ $rc -ne 0 ]] && errHas "already in use"'
run rm -f portholder
run start portwaiter
check "... and starts once the port is free" is "$rc" 0
run ps
check "... it is up" outHas ' Up .* portwaiter$'
run rm -f portwaiter
# docker restart keeps a --rm container (its daemon lifts AutoRemove for the restart); a stop after
# still removes it.
run run -d --rm --name rmrestart busybox sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
run restart -t 5 rmrestart
check "restart of a detached --rm container runs it again" eval '[[ $rc -eq 0 ]] && outHas "^rmrestart$"'
run ps
check "... it is up" outHas ' Up .* rmrestart$'
run stop rmrestart
run ps -a
check "... and a stop after removes it" outLacks 'rmrestart'

# --- volumes and --mount, as the Docker tutorials use them ---
run volume create todo-db
check "volume create prints the name" is "$(cat "$WORK/out")" todo-db
run volume ls
check "volume ls lists it" outHas '^local +todo-db$'
run volume inspect todo-db
check "volume inspect: its mountpoint in the store" outHas "\"Mountpoint\": \"$DFC_ROOT/volumes/todo-db/_data\""
run volume create 'no/slash'
check "an invalid volume name is refused" eval '[[ $rc -ne 0 ]] && errHas "invalid characters"'
run run --rm --mount type=volume,src=todo-db,target=/etc/todos busybox sh -c 'echo kept > /etc/todos/item'
run run --rm --mount source=todo-db,target=/data,readonly busybox sh -c 'cat /data/item; touch /data/new'
check "--mount: a named volume keeps what a container wrote" outHas '^kept$'
check "--mount readonly: writes fail" errHas 'Read-only file system'
mkdir -p "$WORK/bindsrc" && echo from-host >"$WORK/bindsrc/f"
run run --rm --mount "type=bind,src=$WORK/bindsrc,target=/src" busybox cat /src/f
check "--mount type=bind" outHas '^from-host$'
run run --rm --mount "type=bind,src=$WORK/no-such-dir,target=/src" busybox true
check "--mount type=bind of a missing source is an error (125), not created as -v does" \
  eval '[[ $rc -eq 125 && ! -e $WORK/no-such-dir ]] && errHas "bind source path does not exist"'
run run --rm --tmpfs /scratch:size=1m busybox sh -c 'grep " /scratch " /proc/mounts; dd if=/dev/zero of=/scratch/f bs=1k count=2048'
check "--tmpfs: a tmpfs with docker's nosuid,nodev,noexec and the size asked" outHas 'tmpfs /scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k'
check "--tmpfs: the size holds" errHas 'No space left on device'
run run --rm --mount type=tmpfs,target=/t,tmpfs-mode=1770 busybox stat -c %a /t
check "--mount type=tmpfs with a mode" is "$(cat "$WORK/out")" 1770
volumesBefore="$(ls "$DFC_ROOT/volumes" | wc -l)"
run run --rm --mount type=volume,target=/anon busybox sh -c 'echo x >/anon/f'
run run --rm -d --mount type=volume,target=/anon busybox true
volumesBack() { [[ "$(ls "$DFC_ROOT/volumes" | wc -l)" == "$volumesBefore" ]]; }
check "run --rm removes its anonymous volumes (attached and detached), as docker's --rm does" waitFor 100 volumesBack
run run -d --name volholder -v todo-db:/v busybox sleep 30
run volume rm todo-db
check "a volume in use is not removed" eval '[[ $rc -ne 0 ]] && errHas "volume is in use" && [[ -d $DFC_ROOT/volumes/todo-db ]]'
run rm -f volholder
run volume rm todo-db
check "volume rm prints the name and removes it" eval '[[ $rc -eq 0 && ! -e $DFC_ROOT/volumes/todo-db ]] && outHas "^todo-db\$"'
run volume rm todo-db
check "volume rm of a missing volume fails; -f does not" eval '[[ $rc -ne 0 ]] && errHas "no such volume"'
run volume rm -f todo-db
check "volume rm -f of a missing volume succeeds" is "$rc" 0

# --- user networks, as Docker's getting-started tutorial uses them (todo-app, --network-alias mysql) ---
run network create tutnet
check "network create prints an id" isId "$(cat "$WORK/out")"
run network create tutnet
check "a second network of one name is refused" eval '[[ $rc -ne 0 ]] && errHas "already exists"'
run network ls
check "network ls lists it" outHas ' tutnet +bridge +local$'
run run -d --name tutdb --network tutnet --network-alias mysql busybox sh -c \
  'mkdir -p /w && echo from-db >/w/index.html && exec httpd -f -p 8080 -h /w'
# (busybox 1.35's wget -T crashes: timeout bounds it instead)
reaches() { "$DFC" run --rm --network tutnet busybox timeout 5 wget -qO- "http://$1:8080/" 2>/dev/null | grep -qx from-db; }
check "a container on the network reaches another by its alias" waitFor 50 reaches mysql
check "... and by its name" reaches tutdb
run run --rm busybox sh -c 'timeout 5 wget -qO- http://mysql:8080/ || timeout 5 wget -qO- http://10.89.0.2:8080/'
check "a container not on the network reaches neither its name nor its address" eval '[[ $rc -ne 0 ]] && ! outHas from-db'
# The one that was there first reaches the newcomer by name too (docker's DNS answers both ways).
run run -d --name tutapp --network tutnet --network-alias app busybox sh -c \
  'mkdir -p /w && echo from-app >/w/index.html && exec httpd -f -p 8080 -h /w'
reachesApp() { "$DFC" exec tutdb timeout 5 wget -qO- "http://$1:8080/" 2>/dev/null | grep -qx from-app; }
check "a container reaches one that joined the network after it, by alias" waitFor 50 reachesApp app
check "... and by name" reachesApp tutapp
run rm -f tutapp
run restart -t 1 tutdb
check "restart of a container on a user network (its namespace's tap0 is there from the first run)" eval '[[ $rc -eq 0 ]] && outHas "^tutdb$"'
check "... and it is reached by its alias again" waitFor 50 reaches mysql
run network inspect tutnet
check "network inspect lists the container and its address" eval 'outHas "\"Name\": \"tutdb\"" && outHas "10\.89\.0\.2/24"'
run network rm tutnet
check "a network with containers is not removed" eval '[[ $rc -ne 0 ]] && errHas "active endpoints"'
run rm -f tutdb
run network rm tutnet
check "network rm once it is empty" eval '[[ $rc -eq 0 ]] && outHas "^tutnet$"'
check "no namespace of the network or its containers is left" bash -c '! ip netns list | grep -qE "u\.tutnet|-c-tutdb\b"'
# A create that opened the network's record just as an rm (holding its lock) removed it must not join
# the removed network: here flock(1) holds the lock as rm does, and removes the record.
run network create racenet
(flock -x "$DFC_ROOT/networks/racenet.json" sh -c "touch '$WORK/locked'; sleep 0.5; rm '$DFC_ROOT/networks/racenet.json'") &
waitFor 50 test -e "$WORK/locked"
run create --name racer --network racenet busybox true
wait
check "a create racing the network's rm fails as for a missing network" eval '[[ $rc -eq 125 ]] && errHas "network racenet not found"'
run rm -f racer
"$DFC" network rm racenet >/dev/null 2>&1
ip netns del "$(ip netns list | grep -o '^dfc-[0-9a-f]*-p-u\.racenet')" 2>/dev/null
# Two creates of one name on a network at once: the loser must not take the winner's namespace with it.
run network create samenet
(flock -x "$DFC_ROOT/networks/samenet.json" sh -c "touch '$WORK/samelocked'; sleep 0.5") &
waitFor 50 test -e "$WORK/samelocked"
"$DFC" create --name twin --network samenet busybox true >"$WORK/twin1" 2>&1 &
"$DFC" create --name twin --network samenet busybox true >"$WORK/twin2" 2>&1 &
wait
check "two creates of one name at once: one is refused with docker's Conflict" \
  eval '[[ $(cat "$WORK/twin1" "$WORK/twin2" | grep -c "^[0-9a-f]\{64\}$") -eq 1 ]] && grep -q "Conflict. The container name \"/twin\"" "$WORK/twin1" "$WORK/twin2"'
check "... the one created keeps its namespace" bash -c 'ip netns list | grep -qE -- "-c-twin\b"'
check "... and no directory of the refused one is left" is "$(ls "$DFC_ROOT/containers" | wc -l)" "$("$DFC" ps -aq | wc -l)"
run rm -f twin
run network rm samenet
run run --rm --network nosuch busybox true
check "an unknown network is an error (125)" eval '[[ $rc -eq 125 ]] && errHas "network nosuch not found"'
run run --rm --network-alias x busybox true
check "--network-alias needs a user network" eval '[[ $rc -eq 125 ]] && errHas "user-defined networks"'

# --- a stale container: its supervisor killed, it reads as exited with a real time ---
run run -d busybox sleep 60
sid="$(cat "$WORK/out")"
sup="$(supervisorOf "$sid")"
check "a supervisor keeps the detached container" [ -n "$sup" ]
if [[ -n "$sup" ]]; then
  kill -9 "$sup"
  for _ in $(seq 100); do kill -0 "$sup" 2>/dev/null || break; sleep 0.02; done
  run ps -a
  check "stale: exited, not running" outHas "^${sid:0:12} .*Exited \(255\) (Less than a second|[0-9]+ seconds?) ago"
  run ps -a
  check "stale: recorded once, the same next time" outHas "^${sid:0:12} .*Exited \(255\) (Less than a second|[0-9]+ seconds?) ago"
fi

# --- HEALTHCHECK shows in ps ---
mkdir -p "$WORK/ctx"
printf 'FROM busybox\nHEALTHCHECK --interval=200ms --retries=1 CMD test -f /tmp/ok\n' >"$WORK/ctx/Dockerfile"
"$DFC" build -q -t hc "$WORK/ctx" >/dev/null 2>&1 || "$DFC" build -t hc "$WORK/ctx" >"$WORK/build.log" 2>&1
run run -d --name hc hc sh -c 'touch /tmp/ok; sleep 60'
for _ in $(seq 200); do
  "$DFC" ps >"$WORK/out" 2>&1
  grep -q '(healthy)' "$WORK/out" && break
  sleep 0.05
done
check "ps shows (healthy)" outHas 'Up .* \(healthy\) .* hc$'
run exec hc rm /tmp/ok
for _ in $(seq 200); do
  "$DFC" ps >"$WORK/out" 2>&1
  grep -q '(unhealthy)' "$WORK/out" && break
  sleep 0.05
done
check "ps shows (unhealthy)" outHas 'Up .* \(unhealthy\) .* hc$'

# --- outbound: the host's own address answers through slirp4netns, its loopback does not ---
hostip="$(ip -4 -o addr show scope global 2>/dev/null | awk '{ split($4, a, "/"); print a[1]; exit }')"
if [[ -n "$hostip" ]]; then
  python3 -c 'import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
for _ in range(2):
    c, _ = s.accept(); c.sendall(b"from-host\n"); c.close()' >"$WORK/port" &
  server=$!
  for _ in $(seq 50); do [[ -s "$WORK/port" ]] && break; sleep 0.05; done
  hport="$(cat "$WORK/port")"
  run run --rm busybox sh -c "nc -w 5 $hostip $hport </dev/null; nc -w 2 10.0.2.2 $hport </dev/null && echo LOOPBACK-REACHED; true"
  check "outbound reaches the host's address" outHas '^from-host$'
  check "the host's loopback (10.0.2.2) is not reachable" outLacks 'LOOPBACK-REACHED'
  kill "$server" 2>/dev/null
  wait "$server" 2>/dev/null
fi

# --- -P: every EXPOSEd port on a free host port, on 0.0.0.0 ---
mkdir -p "$WORK/ctx2"
printf 'FROM busybox\nEXPOSE 8080\nCMD ["sh", "-c", "mkdir -p /w; echo exposed > /w/i; exec httpd -f -p 8080 -h /w"]\n' >"$WORK/ctx2/Dockerfile"
"$DFC" build -t exposed "$WORK/ctx2" >"$WORK/build2.log" 2>&1
run run -d -P --name pub exposed
run ps
check "-P publishes the EXPOSEd port on 0.0.0.0" outHas '0\.0\.0\.0:[0-9]+->8080/tcp +pub$'
pport="$(grep -oE '0\.0\.0\.0:[0-9]+->8080' "$WORK/out" | head -n1 | cut -d: -f2 | cut -d- -f1)"
body=""
for _ in $(seq 100); do
  body="$(busybox wget -qO- "http://127.0.0.1:$pport/i" 2>/dev/null)" && break
  sleep 0.05
done
check "a 0.0.0.0 port answers on the loopback" is "$body" exposed
run rm -f pub
check "rm -f pub" outHas '^pub$'

# --- restart policies (the restarts themselves: backend/containers/tests/RestartTests.cpp) ---
run run --rm --restart always busybox true
check "--rm with --restart is refused" is "$rc" 125
check "--rm with --restart names the conflict" errHas 'cannot specify both --restart and --rm'
run run --restart sometimes busybox true
check "an unknown policy is refused" errHas "unknown policy 'sometimes'"
# Without -d: the first run's output and exit code, while the supervisor restarts it.
run run --name again --restart on-failure:1 busybox sh -c 'echo attempt; exit 4'
check "run --restart without -d returns the first run's code" is "$rc" 4
check "run --restart without -d prints the first run's output" is "$(cat "$WORK/out")" attempt
waitFor 600 inspectShows again '"RestartCount": 1' '"Status": "exited"'
check "on-failure:1 restarted once" outHas '"RestartCount": 1'
run logs again
check "both runs are in the log" is "$(cat "$WORK/out")" $'attempt\nattempt'
run rm again
# A signal to the attached client goes to the container's first run (docker's sig-proxy), even from a
# shell's background job (which starts with SIGINT ignored); the restart policy then restarts it.
"$DFC" run --name proxied --restart always busybox sh -c \
  'trap "echo got-int; exit 7" INT; echo ready; while :; do sleep 0.1; done' >"$WORK/proxied" 2>&1 &
client=$!
waitFor 300 grep -q ready "$WORK/proxied"
kill -INT "$client"
waitFor 300 gone "$client"
kill -9 "$client" 2>/dev/null # still there after 30 s: the signal was lost (the check below fails)
wait "$client"
rc=$?
check "SIGINT to an attached --restart client ends the first run with its trap's code" is "$rc" 7
check "the first run saw the SIGINT" grep -q got-int "$WORK/proxied"
waitFor 600 inspectShows proxied '"RestartCount": 1' '"Status": "running"'
check "always restarts the run a proxied SIGINT ended" outHas '"RestartCount": 1'
run rm -f proxied

# --- rm ---
run rm web
check "rm a stopped container" outHas '^web$'
run rm hc
check "rm refuses a running one" is "$rc" 1
run rm -f hc
check "rm -f a running one" outHas '^hc$'

"$DFC" rm -f $("$DFC" ps -aq) >/dev/null 2>&1
# Nothing left behind: no supervisor, no container process, no mount under the store.
sleep 0.2
check "no mounts left" bash -c "! grep -q ' $WORK/' /proc/self/mounts"
left="$(ours)"
check "no processes left" [ -z "$left" ]
[[ -z "$left" ]] || ps -o pid,ppid,args -p "${left//$'\n'/,}"

finish
