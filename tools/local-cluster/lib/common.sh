# Paths, pinned versions and helpers shared by every lib/*.sh. Sourced, never run.
# shellcheck shell=bash

. "$LC_ROOT/../setup/lib.sh"

# Pinned versions: each one is part of its cache key, so bumping one rebuilds only that piece.
K8S_VERSION="v1.34.4"         # newest 1.34: the last minor that runs on cgroup v1 by default
ETCD_VERSION="v3.6.5"        # kubeadm's default etcd for Kubernetes 1.34
COREDNS_VERSION="v1.12.1"    # kubeadm's default CoreDNS for Kubernetes 1.34
PAUSE_VERSION="3.10.1"       # kubeadm's pause version for Kubernetes 1.34
LOCAL_PATH_VERSION="v0.0.37" # github.com/rancher/local-path-provisioner: the default StorageClass (kind's)

CONTEXT_NAME="nx-k8s-local"
CLUSTER_NAME="nx-k8s-local"
NODE_NAME="nx-k8s-local"
APISERVER_PORT="${NX_K8S_CLUSTER_APISERVER_PORT:-6443}"
SERVICE_CIDR="10.96.0.0/16"
KUBERNETES_SVC_IP="10.96.0.1"
DNS_SVC_IP="10.96.0.10"
POD_CIDR="10.244.0.0/24"
CLUSTER_DOMAIN="cluster.local"
BRIDGE="nxk8s0"

STATE="/var/lib/nx-k8s-cluster"
RUN="/run/nx-k8s-cluster"
LOGS="$NX_K8S_LOGS/cluster"
PIDS="$STATE/pids"
CERTS="$STATE/pki"
VOLUMES="$STATE/volumes"         # the local-path volumes: kept by `down` like the PKI, removed by `down --purge`
KUBECONFIG_FILE="$STATE/kubeconfig"
CLUSTER_JSON="$STATE/cluster.json"
CONTAINERD_SOCK="$RUN/containerd.sock"
KUBELET_DIR="$STATE/kubelet"     # kubelet --root-dir: pod volumes are mounted under it
CNI_CONF_DIR="$STATE/cni/net.d"
CNI_BIN_DIR="/usr/lib/cni"

# Errors: one line, what is wrong and how to fix it.
die() { printf 'local-cluster: %s; %s\n' "$1" "$2" >&2; exit 1; }
warn() { printf 'local-cluster: warning: %s\n' "$*" >&2; }

need_cluster_root() {
  [ "$(id -u)" = 0 ] || die "'$1' must run as root (it starts containerd, the kubelet and iptables rules)" "run: sudo $0 $1"
}

# tail_log COMPONENT [N]: the last lines of a component's log, indented.
tail_log() {
  local f="$LOGS/$1.log"
  [ -f "$f" ] || return 0
  printf '    --- last lines of %s ---\n' "$f" >&2
  # Only the latest run: each start appends a "==== <date>: <command>" line.
  awk '/^==== / { n = 0 } { lines[n++] = $0 } END { for (i = (n > max ? n - max : 0); i < n; i++) print lines[i] }' \
    max="${2:-15}" "$f" | cut -c1-400 | sed 's/^/    | /' >&2
}

# A short stable hash of a string (used in cache keys).
short_hash() { printf '%s' "$1" | sha256sum | cut -c1-10; }

# Seconds since the epoch with decimals, for timings.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---- processes this tool starts: one pid file each under $PIDS ----

# Components started by the current `up`, newest last: a failing `up` stops exactly these.
STARTED=()

pid_of() { cat "$PIDS/$1.pid" 2>/dev/null || true; }

# running NAME: the pid file names a live process that is still that component's binary.
running() {
  local pid; pid="$(pid_of "$1")"
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && grep -qa -- "$(cat "$PIDS/$1.bin" 2>/dev/null || echo /nonexistent)" "/proc/$pid/cmdline" 2>/dev/null
}

# start_daemon NAME BINARY ARGS...: detached from this session (setsid), logged to $LOGS/NAME.log.
start_daemon() {
  local name="$1"; shift
  mkdir -p "$PIDS" "$LOGS"
  printf '\n==== %s: %s\n' "$(date -Is)" "$*" >>"$LOGS/$name.log"
  # The child writes its own pid before exec, so the pid file is right whether or not setsid forks.
  # fd 9 is the up/down lock: a daemon must not inherit it.
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PIDS/$name.pid" "$@" >>"$LOGS/$name.log" 2>&1 </dev/null 9>&- &
  echo "$1" >"$PIDS/$name.bin"
  STARTED+=("$name")
  local i; for i in $(seq 1 50); do [ -s "$PIDS/$name.pid" ] && return 0; sleep 0.02; done
}

