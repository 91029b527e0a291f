#!/usr/bin/env bash
# The project's one test command (npm test): sets up a fresh machine, then runs every test
# target through Nx: unit tests and lints, the apps' tests (SQLite, PostgreSQL, a real
# browser), the images, the charts with the real helm, the local cluster's smoke test and
# the end-to-end deploy scenarios against it.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
bash tools/setup/all.sh
export PATH="/var/cache/nx-k8s/bin:$PATH" NX_DAEMON=false NX_TUI=false
nx() { npx --no-install nx "$@"; }

echo "==> lint and unit/integration tests"
nx run-many -t lint test --parallel=1 --outputStyle=stream
if nx show projects --with-target integration | grep -q .; then
  nx run-many -t integration --parallel=1 --outputStyle=stream
fi
echo "==> local cluster smoke test"
nx run local-cluster:smoke --outputStyle=stream
if nx show projects --with-target e2e | grep -q .; then
  echo "==> end-to-end deploy"
  nx run-many -t e2e --parallel=1 --outputStyle=stream
fi
echo "==> all tests passed in $((SECONDS - started)) s"
