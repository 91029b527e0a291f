#!/usr/bin/env bash
# helm for the Nx targets: $HELM if set, else the build of tools/setup/helm.sh, else helm on PATH.
set -euo pipefail
cached="${NX_K8S_CACHE:-/var/cache/nx-k8s}/bin/helm"
if [ -n "${HELM:-}" ]; then
  exec "$HELM" "$@"
elif [ -x "$cached" ]; then
  exec "$cached" "$@"
fi
exec helm "$@"
