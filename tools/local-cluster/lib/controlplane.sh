# Control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler as host processes.
# Flags follow upstream's hack/local-up-cluster.sh, trimmed to one node.
# shellcheck shell=bash

ETCD_DATA="$STATE/etcd"
ETCD_CLIENT_PORT="${NX_K8S_CLUSTER_ETCD_PORT:-2379}"
ETCD_PEER_PORT="$((ETCD_CLIENT_PORT + 1))"

kubectl_admin() { "$K8S_BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

ETCD_URL="https://127.0.0.1:$ETCD_CLIENT_PORT"
ETCD_PEER_URL="https://127.0.0.1:$ETCD_PEER_PORT"

# Clients and the peer port only over TLS with a certificate of etcd's own CA: any local user
# could otherwise read every Secret (curl http://127.0.0.1:2379/v3/kv/range).
start_etcd() {
  running etcd && return 0
  mkdir -p "$ETCD_DATA" && chmod 700 "$ETCD_DATA"
  # On a data dir of an older up (plain-HTTP peer URL in its member list) the --initial-*
  # flags are ignored: a single member never dials its peer URL, so it starts all the same.
  start_daemon etcd "$ETCD_BIN/etcd" \
    --name nx-k8s-local \
    --data-dir "$ETCD_DATA" \
    --listen-client-urls "$ETCD_URL" \
    --advertise-client-urls "$ETCD_URL" \
    --cert-file "$CERTS/etcd-server.crt" \
    --key-file "$CERTS/etcd-server.key" \
    --client-cert-auth \
    --trusted-ca-file "$CERTS/etcd-ca.crt" \
    --listen-peer-urls "$ETCD_PEER_URL" \
    --initial-advertise-peer-urls "$ETCD_PEER_URL" \
    --initial-cluster "nx-k8s-local=$ETCD_PEER_URL" \
    --peer-cert-file "$CERTS/etcd-server.crt" \
    --peer-key-file "$CERTS/etcd-server.key" \
    --peer-client-cert-auth \
    --peer-trusted-ca-file "$CERTS/etcd-ca.crt" \
    --listen-metrics-urls "" \
    --log-level warn \
    --quota-backend-bytes 2147483648
}

etcd_healthy() {
  curl -fsS --max-time 2 --cacert "$CERTS/etcd-ca.crt" \
    --cert "$CERTS/apiserver-etcd-client.crt" --key "$CERTS/apiserver-etcd-client.key" \
    "$ETCD_URL/health" | grep -q '"health":"true"'
}

# A running etcd started by an older local-cluster (plain HTTP for clients): `up` restarts it
# and the API server with TLS, on the same data (the cluster and its workloads stay).
etcd_plain_http() {
  running etcd && tr '\0' ' ' 2>/dev/null <"/proc/$(pid_of etcd)/cmdline" | grep -q -- '--listen-client-urls http://'
}

start_apiserver() {
  running kube-apiserver && return 0
  start_daemon kube-apiserver "$K8S_BIN/kube-apiserver" \
    --bind-address 0.0.0.0 \
    --secure-port "$APISERVER_PORT" \
    --advertise-address "$NODE_IP" \
    --etcd-servers "$ETCD_URL" \
    --etcd-cafile "$CERTS/etcd-ca.crt" \
    --etcd-certfile "$CERTS/apiserver-etcd-client.crt" \
    --etcd-keyfile "$CERTS/apiserver-etcd-client.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --service-account-issuer "https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-account-key-file "$CERTS/sa.pub" \
    --service-account-signing-key-file "$CERTS/sa.key" \
    --api-audiences "https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --client-ca-file "$CERTS/ca.crt" \
    --tls-cert-file "$CERTS/apiserver.crt" \
    --tls-private-key-file "$CERTS/apiserver.key" \
    --kubelet-client-certificate "$CERTS/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$CERTS/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP,Hostname \
    --requestheader-client-ca-file "$CERTS/front-proxy-ca.crt" \
    --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User \
    --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$CERTS/front-proxy-client.crt" \
    --proxy-client-key-file "$CERTS/front-proxy-client.key" \
    --authorization-mode Node,RBAC \
    --allow-privileged=true \
    --enable-priority-and-fairness=false \
    --profiling=false \
    --v 1
}

apiserver_ready() { kubectl_admin get --raw /readyz --request-timeout 3s; }

start_controller_manager() {
  running kube-controller-manager && return 0
  start_daemon kube-controller-manager "$K8S_BIN/kube-controller-manager" \
    --kubeconfig "$STATE/kubeconfigs/controller-manager" \
    --authentication-kubeconfig "$STATE/kubeconfigs/controller-manager" \
    --authorization-kubeconfig "$STATE/kubeconfigs/controller-manager" \
    --bind-address 127.0.0.1 \
    --leader-elect=false \
    --use-service-account-credentials=true \
    --service-account-private-key-file "$CERTS/sa.key" \
    --root-ca-file "$CERTS/ca.crt" \
    --cluster-signing-cert-file "$CERTS/ca.crt" \
    --cluster-signing-key-file "$CERTS/ca.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --cluster-cidr "$POD_NET" \
    --allocate-node-cidrs=false \
    --profiling=false \
    --v 1
}

start_scheduler() {
  running kube-scheduler && return 0
  start_daemon kube-scheduler "$K8S_BIN/kube-scheduler" \
    --kubeconfig "$STATE/kubeconfigs/scheduler" \
    --authentication-kubeconfig "$STATE/kubeconfigs/scheduler" \
    --authorization-kubeconfig "$STATE/kubeconfigs/scheduler" \
    --bind-address 127.0.0.1 \
    --leader-elect=false \
    --profiling=false \
    --v 1
}

start_control_plane() {
  info "etcd $ETCD_VERSION on $ETCD_URL (client certificates only)"
  start_etcd
  wait_for "etcd" etcd 60 etcd_healthy
  info "kube-apiserver $K8S_VERSION on :$APISERVER_PORT"
  start_apiserver
  wait_for "kube-apiserver /readyz" kube-apiserver 90 apiserver_ready
  info "kube-controller-manager, kube-scheduler"
  start_controller_manager
  start_scheduler
}
