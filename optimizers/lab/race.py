"""A fair optimizer race: every optimizer tuned over the same grid of rates, from the same start,
by one explicit, stated success criterion (`steps_to_tolerance`, RACE_CRITERION).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from surfaces.base import Box, SurfaceLike

from optimizers.base import Optimizer
from optimizers.diagnostics import diagnose, distance_to_global
from optimizers.rules import make_optimizer
from optimizers.simulate import Trajectory, simulate

from .common import as_rates, repeat_start, steps_to_tolerance
from .grid import DEFAULT_LRS

Array = np.ndarray
RaceEntry = str | Optimizer | tuple[str, Any]

RACE_CRITERION = (
    "Each optimizer runs at every rate of the grid. A rate is eligible only if its whole path "
    "stays on the map (the plotted box, widened to take in the start) and does not diverge: a "
    "rate whose first steps fling the point far away does not win, even if it happens to land "
    "near the minimum later. The chosen rate is the eligible one that brings the loss to within "
    "tol of the global minimum value (f − f* < tol, and staying there) in the fewest steps; ties "
    "go to the lower final loss, then to the larger rate. If no eligible rate gets there, the "
    "eligible rate with the lowest final loss is used; if no rate is eligible, the smallest one "
    "is shown."
)


class RaceRow(NamedTuple):
    """One optimizer at its chosen rate.

    steps: steps to tolerance (−1: never reached), reached = steps ≥ 0; on_map: the whole path
    stayed inside the map box; diverged_at: the step it diverged at (−1: it did not);
    outcome: diagnose's Outcome code for the run; distance: from the final point to the nearest
    GLOBAL minimum (the race's goal, so a run trapped in a local minimum is as far as that
    minimum is from the goal). Every number is finite.
    """

    name: str
    lr: float
    steps: int
    final_loss: float
    distance: float
    outcome: int
    reached: bool
    on_map: bool
    diverged_at: int


class Race(NamedTuple):
    """rows (one per optimizer, in the given order) and the full grid behind each choice.

    steps_table / eligible_table: (n_optimizers, R) over lr_grid (steps to tolerance, −1 never;
    whether the rate could be chosen); box: the map box ((x0, x1), (y0, y1)) paths must stay in;
    trajectories: name -> the (B = 1) run at the chosen rate; criterion: RACE_CRITERION.
    """

    rows: tuple[RaceRow, ...]
    lr_grid: Array
    tol: float
    steps_table: Array
    eligible_table: Array
    box: Box
    trajectories: dict[str, Trajectory]
    criterion: str


def map_box(domain: Box, start: Any) -> Box:
    """The map's box ((x0, x1), (y0, y1)), widened to contain `start` if it lies outside."""
    (x0, x1), (y0, y1) = domain
    sx, sy = (float(v) for v in np.asarray(start, dtype=np.float64).reshape(2))
    return (min(x0, sx), max(x1, sx)), (min(y0, sy), max(y1, sy))


def stays_in(positions: Array, box: Box) -> Array:
    """(B,) bool: every point of the (T+1, B, 2) history lies inside `box` (edges included)."""
    (x0, x1), (y0, y1) = box
    x, y = positions[..., 0], positions[..., 1]
    return ((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)).all(axis=0)


def resolve_optimizer(spec: RaceEntry) -> tuple[str, Optimizer]:
    """(label, Optimizer) from "adam", ("momentum", {"momentum": 0.5}) or an Optimizer."""
    if isinstance(spec, Optimizer):
        return spec.name, spec
    if isinstance(spec, str):
        return spec, make_optimizer(spec)
    name, hyper = spec
    if isinstance(hyper, Optimizer):
        return name, hyper
    label = f"{name}(" + ", ".join(f"{k}={v:g}" for k, v in hyper.items()) + ")"
    return label, make_optimizer(name, **hyper)


def choose_rate(steps: Array, final_loss: Array, eligible: Array) -> int:
    """Index of the chosen rate by RACE_CRITERION; `steps`, `final_loss`, `eligible` are per rate
    of a grid sorted from the largest rate down (so the last tie-break favours the larger rate,
    and the last index is the smallest rate, shown when no rate is eligible).
    """
    eligible = np.asarray(eligible, dtype=bool)
    if not eligible.any():
        return len(steps) - 1
    steps_key = np.where(eligible & (steps >= 0), steps, np.iinfo(np.int64).max)
    loss_key = np.where(eligible, final_loss, np.inf)
    return int(np.lexsort((np.arange(len(steps)), loss_key, steps_key))[0])


def fair_race(
    surface: SurfaceLike,
    optimizers: Sequence[RaceEntry],
    start: Any = None,
    lr_grid: Any = DEFAULT_LRS,
    steps: int = 200,
    tol: float = 1e-6,
) -> Race:
    """Tune every optimizer over the same `lr_grid` by the same rule (RACE_CRITERION), from the
    same start (default surface.start). A one-rate grid races them all at that rate.
    """
    if surface.global_min is None:
        raise ValueError("a race needs a landscape with a known global minimum")
    rates = np.sort(as_rates(lr_grid))[::-1]
    start = surface.start if start is None else start
    box = map_box(surface.domain, start)
    f_star = surface.f_min
    rows, trajectories, tables = [], {}, []
    for spec in optimizers:
        name, optimizer = resolve_optimizer(spec)
        traj = simulate(surface, optimizer, rates, repeat_start(start, len(rates)), steps)
        steps_k = steps_to_tolerance(traj.loss, f_star, tol, traj.diverged_at)
        on_map = stays_in(traj.positions, box)
        eligible = on_map & (traj.diverged_at < 0)
        i = choose_rate(steps_k, traj.loss[-1], eligible)
        chosen = _row(traj, i)
        rows.append(
            RaceRow(
                name=name,
                lr=float(rates[i]),
                steps=int(steps_k[i]),
                final_loss=float(traj.loss[-1, i]),
                distance=float(distance_to_global(surface, chosen.positions[-1])[0]),
                outcome=int(diagnose(surface, chosen).kind[0]),
                reached=bool(steps_k[i] >= 0),
                on_map=bool(on_map[i]),
                diverged_at=int(traj.diverged_at[i]),
            )
        )
        trajectories[name] = chosen
        tables.append((steps_k, eligible))
    steps_t, eligible_t = (np.array(col) for col in zip(*tables, strict=True))
    return Race(
        tuple(rows), rates, float(tol), steps_t, eligible_t, box, trajectories, RACE_CRITERION
    )


def _row(traj: Trajectory, i: int) -> Trajectory:
    """Trajectory of batch row i alone (B = 1)."""
    states = None if traj.states is None else {k: v[:, i : i + 1] for k, v in traj.states.items()}
    return Trajectory(
        traj.positions[:, i : i + 1].copy(),
        traj.loss[:, i : i + 1].copy(),
        traj.lr[:, i : i + 1].copy(),
        traj.grad_norm[:, i : i + 1].copy(),
        traj.diverged_at[i : i + 1].copy(),
        states,
    )
