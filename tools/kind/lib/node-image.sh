# The node image: what kind's images/base/Dockerfile and `kind build node-image` make, assembled
# from Debian bookworm packages and the binaries built here instead of git clones and pulls.
# kind itself is unmodified; its own images/base/files (entrypoint, units, containerd config)
# are copied in. The system images are imported into the node's containerd when it boots.
# shellcheck shell=bash

DEBIAN_SUITE=bookworm
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# kind's base packages (its Dockerfile), with Debian's containerd, runc and CNI plugins for its builds.
NODE_PACKAGES="systemd,conntrack,iptables,nftables,iproute2,ethtool,util-linux,mount,kmod,libseccomp2,pigz,e2fsprogs,bash,ca-certificates,curl,jq,procps,containerd,runc,containernetworking-plugins"
# kube-proxy's image (and the CNI DaemonSet's): the userland they call.
PROXY_PACKAGES="iptables,nftables,iproute2,conntrack"
NODE_REPO="nx-k8s.local/kind-node"

# debootstrap_rootfs NAME PACKAGES: a minbase root filesystem tarball, cached by its package list.
debootstrap_rootfs() {
  local name="$1" packages="$2" tarball dir
  tarball="$NX_K8S_CACHE/kind/rootfs-$name-$DEBIAN_SUITE-$(short_hash "$packages").tar"
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || apt_install debootstrap
    dir="$(mktemp -d /var/tmp/nx-k8s-kind-rootfs.XXXXXX)"
    # shellcheck disable=SC2064 # this directory, now (the caller's subshell ends with it)
    trap "rm -rf '$dir' '$dir.log' '$tarball.tmp'" EXIT
    info "debootstrap $DEBIAN_SUITE minbase + $packages (log: $dir.log)"
    debootstrap --variant=minbase --include="$packages" "$DEBIAN_SUITE" "$dir" "$DEBIAN_MIRROR" >"$dir.log" 2>&1 ||
      { tail -n 5 "$dir.log" >&2; rm -rf "$dir"; die "debootstrap of the $name root filesystem failed (log: $dir.log)" "check that $DEBIAN_MIRROR is reachable"; }
    rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb \
      "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/var/log/*
    tar -C "$dir" --numeric-owner -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$dir" "$dir.log"
  fi
  echo "$tarball"
}

# path_image TAR TAG BINARY...: a one-layer image with the binaries in /usr/local/bin, on PATH
# (kubeadm's static pods call them by name).
path_image() {
  local tar="$1" tag="$2" work b; shift 2
  [ -s "$tar" ] && return 0
  work="$(mktemp -d)"
  mkdir -p "$work/rootfs/usr/local/bin"
  for b in "$@"; do install -m 0755 "$b" "$work/rootfs/usr/local/bin/"; done
  rootfs_image "$tar" "$tag" "$work/rootfs" '{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"WorkingDir":"/"}' "$(basename "$1")"
  rm -rf "$work"
}

