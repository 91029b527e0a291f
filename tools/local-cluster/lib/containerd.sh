# The node's own containerd (Debian's 1.6 with its built-in CRI), separate from Docker's:
# own root, state, socket and config, so `down` never disturbs Docker.
# shellcheck shell=bash

CONTAINERD_ROOT="$STATE/containerd"
CONTAINERD_STATE="$RUN/containerd"
CONTAINERD_CONFIG="$STATE/containerd.toml"

ctr_node() { ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }

# Without CAP_SYS_RESOURCE (this Firecracker VM drops it) no process may lower its
# oom_score_adj, and runc fails every pod sandbox ("failed to update /proc/self/oom_score_adj:
# Permission denied"): then containerd must clamp the kubelet's negative scores to its own.
can_lower_oom_score() {
  local capeff; capeff="$(awk '/^CapEff:/ { print $2 }' /proc/self/status)"
  (( (16#$capeff >> 24) & 1 ))
}

write_containerd_config() {
  mkdir -p "$CNI_CONF_DIR" "$CONTAINERD_ROOT"
  local restrict_oom=false
  can_lower_oom_score || restrict_oom=true
  cat >"$CONTAINERD_CONFIG" <<EOF
version = 2
root = "$CONTAINERD_ROOT"
state = "$CONTAINERD_STATE"
# Snapshotters this machine cannot use only add errors to the log.
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "$CONTAINERD_SOCK"

[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$CONTAINERD_ROOT/opt"

[plugins."io.containerd.grpc.v1.cri"]
  # Our own locally built pause image: nothing is ever pulled.
  sandbox_image = "$PAUSE_IMAGE"
  # Pod network namespaces live under our state dir, so down finds and unmounts all of them.
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_tls_streaming = false
  max_container_log_line_size = 16384
  restrict_oom_score_adj = $restrict_oom
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        # runc's state with ours, not in the default /run/containerd/runc.
        Root = "$RUN/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$CNI_CONF_DIR"
    max_conf_num = 1
EOF
}

start_containerd() {
  running containerd && return 0
  write_containerd_config
  mkdir -p "$RUN"
  rm -f "$CONTAINERD_SOCK" "$CONTAINERD_SOCK.ttrpc"
  start_daemon containerd "$(command -v containerd)" --config "$CONTAINERD_CONFIG" --log-level warn
  wait_for "containerd at $CONTAINERD_SOCK" containerd 30 ctr_node version
}

# The shims outlive containerd: find ours by the socket in their command line.
node_shim_pids() {
  local p
  for p in /proc/[0-9]*; do
    grep -qa -- "containerd-shim" "$p/cmdline" 2>/dev/null && grep -qa -- "$CONTAINERD_SOCK" "$p/cmdline" 2>/dev/null && echo "${p#/proc/}"
  done
  return 0
}

# Every container process of ours: the kubelet puts them all under its cgroupRoot ($CGROUP_PARENT).
# (An older cluster's pods, under the shared /kubepods, go with their containerd tasks below.)
pod_pids() {
  local d
  for d in $(our_cgroups); do
    find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -u
  return 0
}

# libcni caches each attachment in /var/lib/cni/results (not configurable through containerd 1.6's
# CRI); without a CNI DEL they stay: remove ours (our network's name, our sandboxes' ids).
remove_cni_cache() {
  local dir=/var/lib/cni/results id
  [ -d "$dir" ] || return 0
  rm -f "$dir"/nx-k8s-*
  for id in $(ls "$CONTAINERD_ROOT/io.containerd.grpc.v1.cri/sandboxes" 2>/dev/null); do
    rm -f "$dir"/*-"$id"-*
  done
  rmdir "$dir" /var/lib/cni 2>/dev/null || true
}

stop_containers_and_containerd() {
  local grace="${1:-10}" i pids
  # Containers first (the kubelet is already stopped, so nothing restarts them).
  for i in $(seq 1 20); do
    pids="$(pod_pids)"
    [ -z "$pids" ] && break
    kill -KILL $pids 2>/dev/null || true
    sleep 0.25
  done
  # Deleting each task lets its shim exit cleanly (it removes its socket in /run/containerd/s).
  if running containerd; then
    local task
    for task in $(ctr_node tasks ls -q 2>/dev/null); do
      ctr_node tasks delete -f "$task" >/dev/null 2>&1 || true
    done
  fi
  stop_daemons "$grace" containerd
  for i in $(seq 1 20); do
    pids="$(node_shim_pids)"
    [ -z "$pids" ] && break
    kill -KILL $pids 2>/dev/null || true
    sleep 0.25
  done
  rm -f "$CONTAINERD_SOCK" "$CONTAINERD_SOCK.ttrpc"
}
