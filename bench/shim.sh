#!/usr/bin/env bash
# Stands in front of docker/helm/kubectl/ctr on PATH and records how long each call took,
# so the plugin's own overhead (wall time minus time inside the tools) can be computed.
name=$(basename "$0")
real=$(PATH="$NX_K8S_BENCH_REALPATH" command -v "$name")
start=$(date +%s.%N)
"$real" "$@"
code=$?
printf '%s %s %s %s\n' "$start" "$(date +%s.%N)" "$name" "${1:-}" >>"$NX_K8S_BENCH_LOG"
exit $code
