# Sourced by the interop tests: a private dfc store with a bootstrapped busybox, peer tools installed
# from Debian (or a visible skip, exit 77), podman/buildah on private storage, and a pass/fail tally.
# shellcheck shell=bash

# usage: interop_init DFC_BINARY TEST_NAME
interop_init() {
  DFC="$(realpath "${1:?usage: $2 path/to/dfc}")"
  # shellcheck disable=SC2034 # used by the sourcing test
  INTEROP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP: $2 needs root (namespaces, overlay mounts, runc)"
    exit 77
  fi
  WORK="$(mktemp -d /tmp/dfc-interop.XXXXXX)"
  # Everything a peer mounted below WORK goes first, so rm -rf stays inside it.
  trap 'interop_cleanup' EXIT
  export DFC_ROOT="$WORK/dfc-store"
  passed=0
  failed=0
}

interop_cleanup() {
  if [[ -n "${PEER_STORAGE:-}" ]]; then
    podman "${PODMAN_ARGS[@]}" rm -af >/dev/null 2>&1 || true
    buildah "${BUILDAH_ARGS[@]}" rm -a >/dev/null 2>&1 || true
    grep -o " $WORK/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  fi
  rm -rf "$WORK"
}

# Installs Debian packages the test needs (the same names scripts/setup.sh lists); skips the test
# (exit 77) when one cannot be installed, so a missing peer is visible rather than a silent pass.
need_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  echo "installing peers: ${missing[*]}"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" </dev/null >"$WORK/apt.log" 2>&1 ||
    { apt-get update -qq </dev/null >>"$WORK/apt.log" 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" </dev/null >>"$WORK/apt.log" 2>&1; }; }; then
    echo "SKIP: cannot install ${missing[*]} from Debian:"
    tail -5 "$WORK/apt.log"
    exit 77
  fi
}

# podman and buildah on storage private to this test. This VM lacks CAP_SYS_RESOURCE, so podman's
# default nofile/nproc ulimits fail in runc ("error setting rlimits": it cannot raise them): containers.conf
# pins nofile to this shell's hard limit and nproc to at most 32768 (anything above fails here even
# below the shell's hard limit); crun refuses the hybrid cgroup setup, so runc is the OCI runtime.
setup_peer_storage() {
  PEER_STORAGE="$WORK/peers"
  mkdir -p "$PEER_STORAGE"/{root,runroot,tmp}
  local nofile nproc
  nofile="$(ulimit -Hn)" nproc="$(ulimit -Hu)"
  [[ $nofile == unlimited ]] && nofile=1048576
  [[ $nproc == unlimited || $nproc -gt 32768 ]] && nproc=32768
  cat >"$PEER_STORAGE/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
CONF
  printf '[storage]\ndriver = "vfs"\nrunroot = "%s"\ngraphroot = "%s"\n' \
    "$PEER_STORAGE/runroot" "$PEER_STORAGE/root" >"$PEER_STORAGE/storage.conf"
  printf 'unqualified-search-registries = []\nshort-name-mode = "disabled"\n' >"$PEER_STORAGE/registries.conf"
  export CONTAINERS_CONF="$PEER_STORAGE/containers.conf"
  export CONTAINERS_STORAGE_CONF="$PEER_STORAGE/storage.conf"
  export CONTAINERS_REGISTRIES_CONF="$PEER_STORAGE/registries.conf"
  export TMPDIR="$PEER_STORAGE/tmp"
  PODMAN_ARGS=(--cgroup-manager cgroupfs --events-backend none)
  BUILDAH_ARGS=()
}

bootstrap_busybox() {
  if [[ ! -x /bin/busybox ]]; then
    need_packages busybox-static
  fi
  "$DFC" bootstrap busybox >"$WORK/bootstrap.log" 2>&1 || {
    echo "FAIL: dfc bootstrap busybox"
    cat "$WORK/bootstrap.log"
    exit 1
  }
}

# check NAME COMMAND...: runs the command with output in $WORK/out, counting a pass or a failure.
check() {
  local name="$1"
  shift
  if "$@" >"$WORK/out" 2>&1; then
    passed=$((passed + 1))
    echo "ok: $name"
  else
    failed=$((failed + 1))
    echo "FAIL: $name"
    sed 's/^/  | /' "$WORK/out" | tail -40
  fi
}

# expect_output NAME EXPECTED COMMAND...: the command succeeds and its stdout is exactly EXPECTED.
expect_output() {
  local name="$1" expected="$2"
  shift 2
  local got rc
  got="$("$@" 2>"$WORK/err")"
  rc=$?
  if [[ $rc -eq 0 && "$got" == "$expected" ]]; then
    passed=$((passed + 1))
    echo "ok: $name"
  else
    failed=$((failed + 1))
    echo "FAIL: $name (exit $rc)"
    echo "  expected: $expected"
    echo "  got:      $got"
    sed 's/^/  stderr| /' "$WORK/err" | tail -30
  fi
}

interop_finish() {
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
