# Cluster DNS: CoreDNS (locally built image) as the kube-dns Service at $DNS_SVC_IP, so
# Service names such as http://todo-backend:8000 resolve inside pods.
# shellcheck shell=bash

coredns_manifest() {
  cat <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: { name: coredns, namespace: kube-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: "system:coredns" }
rules:
- apiGroups: [""]
  resources: [endpoints, services, pods, namespaces]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: "system:coredns" }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns" }
subjects: [{ kind: ServiceAccount, name: coredns, namespace: kube-system }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: coredns, namespace: kube-system }
data:
  Corefile: |
    .:53 {
        errors
        health :8080
        ready :8181
        kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
            pods insecure
            fallthrough in-addr.arpa ip6.arpa
            ttl 30
        }
        forward . /etc/resolv.conf
        cache 30
        loop
        reload
        loadbalance
    }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
  labels: { k8s-app: kube-dns }
spec:
  replicas: 1
  selector: { matchLabels: { k8s-app: kube-dns } }
  template:
    metadata: { labels: { k8s-app: kube-dns } }
    spec:
      serviceAccountName: coredns
      priorityClassName: system-cluster-critical
      dnsPolicy: Default
      containers:
      - name: coredns
        image: $COREDNS_IMAGE
        imagePullPolicy: Never
        args: [-conf, /etc/coredns/Corefile]
        ports:
        - { name: dns, containerPort: 53, protocol: UDP }
        - { name: dns-tcp, containerPort: 53, protocol: TCP }
        - { name: metrics, containerPort: 9153, protocol: TCP }
        volumeMounts: [{ name: config, mountPath: /etc/coredns, readOnly: true }]
        readinessProbe: { httpGet: { path: /ready, port: 8181 }, periodSeconds: 2 }
        livenessProbe: { httpGet: { path: /health, port: 8080 }, initialDelaySeconds: 10, periodSeconds: 10 }
        resources: { requests: { cpu: 50m, memory: 50Mi }, limits: { memory: 170Mi } }
      volumes:
      - name: config
        configMap: { name: coredns, items: [{ key: Corefile, path: Corefile }] }
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: { k8s-app: kube-dns, kubernetes.io/name: CoreDNS }
spec:
  selector: { k8s-app: kube-dns }
  clusterIP: $DNS_SVC_IP
  ports:
  - { name: dns, port: 53, protocol: UDP }
  - { name: dns-tcp, port: 53, protocol: TCP }
  - { name: metrics, port: 9153, protocol: TCP }
EOF
}

coredns_available() {
  [ "$(kubectl_admin -n kube-system get deploy coredns -o 'jsonpath={.status.availableReplicas}' 2>/dev/null)" = 1 ]
}

start_dns() {
  info "CoreDNS $COREDNS_VERSION as kube-dns ($DNS_SVC_IP)"
  coredns_manifest | kubectl_admin apply -f - >>"$LOGS/addons.log" 2>&1 ||
    { tail -n 5 "$LOGS/addons.log" >&2; FAILED_COMPONENT=kube-apiserver; die "applying the CoreDNS manifests failed (log: $LOGS/addons.log)" "read the log lines above"; }
  wait_for "CoreDNS Available" kubelet 90 coredns_available
}
