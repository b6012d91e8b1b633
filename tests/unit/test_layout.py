"""The core's house: one parameter module for every registry, the SurfaceLike protocol, the
public names of optimizers and optimizers.lab, and the ruff bans that keep the dependency
direction app → optimizers → surfaces → numpy."""

from __future__ import annotations

import importlib
import subprocess
from pathlib import Path

import numpy as np
import pytest

import optimizers
import optimizers.registry
import surfaces
import surfaces.params
from optimizers.lab import DEFAULT_LRS
from surfaces import SURFACES, SurfaceLike, make_surface
from surfaces.data import make_regression_data, regression_surface
from surfaces.formula import make_formula_surface

ROOT = Path(__file__).resolve().parents[2]


def test_one_parameter_module_serves_every_registry():
    """ParamSpec, resolve, is_flag and lookup exist once (surfaces.params); the re-exports in
    surfaces and optimizers.registry are the same objects, and surfaces.base no longer has them."""
    base = importlib.import_module("surfaces.base")
    for name in ("ParamSpec", "resolve", "is_flag", "lookup"):
        assert not hasattr(base, name)
        assert getattr(optimizers.registry, name) is getattr(surfaces.params, name)
    assert surfaces.ParamSpec is surfaces.params.ParamSpec
    assert optimizers.is_flag is surfaces.params.is_flag
    specs = [*SURFACES.values(), *optimizers.OPTIMIZERS.values(), *optimizers.POLICIES.values()]
    kinds = (surfaces.params.ParamSpec, surfaces.params.ListSpec)
    assert all(isinstance(p, kinds) for spec in specs for p in spec.params)


def test_simulate_is_exported_from_optimizers_and_its_module_still_imports():
    module = importlib.import_module("optimizers.simulate")
    assert optimizers.simulate is module.simulate
    assert optimizers.Trajectory is module.Trajectory and optimizers.StartError is module.StartError


def test_every_landscape_of_the_app_is_surface_like():
    built = [make_surface(name) for name in SURFACES]
    built.append(make_formula_surface("x^2 + 3*y^2"))
    built.append(regression_surface(make_regression_data(n=20, seed=0)))
    for surface in built:
        assert isinstance(surface, SurfaceLike), surface.name
        f, g = surface.f_and_grad(np.array([surface.start]))
        assert f.shape == (1,) and g.shape == (1, 2)


def test_a_record_missing_a_member_is_not_surface_like():
    class Half:
        name, domain, start = "half", ((0, 1), (0, 1)), (0.5, 0.5)

    assert not isinstance(Half(), SurfaceLike)


def test_module_level_rate_grids_are_read_only():
    from app.pages.race import RACE_GRID

    for grid in (DEFAULT_LRS, RACE_GRID):
        with pytest.raises(ValueError, match="read-only"):
            grid[0] = 123.0
    assert DEFAULT_LRS[0] == 10.0 and RACE_GRID[0] == 10.0


def test_removed_dead_code_stays_removed():
    range_test = importlib.import_module("optimizers.lab.range_test")
    race = importlib.import_module("optimizers.lab.race")
    assert not hasattr(range_test, "SUGGESTIONS")
    assert "lr_max_stable_start" not in range_test.RangeTest._fields
    assert "final_loss_table" not in race.Race._fields


def ruff(source: str, as_path: str) -> subprocess.CompletedProcess:
    """`ruff check` of `source` as if it were the file `as_path` (its folder's ruff.toml applies;
    nothing is written to the tree)."""
    ruff_bin = pytest.importorskip("ruff").find_ruff_bin()
    return subprocess.run(
        [ruff_bin, "check", "--no-cache", "--select", "TID251", "--stdin-filename", as_path, "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


@pytest.mark.parametrize(
    ("source", "where"),
    [
        ("import app.pages.lab\n", "optimizers/_planted.py"),
        ("from app.scene import resolve_surface\n", "optimizers/lab/_planted.py"),
        ("from app import compute\n", "surfaces/_planted.py"),
        ("import optimizers.rules\n", "surfaces/_planted.py"),
        ("from optimizers.lab import fair_race\n", "surfaces/_planted.py"),
        ("import streamlit as st\n", "optimizers/_planted.py"),
        ("import plotly\n", "surfaces/_planted.py"),
    ],
)
def test_ruff_bans_imports_against_the_dependency_direction(source, where):
    result = ruff(source, where)
    assert result.returncode == 1 and "TID251" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("source", "where"),
    [
        ("from surfaces import make_surface\n", "optimizers/_planted.py"),
        ("import optimizers.rules\n", "app/_planted.py"),
        ("from surfaces.params import ParamSpec\n", "surfaces/_planted.py"),
    ],
)
def test_ruff_allows_imports_along_the_dependency_direction(source, where):
    result = ruff(source, where)
    assert result.returncode == 0, result.stdout + result.stderr
