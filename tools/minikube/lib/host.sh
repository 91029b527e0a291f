# What minikube's none driver needs on a host without systemd as PID 1, and what it changes
# there: the shims it runs through, the images it uses from the host's Docker, and the record
# `up` keeps of the host's files so `down` puts back exactly what was there.
# shellcheck shell=bash

# Files and directories minikube start writes on the host (its none driver, the docker runtime,
# the bridge CNI, the OpenRC init shim); `down` removes those that were absent before `up`.
# HOST_DIRS only when empty (something else may have put files there since).
HOST_PATHS=(
  /etc/docker/daemon.json /etc/crictl.yaml /etc/init.d/kubelet /lib/systemd/system/kubelet.service
  /etc/systemd/system/kubelet.service.d /etc/systemd/system/cri-docker.service.d
  /etc/cni/net.d/1-k8s.conflist /etc/kubernetes /var/lib/kubelet /var/lib/minikube /var/tmp/minikube
  /var/lib/cni /opt/cni/bin /var/run/cri-dockerd.sock /var/run/kubelet.pid
)
HOST_DIRS=(/etc/cni/net.d /etc/cni /opt/cni /etc/systemd/system /etc/systemd)

shims_dir() { echo "$NX_K8S_CACHE/minikube/shims-$(short_hash "$(declare -f write_shims) $(minikube_dir) $(cri_dockerd_dir) $(crictl_dir)")"; }

# write_shims DIR: what goes first on minikube's PATH.
#  systemctl: fails, as it does with no systemd running; minikube then takes its OpenRC path
#    (`sudo service NAME ...`), not `systemctl restart docker` (kubernetes/minikube#13091).
#  service: Docker is the host's shared daemon, restarted with the arguments it runs with (so
#    the daemon.json minikube wrote applies); cri-dockerd runs the ExecStart of the unit drop-in
#    minikube wrote, listening itself (no socket activation without systemd); anything else
#    (the kubelet init script minikube generates) goes to Debian's service.
#  sudo: minikube runs `sudo CMD` even as root; Debian's sudo would reset PATH to its
#    secure_path and miss these shims, so as root this runs CMD itself.
#  minikube, cri-dockerd, crictl: the builds.
write_shims() {
  local dir="$1"
  mkdir -p "$dir.tmp"
  printf '#!/bin/sh\necho "systemctl: systemd is not running on this host (PID 1 is %s); minikube uses its OpenRC path" >&2\nexit 1\n' \
    "$(cat /proc/1/comm 2>/dev/null || echo '?')" >"$dir.tmp/systemctl"
  cat >"$dir.tmp/sudo" <<'SH'
#!/bin/sh
[ "$(id -u)" = 0 ] || { echo "sudo: this shim only serves minikube run as root (tools/minikube)" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in -u | -g) shift 2 ;; --) shift; break ;; -*) shift ;; *) break ;; esac
done
# env: sudo's own VAR=value arguments before the command (sudo KUBECONFIG=... kubectl apply).
exec env "$@"
SH
  cat >"$dir.tmp/service" <<'SH'
