"""Mini-batch SGD on a real model: K seeded runs on the regression landscape, as a fan of losses.

Every run draws its own mini-batches (surfaces.data.minibatch_gradient through simulate's
`gradient=` hook), so the runs spread; the quantile band shows how far. With a constant rate the
noise keeps the iterates bouncing in a ball around the minimum whose size scales with lr; a
decaying rate shrinks the ball.

Seeds: a data set drawn with `make_regression_data(n, seed)` and runs seeded with the same integer
would read the same random stream — the first mini-batches would be functions of the data's own
draws (run 0's first batch favours points near x̄). `runs_seed(seed)` gives the runs a stream of
their own, derived from the same integer, so one number in a link still fixes both.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from surfaces.data import RegressionData, minibatch_gradient, regression_surface

from optimizers.base import LRPolicy, Optimizer
from optimizers.rules import gd
from optimizers.simulate import Trajectory, simulate

from .common import repeat_start

Array = np.ndarray

QUANTILES = (0.1, 0.5, 0.9)


class Fan(NamedTuple):
    """trajectory: the K runs (B = K); levels: the quantile levels; band (len(levels), T+1): loss
    quantiles across runs at each step; mean (T+1,): mean loss; final_spread: the 90 %−10 % width
    of the final loss, the number to compare between schedules.
    """

    trajectory: Trajectory
    levels: tuple[float, ...]
    band: Array
    mean: Array
    final_spread: float


def runs_seed(data_seed: int) -> int:
    """The runs' seed for a data set drawn with `data_seed`: a child spawned from
    SeedSequence(data_seed), so its stream is independent of default_rng(data_seed)'s (the
    data's), and still a plain int that `simulate(seed=…)` and a cache key accept."""
    child = np.random.SeedSequence(int(data_seed)).spawn(1)[0]
    return int(child.generate_state(1, np.uint64)[0])


def loss_band(loss: Array, levels: tuple[float, ...] = QUANTILES) -> tuple[Array, Array]:
    """(quantiles (len(levels), T+1), mean (T+1,)) of a (T+1, K) loss history across runs."""
    return np.quantile(loss, levels, axis=1), loss.mean(axis=1)


def sgd_fan(
    data: RegressionData,
    lr: float | LRPolicy | Any,
    batch_size: int,
    runs: int = 20,
    steps: int = 200,
    start: Any = None,
    seed: int = 0,
    optimizer: Optimizer | None = None,
) -> Fan:
    """K = `runs` seeded mini-batch runs of `optimizer` (default GD) from one start (default
    the regression surface's start), in one batch; the losses are full-batch losses.
    """
    if int(runs) != runs or runs < 1:
        raise ValueError(f"runs must be a whole number ≥ 1, got {runs!r}")
    surface = regression_surface(data)
    x0 = repeat_start(surface.start if start is None else start, int(runs))
    traj = simulate(
        surface,
        gd() if optimizer is None else optimizer,
        lr,
        x0,
        steps,
        seed=seed,
        gradient=minibatch_gradient(data, batch_size),
    )
    band, mean = loss_band(traj.loss)
    return Fan(traj, QUANTILES, band, mean, float(band[-1, -1] - band[0, -1]))