# system_images: builds the tars of every image kubeadm, kind and the node's add-ons run,
# named as kubeadm asks for them with imageRepository nx-k8s.local; prints their paths.
system_images() {
  local dir="$NX_K8S_CACHE/kind/images" c proxy_rootfs work
  mkdir -p "$dir"
  for c in kube-apiserver kube-controller-manager kube-scheduler; do
    path_image "$dir/$c-$(basename "$K8S_BIN").tar" "nx-k8s.local/$c:$K8S_VERSION" "$K8S_BIN/$c"
    echo "$dir/$c-$(basename "$K8S_BIN").tar"
  done
  path_image "$dir/etcd-$(basename "$ETCD_BIN").tar" "nx-k8s.local/etcd:${ETCD_VERSION#v}-0" "$ETCD_BIN/etcd"
  echo "$dir/etcd-$(basename "$ETCD_BIN").tar"
  proxy_rootfs="$(debootstrap_rootfs proxy "$PROXY_PACKAGES")"
  local proxy_tar="$dir/kube-proxy-$(basename "$K8S_BIN")-$(basename "$proxy_rootfs" .tar).tar"
  if [ ! -s "$proxy_tar" ]; then
    work="$(mktemp -d)"
    tar -C "$work" -xf "$proxy_rootfs"
    install -m 0755 "$K8S_BIN/kube-proxy" "$work/usr/local/bin/kube-proxy"
    install -m 0755 "$K8S_BIN/kubectl" "$work/usr/local/bin/kubectl"
    rootfs_image "$proxy_tar" "nx-k8s.local/kube-proxy:$K8S_VERSION" "$work" \
      '{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"WorkingDir":"/"}' kube-proxy
    rm -rf "$work"
  fi
  echo "$proxy_tar"
  # The same four local-cluster imports.
  scratch_image "$PAUSE_BIN/image.tar" "$PAUSE_IMAGE" "$PAUSE_BIN/pause"
  scratch_image "$COREDNS_BIN/image.tar" "$COREDNS_IMAGE" "$COREDNS_BIN/coredns"
  scratch_image "$LOCAL_PATH_BIN/image.tar" "$LOCAL_PATH_IMAGE" "$LOCAL_PATH_BIN/local-path-provisioner"
  rootfs_image "$BUSYBOX_BIN/image.tar" "$(busybox_image)" "$BUSYBOX_BIN/rootfs" \
    '{"Entrypoint":["/bin/sh"],"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"WorkingDir":"/"}' busybox
  printf '%s\n' "$PAUSE_BIN/image.tar" "$COREDNS_BIN/image.tar" "$LOCAL_PATH_BIN/image.tar" "$BUSYBOX_BIN/image.tar"
}

# The CNI kind installs from /kind/manifests/default-cni.yaml (its kindnet, here a loop in the
# kube-proxy image): each node's bridge gets the node's podCIDR, and each node routes the
# other nodes' podCIDRs to their InternalIP. kind fills in CONTROL_PLANE_ENDPOINT (the
# "kindly patch" marker), so the loop reaches the API before kube-proxy serves the Service IP.
cni_manifest() {
  cat <<'YAML'
# would you kindly patch this file
apiVersion: v1
kind: ServiceAccount
metadata: { name: nx-k8s-cni, namespace: kube-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: nx-k8s-cni }
rules: [{ apiGroups: [""], resources: [nodes], verbs: [get, list] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: nx-k8s-cni }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: nx-k8s-cni }
subjects: [{ kind: ServiceAccount, name: nx-k8s-cni, namespace: kube-system }]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: nx-k8s-cni, namespace: kube-system, labels: { app: nx-k8s-cni } }
spec:
  selector: { matchLabels: { app: nx-k8s-cni } }
  template:
    metadata: { labels: { app: nx-k8s-cni } }
    spec:
      hostNetwork: true
      serviceAccountName: nx-k8s-cni
      priorityClassName: system-node-critical
      tolerations: [{ operator: Exists }]
      containers:
      - name: cni
        image: nx-k8s.local/kube-proxy:K8S_VERSION
        imagePullPolicy: Never
        securityContext: { privileged: true }
        env:
        - { name: NODE_NAME, valueFrom: { fieldRef: { fieldPath: spec.nodeName } } }
        command:
        - /bin/sh
        - -c
        - |
          set -u
          sa=/var/run/secrets/kubernetes.io/serviceaccount
          k() { kubectl --server "https://$CONTROL_PLANE_ENDPOINT" --certificate-authority "$sa/ca.crt" --token "$(cat "$sa/token")" "$@"; }
          conf=/etc/cni/net.d/10-nx-k8s.conflist
          while true; do
            k get nodes -o jsonpath='{range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}' >/tmp/nodes &&
            while read -r name cidr ip; do
              [ -n "$cidr" ] || continue
              if [ "$name" = "$NODE_NAME" ]; then
                gw="${cidr%.*/*}.1"
                want='{"cniVersion":"1.0.0","name":"nx-k8s","plugins":[{"type":"bridge","bridge":"cni0","isGateway":true,"ipMasq":true,"hairpinMode":true,"ipam":{"type":"host-local","ranges":[[{"subnet":"'"$cidr"'","gateway":"'"$gw"'"}]],"routes":[{"dst":"0.0.0.0/0"}]}},{"type":"portmap","capabilities":{"portMappings":true}},{"type":"loopback"}]}'
                [ "$(cat "$conf" 2>/dev/null)" = "$want" ] || { printf '%s' "$want" >"$conf.tmp" && mv "$conf.tmp" "$conf" && echo "bridge for $cidr"; }
              else
                ip route replace "$cidr" via "$ip"
              fi
            done </tmp/nodes
            sleep 5
          done
        volumeMounts: [{ name: cni, mountPath: /etc/cni/net.d }]
      volumes: [{ name: cni, hostPath: { path: /etc/cni/net.d, type: DirectoryOrCreate } }]
