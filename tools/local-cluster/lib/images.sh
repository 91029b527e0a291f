# Images on the node. Nothing is ever pulled: the pause, CoreDNS, local-path-provisioner and
# busybox (its helper pods) images are assembled here as docker-archive tars (FROM-scratch
# equivalents, byte-reproducible) and imported into the node's containerd; app images come
# from Docker through `load`.
# shellcheck shell=bash

PAUSE_IMAGE="nx-k8s.local/pause:$PAUSE_VERSION"
COREDNS_IMAGE="nx-k8s.local/coredns:$COREDNS_VERSION"
LOCAL_PATH_IMAGE="nx-k8s.local/local-path-provisioner:$LOCAL_PATH_VERSION"
# The helper image's tag is the busybox-static package version it holds ('+' is no tag character).
busybox_image() { local v="${BUSYBOX_BIN##*/busybox-static-}"; echo "nx-k8s.local/busybox:${v//[^A-Za-z0-9_.-]/-}"; }

# scratch_image TAR TAG BINARY: a one-layer image whose entrypoint is /<binary name>.
scratch_image() {
  local tar="$1" tag="$2" bin="$3" work name
  [ -s "$tar" ] && return 0
  name="$(basename "$bin")"
  work="$(mktemp -d)"
  mkdir -p "$work/rootfs"
  install -m 0755 "$bin" "$work/rootfs/$name"
  rootfs_image "$tar" "$tag" "$work/rootfs" "{\"Entrypoint\":[\"/$name\"],\"WorkingDir\":\"/\"}" "$name"
  rm -rf "$work"
}

# rootfs_image TAR TAG ROOTFS CONFIG NAME: a one-layer image of the directory ROOTFS, with
# CONFIG (JSON) as its runtime config.
rootfs_image() {
  local tar="$1" tag="$2" rootfs="$3" runtime="$4" name="$5" work layer_sha config config_sha
  [ -s "$tar" ] && return 0
  work="$(mktemp -d)"
  mkdir -p "$work/out"
  # Fixed owner, order and time: the same files always give the same image id.
  # shellcheck disable=SC2046 # the top-level entries, one argument each (no spaces in them)
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$rootfs" -cf "$work/layer.tar" $(cd "$rootfs" && LC_ALL=C ls -A)
  layer_sha="$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
  config="{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":$runtime,\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$layer_sha\"]},\"history\":[{\"created_by\":\"nx-k8s local-cluster: $name\"}]}"
  config_sha="$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)"
  printf '%s' "$config" >"$work/out/$config_sha.json"
  mkdir -p "$work/out/$layer_sha"
  mv "$work/layer.tar" "$work/out/$layer_sha/layer.tar"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$config_sha" "$tag" "$layer_sha" >"$work/out/manifest.json"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/out" -cf "$tar.tmp" .
  mv "$tar.tmp" "$tar"
  rm -rf "$work"
}

# containerd_ref NAME: the fully qualified reference containerd and the kubelet use for a Docker name.
containerd_ref() {
  local ref="$1" first="${1%%/*}"
  if [ "$ref" = "$first" ]; then ref="docker.io/library/$ref"
  elif [[ "$first" != *.* && "$first" != *:* && "$first" != localhost ]]; then ref="docker.io/$ref"; fi
  [[ "${ref##*/}" == *:* || "$ref" == *@* ]] || ref="$ref:latest"
  echo "$ref"
}

# node_image_id REF: the config digest (= Docker's image id) of REF in the node, or nothing.
node_image_id() {
  local target
  target="$(ctr_node images ls "name==$1" 2>/dev/null | awk 'NR > 1 { print $3 }')"
  [ -n "$target" ] || return 0
  ctr_node content get "$target" 2>/dev/null | tr -d ' \n' | sed -n 's/.*"config":{[^}]*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p'
}

import_system_images() {
  scratch_image "$PAUSE_BIN/image.tar" "$PAUSE_IMAGE" "$PAUSE_BIN/pause"
  scratch_image "$COREDNS_BIN/image.tar" "$COREDNS_IMAGE" "$COREDNS_BIN/coredns"
  scratch_image "$LOCAL_PATH_BIN/image.tar" "$LOCAL_PATH_IMAGE" "$LOCAL_PATH_BIN/local-path-provisioner"
  rootfs_image "$BUSYBOX_BIN/image.tar" "$(busybox_image)" "$BUSYBOX_BIN/rootfs" \
    '{"Entrypoint":["/bin/sh"],"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"WorkingDir":"/"}' busybox
  local tar
  for tar in "$PAUSE_BIN/image.tar" "$COREDNS_BIN/image.tar" "$LOCAL_PATH_BIN/image.tar" "$BUSYBOX_BIN/image.tar"; do
    timeout 120 ctr --address "$CONTAINERD_SOCK" --namespace k8s.io images import "$tar" >>"$LOGS/containerd.log" 2>&1 ||
      { tail_log containerd; die "could not import $tar into the node's containerd" "read $LOGS/containerd.log"; }
  done
}

# load IMAGE: Docker -> the node's containerd (k8s.io namespace), as `kind load docker-image` does.
load_image() {
  local image="${1:-}" id ref had
  [ -n "$image" ] || die "load needs an image name" "run: local-cluster load IMAGE[:TAG] (an image listed by 'docker images')"
  command -v docker >/dev/null || die "the docker CLI is not installed, so '$image' cannot be read from Docker" "run tools/setup/docker.sh"
  docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "the Docker daemon does not answer, so '$image' cannot be read from it" "run tools/setup/docker.sh"
  id="$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null)" ||
    die "image '$image' is not in Docker" "build or tag it first (docker build -t $image .), 'docker images' lists what Docker has"
  ctr_node version >/dev/null 2>&1 || die "the cluster is not running (no containerd at $CONTAINERD_SOCK)" "run: local-cluster up"
  ref="$(containerd_ref "$image")"
  had="$(node_image_id "$ref")"
  if [ "$had" = "$id" ]; then
    echo "local-cluster: $image ($id) already in the node, nothing loaded"
    return 0
  fi
  set -o pipefail
  docker save "$image" | timeout 600 ctr --address "$CONTAINERD_SOCK" --namespace k8s.io images import - >"$LOGS/load.log" 2>&1 ||
    { tail -n 5 "$LOGS/load.log" >&2; die "importing '$image' into the node's containerd failed (log: $LOGS/load.log)" "check free disk space (df -h $STATE) and retry"; }
  [ "$(node_image_id "$ref")" = "$id" ] || die "'$image' was imported but the node does not list it as $ref with id $id" "report this with $LOGS/load.log"
  echo "local-cluster: $image ($id) loaded into the node${had:+ (replaced $had)}"
}
