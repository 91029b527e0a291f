#!/usr/bin/env bash
# The Skaffold baseline of bench/skaffold-bench.ts, built here from the Go module proxy (no
# release binary can be downloaded): a generated module that requires skaffold/v2 and carries a
# copy of its replace directives (Go ignores them in a dependency, and `go install` refuses a
# module that has them). Cached under the machine cache by version, Go and flags; prints the
# binary's path. Bench-only: the plugin never runs Skaffold.
set -euo pipefail
LC_ROOT="$(cd "$(dirname "$0")/../../tools/local-cluster" && pwd)"
. "$LC_ROOT/lib/common.sh"
. "$LC_ROOT/lib/build.sh"
die() { printf 'skaffold build: %s; %s\n' "$1" "$2" >&2; exit 1; }

SKAFFOLD_VERSION="v2.16.1"
MODULE="github.com/GoogleContainerTools/skaffold/v2"
LOGS="$NX_K8S_LOGS/skaffold"
# As its Makefile for Linux, without cgo: netgo and osusergo are its static build's tags.
TAGS="timetzdata osusergo netgo release"
LDFLAGS="-s -w -X $MODULE/pkg/skaffold/version.version=$SKAFFOLD_VERSION"

replaces() {
  local gomod
  gomod="$(cd "$NX_K8S_CACHE" && go mod download -json "$MODULE@$SKAFFOLD_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [ -f "$gomod" ] || die "could not download $MODULE@$SKAFFOLD_VERSION from the Go module proxy" "check the network and 'go env GOPROXY'"
  grep -E '^replace [^(]' "$gomod"
  sed -n '/^replace (/,/^)/p' "$gomod"
}

need_go "Skaffold"
mkdir -p "$LOGS"
out="$NX_K8S_CACHE/skaffold/skaffold-$SKAFFOLD_VERSION-$(go_version)-$(short_hash "cgo0 $TAGS $LDFLAGS")"
if [ ! -x "$out/skaffold" ]; then
  step "building Skaffold $SKAFFOLD_VERSION (bench baseline): about 9 min cold on 2 cores" >&2
  MODULE_TAGS="$TAGS" go_module_build skaffold "$MODULE" "$SKAFFOLD_VERSION" "$out" "$LDFLAGS" "$(replaces)" "$MODULE/cmd/skaffold" >&2
fi
echo "$out/skaffold"
