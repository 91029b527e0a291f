# Builds the pinned upstream binaries from the Go module proxy, cached by
# component version + Go version + a hash of the build flags, so a warm `up` compiles nothing.
# shellcheck shell=bash

K8S_COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
# Upstream's release tags (hack/lib/golang.sh); CGO off gives static binaries like upstream's.
K8S_TAGS="selinux,notest,grpcnotrace"

go_version() { [ -n "${GO_VERSION:-}" ] || GO_VERSION="$(go env GOVERSION)"; echo "$GO_VERSION"; }
COREDNS_LDFLAGS="-s -w -X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION"
# As upstream's scripts/build: the version its --version reports.
LOCAL_PATH_LDFLAGS="-s -w -X main.VERSION=$LOCAL_PATH_VERSION"

k8s_ldflags() {
  local v="$K8S_VERSION" major minor p
  major="${v#v}"; major="${major%%.*}"
  minor="${v#v*.}"; minor="${minor%%.*}"
  # Both packages carry the version: the server reports component-base's, kubectl its client-go one.
  for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    printf -- "-X '%s.gitVersion=%s' -X '%s.gitMajor=%s' -X '%s.gitMinor=%s' -X '%s.gitTreeState=clean' -X '%s.buildDate=1970-01-01T00:00:00Z' " \
      "$p" "$v" "$p" "$major" "$p" "$minor" "$p" "$p"
  done
  printf -- "-s -w"
}

# Cache directories. The flags hash covers everything that changes the bytes produced.
k8s_dir() { echo "$NX_K8S_CACHE/k8s/$K8S_VERSION-$(go_version)-$(short_hash "cgo0 $K8S_TAGS $(k8s_ldflags) ${K8S_COMPONENTS[*]}")"; }
etcd_dir() { echo "$NX_K8S_CACHE/k8s/etcd-$ETCD_VERSION-$(go_version)-$(short_hash "cgo0 -s -w $(cat "$LC_ROOT/src/etcd/main.go")")"; }
coredns_dir() { echo "$NX_K8S_CACHE/k8s/coredns-$COREDNS_VERSION-$(go_version)-$(short_hash "cgo0 $COREDNS_LDFLAGS")"; }
pause_dir() { echo "$NX_K8S_CACHE/k8s/pause-$PAUSE_VERSION-$(go_version)-$(short_hash "cgo0 -s -w novcs $(cat "$LC_ROOT/src/pause/main.go")")"; }
local_path_dir() { echo "$NX_K8S_CACHE/k8s/local-path-provisioner-$LOCAL_PATH_VERSION-$(go_version)-$(short_hash "cgo0 $LOCAL_PATH_LDFLAGS")"; }

# The local-path helper pods run the volume setup/teardown scripts with /bin/sh (mkdir, rm):
# Debian's busybox-static, one static binary, unpacked from its .deb (never installed on the
# host), keyed by the package version. The newest one unpacked is used, so a warm `up` needs
# neither the network nor apt; without one, the version apt would install now.
busybox_candidate() { apt-cache policy busybox-static 2>/dev/null | sed -n 's/^ *Candidate: \([0-9]*:\)\{0,1\}//p' | grep -vx '(none)' || true; }
busybox_dir() {
  local d
  for d in $(ls -d "$NX_K8S_CACHE"/k8s/busybox-static-* 2>/dev/null | sort -rV); do
    [ -x "$d/rootfs/bin/busybox" ] && { echo "$d"; return 0; }
  done
  echo "$NX_K8S_CACHE/k8s/busybox-static-$(busybox_candidate)"
}

# Where the binaries of this version, Go and flags are (built or not).
resolve_bin_dirs() {
  go_version >/dev/null
  K8S_BIN="$(k8s_dir)"; ETCD_BIN="$(etcd_dir)"; COREDNS_BIN="$(coredns_dir)"; PAUSE_BIN="$(pause_dir)"
  LOCAL_PATH_BIN="$(local_path_dir)"; BUSYBOX_BIN="$(busybox_dir)"
}

