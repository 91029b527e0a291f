# The parts of a kind cluster that cannot be pulled here, built once and cached by version:
# the kind and crictl binaries, kubeadm (from the same wrapper module as local-cluster's
# Kubernetes), and the node image (lib/node-image.sh).
# shellcheck shell=bash

KIND_VERSION="v0.32.0"    # sigs.k8s.io/kind: its images/base/files are the node's init, units and containerd config
CRICTL_VERSION="v1.34.0"  # sigs.k8s.io/cri-tools: `kind load` asks the node's crictl whether an image is there

kind_dir() { echo "$NX_K8S_CACHE/kind/kind-$KIND_VERSION-$(go_version)"; }
crictl_dir() { echo "$NX_K8S_CACHE/kind/crictl-$CRICTL_VERSION-$(go_version)"; }
kubeadm_dir() { echo "$NX_K8S_CACHE/k8s/kubeadm-$K8S_VERSION-$(go_version)-$(short_hash "cgo0 $K8S_TAGS $(k8s_ldflags)")"; }

build_kind_binaries() {
  local out
  out="$(kind_dir)"
  [ -x "$out/kind" ] || { step "building kind $KIND_VERSION"; go_module_build kind sigs.k8s.io/kind "$KIND_VERSION" "$out" "-s -w" "" sigs.k8s.io/kind; }
  out="$(crictl_dir)"
  [ -x "$out/crictl" ] || { step "building crictl $CRICTL_VERSION"; go_module_build crictl sigs.k8s.io/cri-tools "$CRICTL_VERSION" "$out" "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION" "" sigs.k8s.io/cri-tools/cmd/crictl; }
  out="$(kubeadm_dir)"
  [ -x "$out/kubeadm" ] || { step "building kubeadm $K8S_VERSION"; go_build_with_progress kubeadm "$(k8s_wrapper)" "$out" "$(k8s_ldflags)" "$K8S_TAGS" k8s.io/kubernetes/cmd/kubeadm; }
  link_bin kind "$(kind_dir)/kind"
}

# kind_files: kind's images/base/files of this version, from the Go module cache.
kind_files() {
  local dir
  dir="$(cd "$NX_K8S_CACHE/kind" && go mod download -json "sigs.k8s.io/kind@$KIND_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  [ -d "$dir/images/base/files" ] || die "could not download sigs.k8s.io/kind@$KIND_VERSION from the Go module proxy" "check the network and 'go env GOPROXY'"
  echo "$dir/images/base/files"
}
