"""Comparing runs: a learning-rate sweep (one batch over a grid of rates) and a fair optimizer race.

Both are single `simulate` batches per optimizer (row i runs at lrs[i]) read by `diagnose`; the
race adds one explicit, stated success criterion (`steps_to_tolerance`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from .base import LRPolicy, Optimizer
from .diagnostics import Diagnosis, Outcome, diagnose, distance_to_global
from .lab_grid import DEFAULT_LRS
from .rules import make_optimizer
from .simulate import Trajectory, simulate
from .stability import analyze

Array = np.ndarray
PolicyFactory = Callable[[Array], LRPolicy]
RaceEntry = str | Optimizer | tuple[str, Any]


def repeat_start(start: Any, batch: int) -> Array:
    """(batch, 2) copies of one start point."""
    return np.tile(np.asarray(start, dtype=np.float64).reshape(1, 2), (batch, 1))


def as_rates(lrs: Any) -> Array:
    """A 1-D float64 array of finite rates > 0 (ValueError otherwise)."""
    rates = np.atleast_1d(np.asarray(lrs, dtype=np.float64))
    if rates.ndim != 1 or rates.size == 0 or not (np.isfinite(rates) & (rates > 0)).all():
        raise ValueError("learning rates must be a non-empty list of finite numbers > 0")
    return rates


def steps_to_tolerance(loss: Array, f_star: float, tol: float, diverged_at: Array) -> Array:
    """(B,) first step k with loss[j] − f* < tol for EVERY j ≥ k up to the end; −1 if none.

    "Reach and stay": a momentum run that dips below tol and swings back out does not count
    until it stays. A diverged trajectory never counts (its frozen last point is not a result).
    """
    inside = (loss - f_star) < tol  # (T+1, B)
    stays = np.logical_and.accumulate(inside[::-1], axis=0)[::-1]
    count = stays.sum(axis=0)  # trailing run length
    steps = np.where(count > 0, len(loss) - count, -1)
    return np.where(diverged_at >= 0, -1, steps)


def stability_at_minimum(surface: Any) -> Any:
    """`stability.analyze` at the surface's global minimum (None when it has none)."""
    if surface.global_min is None:
        return None
    return analyze(surface, np.asarray(surface.global_min.point, dtype=np.float64))


# ----------------------------------------------------------------------------- sweep


class Sweep(NamedTuple):
    """One run per rate from the same start (row i ↔ lrs[i]).

    trajectory: the batch (B = len(lrs)); diagnosis: diagnose(surface, trajectory);
    final_loss (R,); steps_to_converge (R,) = diagnosis.steps where the run converged, else −1;
    lr_max_stable = 2/λ_max and lr_best = 2/(λ_min + λ_max) of the local quadratic at the global
    minimum (GD's stability limit and best fixed rate there; NaN without a known minimum).
    """

    lrs: Array
    trajectory: Trajectory
    diagnosis: Diagnosis
    final_loss: Array
    steps_to_converge: Array
    lr_max_stable: float
    lr_best: float


def lr_sweep(
    surface: Any,
    optimizer: Optimizer,
    lrs: Any = DEFAULT_LRS,
    start: Any = None,
    steps: int = 200,
    policy: PolicyFactory | None = None,
) -> Sweep:
    """Run `optimizer` from `start` (default surface.start) at every rate of `lrs` in ONE batch.

    `policy`, if given, turns the (R,) base rates into one LRPolicy for the batch (e.g. a cosine
    schedule whose peak is each row's rate); otherwise each row runs at its constant rate.
    """
    rates = as_rates(lrs)
    x0 = repeat_start(surface.start if start is None else start, len(rates))
    lr = rates if policy is None else policy(rates)
    traj = simulate(surface, optimizer, lr, x0, steps)
    diag = diagnose(surface, traj)
    stab = stability_at_minimum(surface)
    return Sweep(
        lrs=rates,
        trajectory=traj,
        diagnosis=diag,
        final_loss=traj.loss[-1].copy(),
        steps_to_converge=np.where(_converged(diag), diag.steps, -1),
        lr_max_stable=math.nan if stab is None else float(stab.lr_max_stable),
        lr_best=math.nan if stab is None else float(stab.lr_best),
    )


def _converged(diag: Diagnosis) -> Array:
    """(B,) bool: the run settled in a minimum (global or local)."""
    return np.isin(diag.kind, (Outcome.CONVERGED, Outcome.TRAPPED))


# ----------------------------------------------------------------------------- race

RACE_CRITERION = (
    "Each optimizer runs at every rate of the grid; its rate is the one that brings the loss to "
    "within tol of the global minimum value (f − f* < tol, and staying there) in the fewest "
    "steps; ties go to the lower final loss, then to the larger rate. If no rate gets there, "
    "the rate with the lowest final loss among runs that did not diverge is used."
)


class RaceRow(NamedTuple):
    """One optimizer at its chosen rate. steps = steps to tolerance (−1: never reached);
    distance = from the final point to the nearest GLOBAL minimum (the race's goal, so a run
    trapped in a local minimum is as far as that minimum is from the goal); outcome: diagnose's.
    """

    name: str
    lr: float
    steps: int
    final_loss: float
    distance: float
    outcome: int
    reached: bool


class Race(NamedTuple):
    """rows (one per optimizer, in the given order) and the full grid behind each choice.

    steps_table / final_loss_table / diverged_table: (n_optimizers, R) over lr_grid;
    trajectories: name -> the (B = 1) run at the chosen rate; criterion: RACE_CRITERION.
    """

    rows: tuple[RaceRow, ...]
    lr_grid: Array
    tol: float
    steps_table: Array
    final_loss_table: Array
    diverged_table: Array
    trajectories: dict[str, Trajectory]
    criterion: str


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


def choose_rate(steps: Array, final_loss: Array, diverged: Array) -> int:
    """Index of the chosen rate by RACE_CRITERION; `steps`, `final_loss`, `diverged` are per rate
    of a grid sorted from the largest rate down (so the last tie-break favours the larger rate).
    """
    steps_key = np.where(steps >= 0, steps, np.iinfo(np.int64).max)
    loss_key = np.where(diverged, np.inf, final_loss)
    return int(np.lexsort((np.arange(len(steps)), loss_key, steps_key))[0])


def fair_race(
    surface: Any,
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
    f_star = surface.f_min
    rows, trajectories, tables = [], {}, []
    for spec in optimizers:
        name, optimizer = resolve_optimizer(spec)
        traj = simulate(surface, optimizer, rates, repeat_start(start, len(rates)), steps)
        diverged = traj.diverged_at >= 0
        steps_k = steps_to_tolerance(traj.loss, f_star, tol, traj.diverged_at)
        final = traj.loss[-1]
        i = choose_rate(steps_k, final, diverged)
        chosen = _row(traj, i)
        diag = diagnose(surface, chosen)
        rows.append(
            RaceRow(
                name=name,
                lr=float(rates[i]),
                steps=int(steps_k[i]),
                final_loss=float(final[i]),
                distance=float(distance_to_global(surface, chosen.positions[-1])[0]),
                outcome=int(diag.kind[0]),
                reached=bool(steps_k[i] >= 0),
            )
        )
        trajectories[name] = chosen
        tables.append((steps_k, final, diverged))
    steps_t, loss_t, div_t = (np.array(col) for col in zip(*tables, strict=True))
    return Race(
        tuple(rows), rates, float(tol), steps_t, loss_t, div_t, trajectories, RACE_CRITERION
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
