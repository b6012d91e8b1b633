"""The basin map: where every start of an n × n grid ends up. The n² rows are `simulate` runs read
by `diagnose`, in memory-bounded chunks (`chunks.row_chunks`) so a caller can show progress.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from surfaces import SurfaceLike

from optimizers.base import LRPolicy, Optimizer
from optimizers.diagnostics import Outcome, diagnose
from optimizers.simulate import simulate

from .chunks import Progress, chunk_size, row_chunks

Array = np.ndarray

DIVERGED, NOT_CONVERGED, UNDEFINED = -1, -2, -3
MAX_GRID = 400


class BasinMap(NamedTuple):
    """Where each start of an n × n grid ends up; row i ↔ ys[i], column j ↔ xs[j].

    label (n, n): index into surface.minima of the minimum reached, DIVERGED (−1),
    NOT_CONVERGED (−2: oscillating, stalled, thrown out of the domain or still crawling — see
    `kind`), or UNDEFINED (−3: f or ∇f is not finite at that start, e.g. √x or log x at x < 0,
    x^y at x < 0, or an overflow, so no run can begin there: `simulate` refuses such a start);
    steps (n, n): diagnose's steps to converge (−1 where it did not, and at UNDEFINED starts);
    kind (n, n): Outcome codes, or UNDEFINED (−3, never an Outcome) where there was no run.
    The defined starts run exactly as they would alone: an undefined one never stops the map.
    """

    xs: Array
    ys: Array
    label: Array
    steps: Array
    kind: Array
    lr: float
    chunk: int


def grid_starts(domain: Any, n: int) -> tuple[Array, Array, Array]:
    """xs (n,), ys (n,) spanning the box and the (n·n, 2) starts in row-major (y, x) order."""
    if int(n) != n or not (2 <= n <= MAX_GRID):
        raise ValueError(f"grid size must be a whole number in 2…{MAX_GRID}, got {n!r}")
    (x0, x1), (y0, y1) = domain
    xs, ys = np.linspace(x0, x1, int(n)), np.linspace(y0, y1, int(n))
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.stack([gx.ravel(), gy.ravel()], axis=-1)


def defined_at(surface: SurfaceLike, points: Array) -> Array:
    """(B,) bool: f and ∇f are finite at each of the (B, 2) points (where `simulate` can start)."""
    with np.errstate(all="ignore"):
        f, g = surface.f_and_grad(points)
    return np.isfinite(f) & np.isfinite(g).all(axis=-1)


def basin_labels(kind: Array, minimum: Array) -> Array:
    """Label per run: the minimum's index if it converged to one, else DIVERGED / NOT_CONVERGED."""
    settled = np.isin(kind, (Outcome.CONVERGED, Outcome.TRAPPED)) & (minimum >= 0)
    return np.where(settled, minimum, np.where(kind == Outcome.DIVERGED, DIVERGED, NOT_CONVERGED))


def basin_map(
    surface: SurfaceLike,
    optimizer: Optimizer,
    lr: float | LRPolicy,
    n: int = 100,
    steps: int = 500,
    policy: LRPolicy | None = None,
    domain: Any = None,
    chunk: int | None = None,
    on_chunk: Progress | None = None,
) -> BasinMap:
    """Run from every start of an n × n grid over `domain` (default surface.domain).

    The n² rows go through the same `simulate` + `diagnose` in chunks of `chunk` rows (default:
    `chunk_size(steps)`, about MEMORY_BUDGET of history at a time); only the per-row results are
    kept, so memory stays flat however fine the grid. `policy`, if given, replaces the rate.
    Starts where f or ∇f is not finite are not run: they are labelled UNDEFINED. `on_chunk(done,
    total)` is told how many of the runnable starts (all n² on most landscapes) are done (see
    `row_chunks`).
    """
    xs, ys, starts = grid_starts(surface.domain if domain is None else domain, n)
    rate = lr if policy is None else policy
    rows = chunk_size(steps, lr_history=not np.isscalar(rate)) if chunk is None else int(chunk)
    label = np.full(len(starts), UNDEFINED, dtype=np.int64)
    steps_out = np.full(len(starts), -1, dtype=np.int64)
    kind = np.full(len(starts), UNDEFINED, dtype=np.int8)
    runnable = np.flatnonzero(defined_at(surface, starts))
    for part in row_chunks(len(runnable), rows, on_chunk):
        at = runnable[part]
        traj = simulate(surface, optimizer, rate, starts[at], steps)
        diag = diagnose(surface, traj)
        del traj
        label[at] = basin_labels(diag.kind, diag.minimum)
        steps_out[at] = np.where(label[at] >= 0, diag.steps, -1)
        kind[at] = diag.kind
    shape = (len(ys), len(xs))
    return BasinMap(
        xs,
        ys,
        label.reshape(shape),
        steps_out.reshape(shape),
        kind.reshape(shape),
        float(lr) if policy is None and np.isscalar(lr) else math.nan,
        rows,
    )
