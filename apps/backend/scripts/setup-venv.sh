#!/usr/bin/env bash
# Creates apps/backend/.venv with the app (editable) and the dev tools, at the versions of
# requirements-dev.lock. Does nothing when the venv works and was built from the same
# pyproject.toml and lock file (a stamp file holds their hash). Other projects' tests call
# this too, so runs are serialized with a lock.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

die() { printf 'setup-venv: %s. Fix: %s\n' "$1" "$2" >&2; exit 1; }

# Lock this script's own file: no lock file to create, ignore or clean up.
exec 9<scripts/setup-venv.sh
flock -w 600 9 || die "another setup-venv.sh held the lock for 10 minutes" "wait for it, or kill it"

stamp=.venv/.setup-stamp
want="$(cat pyproject.toml requirements-dev.lock | sha256sum | cut -d' ' -f1)"
# The venv's own interpreter decides, not the caller's python3 (PATH differs between callers).
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && .venv/bin/python -c '' 2>/dev/null; then
  echo "backend: .venv is up to date"
  exit 0
fi

command -v "$PYTHON" >/dev/null || die "$PYTHON not found" "install Python >= 3.11, or set PYTHON to its path"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  die "$PYTHON is Python $("$PYTHON" -c 'import platform; print(platform.python_version())'), the backend needs >= 3.11" \
    "install Python >= 3.11, or set PYTHON to its path"

echo "backend: creating .venv"
# From scratch, so packages dropped from the lock file do not linger.
rm -rf .venv
"$PYTHON" -m venv .venv
pip=(.venv/bin/pip --disable-pip-version-check -q)
"${pip[@]}" install -r requirements-dev.lock
"${pip[@]}" install --no-deps -e .
echo "$want" >"$stamp"
echo "backend: .venv ready (Python $(.venv/bin/python -c 'import platform; print(platform.python_version())'))"