#!/usr/bin/env bash
set -euo pipefail
name="${1:-}" action="${2:-}"
run=/run/nx-k8s-minikube logs="${NX_K8S_LOGS:-/var/log/nx-k8s}/minikube"
mkdir -p "$run" "$logs"
# A zombie is not alive (this host's PID 1 may never reap it).
alive() { [ -s "$1" ] && grep -qv '^State:[[:space:]]*Z' <(grep '^State:' "/proc/$(cat "$1")/status" 2>/dev/null); }
stop_pid() {
  alive "$1" || { rm -f "$1"; return 0; }
  local pid; pid="$(cat "$1")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do alive "$1" || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$1"
}
docker_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
# daemon PIDFILE LOG CMD...: detached, with none of the caller's descriptors (minikube-cluster's lock).
daemon() {
  local pidfile="$1" log="$2" bin; shift 2
  bin="$(command -v "$1")"; shift
  start-stop-daemon --start --background --make-pidfile --pidfile "$pidfile" --output "$log" --exec "$bin" -- "$@"
}
case "$name" in
  docker | docker.service)
    case "$action" in
      status) docker_up ;;
      start) docker_up || { echo "service: dockerd is not running: start it with tools/setup/docker.sh" >&2; exit 1; } ;;
      stop) echo "service: dockerd is the host's shared daemon: left running" >&2 ;;
      restart)
        pid="$(pgrep -xo dockerd)" || { echo "service: dockerd is not running: start it with tools/setup/docker.sh" >&2; exit 1; }
        mapfile -d '' args <"/proc/$pid/cmdline"
        kill "$pid"
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        daemon "$run/dockerd.pid" "$logs/dockerd.log" "${args[@]}"
        for _ in $(seq 1 100); do docker_up && exit 0; sleep 0.2; done
        echo "service: dockerd did not answer after its restart (log: $logs/dockerd.log)" >&2; exit 1 ;;
      *) echo "usage: service docker {start|stop|restart|status}" >&2; exit 1 ;;
    esac ;;
  cri-docker.socket) exit 0 ;;
  cri-docker | cri-docker.service)
    pidfile="$run/cri-dockerd.pid"
    case "$action" in
      status) alive "$pidfile" ;;
      stop) stop_pid "$pidfile" ;;
      start | restart)
        [ "$action" = start ] && alive "$pidfile" && exit 0
        stop_pid "$pidfile"
        unit=/etc/systemd/system/cri-docker.service.d/10-cni.conf
        line="$(sed -n 's/^ExecStart=\(..*\)/\1/p' "$unit" | tail -n 1)"
        [ -n "$line" ] || { echo "service: no ExecStart in $unit (minikube writes it before starting cri-docker)" >&2; exit 1; }
        read -r -a args <<<"$line"
        for i in "${!args[@]}"; do [ "${args[$i]}" = fd:// ] && args[i]=unix:///var/run/cri-dockerd.sock; done
        daemon "$pidfile" "$logs/cri-dockerd.log" "${args[@]}"
        for _ in $(seq 1 100); do [ -S /var/run/cri-dockerd.sock ] && exit 0; alive "$pidfile" || break; sleep 0.1; done
        echo "service: cri-dockerd did not open /var/run/cri-dockerd.sock (log: $logs/cri-dockerd.log)" >&2; exit 1 ;;
      *) echo "usage: service cri-docker {start|stop|restart|status}" >&2; exit 1 ;;
    esac ;;
  *) exec /usr/sbin/service "$@" ;;
esac
SH
  chmod 0755 "$dir.tmp/systemctl" "$dir.tmp/sudo" "$dir.tmp/service"
  printf '#!/bin/sh\n# minikube with the shims of %s first on its PATH\nPATH="%s:$PATH" MINIKUBE_WANTUPDATENOTIFICATION=false exec %s "$@"\n' \
    "tools/minikube/lib/host.sh" "$dir" "$(minikube_dir)/minikube" >"$dir.tmp/minikube"
  chmod 0755 "$dir.tmp/minikube"
  ln -s "$(cri_dockerd_dir)/cri-dockerd" "$dir.tmp/cri-dockerd"
  ln -s "$(crictl_dir)/crictl" "$dir.tmp/crictl"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
}

install_shims() {
  local dir; dir="$(shims_dir)"
  [ -x "$dir/minikube" ] || write_shims "$dir"
  SHIMS="$dir"
  link_bin minikube "$dir/minikube"
}

# image_id TAR: the image id (config digest) of a docker-archive tar.
image_id() { echo "sha256:$(tar -xOf "$1" ./manifest.json | sed -n 's/.*"Config":"\([0-9a-f]*\)\.json".*/\1/p')"; }

