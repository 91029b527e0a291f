# The one node: kubelet on our containerd (cgroupfs, cgroup v1) and kube-proxy (iptables mode).
# shellcheck shell=bash

KUBELET_CONFIG="$STATE/kubelet-config.yaml"
POD_LOGS="$STATE/pod-logs"
# The kubelet's own cgroup parent (its cgroupRoot): our pods live under
# /sys/fs/cgroup/<hierarchy>/nx-k8s/kubepods, so `down` kills and removes exactly those and never
# another kubelet's (kubeadm's and minikube's pods are under /sys/fs/cgroup/<hierarchy>/kubepods).
CGROUP_PARENT="nx-k8s"

write_kubelet_config() {
  cat >"$KUBELET_CONFIG" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $CERTS/kubelet.crt
tlsPrivateKeyFile: $CERTS/kubelet.key
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $CERTS/ca.crt }
authorization: { mode: Webhook }
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_PARENT
failSwapOn: false
clusterDomain: $CLUSTER_DOMAIN
clusterDNS: [$DNS_SVC_IP]
resolvConf: /etc/resolv.conf
podCIDR: $POD_CIDR
podLogsDir: $POD_LOGS
# A shared CI machine: keep evicting and image GC out of the way of tests.
evictionHard: { memory.available: "100Mi", nodefs.available: "1%", nodefs.inodesFree: "1%", imagefs.available: "1%" }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
nodeStatusUpdateFrequency: 4s
syncFrequency: 10s
fileCheckFrequency: 10s
EOF
}

start_kubelet() {
  running kubelet && return 0
  mkdir -p "$KUBELET_DIR" "$POD_LOGS"
  ensure_cgroup_parent
  write_kubelet_config
  start_daemon kubelet "$K8S_BIN/kubelet" \
    --config "$KUBELET_CONFIG" \
    --kubeconfig "$STATE/kubeconfigs/kubelet" \
    --root-dir "$KUBELET_DIR" \
    --hostname-override "$NODE_NAME" \
    --node-ip "$NODE_IP" \
    --v 1
}

start_kube_proxy() {
  running kube-proxy && return 0
  start_daemon kube-proxy "$K8S_BIN/kube-proxy" \
    --kubeconfig "$STATE/kubeconfigs/kube-proxy" \
    --hostname-override "$NODE_NAME" \
    --proxy-mode iptables \
    --cluster-cidr "$POD_NET" \
    --bind-address "$NODE_IP" \
    --metrics-bind-address 127.0.0.1:10249 \
    --healthz-bind-address 127.0.0.1:10256 \
    --conntrack-max-per-core 0 \
    --v 1
}

node_ready() {
  [ "$(kubectl_admin get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

start_node() {
  info "kubelet (node $NODE_NAME, $NODE_IP), kube-proxy"
  start_kubelet
  start_kube_proxy
  wait_for "node $NODE_NAME Ready" kubelet 90 node_ready
}

# Pod volumes (tmpfs for tokens, secrets) and netns files are mounts under our dirs.
unmount_all_under() {
  local dir m
  for dir in "$@"; do
    # Deepest first; lazy as a last resort so a busy mount never blocks `down`.
    for m in $(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
  done
}

# The kubelet always puts its device-plugin socket and container log links at fixed paths.
# The socket is shared with any other kubelet on this host: left alone while one runs.
remove_kubelet_host_files() {
  if [ -z "$(foreign_pids kubelet)" ]; then
    rm -f /var/lib/kubelet/device-plugins/kubelet.sock
    rmdir /var/lib/kubelet/device-plugins /var/lib/kubelet 2>/dev/null || true
  fi
  find /var/log/containers -maxdepth 1 -type l -lname "$STATE/*" -delete 2>/dev/null || true
  rmdir /var/log/containers 2>/dev/null || true
}

# Every cgroup hierarchy mounted under /sys/fs/cgroup (v1 controllers, name=systemd, cgroup2).
cgroup_mounts() {
  awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $5; break } }' \
    /proc/self/mountinfo | grep '^/sys/fs/cgroup' || true
}

# Our cgroup parent in each hierarchy where it exists.
our_cgroups() {
  local m
  for m in $(cgroup_mounts); do [ -d "$m/$CGROUP_PARENT" ] && echo "$m/$CGROUP_PARENT"; done
  return 0
}

# The kubelet refuses a cgroupRoot that is missing in any hierarchy it uses: create it in all.
ensure_cgroup_parent() {
  local m d
  for m in $(cgroup_mounts); do
    d="$m/$CGROUP_PARENT"
    mkdir -p "$d"
    # cpuset (v1): a new cgroup has no CPUs or memory nodes, and no process could join it.
    if [ -f "$d/cpuset.cpus" ] && [ -z "$(cat "$d/cpuset.cpus")" ]; then
      cat "$m/cpuset.cpus" >"$d/cpuset.cpus"
      cat "$m/cpuset.mems" >"$d/cpuset.mems"
    fi
  done
}

# The kubelet's cgroups (cgroupfs driver): empty directories once the containers are gone.
# Only ours (under $CGROUP_PARENT). A cluster started by an older local-cluster (kubelet config
# without cgroupRoot) has its pods under the shared /kubepods: its empty cgroups are removed only
# when no other kubelet runs (rmdir never removes a cgroup that still has a process).
remove_pod_cgroups() {
  local d m
  for d in $(our_cgroups); do
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  if [ -f "$KUBELET_CONFIG" ] && ! grep -q '^cgroupRoot:' "$KUBELET_CONFIG" && [ -z "$(foreign_pids kubelet)" ]; then
    for m in $(cgroup_mounts); do
      [ -d "$m/kubepods" ] && { find "$m/kubepods" -depth -type d -exec rmdir {} \; 2>/dev/null || true; }
    done
  fi
  return 0
}
