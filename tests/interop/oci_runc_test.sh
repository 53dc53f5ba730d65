#!/usr/bin/env bash
# dfc's OCI archive in the OCI toolchain: an image dfc builds on a bootstrapped busybox, saved with
# `dfc save --format oci`, unpacks with umoci into a runtime bundle that runc runs, printing what
# the Dockerfile's CMD and files say.
# usage: oci_runc_test.sh DFC_BINARY (exit 77 = skipped: not root or umoci/runc not installable)
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
interop_init "${1:-}" oci_runc_test.sh
need_packages umoci runc
bootstrap_busybox

mkdir -p "$WORK/ctx"
echo 'from the context' >"$WORK/ctx/note.txt"
cat >"$WORK/ctx/Dockerfile" <<'DOCKERFILE'
FROM busybox
ENV GREETING="hello from dfc"
WORKDIR /app
COPY note.txt .
RUN echo "$GREETING" > greeting && ln -s greeting link
CMD ["sh", "-c", "cat /app/link /app/note.txt; echo \"cwd=$(pwd) user=$(id -u)\""]
DOCKERFILE
check "dfc build" "$DFC" build --progress plain -t interop/runc:1 "$WORK/ctx"
check "dfc save --format oci" "$DFC" save --format oci -o "$WORK/image.tar" interop/runc:1

# umoci reads an OCI layout directory: the archive is that directory as a tar.
mkdir -p "$WORK/layout"
check "oci archive unpacks to a layout" tar -C "$WORK/layout" -xf "$WORK/image.tar"
check "layout has oci-layout and index.json" test -f "$WORK/layout/oci-layout" -a -f "$WORK/layout/index.json"
ref="$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"] // empty' "$WORK/layout/index.json")"
echo "ref.name in index.json: ${ref:-<none>}"
check "index.json names the tag" test -n "$ref"
check "umoci unpack" umoci unpack --image "$WORK/layout:$ref" "$WORK/bundle"
check "umoci sees the config" bash -c "umoci stat --image '$WORK/layout:$ref' --json | jq -e '.history | length > 0'"
check "bundle has config.json and the layer's files" \
  test -f "$WORK/bundle/config.json" -a -f "$WORK/bundle/rootfs/app/greeting" -a -L "$WORK/bundle/rootfs/app/link"

# runc in the foreground without a terminal, so its stdout is the container's.
jq '.process.terminal = false' "$WORK/bundle/config.json" >"$WORK/config.json" && mv "$WORK/config.json" "$WORK/bundle/config.json"
expect_output "runc run prints the CMD's output" $'hello from dfc\nfrom the context\ncwd=/app user=0' \
  runc run --bundle "$WORK/bundle" "dfc-interop-$$"
runc delete -f "dfc-interop-$$" >/dev/null 2>&1

interop_finish
