#!/usr/bin/env bash
# The baseline: what a user does by hand without the plugin. Builds both images, loads both
# into the node, helm upgrade --install --wait. Run from a workspace root with KUBECONFIG set.
set -euo pipefail
tag=${NAIVE_TAG:-naive}
addr=${CONTAINERD_ADDRESS:-/run/nx-k8s-cluster/containerd.sock}
namespace=${NAIVE_NAMESPACE:-default}
export DOCKER_BUILDKIT=0
docker build -q -f docker/frontend.Dockerfile --build-arg NODE_BASE=nx-k8s-base/node:20.20.2-slim-bookworm -t "todo-frontend:$tag" . >/dev/null
docker build -q -f docker/backend.Dockerfile --build-arg PYTHON_BASE=nx-k8s-base/python:3.11-slim-bookworm -t "todo-backend:$tag" . >/dev/null
docker save "todo-frontend:$tag" | ctr --address "$addr" -n k8s.io images import - >/dev/null
docker save "todo-backend:$tag" | ctr --address "$addr" -n k8s.io images import - >/dev/null
helm dependency build charts/todo-app >/dev/null
helm upgrade --install todo-app charts/todo-app -n "$namespace" --create-namespace -f charts/todo-app/values-dev.yaml \
  --set-string "frontend.image.tag=$tag" --set-string "backend.image.tag=$tag" --wait --timeout 300s >/dev/null
