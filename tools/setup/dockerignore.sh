#!/usr/bin/env bash
# Writes the root .dockerignore: the union of docker/<app>.Dockerfile.dockerignore. BuildKit
# reads each Dockerfile's own ignore file; Docker's legacy builder reads only the context's
# .dockerignore, so the root file must allow what every Dockerfile needs.
# Run it after changing a docker/*.Dockerfile.dockerignore; `--check` only reports.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."
export LC_ALL=C   # the glob's order, and so the file's, must not depend on the locale

generate() {
  echo '# The legacy builder reads only <context>/.dockerignore, not docker/<app>.Dockerfile.dockerignore'
  echo '# (BuildKit reads those). This file is their union, written by tools/setup/dockerignore.sh;'
  echo '# tools/tests/dockerignore.spec.ts fails when it is out of date.'
  echo '*'
  local f line
  for f in docker/*.Dockerfile.dockerignore; do
    [ -e "$f" ] || continue
    echo "# from $f"
    while IFS= read -r line || [ -n "$line" ]; do
      case "$line" in '' | '#'* | '*') continue ;; esac
      printf '%s\n' "$line"
    done <"$f"
  done
}

want=$(generate)
if [ "$(cat .dockerignore 2>/dev/null)" = "$want" ]; then
  info ".dockerignore: up to date"
  exit 0
fi
[ "${1:-}" != --check ] || die ".dockerignore is not the union of docker/*.Dockerfile.dockerignore" "run bash tools/setup/dockerignore.sh"
printf '%s\n' "$want" >.dockerignore
info ".dockerignore: written from $(ls docker/*.Dockerfile.dockerignore | wc -l) ignore files"
