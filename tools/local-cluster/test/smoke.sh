#!/usr/bin/env bash
# Smoke test of tools/local-cluster, end to end on the real machine (root, Docker, Go):
#   up from nothing -> a locally built image (never pulled) is loaded and rolled out ->
#   port-forward answers -> a Service name resolves and answers from another pod ->
#   helm install/uninstall -> a claim of the default StorageClass (local-path) binds, a pod
#   writes a file that outlives the pod -> etcd answers only TLS with a client certificate ->
#   down leaves no process, mount, interface, cgroup or rule of ours and touches nobody else's
#   (decoy KUBE-* chains, a decoy process under /kubepods) -> warm up from nothing under 60 s
#   with a new cluster id, from a PKI that predates etcd TLS -> the claim's data survived
#   down + up, deleting the claim removes it -> down --purge removes the volumes -> bad input
#   (another kubelet running, port taken, ...) gives one clear line.
# It downs only the cluster it started (by its id). A cluster already running is someone's:
# the test refuses to start unless SMOKE_REPLACE_CLUSTER=1 (then a new, empty one is left up).
# Prints a last line "smoke: N passed, M failed" and exits non-zero on any failure.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
LC="$HERE/../local-cluster"
. "$HERE/../../setup/lib.sh"
STATE=/var/lib/nx-k8s-cluster
RUN=/run/nx-k8s-cluster
WARM_LIMIT="${SMOKE_WARM_LIMIT:-60}"
NS=smoke
WORK="$(mktemp -d)"
PASSED=0 FAILED=0
BG_PIDS=()

