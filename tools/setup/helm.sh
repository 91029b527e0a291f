#!/usr/bin/env bash
# helm: use the machine's when it has one, else build the pinned release with `go install`.
# The build is cached under $NX_K8S_CACHE/helm/<helm version>-<go version>.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ -z "${NX_K8S_FORCE_HELM_BUILD:-}" ] && command -v helm >/dev/null && [ "$(command -v helm)" != "$NX_K8S_BIN/helm" ]; then
  info "helm: using $(command -v helm) ($(helm version --short 2>/dev/null))"
  exit 0
fi
need_go helm
dir="$NX_K8S_CACHE/helm/$HELM_VERSION-$(go env GOVERSION)"
if [ ! -x "$dir/helm" ]; then
  step "helm $HELM_VERSION: building from the Go module proxy (about 2-4 min on 2 cores)"
  mkdir -p "$dir.tmp"
  GOBIN="$dir.tmp" CGO_ENABLED=0 go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
link_bin helm "$dir/helm"
info "helm: $("$NX_K8S_BIN/helm" version --short) at $NX_K8S_BIN/helm"
