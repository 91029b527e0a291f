# The cluster's own CA, component certificates and kubeconfigs (openssl, EC P-256 keys).
# The PKI survives `down` so a kubeconfig merged into ~/.kube/config stays valid; `down --purge` drops it.
# shellcheck shell=bash

node_ip() {
  local ip
  ip="$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -n 1)"
  [ -n "$ip" ] || ip="$(ip -4 -o addr show scope global 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4; exit }')"
  [ -n "$ip" ] || die "no IPv4 address found for the node (no default route, no global address)" "give this machine an IPv4 address (ip addr add ...) and retry"
  echo "$ip"
}

# new_ca NAME CN: a self-signed CA.
new_ca() {
  openssl ecparam -name prime256v1 -genkey -noout -out "$CERTS/$1.key" 2>/dev/null
  openssl req -x509 -new -key "$CERTS/$1.key" -subj "/CN=$2" -days 3650 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$CERTS/$1.crt" 2>/dev/null
}

# new_cert NAME CN ORG SAN EKU [CA]: a key and a certificate signed by the cluster CA (or CA).
new_cert() {
  local name="$1" cn="$2" org="$3" san="$4" eku="$5" ca="${6:-ca}" subj="/CN=$2"
  [ -n "$org" ] && subj="/O=$org/CN=$cn"
  local ext=(-addext "keyUsage=critical,digitalSignature,keyEncipherment" -addext "extendedKeyUsage=$eku" -addext "basicConstraints=critical,CA:FALSE")
  [ -n "$san" ] && ext+=(-addext "subjectAltName=$san")
  openssl ecparam -name prime256v1 -genkey -noout -out "$CERTS/$name.key" 2>/dev/null
  openssl req -new -key "$CERTS/$name.key" -subj "$subj" "${ext[@]}" -out "$CERTS/$name.csr" 2>/dev/null
  openssl x509 -req -in "$CERTS/$name.csr" -CA "$CERTS/$ca.crt" -CAkey "$CERTS/$ca.key" -CAcreateserial \
    -copy_extensions copyall -days 3650 -out "$CERTS/$name.crt" 2>/dev/null
  rm -f "$CERTS/$name.csr"
}

# kubeconfig FILE USER CERTNAME [SERVER]: a kubeconfig with embedded credentials, replaced in one
# step (tasks may read it while `up` writes it).
write_kubeconfig() {
  local file="$1" user="$2" cert="$3" server="${4:-https://127.0.0.1:$APISERVER_PORT}" ext=""
  # The users' kubeconfig says how images reach the node (an import into its containerd), so a
  # tool such as nx-k8s need not know this cluster: the nx-k8s.io/containerd cluster extension.
  [ "$file" = "$KUBECONFIG_FILE" ] &&
    ext="$(printf '\n    extensions:\n    - name: nx-k8s.io/containerd\n      extension:\n        address: %s' "$CONTAINERD_SOCK")"
  umask 077
  cat >"$file.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $CLUSTER_NAME
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 <"$CERTS/ca.crt")$ext
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 <"$CERTS/$cert.crt")
    client-key-data: $(base64 -w0 <"$CERTS/$cert.key")
contexts:
- name: $CONTEXT_NAME
  context:
    cluster: $CLUSTER_NAME
    user: $user
current-context: $CONTEXT_NAME
EOF
  mv "$file.tmp" "$file"
  umask 022
}

