#!/usr/bin/env bash
# dfc builds the same filesystem as buildah: each Dockerfile under fs-equality/ (together covering
# every instruction) is built by `buildah bud --layers --isolation oci` and by `dfc build` on the same
# busybox base (dfc's bootstrapped image, imported into buildah from `dfc save`); both images are
# exported as OCI layouts, unpacked by umoci, and compare_rootfs.py compares the two rootfs trees.
# usage: buildah_fs_test.sh DFC_BINARY (exit 77 = skipped: not root or buildah/umoci not installable)
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
interop_init "${1:-}" buildah_fs_test.sh
need_packages buildah umoci runc skopeo
setup_peer_storage
bootstrap_busybox

check "dfc save busybox" "$DFC" save -o "$WORK/busybox.tar" busybox
check "buildah pulls the base from dfc's archive" buildah pull -q "docker-archive:$WORK/busybox.tar"
check "buildah names it busybox:latest" bash -c \
  "buildah images --format '{{.Name}}:{{.Tag}}' | grep -qx 'docker.io/library/busybox:latest' ||
   buildah tag \"\$(buildah images -q | head -1)\" docker.io/library/busybox:latest"

# unpack_rootfs LAYOUT_DIR TAG DEST: umoci applies the layers (whiteouts, owners) as root.
unpack_rootfs() {
  umoci unpack --image "$1:$2" "$3" >"$WORK/umoci.log" 2>&1 || { cat "$WORK/umoci.log"; return 1; }
}

for dir in "$INTEROP_DIR"/fs-equality/*/; do
  name="$(basename "$dir")"
  case_dir="$WORK/case-$name"
  mkdir -p "$case_dir"
  check "[$name] buildah bud" buildah bud --layers --isolation oci --pull-never --format oci \
    -t "localhost/fs-$name:1" -f "$dir/Dockerfile" "$dir"
  check "[$name] buildah push to an OCI layout" buildah push -q "localhost/fs-$name:1" "oci:$case_dir/buildah-layout:1"
  check "[$name] dfc build" "$DFC" build --progress plain -t "fs-$name:1" -f "$dir/Dockerfile" "$dir"
  check "[$name] dfc save --format oci" "$DFC" save --format oci -o "$case_dir/dfc.tar" "fs-$name:1"
  mkdir -p "$case_dir/dfc-layout" && tar -C "$case_dir/dfc-layout" -xf "$case_dir/dfc.tar"
  check "[$name] umoci unpack (buildah)" unpack_rootfs "$case_dir/buildah-layout" 1 "$case_dir/buildah"
  check "[$name] umoci unpack (dfc)" unpack_rootfs "$case_dir/dfc-layout" 1 "$case_dir/dfc"
  # buildah leaves the mount points of the files it bind-mounts into RUN containers in its layers;
  # the spec (and BuildKit) keep them out, so they are the only paths not compared.
  check "[$name] same filesystem (buildah vs dfc)" python3 "$INTEROP_DIR/compare_rootfs.py" \
    "$case_dir/buildah/rootfs" "$case_dir/dfc/rootfs" \
    --ignore /etc/hostname --ignore /etc/hosts --ignore /etc/resolv.conf --ignore /run
  # The image config's runtime fields must agree too, but for buildah's own label and Env's order
  # (buildah appends a redefined PATH; Docker and dfc keep it where the base had it).
  config_of() { jq -S '.config | {Env: (.Env | sort), Entrypoint, Cmd, WorkingDir, User, ExposedPorts, Volumes,
      Labels: ((.Labels // {}) | del(."io.buildah.version")), StopSignal}' \
    "$1/blobs/sha256/$(jq -r '.config.digest' "$1/blobs/sha256/$(jq -r '.manifests[0].digest' "$1/index.json" | cut -d: -f2)" | cut -d: -f2)"; }
  check "[$name] same runtime config" diff <(config_of "$case_dir/buildah-layout") <(config_of "$case_dir/dfc-layout")
done

interop_finish
