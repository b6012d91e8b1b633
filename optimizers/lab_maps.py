"""Maps over a plane of settings: where each start ends up (basin map) and which (lr, μ) pairs
converge (phase diagram). Each is many `simulate` rows read by `diagnose` / `steps_to_tolerance`,
run in chunks of rows (`row_chunks`) so memory stays bounded and a caller can show progress.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from .base import LRPolicy, Optimizer
from .diagnostics import Outcome, diagnose
from .lab_compare import as_rates, repeat_start, stability_at_minimum, steps_to_tolerance
from .rules import sgd
from .simulate import simulate

Array = np.ndarray

DIVERGED, NOT_CONVERGED, UNDEFINED = -1, -2, -3
MEMORY_BUDGET = 64 * 2**20  # bytes of trajectory history alive at once in a basin map
BYTES_PER_ROW_STEP = 8 * (2 + 1 + 1)  # positions (2) + loss + grad_norm, float64
LR_BYTES_PER_ROW_STEP = 8  # the lr history, stored only under a policy (a fixed rate is a view)
MAX_GRID = 400

Progress = Callable[[int, int], None]  # on_chunk(done, total): rows finished so far, of total


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


def chunk_size(steps: int, budget: int = MEMORY_BUDGET, lr_history: bool = False) -> int:
    """Rows per simulate call so that one chunk's (T+1)-step history fits in `budget` bytes
    (`lr_history`: the run records a (T, B) lr array too, as under an LRPolicy)."""
    per_row_step = BYTES_PER_ROW_STEP + (LR_BYTES_PER_ROW_STEP if lr_history else 0)
    return max(1, budget // ((int(steps) + 1) * per_row_step))


def row_chunks(total: int, rows: int, on_chunk: Progress | None = None) -> Iterator[slice]:
    """Consecutive slices of at most `rows` rows covering range(total).

    `on_chunk(done, total)`, if given, is called with done = 0 before the first slice and again
    each time the caller has finished with a slice (done = rows covered so far), ending with
    done = total: the caller reports progress just by looping.
    """
    if int(rows) != rows or rows < 1:
        raise ValueError(f"chunk size must be a whole number ≥ 1, got {rows!r}")
    report = on_chunk if on_chunk is not None else _ignore
    report(0, total)
    for lo in range(0, total, int(rows)):
        hi = min(lo + int(rows), total)
        yield slice(lo, hi)
        report(hi, total)


def _ignore(done: int, total: int) -> None:
    """The default progress callback: nobody is watching."""


def defined_at(surface: Any, points: Array) -> Array:
    """(B,) bool: f and ∇f are finite at each of the (B, 2) points (where `simulate` can start)."""
    with np.errstate(all="ignore"):
        f, g = surface.f_and_grad(points)
    return np.isfinite(f) & np.isfinite(g).all(axis=-1)


def basin_labels(kind: Array, minimum: Array) -> Array:
    """Label per run: the minimum's index if it converged to one, else DIVERGED / NOT_CONVERGED."""
    settled = np.isin(kind, (Outcome.CONVERGED, Outcome.TRAPPED)) & (minimum >= 0)
    return np.where(settled, minimum, np.where(kind == Outcome.DIVERGED, DIVERGED, NOT_CONVERGED))


def basin_map(
    surface: Any,
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


# ----------------------------------------------------------------------------- phase diagram


class PhaseDiagram(NamedTuple):
    """Heavy-ball runs from one start over a (μ, lr) grid; cell [i, j] ↔ (mus[i], lrs[j]).

    steps_to_converge (M, L): steps until f − f* < tol for good (−1: never / diverged);
    final_loss (M, L); diverged (M, L) bool; lam_max: largest Hessian eigenvalue at the global
    minimum; boundary_lr (M,) = (2 + 2μ)/λ_max, the heavy-ball stability limit of that local
    quadratic (0 < lr·λ < 2 + 2μ); gd_boundary = 2/λ_max (the μ = 0 limit).
    """

    lrs: Array
    mus: Array
    steps_to_converge: Array
    final_loss: Array
    diverged: Array
    lam_max: float
    boundary_lr: Array
    gd_boundary: float
    tol: float


def phase_diagram(
    surface: Any,
    start: Any,
    lrs: Any,
    mus: Any,
    steps: int = 200,
    tol: float = 1e-6,
    chunk: int | None = None,
    on_chunk: Progress | None = None,
) -> PhaseDiagram:
    """Heavy ball (torch SGD with momentum μ, no dampening; μ = 0 is plain GD) from `start`:
    every one of the M × L (μ, lr) pairs is a row with its own μ and lr.

    The rows run in chunks of `chunk` (default `chunk_size(steps)`: bounded history memory; the
    rows never interact, so the answer does not depend on it); `on_chunk(done, total)` is told
    how many of the M × L pairs are done (see `row_chunks`).
    """
    rates = as_rates(lrs)
    momenta = np.atleast_1d(np.asarray(mus, dtype=np.float64))
    if momenta.ndim != 1 or not ((momenta >= 0) & (momenta < 1)).all():
        raise ValueError("momentum values must lie in [0, 1)")
    if surface.global_min is None:
        raise ValueError("a phase diagram needs a landscape with a known global minimum")
    shape = (len(momenta), len(rates))
    x0 = repeat_start(surface.start if start is None else start, momenta.size * rates.size)
    mu_rows, lr_rows = np.repeat(momenta, len(rates)), np.tile(rates, len(momenta))
    steps_k = np.empty(len(x0), dtype=np.int64)
    final = np.empty(len(x0))
    diverged = np.empty(len(x0), dtype=bool)
    rows = chunk_size(steps) if chunk is None else int(chunk)
    for part in row_chunks(len(x0), rows, on_chunk):
        traj = simulate(surface, sgd(momentum=mu_rows[part]), lr_rows[part], x0[part], steps)
        steps_k[part] = steps_to_tolerance(traj.loss, surface.f_min, tol, traj.diverged_at)
        final[part] = traj.loss[-1]
        diverged[part] = traj.diverged_at >= 0
        del traj
    stab = stability_at_minimum(surface)
    lam_max, gd_limit = float(stab.eigenvalues[1]), float(stab.lr_max_stable)
    return PhaseDiagram(
        rates,
        momenta,
        steps_k.reshape(shape),
        final.reshape(shape),
        diverged.reshape(shape),
        lam_max,
        (1.0 + momenta) * gd_limit,
        gd_limit,
        float(tol),
    )