ok() { PASSED=$((PASSED + 1)); printf 'ok   %s\n' "$*"; }
not_ok() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$*"; }
# check NAME CMD...: one test; its output is shown only when it fails.
check() {
  local name="$1" out; shift
  if out="$("$@" 2>&1)"; then ok "$name"; else not_ok "$name"; printf '%s\n' "$out" | tail -n 20 | sed 's/^/     | /'; fi
}
# retry SECONDS CMD...: Services converge within seconds (EndpointSlice -> kube-proxy rules).
retry() {
  local until=$((SECONDS + $1)); shift
  until "$@"; do [ "$SECONDS" -lt "$until" ] || return 1; sleep 1; done
}
finish() {
  local pid
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  remove_decoys; remove_pre_decoy
  rm -rf "$WORK"
  echo "smoke: $PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
abort() { not_ok "$*"; down_ours >/dev/null 2>&1; finish; exit 1; }
secs_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

[ "$(id -u)" = 0 ] || { echo "smoke: must run as root (it starts a cluster)"; echo "smoke: 0 passed, 1 failed"; exit 1; }

# The whole run holds the lock every local-cluster up/down takes (its commands inherit it as
# fd 9): another user's up or down waits for the test instead of landing between its steps.
# Background processes started here close fd 9 (9>&-), so none keeps the lock past the test.
LOCK_FILE=/run/lock/nx-k8s-cluster.lock
mkdir -p "${LOCK_FILE%/*}"
exec 9<>"$LOCK_FILE"
if ! flock -n 9; then
  echo "# waiting for another local-cluster command to finish (pid $(cat "$LOCK_FILE" 2>/dev/null))"
  flock -w "${NX_K8S_CLUSTER_LOCK_TIMEOUT:-1800}" 9 || { echo "smoke: the local-cluster lock stayed taken (pid $(cat "$LOCK_FILE" 2>/dev/null)); wait for that command or stop it, then retry"; echo "smoke: 0 passed, 1 failed"; exit 1; }
fi
echo "$$ smoke" >"$LOCK_FILE"

kubectl() { "$NX_K8S_CACHE/bin/kubectl" --kubeconfig "$STATE/kubeconfig" "$@"; }
helm() { "$HELM" --kubeconfig "$STATE/kubeconfig" "$@"; }
running_cluster_id() { sed -n 's/.*"clusterId": "\([^"]*\)".*/\1/p' "$STATE/cluster.json" 2>/dev/null; }
# down_ours: `down` only on the cluster this test started (the id its last up reported); a
# cluster someone else brought up meanwhile is left alone, with one line saying so.
MY_ID=""
down_ours() {
  local id; id="$(running_cluster_id)"
  if [ -z "$MY_ID" ] || [ "$id" != "$MY_ID" ]; then
    echo "smoke: not running down: the running cluster (id ${id:-none}) is not the one this test started (id ${MY_ID:-none})"
    return 1
  fi
  "$LC" down
}

# ---- decoys: what another Kubernetes on this host owns, which `down` must not touch ----
PRE_DECOY=KUBE-SEP-NXK8SDECOYPREUP2  # named like kube-proxy's chains, there before up
DECOY=KUBE-DECOY-NXK8S               # made while the cluster runs
DECOY_CG=/sys/fs/cgroup/pids/kubepods/nx-k8s-smoke-decoy   # where kubeadm's pods live
DECOY_PID="" DECOY_KUBEPODS=""
ipt() { iptables -w 5 "$@"; }
# alive PID: running (a killed child of this shell stays a zombie until waited for).
alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat")" != Z ]; }
make_pre_decoy() { remove_pre_decoy; ipt -t filter -N "$PRE_DECOY" && ipt -t filter -A "$PRE_DECOY" -j RETURN; }
make_decoys() {
  local t
  remove_decoys  # what an interrupted run left
  for t in nat filter; do
    ipt -t "$t" -N "$DECOY" && ipt -t "$t" -A "$DECOY" -j RETURN &&
      ipt -t "$t" -A OUTPUT -d 192.0.2.254/32 -j "$DECOY" || return 1
  done
  [ -d "${DECOY_CG%/*}" ] || DECOY_KUBEPODS=1
  mkdir -p "$DECOY_CG" || return 1
  sleep 3600 </dev/null >/dev/null 2>&1 9>&- &
  DECOY_PID=$!
  echo "$DECOY_PID" >"$DECOY_CG/cgroup.procs"
}
decoys_intact() {  # says everything that is gone, not just the first
  local t bad=0
  for t in nat filter; do
    ipt -t "$t" -C "$DECOY" -j RETURN 2>/dev/null || { echo "$t chain $DECOY or its rule is gone"; bad=1; }
    ipt -t "$t" -C OUTPUT -d 192.0.2.254/32 -j "$DECOY" 2>/dev/null || { echo "$t OUTPUT jump to $DECOY is gone"; bad=1; }
  done
  ipt -t filter -C "$PRE_DECOY" -j RETURN 2>/dev/null || { echo "filter chain $PRE_DECOY (there before up) is gone"; bad=1; }
  alive "$DECOY_PID" || { echo "decoy process $DECOY_PID was killed"; bad=1; }
  [ -d "$DECOY_CG" ] || { echo "decoy cgroup $DECOY_CG was removed"; bad=1; }
  return "$bad"
}
remove_decoys() {
  local t
  [ -z "$DECOY_PID" ] || { kill "$DECOY_PID" 2>/dev/null; wait "$DECOY_PID" 2>/dev/null; DECOY_PID=""; }
  rmdir "$DECOY_CG" 2>/dev/null
  [ -z "$DECOY_KUBEPODS" ] || rmdir "${DECOY_CG%/*}" 2>/dev/null
  for t in nat filter; do
    while ipt -t "$t" -D OUTPUT -d 192.0.2.254/32 -j "$DECOY" 2>/dev/null; do :; done
    ipt -t "$t" -F "$DECOY" 2>/dev/null; ipt -t "$t" -X "$DECOY" 2>/dev/null
  done
  return 0
}
remove_pre_decoy() { ipt -t filter -F "$PRE_DECOY" 2>/dev/null; ipt -t filter -X "$PRE_DECOY" 2>/dev/null; return 0; }

