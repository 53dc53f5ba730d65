#!/usr/bin/env bash
# Writes a ~2,100-line, 100-stage Dockerfile to stdout for bench/parse.sh when ../shared (and its
# gen-big.py) is absent: chained stages with ARG/ENV expansion, COPY --from and long RUN continuations.
set -euo pipefail

echo "# syntax=docker/dockerfile:1"
echo "ARG BASE=debian:bookworm"
for ((s = 0; s < 100; s++)); do
  echo "FROM \${BASE} AS stage$s"
  echo "ARG V$s=1.$s"
  echo "ENV HOME$s=/opt/s$s PATH=/opt/s$s/bin:\$PATH"
  echo "WORKDIR /opt/s$s"
  ((s > 0)) && echo "COPY --from=stage$((s - 1)) /opt/s$((s - 1)) /opt/s$((s - 1))"
  echo "RUN --mount=type=cache,target=/var/cache/apt \\"
  for ((k = 0; k < 12; k++)); do
    echo "    apt-get install -y pkg$k-$s=\${V$s} && \\"
  done
  echo "    true"
  echo "LABEL org.example.stage$s=\"$s\""
  echo "EXPOSE $((8000 + s))/tcp"
done
echo 'CMD ["/bin/sh"]'
