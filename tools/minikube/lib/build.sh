# The parts of a minikube (none driver) cluster that cannot be downloaded here, built once and
# cached by version: minikube and its storage-provisioner, cri-dockerd (minikube's Docker CRI),
# and the images kubeadm and minikube's add-ons run, loaded into the host's Docker under
# nx-k8s.local/ (minikube's --image-repository), never under an upstream name.
# shellcheck shell=bash

MINIKUBE_VERSION="v1.38.1"      # k8s.io/minikube: the newest release; knows Kubernetes v1.34.4
PROVISIONER_VERSION="v5"        # minikube's storage-provisioner tag (its Makefile's STORAGE_PROVISIONER_TAG)
CRI_DOCKERD_VERSION="v0.4.3"    # github.com/Mirantis/cri-dockerd: the one the Go proxy serves
IMAGE_REPOSITORY="nx-k8s.local"
# The storage-provisioner's leader election (sig-storage-lib-external-provisioner v6) takes an
# Endpoints lock, which client-go removed in v0.24: built against minikube's own v0.35 it exits
# with "endpoints lock is removed, migrate to leases". v0.23 is the last client-go that has it
# (minikube's published v5 image predates the removal); the rest are the versions it requires.
PROVISIONER_CLIENT_GO='replace (
	k8s.io/api => k8s.io/api v0.23.17
	k8s.io/apimachinery => k8s.io/apimachinery v0.23.17
	k8s.io/client-go => k8s.io/client-go v0.23.17
	k8s.io/kube-openapi => k8s.io/kube-openapi v0.0.0-20211115234752-e816edb12b65
	github.com/googleapis/gnostic => github.com/googleapis/gnostic v0.5.5
	sigs.k8s.io/structured-merge-diff/v4 => sigs.k8s.io/structured-merge-diff/v4 v4.2.3
)'

minikube_ldflags() {
  printf -- '-s -w -X k8s.io/minikube/pkg/version.version=%s -X k8s.io/minikube/pkg/version.storageProvisionerVersion=%s -X k8s.io/minikube/pkg/storage.version=%s' \
    "$MINIKUBE_VERSION" "$PROVISIONER_VERSION" "$PROVISIONER_VERSION"
}
cri_dockerd_ldflags() {
  printf -- '-s -w -X github.com/Mirantis/cri-dockerd/cmd/version.Version=%s -X github.com/Mirantis/cri-dockerd/cmd/version.GitCommit=%s' \
    "${CRI_DOCKERD_VERSION#v}" "$CRI_DOCKERD_VERSION"
}
minikube_dir() { echo "$NX_K8S_CACHE/minikube/minikube-$MINIKUBE_VERSION-$(go_version)-$(short_hash "cgo1 libvirt_dlopen / cgo0 $(minikube_ldflags) $PROVISIONER_CLIENT_GO")"; }
cri_dockerd_dir() { echo "$NX_K8S_CACHE/minikube/cri-dockerd-$CRI_DOCKERD_VERSION-$(go_version)-$(short_hash "cgo0 $(cri_dockerd_ldflags)")"; }

# cri-dockerd's go.mod pins Kubernetes libraries with a replace block, which Go ignores in a
# dependency: the generated module carries a copy of it.
cri_dockerd_replaces() {
  local gomod
  gomod="$(cd "$NX_K8S_CACHE" && go mod download -json "github.com/Mirantis/cri-dockerd@$CRI_DOCKERD_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [ -f "$gomod" ] || die "could not download github.com/Mirantis/cri-dockerd@$CRI_DOCKERD_VERSION from the Go module proxy" "check the network and 'go env GOPROXY'"
  sed -n '/^replace (/,/^)/p' "$gomod"
}

build_minikube_binaries() {
  local out
  out="$(minikube_dir)"
  # As minikube's Makefile: cgo and libvirt_dlopen (its kvm driver loads libvirt only when
  # used); the storage-provisioner static, for its FROM-scratch image.
  [ -x "$out/minikube" ] && [ -x "$out/storage-provisioner" ] || {
    step "building minikube $MINIKUBE_VERSION and its storage-provisioner: about 10 min cold on 2 cores"
    command -v gcc >/dev/null || apt_install gcc libc6-dev
    MODULE_CGO=1 MODULE_TAGS=libvirt_dlopen go_module_build minikube k8s.io/minikube "$MINIKUBE_VERSION" "$out.minikube" "$(minikube_ldflags)" "" \
      k8s.io/minikube/cmd/minikube
    go_module_build storage-provisioner k8s.io/minikube "$MINIKUBE_VERSION" "$out" "$(minikube_ldflags)" "$PROVISIONER_CLIENT_GO" k8s.io/minikube/cmd/storage-provisioner
    mv "$out.minikube/minikube" "$out/minikube" && rm -rf "$out.minikube"
  }
  out="$(cri_dockerd_dir)"
  [ -x "$out/cri-dockerd" ] || {
    step "building cri-dockerd $CRI_DOCKERD_VERSION: about 7 min cold on 2 cores"
    go_module_build cri-dockerd github.com/Mirantis/cri-dockerd "$CRI_DOCKERD_VERSION" "$out" "$(cri_dockerd_ldflags)" "$(cri_dockerd_replaces)" \
      github.com/Mirantis/cri-dockerd
  }
}
