#!/usr/bin/env bash
# helm for the Nx targets: $HELM if set, else the build of tools/setup/helm.sh, else helm on PATH.
set -euo pipefail
cached="${NX_K8S_CACHE:-/var/cache/nx-k8s}/bin/helm"
if [ -n "${HELM:-}" ]; then
  helm="$HELM"
elif [ -x "$cached" ]; then
  helm="$cached"
else
  helm=helm
fi
command -v "$helm" >/dev/null || {
  echo "helm not found ($helm). Fix: run 'bash tools/setup/helm.sh', or set HELM to a helm 3 binary." >&2
  exit 127
}
exec "$helm" "$@"