binaries_cached() {
  local c
  for c in "${K8S_COMPONENTS[@]}"; do [ -x "$K8S_BIN/$c" ] || return 1; done
  [ -x "$ETCD_BIN/etcd" ] && [ -x "$COREDNS_BIN/coredns" ] && [ -x "$PAUSE_BIN/pause" ] &&
    [ -x "$LOCAL_PATH_BIN/local-path-provisioner" ] && [ -x "$BUSYBOX_BIN/rootfs/bin/busybox" ]
}

# progress LABEL TEXT: one line per update; rewritten in place on a terminal.
progress() {
  if [ -t 2 ]; then printf '\r\033[K    %s: %s' "$1" "$2" >&2; else printf '    %s: %s\n' "$1" "$2" >&2; fi
}
progress_done() { [ -t 2 ] && printf '\n' >&2; return 0; }

# go_build_with_progress LABEL WORKDIR OUTDIR LDFLAGS TAGS PKG...
# Phase 1 resolves and downloads modules (counted in the module cache), phase 2 compiles
# (`go build -v` lines against the package total from `go list -deps`).
go_build_with_progress() {
  local label="$1" work="$2" out="$3" ldflags="$4" tags="$5"; shift 5
  local log="$LOGS/build-$label.log" start listing pid total n last every
  start="$(now)"
  every=$([ -t 2 ] && echo 2 || echo 20)
  mkdir -p "$LOGS"
  : >"$log"
  listing="$work/.deps"
  local modcache; modcache="$(go env GOMODCACHE)"
  local zips_before; zips_before="$(find "$modcache/cache/download" -name '*.zip' 2>/dev/null | wc -l)"
  (cd "$work" && GOFLAGS=-mod=mod CGO_ENABLED="${MODULE_CGO:-0}" nice -n 10 go list -tags "$tags" -deps "$@" >"$listing" 2>>"$log") &
  pid=$!
  local tick=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1; tick=$((tick + 1)); [ $((tick % every)) -eq 0 ] || continue
    n=$(( $(find "$modcache/cache/download" -name '*.zip' 2>/dev/null | wc -l) - zips_before ))
    progress "$label" "resolving modules: $n downloaded ($(elapsed "$start") s)"
  done
  wait "$pid" || { progress_done; tail -n 20 "$log" >&2; die "$label: resolving its Go modules failed (log: $log)" "check the Go proxy is reachable (go env GOPROXY) and retry"; }
  total=$(wc -l <"$listing")
  n=$(( $(find "$modcache/cache/download" -name '*.zip' 2>/dev/null | wc -l) - zips_before ))
  progress "$label" "modules ready ($n downloaded, $total packages to build, $(elapsed "$start") s)"
  progress_done

  rm -rf "$out.tmp" && mkdir -p "$out.tmp"
  local base; base=$(wc -l <"$log")
  # -buildvcs=false: src/pause sits in this git repo, and commit stamps would change its image id.
  (cd "$work" && GOFLAGS=-mod=mod CGO_ENABLED="${MODULE_CGO:-0}" nice -n 10 go build -v -trimpath -buildvcs=false -tags "$tags" -ldflags "$ldflags" -o "$out.tmp/" "$@" 2>>"$log") &
  pid=$!
  tick=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1; tick=$((tick + 1)); [ $((tick % every)) -eq 0 ] || continue
    n=$(tail -n +"$((base + 1))" "$log" | grep -vc '^go: ' || true)
    last=$(tail -n 1 "$log")
    progress "$label" "compiling $n/$total packages ($(elapsed "$start") s) ${last:0:60}"
  done
  wait "$pid" || { progress_done; tail -n 20 "$log" >&2; rm -rf "$out.tmp"; die "$label: go build failed (log: $log)" "read the log; if it is a Go version problem set GOTOOLCHAIN or install the Go version in the module's go.mod"; }
  progress_done
  rm -rf "$out" && mv "$out.tmp" "$out"
  info "$label: built in $(elapsed "$start") s -> $out"
}

