#!/usr/bin/env bash
# Images from skopeo load into dfc and build on: a dfc-saved OCI archive of busybox is re-written by
# `skopeo copy` as a docker-archive and as a gzip-compressed OCI layout, `dfc load` takes each, and a
# build FROM the loaded image runs RUN and COPY on it.
# usage: skopeo_test.sh DFC_BINARY (exit 77 = skipped: not root or skopeo not installable)
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
interop_init "${1:-}" skopeo_test.sh
need_packages skopeo
setup_peer_storage
bootstrap_busybox

check "dfc save busybox as OCI archive" "$DFC" save --format oci -o "$WORK/busybox-oci.tar" busybox
check "skopeo copy oci-archive -> docker-archive" skopeo copy -q \
  "oci-archive:$WORK/busybox-oci.tar" "docker-archive:$WORK/from-skopeo.tar:skopeo/busybox:docker"
check "skopeo copy oci-archive -> oci dir (gzip layers)" skopeo copy -q --dest-compress \
  --dest-compress-format gzip "oci-archive:$WORK/busybox-oci.tar" "oci:$WORK/skopeo-layout:skopeo/busybox:oci"
check "skopeo wrote gzip layers" bash -c \
  "jq -r '.manifests[0].digest' '$WORK/skopeo-layout/index.json' | sed 's/sha256://' |
   xargs -I{} jq -e '.layers[0].mediaType | test(\"gzip\")' '$WORK/skopeo-layout/blobs/sha256/{}'"
tar -C "$WORK/skopeo-layout" -cf "$WORK/from-skopeo-oci.tar" .

check "dfc load docker-archive from skopeo" "$DFC" load -i "$WORK/from-skopeo.tar"
check "dfc load OCI layout from skopeo" "$DFC" load -i "$WORK/from-skopeo-oci.tar"
check "dfc images lists both" bash -c "'$DFC' images | grep -q 'skopeo/busybox *docker' && '$DFC' images | grep -q 'skopeo/busybox *oci'"

mkdir -p "$WORK/ctx"
echo 'payload' >"$WORK/ctx/payload.txt"
for tag in docker oci; do
  cat >"$WORK/ctx/Dockerfile" <<DOCKERFILE
FROM skopeo/busybox:$tag
COPY payload.txt /data/
RUN echo "on $tag: \$(cat /data/payload.txt) \$(ls /bin/busybox)" > /data/result
CMD ["cat", "/data/result"]
DOCKERFILE
  check "dfc build FROM skopeo/busybox:$tag" "$DFC" build --progress plain -t "interop/skopeo:$tag" "$WORK/ctx"
  expect_output "dfc run image built on skopeo/busybox:$tag" "on $tag: payload /bin/busybox" \
    "$DFC" run --rm "interop/skopeo:$tag"
done
# The same base content gives the same layer digest whichever way it travelled.
check "loaded bases have busybox's layer" bash -c \
  "a=\$('$DFC' inspect busybox | jq -r '.[0].RootFS.Layers // .RootFS.Layers | .[0]');
   b=\$('$DFC' inspect skopeo/busybox:docker | jq -r '.[0].RootFS.Layers // .RootFS.Layers | .[0]');
   c=\$('$DFC' inspect skopeo/busybox:oci | jq -r '.[0].RootFS.Layers // .RootFS.Layers | .[0]');
   echo \"\$a \$b \$c\"; [[ -n \$a && \$a == \$b && \$a == \$c ]]"

interop_finish