# ---- leftovers: what `down` must not leave behind ----
cluster_processes() {
  local p exe
  for p in /proc/[0-9]*; do
    exe="$(readlink "$p/exe" 2>/dev/null)" || continue
    case "$exe" in */kubectl) continue ;; "$NX_K8S_CACHE/k8s/"*) echo "${p#/proc/} $exe"; continue ;; esac
    # our containerd and its shims name our dirs on their command line
    tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qE "$STATE|$RUN" && echo "${p#/proc/} $(tr '\0' ' ' <"$p/cmdline" | cut -c1-100)"
  done
  for p in /sys/fs/cgroup/pids/nx-k8s; do [ -d "$p" ] && find "$p" -name cgroup.procs -exec cat {} + ; done
  return 0
}
cluster_mounts() { awk -v s="$STATE" -v r="$RUN" 'index($5, s) == 1 || index($5, r) == 1 || index($4, s) == 1 { print $5 }' /proc/self/mountinfo; }
# veths without a bridge (a pod veth of ours outliving its netns) and our bridge
orphan_links() { ip -o link show 2>/dev/null | awk -F': ' '{ print $2 }' | sed 's/@.*//' | grep -E '^(nxk8s0|veth)' | while read -r l; do
  [ "$l" = nxk8s0 ] && { echo "$l"; continue; }
  ip -o link show "$l" | grep -q ' master ' || echo "$l"; done; }
cluster_rules() {
  { iptables-save 2>/dev/null; ip6tables-save 2>/dev/null; } | grep -vE '^(#|COMMIT|\*)' | sed 's/\[[0-9]*:[0-9]*\]//' |
    grep -E 'KUBE-|CNI-|nx-k8s|nxk8s0|10\.244\.|10\.96\.' | sort
}
snapshot() { { echo "## links"; orphan_links; echo "## rules"; cluster_rules; } >"$1"; }
# none CMD...: CMD prints nothing (what it prints is the failure's detail).
none() { local out; out="$("$@")"; [ -z "$out" ] || { printf '%s\n' "$out"; return 1; }; }
check_clean() {
  local label="$1" base="$2" now="$WORK/now"
  check "$label: no process of the cluster left" none cluster_processes
  check "$label: no mount under $STATE or $RUN left" none cluster_mounts
  snapshot "$now"
  check "$label: no interface or iptables rule left (same as before up)" diff "$base" "$now"
  check "$label: no pid, socket or cluster.json left" test ! -e "$RUN" -a ! -e "$STATE/cluster.json" -a ! -e "$STATE/pids"
  check "$label: no cgroup of ours left (/sys/fs/cgroup/*/nx-k8s)" sh -c '! ls -d /sys/fs/cgroup/*/nx-k8s 2>/dev/null | grep -q .'
  check "$label: no kubelet or CNI file left outside its dirs" sh -c \
    "! ls /var/lib/cni/results 2>/dev/null | grep -q '^nx-k8s-' && ! find /var/log/containers -lname '$STATE/*' 2>/dev/null | grep -q . && test ! -e /var/lib/kubelet/device-plugins/kubelet.sock"
}

# ---- storage: a claim of the default StorageClass and pods that use it ----
VOLUMES="$STATE/volumes"
CLAIM_DIR="$VOLUMES/${NS}_smoke-data"   # the StorageClass names a claim's directory <namespace>_<claim>
TOKEN="smoke-$$-$(date +%s)"
# The helper pods' image, which the cluster made (busybox): the test pods run it too.
helper_image() { kubectl -n local-path-storage get configmap local-path-config -o 'jsonpath={.data.helperPod\.yaml}' | sed -n 's/^ *image: *//p'; }
default_classes() { kubectl get storageclass -o jsonpath='{range .items[?(@.metadata.annotations.storageclass\.kubernetes\.io/is-default-class=="true")]}{.metadata.name}{" "}{end}'; }
# A claim without storageClassName: the default class's.
claim() {
  kubectl apply -f - <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: smoke-data, namespace: $NS }
spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 16Mi } } }
EOF
}
# claim_pod NAME SCRIPT: a pod (uid 10001, as the todo backend) on claim smoke-data that runs SCRIPT with sh and ends.
claim_pod() {
  kubectl apply -f - >/dev/null <<EOF || return 1
apiVersion: v1
kind: Pod
metadata: { name: $1, namespace: $NS }
spec:
  restartPolicy: Never
  securityContext: { runAsUser: 10001, runAsGroup: 10001 }
  containers:
  - { name: c, image: "$(helper_image)", imagePullPolicy: Never, command: [sh, -c, '$2'], volumeMounts: [{ name: data, mountPath: /data }] }
  volumes: [{ name: data, persistentVolumeClaim: { claimName: smoke-data } }]
EOF
  kubectl -n "$NS" wait --for=jsonpath='{.status.phase}'=Succeeded "pod/$1" --timeout=120s >/dev/null ||
    { kubectl -n "$NS" describe "pod/$1" | tail -n 15; kubectl get pvc,pv -A; return 1; }
}
claim_bound_on_dir() {
  local pv; pv="$(kubectl -n "$NS" get pvc smoke-data -o 'jsonpath={.spec.volumeName}')"
  test "$(kubectl -n "$NS" get pvc smoke-data -o 'jsonpath={.status.phase} {.spec.storageClassName}')" = "Bound local-path" &&
    test "$(kubectl get pv "$pv" -o 'jsonpath={.spec.hostPath.path}')" = "$CLAIM_DIR"
}
reads_token() { claim_pod "$1" 'cat /data/token' && test "$(kubectl -n "$NS" logs "pod/$1")" = "$TOKEN"; }
claim_dir_gone() { local i; for i in $(seq 1 60); do [ -e "$CLAIM_DIR" ] || return 0; sleep 1; done; ls -la "$CLAIM_DIR"; return 1; }
delete_claim() { kubectl -n "$NS" delete pod --all --wait=true >/dev/null && kubectl -n "$NS" delete pvc smoke-data --wait=true >/dev/null && claim_dir_gone; }

# ---- 0. prerequisites ----
echo "# local-cluster smoke test ($(date -u +%FT%TZ))"
HELM="$NX_K8S_CACHE/bin/helm"
[ -x "$HELM" ] || bash "$HERE/../../setup/helm.sh" >/dev/null 2>&1 || true
[ -x "$HELM" ] || HELM="$(command -v helm || true)"
[ -n "$HELM" ] || abort "helm not found (run tools/setup/helm.sh)"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || bash "$HERE/../../setup/docker.sh" >/dev/null 2>&1 || abort "Docker does not answer (run tools/setup/docker.sh)"

# ---- 1. up from nothing ----
# A running cluster is someone's: replaced only when asked, and then brought back (empty) at the end.
WAS_UP=""; "$LC" status >/dev/null 2>&1; rc=$?
if [ "$rc" -ne 3 ]; then
  if [ "${SMOKE_REPLACE_CLUSTER:-}" != 1 ]; then
    echo "smoke: a local cluster is running (id $(running_cluster_id || true), status exit $rc) and this test would down it; stop it first (local-cluster down) or let the test replace it: SMOKE_REPLACE_CLUSTER=1"
    rm -rf "$WORK"; echo "smoke: 0 passed, 1 failed"; exit 1
  fi
  echo "# replacing the running cluster (id $(running_cluster_id)): SMOKE_REPLACE_CLUSTER=1; a new, empty one is left up at the end"
  WAS_UP=1
  "$LC" down >/dev/null 2>&1
fi
make_pre_decoy || abort "creating the decoy chain $PRE_DECOY"
snapshot "$WORK/base"
"$LC" build >/dev/null 2>&1 || true  # binaries may be cached: time `up` apart from a cold build
t0="$(date +%s.%N)"
if "$LC" up >"$WORK/up1.log" 2>&1; then
  ok "up from nothing ($(secs_since "$t0") s, binaries cached)"