# go_module_build LABEL MODULE VERSION OUT LDFLAGS GOMOD_TAIL PKG...: packages of one module,
# from a generated module that requires it (so the module's own go.mod decides its
# dependencies); GOMOD_TAIL is appended to that go.mod (a copy of the module's replace block,
# which Go ignores in a dependency); MODULE_TAGS are its build tags.
go_module_build() {
  local label="$1" module="$2" version="$3" out="$4" ldflags="$5" tail="$6" work
  shift 6
  work="$NX_K8S_CACHE/src/$label-$version"
  mkdir -p "$work"
  printf 'module nx-k8s.local/%s\n\ngo 1.24\n\nrequire %s %s\n%s' "$label" "$module" "$version" "$tail" >"$work/go.mod"
  [ -f "$work/go.sum" ] || : >"$work/go.sum"
  go_build_with_progress "$label" "$work" "$out" "$ldflags" "${MODULE_TAGS:-}" "$@"
}

# The wrapper module for k8s.io/kubernetes: it cannot be built directly because it replaces
# its staging modules with ./staging paths; here each is replaced by its published v0.Y.Z.
k8s_wrapper() {
  local work="$NX_K8S_CACHE/k8s/src-$K8S_VERSION" gomod staging_v="v0${K8S_VERSION#v1}"
  mkdir -p "$work"
  [ -f "$work/go.mod" ] && [ -f "$work/go.sum" ] && grep -q "k8s.io/kubernetes $K8S_VERSION" "$work/go.mod" && { echo "$work"; return; }
  gomod="$(cd "$work" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [ -f "$gomod" ] || die "could not download k8s.io/kubernetes@$K8S_VERSION from the Go module proxy" "check the network and 'go env GOPROXY'"
  {
    echo "module nx-k8s.local/k8s-build"
    echo
    grep -E '^(go|godebug) ' "$gomod"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    sed -n 's#^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*#\t\1 => \1 '"$staging_v"'#p' "$gomod"
    echo ")"
  } >"$work/go.mod"
  : >"$work/go.sum"
  echo "$work"
}

