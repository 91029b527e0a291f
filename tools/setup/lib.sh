# Shared helpers for the setup scripts. Sourced, never run.
# Every script here is idempotent: it checks before it installs, builds or starts.

NX_K8S_CACHE="${NX_K8S_CACHE:-/var/cache/nx-k8s}"
NX_K8S_LOGS="${NX_K8S_LOGS:-/var/log/nx-k8s}"
NX_K8S_BIN="$NX_K8S_CACHE/bin"   # stable symlinks to the versioned builds below

# Pinned versions: change one here and its cache key changes with it.
HELM_VERSION="v3.22.0"
ACTIONLINT_VERSION="v1.7.12"   # the workflow linter of the ci generator's test

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
# die WHAT FIX: one line saying what is wrong and how to fix it.
die() { printf 'setup: %s. Fix: %s\n' "$1" "$2" >&2; exit 1; }

need_root() {
  [ "$(id -u)" = 0 ] || die "this step installs system packages and must run as root" "run it with sudo, or install $1 yourself"
}

# apt_install PKG...: installs only the packages that are missing.
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  need_root "${missing[*]}"
  command -v apt-get >/dev/null || die "apt-get not found (missing: ${missing[*]})" "install ${missing[*]} with your package manager"
  info "apt-get install ${missing[*]}"
  local apt=(apt-get -o DPkg::Lock::Timeout=600 -q)
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/tmp/nx-k8s-apt.log 2>&1; then
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" update >>/tmp/nx-k8s-apt.log 2>&1 || true
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >>/tmp/nx-k8s-apt.log 2>&1 ||
      { tail -n 5 /tmp/nx-k8s-apt.log >&2; die "apt-get could not install ${missing[*]}" "see /tmp/nx-k8s-apt.log"; }
  fi
}

need_go() {
  command -v go >/dev/null || die "Go toolchain not found (needed to build $1)" "install Go >= 1.25 from https://go.dev/dl and put it on PATH"
}

# link_bin NAME TARGET: exposes a cached build under $NX_K8S_BIN.
link_bin() {
  mkdir -p "$NX_K8S_BIN"
  ln -sfn "$2" "$NX_K8S_BIN/$1"
}
