"""pyproject.toml pins every direct dependency exactly, and the lock files agree with it
(they are what the Docker image and .venv install)."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==(\S+)$")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text().splitlines()
    pins = (PIN.match(line) for line in lines if line and not line.startswith("#"))
    return {normalize(m[1]): m[2] for m in pins if m}


def pins(requirements: list[str]) -> dict[str, str]:
    matches = [(requirement, PIN.match(requirement)) for requirement in requirements]
    unpinned = [requirement for requirement, match in matches if not match]
    assert not unpinned, f"pin these exactly (name==version) in pyproject.toml: {unpinned}"
    return {normalize(match[1]): match[2] for _, match in matches}


@pytest.mark.parametrize(
    ("lock_file", "requirements"),
    [
        ("requirements.lock", PROJECT["dependencies"]),
        (
            "requirements-dev.lock",
            PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"],
        ),
    ],
)
def test_lock_file_matches_pyproject(lock_file, requirements):
    locked = lock(lock_file)
    stale = {
        name: version for name, version in pins(requirements).items() if locked.get(name) != version
    }
    assert not stale, f"{lock_file} is out of date for {stale}: run scripts/lock.sh"