build_k8s() {
  local out work pkgs=() c
  out="$(k8s_dir)"
  for c in "${K8S_COMPONENTS[@]}"; do [ -x "$out/$c" ] || { pkgs=(); break; }; pkgs+=("$c"); done
  [ ${#pkgs[@]} -eq ${#K8S_COMPONENTS[@]} ] && return 0
  step "building Kubernetes $K8S_VERSION (${K8S_COMPONENTS[*]}) with $(go_version): one go build, about 15-25 min cold on 2 cores"
  work="$(k8s_wrapper)"
  pkgs=()
  for c in "${K8S_COMPONENTS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  go_build_with_progress kubernetes "$work" "$out" "$(k8s_ldflags)" "$K8S_TAGS" "${pkgs[@]}"
}

build_etcd() {
  local out work="$NX_K8S_CACHE/k8s/src-etcd-$ETCD_VERSION"
  out="$(etcd_dir)"
  [ -x "$out/etcd" ] && return 0
  step "building etcd $ETCD_VERSION"
  mkdir -p "$work"
  cp "$LC_ROOT/src/etcd/main.go" "$work/main.go"
  printf 'module nx-k8s.local/etcd\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >"$work/go.mod"
  : >"$work/go.sum"
  go_build_with_progress etcd "$work" "$out" "-s -w" "" .
}

build_coredns() {
  local out work="$NX_K8S_CACHE/k8s/src-coredns-$COREDNS_VERSION"
  out="$(coredns_dir)"
  [ -x "$out/coredns" ] && return 0
  step "building CoreDNS $COREDNS_VERSION"
  mkdir -p "$work"
  printf 'module nx-k8s.local/coredns\n\ngo 1.24\n\nrequire github.com/coredns/coredns %s\n' "$COREDNS_VERSION" >"$work/go.mod"
  : >"$work/go.sum"
  go_build_with_progress coredns "$work" "$out" "$COREDNS_LDFLAGS" "" github.com/coredns/coredns
}

build_pause() {
  local out
  out="$(pause_dir)"
  [ -x "$out/pause" ] && return 0
  step "building the pause program"
  go_build_with_progress pause "$LC_ROOT/src/pause" "$out" "-s -w" "" .
}

build_local_path() {
  local out work="$NX_K8S_CACHE/k8s/src-local-path-provisioner-$LOCAL_PATH_VERSION"
  out="$(local_path_dir)"
  [ -x "$out/local-path-provisioner" ] && return 0
  step "building local-path-provisioner $LOCAL_PATH_VERSION"
  mkdir -p "$work"
  printf 'module nx-k8s.local/local-path-provisioner\n\ngo 1.24\n\nrequire github.com/rancher/local-path-provisioner %s\n' "$LOCAL_PATH_VERSION" >"$work/go.mod"
  : >"$work/go.sum"
  go_build_with_progress local-path-provisioner "$work" "$out" "$LOCAL_PATH_LDFLAGS" "" github.com/rancher/local-path-provisioner
}

# busybox_fetch DIR: downloads the busybox-static .deb apt would install into DIR.
busybox_fetch() {
  local log="$LOGS/build-busybox.log"
  (cd "$1" && apt-get download -q busybox-static) >>"$log" 2>&1 && return 0
  # Stale package lists (the mirror moved on to a newer version): refresh them once.
  apt-get -o DPkg::Lock::Timeout=600 -q update >>"$log" 2>&1 || true
  (cd "$1" && apt-get download -q busybox-static) >>"$log" 2>&1
}

build_busybox() {
  [ -x "$BUSYBOX_BIN/rootfs/bin/busybox" ] && return 0
  command -v apt-get >/dev/null || die "apt-get not found: the volume helper image is made from Debian's busybox-static" "run up on Debian or Ubuntu"
  step "unpacking Debian's busybox-static (the /bin/sh of the volume helper pods)"
  local work deb version out applet
  mkdir -p "$LOGS"; : >"$LOGS/build-busybox.log"
  work="$(mktemp -d)"
  busybox_fetch "$work" || { rm -rf "$work"; tail -n 5 "$LOGS/build-busybox.log" >&2; die "could not download busybox-static with apt-get (log: $LOGS/build-busybox.log)" "check the Debian mirror in /etc/apt/sources.list is reachable and retry"; }
  deb="$(ls "$work"/busybox-static_*.deb)"
  version="$(dpkg-deb -f "$deb" Version)"; version="${version#*:}"
  out="$NX_K8S_CACHE/k8s/busybox-static-$version"
  rm -rf "$out.tmp" && mkdir -p "$out.tmp/rootfs"
  dpkg-deb -x "$deb" "$work/deb"
  install -D -m 0755 "$work/deb/bin/busybox" "$out.tmp/rootfs/bin/busybox"
  install -D -m 0644 "$work/deb/usr/share/doc/busybox-static/copyright" "$out.tmp/rootfs/usr/share/doc/busybox-static/copyright"
  # Every applet as a link, as the busybox image has them (sh, mkdir, rm, ...).
  for applet in $("$out.tmp/rootfs/bin/busybox" --list-full); do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$out.tmp/rootfs/$(dirname "$applet")"
    ln -sf /bin/busybox "$out.tmp/rootfs/$applet"
  done
  rm -rf "$work" "$out" && mv "$out.tmp" "$out"
  BUSYBOX_BIN="$out"
  info "busybox-static $version -> $out"
}

# build: everything `up` needs; exposes kubectl under $NX_K8S_BIN for the other tools.
build_all() {
  need_go "the cluster's binaries"
  resolve_bin_dirs
  if ! binaries_cached; then
    local start; start="$(now)"
    build_k8s
    build_etcd
    build_coredns
    build_pause
    build_local_path
    build_busybox
    info "all binaries built in $(elapsed "$start") s"
  fi
  link_bin kubectl "$K8S_BIN/kubectl"
}
