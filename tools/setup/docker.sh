#!/usr/bin/env bash
# Docker Engine: Debian's docker.io when no daemon answers and none is installed,
# then dockerd started in the background when it is installed but not running.
# On a host whose capability bounding set is not full, the daemon it starts runs containers
# through runc-capbnd (see its main.go), or privileged containers such as kind's nodes fail.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"

daemon_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# The capabilities the kernel has that this host may not hand out ("" on a normal host).
missing_caps() {
  local bnd last
  bnd=$((16#$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)))
  last=$(cat /proc/sys/kernel/cap_last_cap)
  [ $(((1 << (last + 1)) - 1)) -eq "$bnd" ] || printf '%x' $((((1 << (last + 1)) - 1) & ~bnd))
}

# runc_capbnd: the path of the wrapper built from this version of its source (built once).
runc_capbnd() {
  local key out
  key=$(cat "$here/runc-capbnd/main.go" "$here/runc-capbnd/go.mod" | sha256sum | cut -c1-10)
  out="$NX_K8S_CACHE/runc-capbnd/$key-$(go env GOVERSION)"
  if [ ! -x "$out/runc-capbnd" ]; then
    need_go "runc-capbnd, the runtime wrapper privileged containers need on this host"
    (cd "$here/runc-capbnd" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -o "$out.tmp/runc-capbnd" .) >&2 ||
      die "building runc-capbnd failed" "run: cd tools/setup/runc-capbnd && go build ."
    rm -rf "$out" && mv "$out.tmp" "$out"
  fi
  echo "$out/runc-capbnd"
}

# The daemon's arguments: the socket, and the wrapper as default runtime when the host needs it.
DOCKERD_ARGS=(--host unix:///var/run/docker.sock)
missing="$(missing_caps)"
if [ -n "$missing" ]; then
  DOCKERD_ARGS+=(--add-runtime "nx-k8s-runc=$(runc_capbnd)" --default-runtime nx-k8s-runc)
fi

# running_args: the arguments of the running dockerd, one per line.
running_args() { tr '\0' '\n' <"/proc/$(pgrep -xo dockerd)/cmdline" | tail -n +2; }

if daemon_up; then
  if [ -n "$missing" ] && [ "$(running_args)" != "$(printf '%s\n' "${DOCKERD_ARGS[@]}")" ]; then
    # Restart only a daemon this script started (without the wrapper, or with an older build).
    case "$(running_args | tr '\n' ' ')" in
      "--host unix:///var/run/docker.sock " | "--host unix:///var/run/docker.sock --add-runtime nx-k8s-runc="*" --default-runtime nx-k8s-runc ") ours=1 ;;
      *) ours= ;;
    esac
    if [ -n "$ours" ]; then
      step "docker: restarting dockerd with runtime runc-capbnd (this host's capability bounding set lacks 0x$missing, which privileged containers ask for)"
      pkill -xo dockerd
      for _ in $(seq 1 60); do pgrep -x dockerd >/dev/null || break; sleep 0.5; done
    else
      info "docker: warning: privileged containers (kind's nodes) fail on this host (bounding set lacks 0x$missing); start dockerd with: ${DOCKERD_ARGS[*]}"
      exit 0
    fi
  else
    info "docker: daemon $(docker version --format '{{.Server.Version}}') answers"
    exit 0
  fi
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
setsid dockerd "${DOCKERD_ARGS[@]}" >"$NX_K8S_LOGS/dockerd.log" 2>&1 </dev/null &
for _ in $(seq 1 60); do
  daemon_up && { info "docker: daemon $(docker version --format '{{.Server.Version}}') started (log: $NX_K8S_LOGS/dockerd.log)"; exit 0; }
  sleep 0.5
done
tail -n 5 "$NX_K8S_LOGS/dockerd.log" >&2
die "dockerd did not answer within 30 s" "read $NX_K8S_LOGS/dockerd.log"
