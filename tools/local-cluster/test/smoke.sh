#!/usr/bin/env bash
# Smoke test of tools/local-cluster, end to end on the real machine (root, Docker, Go):
#   up from nothing -> a locally built image (never pulled) is loaded and rolled out ->
#   port-forward answers -> a Service name resolves and answers from another pod ->
#   helm install/uninstall -> down leaves no process, mount, interface or rule ->
#   warm up from nothing under 60 s with a new cluster id -> bad input gives one clear line.
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
  rm -rf "$WORK"
  echo "smoke: $PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
abort() { not_ok "$*"; "$LC" down >/dev/null 2>&1; finish; exit 1; }
secs_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

[ "$(id -u)" = 0 ] || { echo "smoke: must run as root (it starts a cluster)"; echo "smoke: 0 passed, 1 failed"; exit 1; }

kubectl() { "$NX_K8S_CACHE/bin/kubectl" --kubeconfig "$STATE/kubeconfig" "$@"; }
helm() { "$HELM" --kubeconfig "$STATE/kubeconfig" "$@"; }

# ---- leftovers: what `down` must not leave behind ----
cluster_processes() {
  local p exe
  for p in /proc/[0-9]*; do
    exe="$(readlink "$p/exe" 2>/dev/null)" || continue
    case "$exe" in */kubectl) continue ;; "$NX_K8S_CACHE/k8s/"*) echo "${p#/proc/} $exe"; continue ;; esac
    # our containerd and its shims name our dirs on their command line
    tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qE "$STATE|$RUN" && echo "${p#/proc/} $(tr '\0' ' ' <"$p/cmdline" | cut -c1-100)"
  done
  for p in /sys/fs/cgroup/pids/kubepods; do [ -d "$p" ] && find "$p" -name cgroup.procs -exec cat {} + ; done
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
check_clean() {
  local label="$1" base="$2" now="$WORK/now"
  check "$label: no process of the cluster left" test -z "$(cluster_processes)"
  check "$label: no mount under $STATE or $RUN left" test -z "$(cluster_mounts)"
  snapshot "$now"
  check "$label: no interface or iptables rule left (same as before up)" diff "$base" "$now"
  check "$label: no pid, socket or cluster.json left" test ! -e "$RUN" -a ! -e "$STATE/cluster.json" -a ! -e "$STATE/pids"
  check "$label: no kubelet or CNI file left outside its dirs" sh -c \
    "! ls /var/lib/cni/results 2>/dev/null | grep -q '^nx-k8s-' && ! find /var/log/containers -lname '$STATE/*' 2>/dev/null | grep -q . && test ! -e /var/lib/kubelet/device-plugins/kubelet.sock"
}

# ---- 0. prerequisites ----
echo "# local-cluster smoke test ($(date -u +%FT%TZ))"
HELM="$NX_K8S_CACHE/bin/helm"
[ -x "$HELM" ] || bash "$HERE/../../setup/helm.sh" >/dev/null 2>&1 || true
[ -x "$HELM" ] || HELM="$(command -v helm || true)"
[ -n "$HELM" ] || abort "helm not found (run tools/setup/helm.sh)"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || bash "$HERE/../../setup/docker.sh" >/dev/null 2>&1 || abort "Docker does not answer (run tools/setup/docker.sh)"

# ---- 1. up from nothing ----
# A cluster someone was using is brought back (empty) at the end.
WAS_UP=""; "$LC" status >/dev/null 2>&1 && WAS_UP=1
"$LC" down >/dev/null 2>&1
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
check "cluster.json names the context, kubeconfig, socket and id" \
  sh -c "grep -q '\"context\": \"nx-k8s-local\"' $STATE/cluster.json && grep -q '\"containerdAddress\": \"$RUN/containerd.sock\"' $STATE/cluster.json && grep -q '\"clusterId\": \"$ID1\"' $STATE/cluster.json"
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
kubectl -n "$NS" port-forward svc/smoke-web 0:8080 --address 127.0.0.1 >"$WORK/pf.log" 2>&1 &
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

# ---- 6. down leaves nothing ----
t0="$(date +%s.%N)"
check "down" "$LC" down
echo "     down took $(secs_since "$t0") s"
check_clean "after down" "$WORK/base"

# ---- 7. warm up from nothing (binaries cached) ----
t0="$(date +%s.%N)"
"$LC" up >"$WORK/up2.log" 2>&1; rc=$?; WARM="$(secs_since "$t0")"
[ $rc -eq 0 ] || cat "$WORK/up2.log"
check "warm up from nothing to Ready in ${WARM} s (limit ${WARM_LIMIT} s)" awk -v t="$WARM" -v l="$WARM_LIMIT" -v rc="$rc" 'BEGIN { exit !(rc == 0 && t < l) }'
ID2="$(kubectl get namespace kube-system -o 'jsonpath={.metadata.uid}' 2>/dev/null)"
check "down + up gives a new cluster id" sh -c "test -n '$ID2' && test '$ID1' != '$ID2'"
check "after down + up the image must be loaded again (the node is new)" sh -c "'$LC' load '$IMAGE' | grep -q 'loaded into the node'"
check "second down" "$LC" down
check_clean "after second down" "$WORK/base"

# ---- 8. bad input: one clear line, nothing half-started ----
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
PORT=6443 "$WORK/smoke-app" serve >/dev/null 2>&1 &
BG_PIDS+=($!); sleep 0.5
check "up with port 6443 taken: one line naming the port and its owner" one_line_error "port 6443 .* in use by pid $! (smoke-app)" "$LC" up
kill "${BG_PIDS[-1]}" 2>/dev/null; wait "${BG_PIDS[-1]}" 2>/dev/null
check_clean "after the refused up" "$WORK/base"

echo "# first up: see above; warm up from nothing: ${WARM} s"
[ -n "$WAS_UP" ] && { "$LC" up >/dev/null 2>&1 && echo "# the cluster was up before the test: up again (empty, new id)"; }
finish