ensure_certs() {
  local ip="$1" host; host="$(hostname)"
  command -v openssl >/dev/null || apt_install openssl
  mkdir -p "$CERTS"
  chmod 700 "$CERTS"
  if [ ! -s "$CERTS/ca.crt" ]; then
    info "certificates: new cluster CA"
    new_ca ca nx-k8s-local-ca
    # Everything signed by an older CA goes with it.
    find "$CERTS" -name '*.crt' ! -name ca.crt -delete
    rm -f "$CERTS/node-ip"
  fi
  # Serving certificates name the node IP: reissue them when it changes.
  if [ "$(cat "$CERTS/node-ip" 2>/dev/null)" != "$ip" ] || [ ! -s "$CERTS/apiserver.crt" ]; then
    info "certificates: apiserver and kubelet serving certificates for $ip"
    new_cert apiserver kube-apiserver "" \
      "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN,DNS:localhost,DNS:$host,IP:127.0.0.1,IP:$ip,IP:$KUBERNETES_SVC_IP" serverAuth
    new_cert kubelet "$NODE_NAME" "" "DNS:$NODE_NAME,DNS:$host,DNS:localhost,IP:127.0.0.1,IP:$ip" serverAuth
    echo "$ip" >"$CERTS/node-ip"
  fi
  [ -s "$CERTS/sa.key" ] || {
    openssl ecparam -name prime256v1 -genkey -noout -out "$CERTS/sa.key" 2>/dev/null
    openssl ec -in "$CERTS/sa.key" -pubout -out "$CERTS/sa.pub" 2>/dev/null
  }
  # The aggregation layer's front proxy (also what the scheduler and controller-manager
  # expect to find in extension-apiserver-authentication).
  [ -s "$CERTS/front-proxy-ca.crt" ] || { new_ca front-proxy-ca nx-k8s-local-front-proxy-ca; rm -f "$CERTS/front-proxy-client.crt"; }
  [ -s "$CERTS/front-proxy-client.crt" ] || new_cert front-proxy-client front-proxy-client "" "" clientAuth front-proxy-ca
  # etcd has its own CA (as kubeadm does): a certificate the cluster CA signs (every user's,
  # anything the controller-manager's CSR signer issues) must not open etcd. Regenerated
  # when missing, so a PKI kept from an older `up` (plain-HTTP etcd) gets them on its next up.
  [ -s "$CERTS/etcd-ca.crt" ] && [ -s "$CERTS/etcd-ca.key" ] ||
    { new_ca etcd-ca nx-k8s-local-etcd-ca; rm -f "$CERTS/etcd-server.crt" "$CERTS/apiserver-etcd-client.crt"; }
  # One certificate for etcd's client and peer listeners (both 127.0.0.1, both TLS).
  [ -s "$CERTS/etcd-server.crt" ] && [ -s "$CERTS/etcd-server.key" ] ||
    new_cert etcd-server nx-k8s-local-etcd "" "DNS:localhost,IP:127.0.0.1" serverAuth,clientAuth etcd-ca
  # The API server's client certificate; the health check uses it too.
  [ -s "$CERTS/apiserver-etcd-client.crt" ] && [ -s "$CERTS/apiserver-etcd-client.key" ] ||
    new_cert apiserver-etcd-client kube-apiserver-etcd-client "" "" clientAuth etcd-ca
  # name CN O
  local spec
  for spec in "admin nx-k8s-admin system:masters" \
              "apiserver-kubelet-client kube-apiserver-kubelet-client system:masters" \
              "controller-manager system:kube-controller-manager -" \
              "scheduler system:kube-scheduler -" \
              "kubelet-client system:node:$NODE_NAME system:nodes" \
              "kube-proxy system:kube-proxy -"; do
    set -- $spec
    [ -s "$CERTS/$1.crt" ] || new_cert "$1" "$2" "${3#-}" "" clientAuth
  done

  mkdir -p "$STATE/kubeconfigs"
  write_kubeconfig "$KUBECONFIG_FILE" nx-k8s-admin admin
  write_kubeconfig "$STATE/kubeconfigs/controller-manager" system:kube-controller-manager controller-manager
  write_kubeconfig "$STATE/kubeconfigs/scheduler" system:kube-scheduler scheduler
  write_kubeconfig "$STATE/kubeconfigs/kubelet" "system:node:$NODE_NAME" kubelet-client
  write_kubeconfig "$STATE/kubeconfigs/kube-proxy" system:kube-proxy kube-proxy
  # Private keys are for root only, whatever umask openssl ran under.
  chmod 600 "$CERTS"/*.key
}