YAML
}

# The unit that imports /kind/images into containerd before the kubelet starts (once per node).
images_unit() {
  cat <<'UNIT'
[Unit]
Description=Import the node's system images (built locally, never pulled)
Requires=containerd.service
After=containerd.service
Before=kubelet.service
ConditionPathExists=!/var/lib/nx-k8s-images.imported

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -euc 'for t in /kind/images/*.tar; do ctr --namespace k8s.io images import "$t"; done; touch /var/lib/nx-k8s-images.imported'

[Install]
WantedBy=multi-user.target
UNIT
}

# node_image_tag: the image's name, keyed by everything that goes into it.
node_image_tag() {
  local inputs
  inputs="$KIND_VERSION $(basename "$(debootstrap_rootfs_name node "$NODE_PACKAGES")") $K8S_BIN $(kubeadm_dir) $(crictl_dir) $(system_image_names) $(cat "$KC_ROOT/lib/node-image.sh")"
  echo "$NODE_REPO:$K8S_VERSION-$(short_hash "$inputs")"
}
debootstrap_rootfs_name() { echo "rootfs-$1-$DEBIAN_SUITE-$(short_hash "$2").tar"; }
system_image_names() { echo "$ETCD_BIN $COREDNS_BIN $PAUSE_BIN $LOCAL_PATH_BIN $BUSYBOX_BIN $(debootstrap_rootfs_name proxy "$PROXY_PACKAGES")"; }

