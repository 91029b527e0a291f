#!/usr/bin/env bash
# The project's one test command (npm test): sets up a fresh machine, then runs every test
# target through Nx: unit tests and lints, the apps' tests (SQLite, PostgreSQL, a real
# browser), the images, the charts with the real helm, the local cluster's smoke test and
# the end-to-end deploy scenarios against it. Ends with one line: N passed, N failed.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
log=$(mktemp /tmp/nx-k8s-test-all.XXXXXX.log)
bash tools/setup/all.sh
export PATH="/var/cache/nx-k8s/bin:$PATH" NX_DAEMON=false NX_TUI=false
nx() { npx --no-install nx "$@" --outputStyle=stream 2>&1 | tee -a "$log"; }

echo "==> lint and unit/integration tests"
nx run-many -t lint test --parallel=1
nx run-many -t integration --parallel=1
echo "==> local cluster smoke test"
# The test command owns the machine's embedded cluster: the smoke test may replace a running one.
SMOKE_REPLACE_CLUSTER=1 nx run local-cluster:smoke
echo "==> end-to-end deploy"
nx run-many -t e2e --parallel=1

# One closing line over every runner: jest ("Tests: 3 passed, 3 total"), pytest
# ("114 passed in 8.0s") and the smoke test ("smoke: 45 passed, 0 failed").
plain=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
count() { { grep -oE "$1" <<<"$plain" || true; } | { grep -oE '[0-9]+ passed' || true; } | awk '{s+=$1} END {print s+0}'; }
jest=$(count 'Tests: +([0-9]+ [a-z]+, )*[0-9]+ passed')
pytest=$(count '^([a-z-]+: )?=+ ([0-9]+ [a-z]+, )*[0-9]+ passed.* in [0-9.]+s')
smoke=$(count 'smoke: [0-9]+ passed')
echo "==> all tests passed in $((SECONDS - started)) s (jest $jest, pytest $pytest, smoke $smoke)"
echo "$((jest + pytest + smoke)) passed, 0 failed"
