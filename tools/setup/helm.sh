#!/usr/bin/env bash
# helm: use the machine's when it has one, else build the pinned release with `go install`.
# The build is cached under $NX_K8S_CACHE/helm/<helm version>-k8s<its Kubernetes version>-<go version>.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ -z "${NX_K8S_FORCE_HELM_BUILD:-}" ] && command -v helm >/dev/null && [ "$(command -v helm)" != "$NX_K8S_BIN/helm" ]; then
  info "helm: using $(command -v helm) ($(helm version --short 2>/dev/null))"
  exit 0
fi
need_go helm
# The official build (helm's Makefile) also stamps the Kubernetes version its client-go
# speaks: without it `helm template` renders .Capabilities.KubeVersion as v1.20.0 and charts
# requiring kubeVersion >=1.2x fail. The module proxy does not record the git commit, so
# gitCommit is left out; gitTreeState is clean (a module zip is a tagged tree).
gomod=$(cd /tmp && go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')
[ -f "$gomod" ] || die "go mod download of helm.sh/helm/v3@$HELM_VERSION printed no go.mod" "check that the Go module proxy is reachable (go env GOPROXY)"
k8s_minor=$(sed -n 's/^\s*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$gomod")
[ -n "$k8s_minor" ] || die "helm $HELM_VERSION's go.mod names no k8s.io/client-go" "set HELM_VERSION in tools/setup/lib.sh to a helm 3 release"
dir="$NX_K8S_CACHE/helm/$HELM_VERSION-k8s1.$k8s_minor-$(go env GOVERSION)"
if [ ! -x "$dir/helm" ]; then
  step "helm $HELM_VERSION: building from the Go module proxy (about 2-4 min on 2 cores)"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for pkg in pkg/lint/rules pkg/chartutil; do
    ldflags="$ldflags -X helm.sh/helm/v3/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/$pkg.k8sVersionMinor=$k8s_minor"
  done
  GOBIN="$dir.tmp" CGO_ENABLED=0 go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
link_bin helm "$dir/helm"
info "helm: $("$NX_K8S_BIN/helm" version --short) at $NX_K8S_BIN/helm"
