#!/usr/bin/env bash
# actionlint, the GitHub Actions workflow linter the ci generator's workflow is checked with:
# always the pinned release (what it reports depends on its version), built with `go install`
# and cached under $NX_K8S_CACHE/actionlint/<actionlint version>-<go version>.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_go actionlint
dir="$NX_K8S_CACHE/actionlint/$ACTIONLINT_VERSION-$(go env GOVERSION)"
if [ ! -x "$dir/actionlint" ]; then
  step "actionlint $ACTIONLINT_VERSION: building from the Go module proxy (about 10-30 s)"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  GOBIN="$dir.tmp" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
link_bin actionlint "$dir/actionlint"
info "actionlint: $("$NX_K8S_BIN/actionlint" -version | head -n 1) at $NX_K8S_BIN/actionlint"