else
  cat "$WORK/up1.log"; abort "up from nothing"
fi
check "status says Ready" sh -c "'$LC' status | tail -n 1 | grep -qx Ready"
ID1="$(kubectl get namespace kube-system -o 'jsonpath={.metadata.uid}')"
MY_ID="$(running_cluster_id)"
check "cluster.json names the context, kubeconfig, socket and id" \
  sh -c "grep -q '\"context\": \"nx-k8s-local\"' $STATE/cluster.json && grep -q '\"containerdAddress\": \"$RUN/containerd.sock\"' $STATE/cluster.json && grep -q '\"clusterId\": \"$ID1\"' $STATE/cluster.json"
check "the kubeconfig names the node's containerd socket (cluster extension nx-k8s.io/containerd)" \
  sh -c "test \"\$('$NX_K8S_CACHE/bin/kubectl' config view --kubeconfig $STATE/kubeconfig -o 'jsonpath={.clusters[0].cluster.extensions[?(@.name==\"nx-k8s.io/containerd\")].extension.address}')\" = $RUN/containerd.sock"
check "server reports v1.34.4 (kubectl version)" sh -c "'$NX_K8S_CACHE/bin/kubectl' --kubeconfig $STATE/kubeconfig version | grep -q 'Server Version: v1.34.4'"
t0="$(date +%s.%N)"
"$LC" up >/dev/null 2>&1; rc=$?; t="$(secs_since "$t0")"
check "up on a running cluster returns quickly (${t} s)" awk -v t="$t" -v rc="$rc" 'BEGIN { exit !(rc == 0 && t < 10) }'

