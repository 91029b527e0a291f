# Pod network: one Linux bridge (CNI bridge + host-local IPAM), plus the few iptables rules
# it needs. Every rule we add carries the comment "$RULE_TAG", which is how `down` finds them.
# No ipMasq/portmap/firewall plugins: they add per-pod rules that only a CNI DEL would remove.
# shellcheck shell=bash

RULE_TAG="nx-k8s-cluster"
POD_NET="10.244.0.0/16"

write_cni_config() {
  mkdir -p "$CNI_CONF_DIR" "$STATE/cni/ipam"
  cat >"$CNI_CONF_DIR/10-nx-k8s.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "nx-k8s",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$STATE/cni/ipam",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "${POD_CIDR%.*}.1" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "loopback" }
  ]
}
EOF
}

# rule TABLE CHAIN SPEC...: adds the rule once (tagged).
add_rule() {
  local table="$1" chain="$2"; shift 2
  iptables -w 5 -t "$table" -C "$chain" "$@" -m comment --comment "$RULE_TAG" 2>/dev/null ||
    iptables -w 5 -t "$table" -I "$chain" 1 "$@" -m comment --comment "$RULE_TAG"
}

setup_network() {
  local f
  for f in "$CNI_BIN_DIR/bridge" "$CNI_BIN_DIR/host-local" "$CNI_BIN_DIR/loopback"; do
    [ -x "$f" ] || die "CNI plugin $f is missing" "apt-get install containernetworking-plugins"
  done
  write_cni_config
  # Pods on the bridge must pass through iptables for ClusterIPs (kube-proxy) to work.
  modprobe br_netfilter 2>/dev/null || true
  sysctl -qw net.ipv4.ip_forward=1
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] ||
    die "the kernel has no br_netfilter (no /proc/sys/net/bridge), so Services cannot reach pods" "load it: modprobe br_netfilter"
  sysctl -qw net.bridge.bridge-nf-call-iptables=1
  # Docker sets the FORWARD policy to DROP: let pod traffic through, and masquerade what leaves the node.
  add_rule filter FORWARD -o "$BRIDGE" -j ACCEPT
  add_rule filter FORWARD -i "$BRIDGE" -j ACCEPT
  add_rule nat POSTROUTING -s "$POD_NET" ! -d "$POD_NET" -j MASQUERADE
}

# Our tagged rules, as delete commands.
remove_tagged_rules() {
  local table line
  for table in filter nat; do
    { iptables-save -t "$table" 2>/dev/null | grep -- "--comment $RULE_TAG" | grep '^-A ' | sed 's/^-A /-D /' |
      while read -r line; do eval "iptables -w 5 -t $table $line" 2>/dev/null || true; done; } || true
  done
  return 0
}

# Chains the kubelet and kube-proxy leave behind (kube-proxy --cleanup removes its own rules first).
remove_kube_chains() {
  local cmd table chain
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    for table in mangle nat filter; do
      for chain in $("$cmd-save" -t "$table" 2>/dev/null | sed -n 's/^:\(KUBE-[A-Z0-9-]*\) .*/\1/p'); do
        "$cmd" -w 5 -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$cmd-save" -t "$table" 2>/dev/null | sed -n 's/^:\(KUBE-[A-Z0-9-]*\) .*/\1/p'); do
        # Jumps into the chain from built-in chains go first, then the chain itself.
        { "$cmd-save" -t "$table" 2>/dev/null | grep -- "-j $chain\b" | grep '^-A ' | sed 's/^-A /-D /' |
          while read -r line; do eval "$cmd -w 5 -t $table $line" 2>/dev/null || true; done; } || true
        "$cmd" -w 5 -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

teardown_network() {
  remove_tagged_rules
  remove_kube_chains
  # Pod veths die with their network namespaces; the bridge is ours to delete.
  ip link show "$BRIDGE" >/dev/null 2>&1 && ip link delete "$BRIDGE" 2>/dev/null || true
  return 0
}
