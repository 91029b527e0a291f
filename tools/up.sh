#!/usr/bin/env bash
# npm start: brings the todo app up on a local cluster and keeps the port-forwards open
# until Ctrl-C. Uses the current kube context when its cluster answers (minikube, kind,
# docker-desktop...); on a Linux machine without one, starts the embedded local cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup/all.sh
export PATH="/var/cache/nx-k8s/bin:$PATH"

# tools/minikube's own minikube (the none driver, which takes over the host's kubelet ports) is
# started only on request: tools/minikube/minikube-cluster up, then KUBECONFIG as it prints.
own_minikube() { [[ "$(readlink -f "$(command -v minikube)")" == /var/cache/nx-k8s/minikube/shims-*/minikube ]]; }
if ! kubectl version --request-timeout=5s >/dev/null 2>&1; then
  if command -v minikube >/dev/null && ! own_minikube; then
    echo "==> no cluster answers on the current kube context: starting minikube"
    minikube start
  else
    echo "==> no cluster answers and minikube is not installed: starting the embedded local cluster"
    bash tools/local-cluster/local-cluster up
    export KUBECONFIG="$(bash tools/local-cluster/local-cluster kubeconfig)"
  fi
fi
echo "==> deploying (kube context: $(kubectl config current-context))"
exec npx --no-install nx run todo-app:port-forward "$@"
