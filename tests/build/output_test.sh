#!/usr/bin/env bash
# `dfc build --output type=oci|docker|local,dest=PATH`: the OCI archive unpacks with umoci to the
# built files, the docker-archive loads back into a fresh store and runs, the local export is the
# merged rootfs (deleted base files gone, new files with their modes), and bad specs are usage errors.
# usage: output_test.sh DFC_BINARY (exit 77 = skipped: not root or umoci not installable)
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"
interop_init "${1:-}" output_test.sh
need_packages umoci jq
bootstrap_busybox

mkdir -p "$WORK/ctx"
cat >"$WORK/ctx/Dockerfile" <<'DOCKERFILE'
FROM busybox
RUN rm /bin/vi && mkdir -p /out && echo exported > /out/file && chmod 0604 /out/file && ln -s file /out/link
CMD ["cat", "/out/file"]
DOCKERFILE

check "--output type=local" "$DFC" build --progress plain -t out/img --output "type=local,dest=$WORK/local" "$WORK/ctx"
check "local: the RUN's file with its mode" bash -c \
  "[[ \$(cat '$WORK/local/out/file') == exported && \$(stat -c %a '$WORK/local/out/file') == 604 ]]"
check "local: the symlink" bash -c "[[ \$(readlink '$WORK/local/out/link') == file ]]"
check "local: the base's files" test -x "$WORK/local/bin/busybox"
check "local: the deleted base file is gone, no whiteout left" bash -c \
  "[[ ! -e '$WORK/local/bin/vi' && ! -L '$WORK/local/bin/vi' ]] && ! find '$WORK/local' -name '.wh.*' | grep -q ."

check "--output type=oci" "$DFC" build --progress plain -t out/img:oci --output "type=oci,dest=$WORK/img-oci.tar" "$WORK/ctx"
mkdir -p "$WORK/layout" && tar -C "$WORK/layout" -xf "$WORK/img-oci.tar"
check "oci: umoci unpacks it" umoci unpack --image "$WORK/layout:oci" "$WORK/bundle"
check "oci: same files as the local export" bash -c "diff -r --no-dereference '$WORK/local' '$WORK/bundle/rootfs'"

check "--output type=docker (untagged build)" "$DFC" build --progress plain --output "type=docker,dest=$WORK/img-docker.tar" "$WORK/ctx"
check "docker: a manifest.json" bash -c "tar -xOf '$WORK/img-docker.tar' manifest.json | jq -e '.[0].Layers | length == 2'"
check "docker: loads into a fresh store and runs" bash -c \
  "export DFC_ROOT='$WORK/other-store'; '$DFC' load -i '$WORK/img-docker.tar' >/dev/null &&
   id=\$(tar -xOf '$WORK/img-docker.tar' manifest.json | jq -r '.[0].Config' | sed 's|.*/||; s|\\.json\$||');
   [[ \$('$DFC' run --rm \"sha256:\${id#sha256:}\" 2>&1 || '$DFC' run --rm \"\$id\") == exported ]]"

for bad in "type=zip,dest=$WORK/x" "type=oci" "dest=$WORK/x" "type=oci,dest=$WORK/x,color=red"; do
  check "bad --output '$bad' is a usage error" bash -c \
    "'$DFC' build --output '$bad' '$WORK/ctx' 2>&1; [[ \$? -eq 2 ]]"
done

interop_finish
