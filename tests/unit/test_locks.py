"""The lock files pin every requirement exactly, inside the ranges requirements*.txt allow."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("lock", ROOT / "bin" / "lock.py")
lock = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock)


def read_lock(path: Path) -> dict[str, Version]:
    """name -> pinned version; every non-comment line must be an exact `name==version` pin."""
    pins: dict[str, Version] = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        req = Requirement(line)
        (only,) = req.specifier  # exactly one clause …
        assert only.operator == "==", line  # … and it is an exact pin
        name = canonicalize_name(req.name)
        assert name not in pins, f"{name} pinned twice"
        pins[name] = Version(only.version)
    return pins


@pytest.mark.parametrize(("source", "locked"), sorted(lock.LOCKS.items()))
def test_every_requirement_is_pinned_within_its_range(source, locked):
    pins = read_lock(ROOT / locked)
    for req in lock.read_requirements(ROOT / source):
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} ({source}) is not pinned in {locked}"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{locked} pins {name}=={pins[name]}, outside {req.specifier} of {source}"
        )


def test_runtime_lock_is_the_dev_lock_restricted():
    runtime, dev = read_lock(ROOT / "requirements.lock"), read_lock(ROOT / "requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime


def test_read_requirements_follows_includes(tmp_path):
    (tmp_path / "base.txt").write_text("numpy>=2  # comment\n\n")
    (tmp_path / "dev.txt").write_text("-r base.txt\npytest>=8,<10\n")
    names = [r.name for r in lock.read_requirements(tmp_path / "dev.txt")]
    assert names == ["numpy", "pytest"]


@pytest.mark.parametrize(("source", "locked"), sorted(lock.LOCKS.items()))
def test_lock_is_the_installed_closure(source, locked):
    """Complete (every transitive dependency) and what is tested here: CI installs the lock."""
    installed = {
        n: Version(v) for n, v in lock.closure(lock.read_requirements(ROOT / source)).items()
    }
    assert "altair" in installed  # transitive: streamlit -> altair
    assert read_lock(ROOT / locked) == installed, f"run `python bin/lock.py` to refresh {locked}"
