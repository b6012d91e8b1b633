"""Calls into the learning-rate lab (optimizers.lab), keyed on primitive arguments only.

Every cache is bounded: 30+ sessions share one process. The heavy experiments (basin map, phase
diagram, sweep, SGD fan) go through the server's gate (app/gate.py: a bounded number at a time,
one per session, a rate limit, the waiting message and progress bar drawn by the script thread)
and cache what their view draws (outcome grids, the sweep's panels, the fan's paths), never
whole trajectory histories; the light ones are st.cache_data.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import streamlit as st

from app.figures.data import Landscape, sample_landscape
from app.figures.sweep import SweepPanel, sweep_panels
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
from optimizers.lab.chunks import Progress, chunk_size
from optimizers.lab.defaults import BasinDefaults, basin_defaults
from optimizers.lab.sgd import runs_seed
from surfaces import Surface
from surfaces.data import RegressionData, make_regression_data, regression_surface

from . import gate
from .compute import SurfaceKey, get_surface
from .theory import theory_at_minimum

PANEL_GRID = 60  # samples per side of the small-multiple contours (light figures)
MB = 2**20
HEAVY_MEMORY = 16 * MB  # trajectory history alive at once in one heavy job; a 200 × 200 basin map
# of 500 steps (ravine, GD): 1.6 s, peak 24 MB (8 MB: 2.7 s, 14 MB; 32 MB: 1.1 s, 40 MB)


class SweepView(NamedTuple):
    """What the sweep view draws: one panel per rate, and the theory's two rates."""

    panels: list[SweepPanel]
    lr_max_stable: float
    lr_best: float


def sweep_view(result: Sweep) -> SweepView:
    """The panels as their own arrays (the trajectory history, grad norms and rates are freed)."""
    panels = [
        SweepPanel(p.lr, p.positions.copy(), p.loss.copy(), p.diverged_at, p.kind, p.steps)
        for p in sweep_panels(result)
    ]
    return SweepView(panels, result.lr_max_stable, result.lr_best)


@gate.heavy(
    max_entries=64,
    max_bytes=32 * MB,
    label=lambda a: (f"Sweep of {len(a['lrs'])} rates, {a['steps']:,} steps", "steps"),
    work=lambda a: len(a["lrs"]) * a["steps"],
    keep=sweep_view,
)
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
    on_chunk: Progress | None = None,
) -> Sweep:
    surface = get_surface(key)
    factory = None
    if policy != "constant" or warmup:

        def factory(rates):
            return make_policy(policy, rates, steps, warmup_steps=warmup, **dict(policy_params))

    return lr_sweep(
        surface, make_optimizer(optimizer, **dict(hyper)), np.array(lrs), start, steps, factory
    )


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


@gate.heavy(
    max_entries=24,
    max_bytes=24 * MB,
    label=lambda a: (f"Basin map, {a['steps']:,} steps from each start", "starts"),
    work=lambda a: a["n"] ** 2 * a["steps"],
)
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
    on_chunk: Progress | None = None,
) -> BasinMap:
    """The basin map at `lr`, under `policy` after `warmup` steps (as the sidebar's runs)."""
    rule = make_optimizer(optimizer, **dict(hyper))
    rate = None
    if policy != "constant" or warmup:
        rate = make_policy(policy, lr, steps, warmup_steps=warmup, **dict(policy_params))
    rows = chunk_size(steps, HEAVY_MEMORY, lr_history=rate is not None)
    return basin_map(
        get_surface(key), rule, lr, n, steps, policy=rate, chunk=rows, on_chunk=on_chunk
    )


def gd_limit(key: SurfaceKey) -> float:
    """2/λ_max at the global minimum (NaN without one, or where the theory does not apply)."""
    stab = theory_at_minimum(key)
    return float("nan") if stab is None else float(stab.lr_max_stable)


def phase_grid(key: SurfaceKey, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Rates from 2/λ_max/100 to 2.5·2/λ_max (past the μ = 0.95 limit), μ from 0 to 0.95;
    None where there is no stability limit to draw."""
    limit = gd_limit(key)
    if not np.isfinite(limit):
        return None
    return np.geomspace(limit / 100, 2.5 * limit, n), np.linspace(0.0, 0.95, n)


def phase(key: SurfaceKey, start: tuple[float, float], n: int, steps: int) -> PhaseDiagram | None:
    """The lr × μ diagram, or None on a landscape without a stability limit to draw."""
    if phase_grid(key, n) is None:
        return None
    return phase_map(key, start, n, steps)


@gate.heavy(
    max_entries=24,
    max_bytes=8 * MB,
    label=lambda a: (f"Phase diagram, {a['steps']:,} steps each", "(lr, μ) pairs"),
    work=lambda a: a["n"] ** 2 * a["steps"],
)
def phase_map(
    key: SurfaceKey,
    start: tuple[float, float],
    n: int,
    steps: int,
    on_chunk: Progress | None = None,
) -> PhaseDiagram:
    surface = get_surface(key)
    lrs, mus = phase_grid(key, n)
    rows = chunk_size(steps, HEAVY_MEMORY)
    return phase_diagram(surface, start, lrs, mus, steps, chunk=rows, on_chunk=on_chunk)


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
def basin_suggestion(key: SurfaceKey, steps: int) -> BasinDefaults:
    """An optimizer and rate whose map reaches ≥ 2 minima in `steps` (lab.defaults)."""
    return basin_defaults(get_surface(key), steps)


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


class FanView(NamedTuple):
    """What the SGD view draws of a fan: the (T+1, K, 2) paths, the loss band, the spread."""

    positions: np.ndarray
    band: np.ndarray
    final_spread: float


def fan_view(result: Fan) -> FanView:
    return FanView(result.trajectory.positions.copy(), result.band, result.final_spread)


@gate.heavy(
    max_entries=32,
    max_bytes=32 * MB,
    label=lambda a: (f"{a['runs']} seeded runs, {a['steps']:,} steps", "steps"),
    work=lambda a: a["runs"] * a["n"] * a["steps"],
    keep=fan_view,
)
def fan(
    n: int,
    noise: float,
    seed: int,
    lr: float,
    batch: int,
    runs: int,
    steps: int,
    policy: str,
    on_chunk: Progress | None = None,
) -> Fan:
    """K seeded mini-batch GD runs at `lr` under `policy` (its default parameters).

    `seed` draws the data; the runs' mini-batches come from `runs_seed(seed)`, a stream
    independent of the data's. Every policy gets the same mini-batch stream, so the constant
    and the decaying fans differ only by their rates.
    """
    rate = lr if policy == "constant" else make_policy(policy, lr, steps)
    data = regression_data(n, noise, seed)
    return sgd_fan(data, rate, batch, runs, steps, seed=runs_seed(seed))