build_node_image() {
  local tag root files tars t
  tag="$(node_image_tag)"
  docker image inspect "$tag" >/dev/null 2>&1 && { NODE_IMAGE="$tag"; return 0; }
  step "assembling the kind node image $tag"
  local start; start="$(now)"
  files="$(kind_files)"
  mapfile -t tars < <(system_images)
  root="$(mktemp -d /var/tmp/nx-k8s-kind-node.XXXXXX)"
  # shellcheck disable=SC2064 # this root, now: a failed or interrupted build leaves nothing behind
  trap "rm -rf '$root'" EXIT
  tar -C "$root" -xf "$(debootstrap_rootfs node "$NODE_PACKAGES")"
  # kind's base image, file for file (its Dockerfile's COPY lines and RUN steps).
  cp -a "$files/usr/local/bin/." "$root/usr/local/bin/"
  chmod 0755 "$root"/usr/local/bin/*
  mkdir -p "$root/kind/bin" "$root/LICENSES" "$root/etc/kubernetes/manifests" "$root/kind/manifests" "$root/kind/images" "$root/opt/cni/bin"
  cp -a "$files/kind/." "$root/kind/"; chmod 0755 "$root/kind" "$root/kind/bin" "$root"/kind/bin/*
  cp -a "$files/LICENSES/." "$root/LICENSES/"
  cp -a "$files/etc/." "$root/etc/"
  find "$root/lib/systemd/system/sysinit.target.wants/" -name systemd-tmpfiles-setup.service -delete
  rm -f "$root"/lib/systemd/system/multi-user.target.wants/* "$root"/etc/systemd/system/*.wants/* \
    "$root"/lib/systemd/system/local-fs.target.wants/* "$root"/lib/systemd/system/sockets.target.wants/*udev* \
    "$root"/lib/systemd/system/sockets.target.wants/*initctl* "$root"/lib/systemd/system/basic.target.wants/*
  echo "ReadKMsg=no" >>"$root/etc/systemd/journald.conf"
  ln -sf /usr/lib/systemd/systemd "$root/sbin/init"
  # Debian's containerd and the CNI plugins, where kind's units and config look for them.
  ln -sf /usr/bin/containerd "$root/usr/local/bin/containerd"
  for t in host-local loopback ptp portmap bridge; do ln -sf "/usr/lib/cni/$t" "$root/opt/cni/bin/$t"; done
  # The node's own ctr and jq (the host may have neither): ctr oci spec needs no daemon.
  chroot "$root" sh -c "ctr oci spec | jq '.hooks.createContainer[.hooks.createContainer | length] |= . + {\"path\": \"/kind/bin/mount-product-files.sh\"}' | jq 'del(.process.rlimits)'" \
    >"$root/etc/containerd/cri-base.json" && grep -q 'mount-product-files.sh' "$root/etc/containerd/cri-base.json" ||
    die "could not generate the node's /etc/containerd/cri-base.json (chroot $root ctr oci spec)" "read the error above"
  sed -i "s#^\([[:space:]]*sandbox_image = \).*#\1\"$PAUSE_IMAGE\"#" "$root/etc/containerd/config.toml"
  # As kind does for rootless nodes: without CAP_SYS_RESOURCE (these hosts' bounding set lacks
  # it) runc cannot lower a pod's oom_score_adj below containerd's, and every critical pod fails.
  sed -i 's#^\([[:space:]]*restrict_oom_score_adj = \).*#\1true#' "$root/etc/containerd/config.toml"
  grep -q "sandbox_image = \"$PAUSE_IMAGE\"" "$root/etc/containerd/config.toml" && grep -q 'restrict_oom_score_adj = true' "$root/etc/containerd/config.toml" ||
    die "kind $KIND_VERSION's containerd config has no sandbox_image or restrict_oom_score_adj line to set" "update lib/node-image.sh for this kind version"
  # What `kind build node-image` adds: the Kubernetes binaries, the version, the manifests.
  install -m 0755 "$K8S_BIN/kubelet" "$K8S_BIN/kubectl" "$(kubeadm_dir)/kubeadm" "$root/usr/bin/"
  install -m 0755 "$(crictl_dir)/crictl" "$root/usr/local/bin/crictl"
  echo "$K8S_VERSION" >"$root/kind/version"
  cni_manifest | sed "s/K8S_VERSION/$K8S_VERSION/" >"$root/kind/manifests/default-cni.yaml"
  VOLUMES=/var/local-path-provisioner storage_manifest >"$root/kind/manifests/default-storage.yaml"
  for t in "${tars[@]}"; do cp "$t" "$root/kind/images/$(basename "$(dirname "$t")")-$(basename "$t")"; done
  images_unit >"$root/etc/systemd/system/nx-k8s-images.service"
  chroot "$root" systemctl enable kubelet.service containerd.service undo-mount-hacks.service nx-k8s-images.service >/dev/null 2>&1 ||
    die "could not enable the node's services in $root" "read: chroot $root systemctl enable kubelet.service"
  chroot "$root" systemctl mask systemd-binfmt.service >/dev/null 2>&1
  tar -C "$root" --numeric-owner -c . | docker import - "$tag-rootfs" >"$LOGS/node-image.log" 2>&1 ||
    { rm -rf "$root"; tail -n 3 "$LOGS/node-image.log" >&2; die "docker import of the node image failed (log: $LOGS/node-image.log)" "check free space in Docker's data root (docker system df)"; }
  rm -rf "$root"
  # The metadata kind's Dockerfile ends with (docker import cannot set STOPSIGNAL): systemd is
  # told it runs in a container, and stops on SIGRTMIN+3.
  printf 'FROM %s\nENV container=docker\nSTOPSIGNAL SIGRTMIN+3\nENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]\n' "$tag-rootfs" |
    docker build -q -t "$tag" - >>"$LOGS/node-image.log" 2>&1 ||
    { tail -n 3 "$LOGS/node-image.log" >&2; die "docker build of the node image's metadata failed (log: $LOGS/node-image.log)" "read the log"; }
  docker rmi "$tag-rootfs" >/dev/null
  # Earlier builds (1 GB each), unless a node still runs one (docker refuses those).
  docker images "$NODE_REPO" --format '{{.Repository}}:{{.Tag}}' | grep -vx "$tag" | xargs -r docker rmi >/dev/null 2>&1 || true
  NODE_IMAGE="$tag"
  info "node image $tag assembled in $(elapsed "$start") s ($(docker image inspect -f '{{.Size}}' "$tag" | numfmt --to=iec))"
}
