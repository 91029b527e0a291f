# Storage: the default StorageClass `local-path`, served by rancher's local-path-provisioner
# (what kind ships), built here from its Go module. A claim of that class becomes a directory
# on the node under $VOLUMES, made (and, when the claim is deleted, removed) by a helper pod
# that runs the ConfigMap's setup/teardown scripts with busybox's sh.
#
# The directory is named after the claim (<namespace>_<claim>), not after the PV: `down` wipes
# etcd (the PVs go with it) but keeps $VOLUMES, so after `up` the same claim in the same
# namespace binds a new PV on the same directory and finds its data. `down --purge` removes it.
# shellcheck shell=bash

STORAGE_NS="local-path-storage"

storage_manifest() {
  cat <<EOF
apiVersion: v1
kind: Namespace
metadata: { name: $STORAGE_NS }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: local-path-provisioner-service-account, namespace: $STORAGE_NS }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: local-path-provisioner-role, namespace: $STORAGE_NS }
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch, create, patch, update, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: local-path-provisioner-role }
rules:
- apiGroups: [""]
  resources: [nodes, persistentvolumeclaims, configmaps, pods, pods/log]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [persistentvolumes]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [storage.k8s.io]
  resources: [storageclasses]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: local-path-provisioner-bind, namespace: $STORAGE_NS }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: local-path-provisioner-role }
subjects: [{ kind: ServiceAccount, name: local-path-provisioner-service-account, namespace: $STORAGE_NS }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: local-path-provisioner-bind }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: local-path-provisioner-role }
subjects: [{ kind: ServiceAccount, name: local-path-provisioner-service-account, namespace: $STORAGE_NS }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: local-path-config, namespace: $STORAGE_NS }
data:
  config.json: |-
    {"nodePathMap": [{"node": "DEFAULT_PATH_FOR_NON_LISTED_NODES", "paths": ["$VOLUMES"]}]}
  # Upstream's scripts. The helper pod mounts the parent ($VOLUMES) and runs them with /bin/sh.
  setup: |-
    #!/bin/sh
    set -eu
    mkdir -m 0777 -p "\$VOL_DIR"
  teardown: |-
    #!/bin/sh
    set -eu
    rm -rf "\$VOL_DIR"
  helperPod.yaml: |-
    apiVersion: v1
    kind: Pod
    metadata:
      name: helper-pod
    spec:
      priorityClassName: system-node-critical
      tolerations:
        - key: node.kubernetes.io/disk-pressure
          operator: Exists
          effect: NoSchedule
      containers:
        - name: helper-pod
          image: $(busybox_image)
          imagePullPolicy: Never
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: local-path-provisioner
  namespace: $STORAGE_NS
  labels: { app: local-path-provisioner }
spec:
  replicas: 1
  # It runs without leader election: never two at once, or both would provision one claim.
  strategy: { type: Recreate }
  selector: { matchLabels: { app: local-path-provisioner } }
  template:
    metadata: { labels: { app: local-path-provisioner } }
    spec:
      serviceAccountName: local-path-provisioner-service-account
      priorityClassName: system-cluster-critical
      containers:
      - name: local-path-provisioner
        image: $LOCAL_PATH_IMAGE
        imagePullPolicy: Never
        command: [/local-path-provisioner, --debug, start, --config, /etc/config/config.json, --helper-image, "$(busybox_image)"]
        env:
        - { name: POD_NAMESPACE, valueFrom: { fieldRef: { fieldPath: metadata.namespace } } }
        - { name: CONFIG_MOUNT_PATH, value: /etc/config/ }
        - { name: HEALTH_PORT, value: "8080" }
        ports: [{ name: health, containerPort: 8080, protocol: TCP }]
        readinessProbe: { httpGet: { path: /ready, port: health }, periodSeconds: 2 }
        livenessProbe: { httpGet: { path: /health, port: health }, initialDelaySeconds: 10, periodSeconds: 10 }
        resources: { requests: { cpu: 10m, memory: 32Mi }, limits: { memory: 256Mi } }
        volumeMounts: [{ name: config-volume, mountPath: /etc/config/ }]
      volumes:
      - name: config-volume
        configMap: { name: local-path-config }
---
# Parameters of a StorageClass cannot change once it exists: a change here needs
# 'kubectl delete storageclass local-path' (or down) before the next up.
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-path
  annotations: { storageclass.kubernetes.io/is-default-class: "true" }
provisioner: rancher.io/local-path
parameters:
  # One directory per claim, named by its namespace and name (both DNS names: no '/', no '..'),
  # so a claim finds its data again after down + up. The provisioner accepts a pattern outside
  # <namespace>/<claim>/ only when told it is safe.
  pathPattern: "{{ .PVC.Namespace }}_{{ .PVC.Name }}"
  allowUnsafePathPattern: "true"
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
EOF
}

storage_available() {
  [ "$(kubectl_admin -n "$STORAGE_NS" get deploy local-path-provisioner --request-timeout 5s -o 'jsonpath={.status.availableReplicas}' 2>/dev/null)" = 1 ]
}

# storage_ready: the provisioner is Available and local-path is the default StorageClass
# (one request: `up` on a Ready cluster asks it every time).
storage_ready() {
  [ "$(kubectl_admin -n "$STORAGE_NS" get deployment/local-path-provisioner storageclass/local-path --request-timeout 5s \
    -o 'jsonpath={range .items[*]}{.status.availableReplicas}{.metadata.annotations.storageclass\.kubernetes\.io/is-default-class} {end}' 2>/dev/null)" = "1 true " ]
}

# The provisioner's last log lines (it is a pod: its log is not in $LOGS), for status and a failed up.
tail_storage_log() {
  printf '    --- last lines of kubectl -n %s logs deploy/local-path-provisioner ---\n' "$STORAGE_NS" >&2
  kubectl_admin -n "$STORAGE_NS" logs deploy/local-path-provisioner --tail "${1:-15}" 2>&1 | cut -c1-400 | sed 's/^/    | /' >&2 || true
  kubectl_admin -n "$STORAGE_NS" get pods -l app=local-path-provisioner --no-headers 2>&1 | sed 's/^/    | /' >&2 || true
}

# apply_storage, then wait_storage: apart, so that the provisioner starts while CoreDNS does.
apply_storage() {
  info "local-path-provisioner $LOCAL_PATH_VERSION: default StorageClass local-path, volumes in $VOLUMES"
  mkdir -p "$VOLUMES"
  storage_manifest | kubectl_admin apply -f - >>"$LOGS/addons.log" 2>&1 ||
    { tail -n 5 "$LOGS/addons.log" >&2; FAILED_COMPONENT=kube-apiserver; die "applying the local-path-provisioner manifests failed (log: $LOGS/addons.log)" "read the log lines above"; }
}

wait_storage() {
  local i
  for i in $(seq 1 360); do
    storage_ready && return 0
    sleep 0.25
  done
  tail_storage_log 20
  die "local-path-provisioner not Available after 90 s" "read the log lines above; 'local-cluster status' shows every component"
}
