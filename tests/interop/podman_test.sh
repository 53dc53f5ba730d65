#!/usr/bin/env bash
# dfc's docker-archive in podman: an image dfc builds on a bootstrapped busybox, saved with
# `dfc save` (docker-archive), is taken by `podman load` and run by `podman run --rm` (runc), with its
# ENV, WORKDIR, USER and CMD intact.
# usage: podman_test.sh DFC_BINARY (exit 77 = skipped: not root or podman not installable)
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
interop_init "${1:-}" podman_test.sh
need_packages podman runc
setup_peer_storage
bootstrap_busybox

mkdir -p "$WORK/ctx"
cat >"$WORK/ctx/Dockerfile" <<'DOCKERFILE'
FROM busybox
ARG WHO=podman
ENV WHO=$WHO
WORKDIR /srv
RUN echo "built for $WHO" > built.txt && echo "runner:x:1234:1234::/srv:/bin/sh" >> /etc/passwd
USER runner
CMD ["sh", "-c", "cat built.txt; echo \"$(pwd) $(id -u)\""]
DOCKERFILE
check "dfc build" "$DFC" build --progress plain -t interop/podman:1 "$WORK/ctx"
check "dfc save (docker-archive)" "$DFC" save -o "$WORK/image.tar" interop/podman:1
check "podman load" podman "${PODMAN_ARGS[@]}" load -i "$WORK/image.tar"
check "podman lists the loaded tag" bash -c \
  "podman ${PODMAN_ARGS[*]} images --format '{{.Repository}}:{{.Tag}}' | grep -x 'localhost/interop/podman:1\|docker.io/interop/podman:1'"
name="$(podman "${PODMAN_ARGS[@]}" images --format '{{.Repository}}:{{.Tag}}' | grep 'interop/podman:1' | head -1)"
expect_output "podman run --rm runs the CMD" $'built for podman\n/srv 1234' \
  podman "${PODMAN_ARGS[@]}" run --rm --network none "$name"
expect_output "podman run --rm with a command" "hi" \
  podman "${PODMAN_ARGS[@]}" run --rm --network none "$name" echo hi

interop_finish
