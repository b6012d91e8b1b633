"""A learning-rate sweep: one batch over a grid of rates from one start (row i runs at lrs[i]),
read by `diagnose`, with GD's stability limit and best rate at the minimum beside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from surfaces import SurfaceLike

from optimizers.base import LRPolicy, Optimizer
from optimizers.diagnostics import Diagnosis, Outcome, diagnose
from optimizers.simulate import Trajectory, simulate

from .common import as_rates, repeat_start, stability_at_minimum
from .grid import DEFAULT_LRS

Array = np.ndarray
PolicyFactory = Callable[[Array], LRPolicy]


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
    surface: SurfaceLike,
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
