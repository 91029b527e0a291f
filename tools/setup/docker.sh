#!/usr/bin/env bash
# Docker Engine: Debian's docker.io when no daemon answers and none is installed,
# then dockerd started in the background when it is installed but not running.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

daemon_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if daemon_up; then
  info "docker: daemon $(docker version --format '{{.Server.Version}}') answers"
  exit 0
fi
if ! command -v dockerd >/dev/null; then
  step "docker: installing Debian's docker.io"
  apt_install docker.io iptables
fi
command -v dockerd >/dev/null || die "dockerd not found after installing docker.io" "install Docker Engine (https://docs.docker.com/engine/install/)"
command -v docker >/dev/null || die "docker CLI not found" "install Docker Engine (https://docs.docker.com/engine/install/)"
need_root "a running dockerd"

# A dockerd that is still starting or shutting down (a restart): wait for it to answer or be gone,
# since a second one refuses to start while the first holds /var/run/docker.pid.
for _ in $(seq 1 60); do
  pgrep -x dockerd >/dev/null || break
  daemon_up && { info "docker: daemon $(docker version --format '{{.Server.Version}}') answers"; exit 0; }
  sleep 0.5
done
pgrep -x dockerd >/dev/null && die "a dockerd process runs but does not answer after 30 s" "stop it (pkill -x dockerd) or read $NX_K8S_LOGS/dockerd.log"
# A pid file left by a daemon that died without removing it.
[ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null && rm -f /var/run/docker.pid

step "docker: starting dockerd (no daemon answered)"
mkdir -p "$NX_K8S_LOGS"
# setsid: the daemon must outlive this script and the session that ran it.
setsid dockerd --host unix:///var/run/docker.sock >"$NX_K8S_LOGS/dockerd.log" 2>&1 </dev/null &
for _ in $(seq 1 60); do
  daemon_up && { info "docker: daemon $(docker version --format '{{.Server.Version}}') started (log: $NX_K8S_LOGS/dockerd.log)"; exit 0; }
  sleep 0.5
done
tail -n 5 "$NX_K8S_LOGS/dockerd.log" >&2
die "dockerd did not answer within 30 s" "read $NX_K8S_LOGS/dockerd.log"
