# The cluster's local registry (KEP-1755), on request: Debian's docker-registry on a loopback
# port, advertised in kube-public/local-registry-hosting. nx-k8s then pushes only the layers an
# image adds and the node pulls them (containerd and Docker speak plain HTTP to loopback), where
# the default route streams the whole image through `docker save | ctr import`.
# shellcheck shell=bash

REGISTRY_PORT="${NX_K8S_CLUSTER_REGISTRY_PORT:-5001}"
REGISTRY_DIR="$STATE/registry" # its config and layers: gone with the rest of the state on down

registry_answers() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$REGISTRY_PORT/v2/"; }

hosting_manifest() {
  cat <<EOF
apiVersion: v1
kind: ConfigMap
metadata: { name: local-registry-hosting, namespace: kube-public }
data:
  localRegistryHosting.v1: |
    host: "127.0.0.1:$REGISTRY_PORT"
    help: "tools/local-cluster: local-cluster registry up|down"
EOF
}

# start_registry: when enabled, (re)starts the registry if it is not running and advertises it.
start_registry() {
  [ -f "$REGISTRY_DIR/config.yml" ] || return 0
  if ! running registry; then
    local line; line="$(ss -Hltnp "sport = :$REGISTRY_PORT" 2>/dev/null | head -n 1)"
    [ -z "$line" ] || die "port $REGISTRY_PORT (the cluster's registry) is in use ($line)" "stop what holds it, or set NX_K8S_CLUSTER_REGISTRY_PORT to a free port"
    start_daemon registry "$(command -v docker-registry)" serve "$REGISTRY_DIR/config.yml"
    wait_for "the registry on 127.0.0.1:$REGISTRY_PORT" registry 30 registry_answers
  fi
  hosting_manifest | kubectl_admin apply -f - >>"$LOGS/addons.log" 2>&1 ||
    { tail -n 5 "$LOGS/addons.log" >&2; die "advertising the registry failed (log: $LOGS/addons.log)" "read the log lines above"; }
  info "registry at 127.0.0.1:$REGISTRY_PORT, advertised in kube-public/local-registry-hosting (layers in $REGISTRY_DIR)"
}

cmd_registry() {
  need_cluster_root registry
  [[ "$REGISTRY_PORT" =~ ^[0-9]+$ ]] && [ "$REGISTRY_PORT" -ge 1 ] && [ "$REGISTRY_PORT" -le 65535 ] ||
    die "port '$REGISTRY_PORT' (NX_K8S_CLUSTER_REGISTRY_PORT) is not a port number" "use a free port between 1024 and 65535"
  take_lock registry
  load_bin_dirs
  case "${1:-up}" in
    up)
      cluster_healthy || die "the cluster is not Ready" "run: local-cluster up, then local-cluster registry up"
      command -v docker-registry >/dev/null || apt_install docker-registry
      mkdir -p "$REGISTRY_DIR/data"
      printf 'version: 0.1\nlog: { level: warn, accesslog: { disabled: true } }\nstorage: { filesystem: { rootdirectory: %s } }\nhttp: { addr: "127.0.0.1:%s" }\n' \
        "$REGISTRY_DIR/data" "$REGISTRY_PORT" >"$REGISTRY_DIR/config.yml"
      start_registry
      ;;
    down)
      if running kube-apiserver && apiserver_ready >/dev/null 2>&1; then
        kubectl_admin -n kube-public delete configmap local-registry-hosting --ignore-not-found >/dev/null
      fi
      stop_daemon registry 5
      rm -rf "$REGISTRY_DIR"
      info "registry stopped and no longer advertised: images go in by the default route again"
      ;;
    *) die "unknown registry command '$1'" "use: local-cluster registry up, or local-cluster registry down" ;;
  esac
}
