# Sourced by the bench scripts that time Debian's docker.io: the running dockerd, else a private one
# (own data root, exec root and socket under DIR, cgroupfs as this VM's cgroups need).
# dockerd_start DIR: sets DOCKER_HOST and DOCKERD_PID when it starts one; status 0 when a dockerd
# answers. dockerd_stop: stops the private one (the caller's cleanup calls it).
DOCKER_CLI=/usr/bin/docker
DOCKERD_PID=""

dockerd_start() {
  local dir="$1"
  "$DOCKER_CLI" info >/dev/null 2>&1 && return 0
  mkdir -p "$dir"
  setsid dockerd --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/pid" \
    -H "unix://$dir/sock" --exec-opt native.cgroupdriver=cgroupfs >"$dir/log" 2>&1 &
  DOCKERD_PID=$!
  export DOCKER_HOST="unix://$dir/sock"
  for _ in $(seq 150); do "$DOCKER_CLI" info >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

dockerd_stop() {
  [[ -n "$DOCKERD_PID" ]] || return 0
  kill "$DOCKERD_PID" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
}