# load_images: kubeadm's images and minikube's storage-provisioner into the host's Docker, under
# the names minikube and kubeadm ask for with --image-repository=nx-k8s.local (kubeadm: coredns;
# minikube's own list: coredns/coredns), each loaded only when Docker lacks that image id.
load_images() {
  local dir="$NX_K8S_CACHE/minikube/images" tars tar tag
  mkdir -p "$dir"
  mapfile -t tars < <(system_images | grep -v -e '/busybox' -e 'local-path')
  scratch_image "$dir/storage-provisioner-$(basename "$(minikube_dir)").tar" "$IMAGE_REPOSITORY/k8s-minikube/storage-provisioner:$PROVISIONER_VERSION" "$(minikube_dir)/storage-provisioner"
  tars+=("$dir/storage-provisioner-$(basename "$(minikube_dir)").tar")
  for tar in "${tars[@]}"; do
    tag="$(tar -xOf "$tar" ./manifest.json | sed -n 's/.*"RepoTags":\["\([^"]*\)".*/\1/p')"
    [ "$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null)" = "$(image_id "$tar")" ] && continue
    docker load -q -i "$tar" >>"$LOGS/images.log" 2>&1 || die "docker load -i $tar failed (log: $LOGS/images.log)" "check free space in Docker's data root (docker system df)"
  done
  docker tag "$COREDNS_IMAGE" "$IMAGE_REPOSITORY/coredns/coredns:$COREDNS_VERSION"
}

# ---- the host's files, before and after ----

snapshot_host() {
  [ -f "$MK_STATE/host-before-up" ] && return 0
  mkdir -p "$MK_STATE"
  local p
  for p in "${HOST_PATHS[@]}" "${HOST_DIRS[@]}"; do
    if [ -e "$p" ] || [ -L "$p" ]; then echo "$p"; fi
  done >"$MK_STATE/host-before-up.tmp"
  [ -f /etc/docker/daemon.json ] && cp -p /etc/docker/daemon.json "$MK_STATE/daemon.json.before-up"
  ls /etc/cni/net.d 2>/dev/null >"$MK_STATE/cni-before-up" || : >"$MK_STATE/cni-before-up"
  CHAINS_BEFORE_UP="$MK_STATE/iptables-chains-before-up" snapshot_chains
  mv "$MK_STATE/host-before-up.tmp" "$MK_STATE/host-before-up"
}

# restore_host: the files minikube added removed, the ones it changed put back.
restore_host() {
  [ -f "$MK_STATE/host-before-up" ] || return 0
  local p f
  # The bridge configs minikube renamed to *.mk_disabled, back under their names.
  for f in /etc/cni/net.d/*.mk_disabled; do
    [ -e "$f" ] && grep -qxF "$(basename "${f%.mk_disabled}")" "$MK_STATE/cni-before-up" && mv "$f" "${f%.mk_disabled}"
  done
  if [ -f "$MK_STATE/daemon.json.before-up" ]; then cp -p "$MK_STATE/daemon.json.before-up" /etc/docker/daemon.json; fi
  # The kubelet's volume mounts first: rm must never follow one into a hostPath.
  unmount_all_under /var/lib/kubelet
  for p in "${HOST_PATHS[@]}"; do
    grep -qxF "$p" "$MK_STATE/host-before-up" || rm -rf "$p"
  done
  for p in "${HOST_DIRS[@]}"; do
    grep -qxF "$p" "$MK_STATE/host-before-up" || rmdir "$p" 2>/dev/null || true
  done
  [ -f "$MK_STATE/iptables-chains-before-up" ] && CHAINS_BEFORE_UP="$MK_STATE/iptables-chains-before-up" remove_kube_chains
  ip link show bridge >/dev/null 2>&1 && ip link delete bridge 2>/dev/null || true
  rm -f "$MK_STATE/host-before-up" "$MK_STATE/daemon.json.before-up" "$MK_STATE/cni-before-up" "$MK_STATE/iptables-chains-before-up"
}
