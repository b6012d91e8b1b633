"""Cached calls into the learning-rate lab (optimizers.lab), keyed on primitive arguments only.

Every cache is bounded (`max_entries`): 30+ sessions share one process. The heavy experiments
(basin map, phase diagram) keep few entries; the results are small arrays.

The heavy experiments take an unhashed `_on_chunk(done, total)` progress callback (a leading
underscore keeps it out of the cache key): it is called only while a cold result is computed,
never on a cache hit. The caller must draw from it outside this function's recording (see
lab_views.progress_bar): st.cache_data replays the elements a cached function drew.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from optimizers import make_optimizer, make_policy
from optimizers.lab import (
    BasinMap,
    Fan,
    PhaseDiagram,
    Race,
    RangeTest,
    Sweep,
    basin_map,
    fair_race,
    lr_range_test,
    lr_sweep,
    phase_diagram,
    sgd_fan,
)
from optimizers.lab.chunks import Progress
from optimizers.lab.sgd import runs_seed
from surfaces import Surface
from surfaces.data import RegressionData, make_regression_data, regression_surface

from .compute import SurfaceKey, get_surface
from .plots import Landscape, sample_landscape
from .theory import theory_at_minimum

PANEL_GRID = 60  # samples per side of the small-multiple contours (light figures)


@st.cache_data(max_entries=64, show_spinner=False)
def sweep(
    key: SurfaceKey,
    optimizer: str,
    hyper: tuple,
    policy: str,
    policy_params: tuple,
    warmup: int,
    lrs: tuple[float, ...],
    start: tuple[float, float],
    steps: int,
) -> Sweep:
    factory = None
    if policy != "constant" or warmup:

        def factory(rates):
            return make_policy(policy, rates, steps, warmup_steps=warmup, **dict(policy_params))

    rule = make_optimizer(optimizer, **dict(hyper))
    return lr_sweep(get_surface(key), rule, np.array(lrs), start, steps, factory)


@st.cache_data(max_entries=64, show_spinner=False)
def range_test(
    key: SurfaceKey,
    optimizer: str,
    hyper: tuple,
    start: tuple[float, float],
    lr_min: float,
    lr_max: float,
    steps: int,
    beta: float,
    stop_factor: float,
    noise: float = 0.0,
    seed: int = 0,
) -> RangeTest:
    return lr_range_test(
        get_surface(key),
        make_optimizer(optimizer, **dict(hyper)),
        np.asarray(start, dtype=np.float64),
        lr_min=lr_min,
        lr_max=lr_max,
        steps=steps,
        beta=beta,
        stop_factor=stop_factor,
        noise=noise,
        seed=seed,
    )


@st.cache_data(max_entries=24, show_spinner=False)
def basins(
    key: SurfaceKey,
    optimizer: str,
    hyper: tuple,
    lr: float,
    n: int,
    steps: int,
    policy: str = "constant",
    policy_params: tuple = (),
    warmup: int = 0,
    _on_chunk: Progress | None = None,
) -> BasinMap:
    """The basin map at `lr`, under `policy` after `warmup` steps (as the sidebar's runs)."""
    rule = make_optimizer(optimizer, **dict(hyper))
    rate = None
    if policy != "constant" or warmup:
        rate = make_policy(policy, lr, steps, warmup_steps=warmup, **dict(policy_params))
    return basin_map(get_surface(key), rule, lr, n, steps, policy=rate, on_chunk=_on_chunk)


def _limit(stab) -> float:
    return float("nan") if stab is None else float(stab.lr_max_stable)


def gd_limit(key: SurfaceKey) -> float:
    """2/λ_max at the global minimum (NaN without one, or where the theory does not apply)."""
    return _limit(theory_at_minimum(key))


def phase_grid(key: SurfaceKey, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Rates from 2/λ_max/100 to 2.5·2/λ_max (past the μ = 0.95 limit), μ from 0 to 0.95."""
    stab = theory_at_minimum(key)
    if stab is None or not np.isfinite(stab.lr_max_stable):
        return None
    limit = float(stab.lr_max_stable)
    return np.geomspace(limit / 100, 2.5 * limit, n), np.linspace(0.0, 0.95, n)


@st.cache_data(max_entries=24, show_spinner=False)
def phase(
    key: SurfaceKey,
    start: tuple[float, float],
    n: int,
    steps: int,
    _on_chunk: Progress | None = None,
) -> PhaseDiagram | None:
    surface = get_surface(key)
    grid = phase_grid(key, n)
    if grid is None:
        return None
    lrs, mus = grid
    return phase_diagram(surface, start, lrs, mus, steps, on_chunk=_on_chunk)


@st.cache_data(max_entries=64, show_spinner=False)
def race(
    key: SurfaceKey,
    names: tuple[str, ...],
    hypers: tuple[tuple, ...],
    start: tuple[float, float],
    lr_grid: tuple[float, ...],
    steps: int,
    tol: float,
) -> Race:
    """Every optimizer `names[i]` with hyperparameters `hypers[i]`, tuned over `lr_grid`."""
    entries = [(n, make_optimizer(n, **dict(h))) for n, h in zip(names, hypers, strict=True)]
    return fair_race(get_surface(key), entries, start, np.array(lr_grid), steps, tol)


@st.cache_data(max_entries=32, show_spinner=False)
def regression_data(n: int, noise: float, seed: int) -> RegressionData:
    return make_regression_data(n, seed, noise=noise)


@st.cache_resource(max_entries=16, show_spinner=False)
def regression(n: int, noise: float, seed: int) -> tuple[Surface, Landscape]:
    """The full-batch loss of the data set as a surface, and its sampled landscape."""
    surface = regression_surface(regression_data(n, noise, seed))
    land = sample_landscape(
        surface.f, surface.domain, minima=[m.point for m in surface.minima], f_min=surface.f_min
    )
    return surface, land


@st.cache_data(max_entries=32, show_spinner=False)
def fan(
    n: int,
    noise: float,
    seed: int,
    lr: float,
    batch: int,
    runs: int,
    steps: int,
    policy: str,
) -> Fan:
    """K seeded mini-batch GD runs at `lr` under `policy` (its default parameters).

    `seed` draws the data; the runs' mini-batches come from `runs_seed(seed)`, a stream
    independent of the data's. Every policy gets the same mini-batch stream, so the constant
    and the decaying fans differ only by their rates.
    """
    rate = lr if policy == "constant" else make_policy(policy, lr, steps)
    data = regression_data(n, noise, seed)
    return sgd_fan(data, rate, batch, runs, steps, seed=runs_seed(seed))
