#!/usr/bin/env bash
# Everything a fresh Debian/Ubuntu machine needs for the tests and the deploy, installed and
# started idempotently: a second run checks and returns in seconds.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."

command -v node >/dev/null || die "Node.js not found" "install Node.js >= 20.9 (https://nodejs.org)"
command -v python3 >/dev/null || die "python3 not found" "install Python >= 3.11"
need_go "helm, actionlint and the local cluster"

step "system packages"
# debootstrap: base images; chromium: the frontend's browser test; postgresql: the backend's
# database tests; docker-registry: the registry push path of the plugin.
apt_install debootstrap chromium postgresql docker-registry git
bash tools/setup/docker.sh
bash tools/setup/helm.sh
bash tools/setup/actionlint.sh
bash tools/setup/base-images.sh

# npm ci only when package-lock.json changed since the last install.
stamp=node_modules/.nx-k8s-lock-sha
want=$(sha256sum package-lock.json | cut -c1-64)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  step "npm ci"
  npm ci --no-audit --no-fund >/tmp/nx-k8s-npm-ci.log 2>&1 || { tail -n 20 /tmp/nx-k8s-npm-ci.log >&2; die "npm ci failed" "see /tmp/nx-k8s-npm-ci.log"; }
  echo "$want" >"$stamp"
fi
info "setup complete"
