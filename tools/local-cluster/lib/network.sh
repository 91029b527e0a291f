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

# ---- the KUBE-* chains of our kubelet and kube-proxy ----
# Another Kubernetes on this host (kubeadm, minikube --driver=none) uses the same names, so
# `down` deletes a chain only when it is both named as ours are (the fixed names of kubelet
# and kube-proxy 1.34, and kube-proxy's hashed per-Service chains) and absent from the list
# `up` took before starting anything. Never a flush of a built-in or someone else's chain.
# (grep -E: Debian's mawk has no {16}.)
KUBE_CHAIN_RE='KUBE-(SERVICES|EXTERNAL-SERVICES|NODEPORTS|POSTROUTING|MARK-MASQ|FORWARD|FIREWALL|PROXY-FIREWALL|PROXY-CANARY|KUBELET-CANARY|IPTABLES-HINT|(SVC|SVL|EXT|FW|SEP)-[A-Z0-9]{16})'
CHAINS_BEFORE_UP="$STATE/iptables-chains-before-up"

# all_chains: "COMMAND TABLE CHAIN" for every chain that exists now.
all_chains() {
  local cmd table
  for cmd in iptables ip6tables; do
    command -v "$cmd-save" >/dev/null || continue
    for table in mangle nat filter; do
      "$cmd-save" -t "$table" 2>/dev/null | awk -v c="$cmd" -v t="$table" '/^:/ { print c, t, substr($1, 2) }'
    done
  done
  return 0
}

# snapshot_chains: taken by the first `up` after a `down` (kept until the next `down`, so a
# failed or resumed up never counts our own chains as someone else's).
snapshot_chains() {
  [ -f "$CHAINS_BEFORE_UP" ] && return 0
  all_chains >"$CHAINS_BEFORE_UP.tmp" && mv "$CHAINS_BEFORE_UP.tmp" "$CHAINS_BEFORE_UP"
}

# our_chains: the "COMMAND TABLE CHAIN" lines that are ours to delete.
our_chains() {
  local before="$CHAINS_BEFORE_UP"
  if [ ! -f "$before" ]; then
    # No list: a cluster started by an older local-cluster (its kubelet config is still here),
    # or nothing ran at all. Only the former, and only with no other kubelet/kube-proxy, falls
    # back to the names alone.
    [ -f "$KUBELET_CONFIG" ] || return 0
    if [ -n "$(foreign_pids kubelet kube-proxy)" ]; then
      warn "no list of the iptables chains that existed before up (cluster started by an older local-cluster) and another kubelet or kube-proxy runs: leaving every KUBE-* chain alone"
      return 0
    fi
    before=/dev/null
  fi
  all_chains | grep -E " $KUBE_CHAIN_RE\$" | grep -vxF -f "$before" || true
}

# remove_kube_chains: per table, one iptables-restore --noflush: the rules of other chains that
# jump to ours (deleted one by one, as iptables-save prints them), then our chains (flushed, deleted).
remove_kube_chains() {
  local chains cmd table names script
  chains="$(our_chains)"
  [ -n "$chains" ] || return 0
  for cmd in iptables ip6tables; do
    for table in mangle nat filter; do
      names="$(awk -v c="$cmd" -v t="$table" '$1 == c && $2 == t { printf "%s ", $3 }' <<<"$chains")"
      [ -n "$names" ] || continue
      script="$("$cmd-save" -t "$table" 2>/dev/null | awk -v names="$names" -v t="$table" '
        BEGIN { n = split(names, a, " "); for (i = 1; i <= n; i++) ours[a[i]] = 1; print "*" t }
        /^-A / && !($2 in ours) {
          for (i = 3; i < NF; i++) if (($i == "-j" || $i == "-g") && ($(i + 1) in ours)) { sub(/^-A /, "-D "); print; break }
        }
        END { for (c in ours) print "-F " c; for (c in ours) print "-X " c; print "COMMIT" }')"
      printf '%s\n' "$script" | "$cmd-restore" -w 5 --noflush 2>/dev/null && continue
      # A rule changed under us: the same, one command at a time, ignoring what is already gone.
      local line
      while read -r line; do
        case "$line" in -D*|-F*|-X*) eval "$cmd -w 5 -t $table $line" 2>/dev/null || true ;; esac
      done <<<"$script"
    done
  done
  return 0
}

teardown_network() {
  remove_tagged_rules
  remove_kube_chains
  # Pod veths die with their network namespaces; the bridge is ours to delete.
  ip link show "$BRIDGE" >/dev/null 2>&1 && ip link delete "$BRIDGE" 2>/dev/null || true
  return 0
}