# ---- 2. a locally built image, loaded, rolled out ----
(cd "$HERE/app" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$WORK/smoke-app" .) || abort "building the smoke app"
cp "$HERE/app/Dockerfile" "$WORK/"
TAG="$(sha256sum "$WORK/smoke-app" | cut -c1-12)"
IMAGE="nx-k8s-smoke/app:$TAG"
# Debian's Docker has no buildx: the legacy builder builds FROM scratch without any pull.
check "docker build of the smoke image ($IMAGE)" env DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" "$WORK"
check "load puts the image into the node" sh -c "'$LC' load '$IMAGE' | grep -q 'loaded into the node'"
check "load again reports the node already has that image id" sh -c "'$LC' load '$IMAGE' | grep -q 'already in the node'"

kubectl create namespace "$NS" >/dev/null
cat >"$WORK/app.yaml" <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: { name: smoke-web, namespace: $NS }
spec:
  replicas: 1
  selector: { matchLabels: { app: smoke-web } }
  template:
    metadata: { labels: { app: smoke-web } }
    spec:
      containers:
      - { name: web, image: "$IMAGE", imagePullPolicy: IfNotPresent, args: [serve], env: [{ name: MESSAGE, value: web }],
          ports: [{ containerPort: 8080 }], readinessProbe: { httpGet: { path: /, port: 8080 }, periodSeconds: 2 } }
---
apiVersion: v1
kind: Service
metadata: { name: smoke-web, namespace: $NS }
spec:
  selector: { app: smoke-web }
  ports: [{ port: 8080, targetPort: 8080 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: smoke-client, namespace: $NS }
spec:
  replicas: 1
  selector: { matchLabels: { app: smoke-client } }
  template:
    metadata: { labels: { app: smoke-client } }
    spec:
      containers:
      - { name: client, image: "$IMAGE", imagePullPolicy: IfNotPresent, args: [serve], env: [{ name: PORT, value: "9090" }] }
EOF
check "apply the smoke Deployments and Service" kubectl apply -f "$WORK/app.yaml"
check "rollout status deploy/smoke-web" kubectl -n "$NS" rollout status deploy/smoke-web --timeout=120s
check "rollout status deploy/smoke-client" kubectl -n "$NS" rollout status deploy/smoke-client --timeout=120s
check "the image was never pulled (no Pulling event)" sh -c "! '$NX_K8S_CACHE/bin/kubectl' --kubeconfig $STATE/kubeconfig -n $NS get events -o jsonpath='{.items[*].reason}' | grep -qw Pulling"

# ---- 3. port-forward to the Service ----
kubectl -n "$NS" port-forward svc/smoke-web 0:8080 --address 127.0.0.1 >"$WORK/pf.log" 2>&1 9>&- &
BG_PIDS+=($!)
PF_PORT=""
for _ in $(seq 1 40); do
  PF_PORT="$(sed -n 's/^Forwarding from 127.0.0.1:\([0-9]*\) -> 8080$/\1/p' "$WORK/pf.log" | head -n 1)"
  [ -n "$PF_PORT" ] && break; sleep 0.25
done
check "port-forward svc/smoke-web answers with the app's HTTP reply" retry 10 sh -c "curl -fsS --max-time 5 http://127.0.0.1:${PF_PORT:-1}/ | grep -q '^smoke-app ok smoke-web-.* web$'"
kill "${BG_PIDS[-1]}" 2>/dev/null

# ---- 4. Service DNS from inside another pod ----
check "Service name smoke-web resolves and answers from another pod" retry 15 \
  sh -c "'$NX_K8S_CACHE/bin/kubectl' --kubeconfig $STATE/kubeconfig -n $NS exec deploy/smoke-client -- /smoke-app get http://smoke-web:8080/ | grep -q '^smoke-app ok smoke-web-'"
check "fully qualified smoke-web.$NS.svc.cluster.local answers too" retry 15 \
  sh -c "'$NX_K8S_CACHE/bin/kubectl' --kubeconfig $STATE/kubeconfig -n $NS exec deploy/smoke-client -- /smoke-app get http://smoke-web.$NS.svc.cluster.local:8080/ | grep -q '^smoke-app ok'"
check "pods reach the API server through its ClusterIP (kubernetes.default)" \
  sh -c "'$NX_K8S_CACHE/bin/kubectl' --kubeconfig $STATE/kubeconfig -n $NS exec deploy/smoke-client -- /smoke-app get https://kubernetes.default.svc/healthz 2>&1 | grep -qi 'certificate'"
check "kubectl logs works" sh -c "'$NX_K8S_CACHE/bin/kubectl' --kubeconfig $STATE/kubeconfig -n $NS logs deploy/smoke-web | grep -q 'smoke-app listening'"

# ---- 5. helm ----
check "helm upgrade --install of a small chart" \
  helm upgrade --install smoke-chart "$HERE/chart" -n smoke-helm --create-namespace --set image="$IMAGE" --wait --timeout 3m
check "the chart's Service answers from inside the cluster" retry 15 \
  sh -c "'$NX_K8S_CACHE/bin/kubectl' --kubeconfig $STATE/kubeconfig -n $NS exec deploy/smoke-client -- /smoke-app get http://smoke-chart.smoke-helm:8080/ | grep -q 'from-helm'"
check "helm uninstall" helm uninstall smoke-chart -n smoke-helm --wait
check "helm uninstall removed the chart's objects" \
  sh -c "test -z \"\$('$NX_K8S_CACHE/bin/kubectl' --kubeconfig $STATE/kubeconfig -n smoke-helm get deploy,svc,cm -l app.kubernetes.io/instance=smoke-chart -o name)\""

# ---- 5b. storage: the default StorageClass, a claim that binds, data that outlives its pod ----
check "status: local-path-provisioner Ready" sh -c "'$LC' status | grep -q '^local-path-provisioner *Ready'"
check "local-path is the one default StorageClass" test "$(default_classes)" = "local-path "
check "the helper pods' image is one the cluster made ($(helper_image)), never pulled" sh -c "case '$(helper_image)' in nx-k8s.local/*) ;; *) exit 1 ;; esac"
check "a claim without a StorageClass (the default's) is created" claim
check "a pod (uid 10001) on the claim writes a file" claim_pod smoke-writer "echo $TOKEN >/data/token"
check "the claim is Bound to a local-path volume, the directory $CLAIM_DIR" claim_bound_on_dir
check "the file is on the node" test "$(cat "$CLAIM_DIR/token" 2>/dev/null)" = "$TOKEN"
check "delete the writer pod" kubectl -n "$NS" delete pod smoke-writer --wait=true
check "a new pod on the claim reads the file the deleted pod wrote" reads_token smoke-reader

# ---- 6. etcd: TLS with client certificates only ----
PKI="$STATE/pki"
ETCD_PORT="${NX_K8S_CLUSTER_ETCD_PORT:-2379}"
ETCD_RANGE='{"key":"L3JlZ2lzdHJ5L3NlY3JldHMv","range_end":"L3JlZ2lzdHJ5L3NlY3JldHMw"}'  # /registry/secrets/
check "etcd refuses a plain HTTP request (curl http://127.0.0.1:2379/v3/kv/range)" \
  sh -c "! curl -fsS --max-time 5 -X POST -d '$ETCD_RANGE' http://127.0.0.1:$ETCD_PORT/v3/kv/range"
check "etcd refuses HTTPS without a client certificate" \
  sh -c "! curl -fsS --max-time 5 -k -X POST -d '$ETCD_RANGE' https://127.0.0.1:$ETCD_PORT/v3/kv/range"
check "etcd refuses a client certificate of the cluster CA (admin's)" \
  sh -c "! curl -fsS --max-time 5 -k --cert $PKI/admin.crt --key $PKI/admin.key https://127.0.0.1:$ETCD_PORT/health"
check "etcd answers over TLS with the API server's client certificate" \
  sh -c "curl -fsS --max-time 5 --cacert $PKI/etcd-ca.crt --cert $PKI/apiserver-etcd-client.crt --key $PKI/apiserver-etcd-client.key https://127.0.0.1:$ETCD_PORT/health | grep -q '\"health\":\"true\"'"
check "every private key is 0600" sh -c "test -z \"\$(find $PKI -name '*.key' ! -perm 0600)\" && test -s $PKI/etcd-server.key"

# ---- 7. down leaves nothing of ours and touches nobody else's ----
# (not through check: its subshell would lose the decoy's pid)
if make_decoys >"$WORK/decoys.log" 2>&1; then ok "decoys of another Kubernetes: $DECOY chains (nat, filter) and a process in $DECOY_CG"
else not_ok "creating the decoys"; sed 's/^/     | /' "$WORK/decoys.log"; fi
t0="$(date +%s.%N)"
check "down" down_ours
echo "     down took $(secs_since "$t0") s"
check "down left the decoys alone (chains, their rules and jumps, the process, its cgroup)" decoys_intact
remove_decoys
check_clean "after down" "$WORK/base"
check "down kept the claim's file and the PKI, nothing else in $STATE" \
  sh -c "test \"\$(cat '$CLAIM_DIR/token')\" = '$TOKEN' && test \"\$(ls -A $STATE | tr '\n' ' ')\" = 'pki volumes '"

# ---- 8. warm up from nothing (binaries cached) ----
# With a PKI kept from before etcd had TLS (no etcd certificates): up makes them.
rm -f "$PKI"/etcd-ca.* "$PKI"/etcd-server.* "$PKI"/apiserver-etcd-client.*
t0="$(date +%s.%N)"
"$LC" up >"$WORK/up2.log" 2>&1; rc=$?; WARM="$(secs_since "$t0")"
[ $rc -eq 0 ] || cat "$WORK/up2.log"
check "warm up from nothing to Ready in ${WARM} s (limit ${WARM_LIMIT} s)" awk -v t="$WARM" -v l="$WARM_LIMIT" -v rc="$rc" 'BEGIN { exit !(rc == 0 && t < l) }'
ID2="$(kubectl get namespace kube-system -o 'jsonpath={.metadata.uid}' 2>/dev/null)"
MY_ID="$(running_cluster_id)"
check "down + up gives a new cluster id" sh -c "test -n '$ID2' && test '$ID1' != '$ID2'"
check "up made the missing etcd certificates (0600 keys) and etcd answers with them" \
  sh -c "test \"\$(stat -c %a $PKI/etcd-server.key $PKI/apiserver-etcd-client.key $PKI/etcd-ca.key | sort -u)\" = 600 && curl -fsS --max-time 5 --cacert $PKI/etcd-ca.crt --cert $PKI/apiserver-etcd-client.crt --key $PKI/apiserver-etcd-client.key https://127.0.0.1:$ETCD_PORT/health | grep -q true"
check "after down + up the image must be loaded again (the node is new)" sh -c "'$LC' load '$IMAGE' | grep -q 'loaded into the node'"
kubectl create namespace "$NS" >/dev/null
check "after down + up: the same claim again" claim
check "a pod on it reads the file written before down + up" reads_token smoke-reader-2
check "the claim is Bound to the same directory again" claim_bound_on_dir
check "deleting the claim removes its directory (the provisioner's teardown helper pod)" delete_claim
check "second down" down_ours
check_clean "after second down" "$WORK/base"
# down --purge drops the volumes with everything (the PKI too: put back after, so kubeconfigs
# merged before the test keep working).
mkdir -p "$VOLUMES/${NS}_purge-me" && echo x >"$VOLUMES/${NS}_purge-me/f"
cp -a "$PKI" "$WORK/pki-kept"
check "down --purge removes the volumes with the state dir" sh -c "'$LC' down --purge >/dev/null 2>&1 && test ! -e '$STATE'"
mkdir -p "$STATE" && cp -a "$WORK/pki-kept" "$PKI"

# ---- 9. bad input: one clear line, nothing half-started ----
one_line_error() { # one_line_error PATTERN CMD...: fails with exactly one stderr line matching PATTERN
  local pattern="$1" err; shift
  if "$@" >/dev/null 2>"$WORK/err"; then echo "unexpected success"; return 1; fi
  err="$(grep -v '^$' "$WORK/err")"
  echo "$err"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && grep -q -- "$pattern" <<<"$err"
}
check "load of an image not in Docker: one line" one_line_error "is not in Docker" "$LC" load nx-k8s-smoke/absent:v0
check "up without root: one line" one_line_error "must run as root" setpriv --reuid 65534 --regid 65534 --clear-groups "$LC" up
check "up without Go: one line" one_line_error "Go toolchain not found" env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$LC" up
PORT=6443 "$WORK/smoke-app" serve >/dev/null 2>&1 9>&- &
BG_PIDS+=($!); sleep 0.5
check "up with port 6443 taken: one line naming the port and its owner" one_line_error "port 6443 .* in use by pid $! (smoke-app)" "$LC" up
kill "${BG_PIDS[-1]}" 2>/dev/null; wait "${BG_PIDS[-1]}" 2>/dev/null
check_clean "after the refused up" "$WORK/base"
# Another kubelet (kubeadm's, minikube --driver=none's): here a copy of sleep named kubelet.
mkdir -p "$WORK/other-k8s" && cp /bin/sleep "$WORK/other-k8s/kubelet"
"$WORK/other-k8s/kubelet" 600 9>&- &
BG_PIDS+=($!); sleep 0.2
check "up with another kubelet running: one line naming it" one_line_error "another kubelet is running on this host (pid $!" "$LC" up
check "the other kubelet was left running" alive "$!"
kill "${BG_PIDS[-1]}" 2>/dev/null; wait "${BG_PIDS[-1]}" 2>/dev/null
check_clean "after the up refused for another kubelet" "$WORK/base"

echo "# first up: see above; warm up from nothing: ${WARM} s"
# The decoys go first, so the chain list this up takes holds none of them.
remove_decoys; remove_pre_decoy
[ -n "$WAS_UP" ] && { "$LC" up >/dev/null 2>&1 && echo "# the cluster was up before the test: up again (empty, new id)"; }
finish