# foreign_pids NAME...: live processes called NAME (their comm, or argv[0]'s base name) that are
# not ours: neither the running component NAME nor any process running one of our cached
# binaries (a stray of ours, which `down` stops). Another Kubernetes on this host shows up here.
foreign_pids() {
  local p comm arg0 exe name ours=" "
  for name in "$@"; do running "$name" && ours+="$(pid_of "$name") "; done
  for p in /proc/[0-9]*; do
    read -r comm 2>/dev/null <"$p/comm" || continue
    arg0=""; read -r -d "" arg0 2>/dev/null <"$p/cmdline" || true
    for name in "$@"; do
      [ "$comm" = "$name" ] || [ "${arg0##*/}" = "$name" ] || continue
      [[ "$ours" == *" ${p#/proc/} "* ]] && continue
      exe="$(readlink "$p/exe" 2>/dev/null)" || true
      case "$exe" in "$NX_K8S_CACHE/k8s/"*) continue ;; esac
      echo "${p#/proc/}"
    done
  done
  return 0
}

# stop_daemons GRACE_SECONDS NAME...: TERM them all at once, KILL what is left after the grace period.
stop_daemons() {
  local grace="$1" name pid pids=() i alive; shift
  for name in "$@"; do
    if running "$name"; then
      pid="$(pid_of "$name")"; pids+=("$pid")
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for i in $(seq 1 $((grace * 10))); do
    alive=""
    for pid in "${pids[@]}"; do [ -d "/proc/$pid" ] && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do [ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null; done
  # Until they are gone: a process dying of KILL still holds its listening ports for a moment.
  for i in $(seq 1 20); do
    alive=""
    for pid in "${pids[@]}"; do [ -d "/proc/$pid" ] && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for name in "$@"; do rm -f "$PIDS/$name.pid" "$PIDS/$name.bin"; done
  return 0
}
stop_daemon() { stop_daemons "${2:-10}" "$1"; }

# wait_for WHAT COMPONENT SECONDS COMMAND...: polls COMMAND; on timeout (or the component dying)
# shows the component's last log lines and fails.
wait_for() {
  local what="$1" comp="$2" secs="$3" i; shift 3
  for i in $(seq 1 $((secs * 4))); do
    "$@" >/dev/null 2>&1 && return 0
    if [ -n "$comp" ] && [ -f "$PIDS/$comp.pid" ] && ! running "$comp"; then
      tail_log "$comp" 20
      FAILED_COMPONENT="$comp"
      die "$comp exited while waiting for $what (log: $LOGS/$comp.log)" "read the log lines above"
    fi
    sleep 0.25
  done
  [ -n "$comp" ] && tail_log "$comp" 20
  FAILED_COMPONENT="$comp"
  die "$what not ready after ${secs} s (log: $LOGS/${comp:-cluster}.log)" "read the log lines above; 'local-cluster status' shows every component"
}

# ---- one up/down at a time (several Nx tasks may call `up` at once) ----
LOCK_FILE="/run/lock/nx-k8s-cluster.lock"

lock_holder() { cat "$LOCK_FILE" 2>/dev/null || true; }

# lock_inherited: fd 9 is the lock, opened by a caller that holds it across several commands
# (the smoke test, so no other up/down runs in between); flock on it then succeeds at once.
lock_inherited() { [ "$(readlink /proc/self/fd/9 2>/dev/null)" = "$(readlink -f "$LOCK_FILE")" ]; }

take_lock() {
  mkdir -p "$(dirname "$LOCK_FILE")"
  lock_inherited || exec 9<>"$LOCK_FILE"
  if ! flock -n 9; then
    info "waiting for another local-cluster $1 to finish (pid $(lock_holder))"
    flock -w "${NX_K8S_CLUSTER_LOCK_TIMEOUT:-1800}" 9 ||
      die "another local-cluster command (pid $(lock_holder)) held the lock for ${NX_K8S_CLUSTER_LOCK_TIMEOUT:-1800} s" "wait for it, or stop it (kill $(lock_holder)) and retry"
  fi
  echo "$$ $1" >"$LOCK_FILE"
}

# lock_busy: another up/down is running now (for status).
lock_busy() {
  [ -e "$LOCK_FILE" ] || return 1
  lock_inherited && return 1
  ! flock -n "$LOCK_FILE" true 2>/dev/null
}
