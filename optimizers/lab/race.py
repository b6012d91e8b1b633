"""A fair optimizer race: every optimizer tuned over the same grid of rates, from the same start,
by one explicit, stated success criterion (`steps_to_tolerance`, RACE_CRITERION).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from optimizers.base import Optimizer
from optimizers.diagnostics import diagnose, distance_to_global
from optimizers.rules import make_optimizer
from optimizers.simulate import Trajectory, simulate

from .common import as_rates, repeat_start, steps_to_tolerance
from .grid import DEFAULT_LRS

Array = np.ndarray
RaceEntry = str | Optimizer | tuple[str, Any]

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
