"""Training as in the articles: epochs of seeded mini-batches on a model landscape, with the
train and validation curves (loss and accuracy) per step and per epoch.

An epoch visits the N training rows once, in the order of a permutation drawn from
`default_rng([seed, epoch])`, cut into ⌈N/b⌉ mini-batches of b rows (the last one smaller when b
does not divide N: torch's DataLoader with shuffle=True, drop_last=False). Step t uses batch
t mod ⌈N/b⌉ of epoch ⌊t/⌈N/b⌉⌋. Every trajectory of a batch of runs sees the same batches (one
data order per seed, like one DataLoader seed for every rate of a sweep), so row i of a batch
is the run of start i alone (up to rounding). The gradients come through simulate's
`gradient=` override; b = N is full-batch gradient descent (one step per epoch).

Reduce-on-plateau on the validation loss (torch's usual `scheduler.step(val_loss)` once per
epoch): `simulate`'s policies see only the (training) loss at the current point, so `train`
hands simulate the landscape with its fused (f, ∇f) wrapped to also note the validation loss
of the same points; simulate evaluates (f, ∇f) exactly once per point x_t before asking the
policy for the rate of step t, so the policy reads the validation loss at x_t, and at each
epoch's end (t a multiple of ⌈N/b⌉, t > 0) feeds it to torch's ReduceLROnPlateau rule
(optimizers.schedules.reduce_on_plateau; patience counts epochs). simulate is not changed.
"""

from __future__ import annotations

import dataclasses
import math
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from optimizers.base import LRPolicy, Optimizer
from optimizers.schedules import reduce_on_plateau
from optimizers.simulate import GradientFn, Trajectory, simulate

Array = np.ndarray


class Training(NamedTuple):
    """A training run of B trajectories over `epochs` epochs of `steps_per_epoch` steps.

    trajectory: simulate's record (its loss is the full training loss at every step);
    train_loss, val_loss, train_acc, val_acc (T+1, B): at every step's point;
    epoch_* (epochs+1, B): the same at each epoch's end (index 0: the start).
    """

    trajectory: Trajectory
    steps_per_epoch: int
    epochs: int
    batch_size: int
    train_loss: Array
    val_loss: Array
    train_acc: Array
    val_acc: Array

    def per_epoch(self, curve: Array) -> Array:
        """A (T+1, B) curve at the epochs' ends, (epochs+1, B)."""
        return curve[:: self.steps_per_epoch]


def steps_per_epoch(n: int, batch_size: int) -> int:
    """⌈n/b⌉ mini-batches per epoch (ValueError unless 1 ≤ b ≤ n)."""
    if int(batch_size) != batch_size or not (1 <= batch_size <= n):
        raise ValueError(f"batch size must be a whole number in 1…{n}, got {batch_size!r}")
    return math.ceil(n / int(batch_size))


def epoch_batches(n: int, batch_size: int, epoch: int, seed: int) -> list[Array]:
    """The row indices of each mini-batch of `epoch`: a seeded permutation cut into pieces."""
    order = np.random.default_rng([int(seed), int(epoch)]).permutation(n)
    return np.array_split(order, steps_per_epoch(n, batch_size))


def minibatch_gradient(model: Any, batch_size: int, seed: int) -> GradientFn:
    """simulate's `gradient(x, step, rng)` hook: the gradient of step t's mini-batch (module
    doc) at every point x (B, 2); simulate's own rng is not used (the order is per epoch)."""
    n = len(model.data.y_train)
    per_epoch = steps_per_epoch(n, batch_size)
    batches = lru_cache(maxsize=2)(lambda epoch: epoch_batches(n, batch_size, epoch, seed))

    def gradient(x: Array, step: int, rng: np.random.Generator) -> Array:
        return model.batch_grad(x, batches(step // per_epoch)[step % per_epoch])

    return gradient


class _EpochPlateau(NamedTuple):
    inner: Any
    lr: Array


def plateau_on_validation(lr: Any, per_epoch: int, val_loss: Any, **params: Any) -> LRPolicy:
    """torch ReduceLROnPlateau (`params` as in schedules.reduce_on_plateau) stepped once per
    epoch with the validation loss `val_loss()` of the current points (module doc)."""
    inner = reduce_on_plateau(lr, **params)

    def init(batch: int) -> _EpochPlateau:
        state = inner.init(batch)
        return _EpochPlateau(state, state.lr)

    def lr_at(step: int, loss: Array, state: _EpochPlateau) -> tuple[Array, _EpochPlateau]:
        if step == 0 or step % per_epoch:
            return state.lr, state
        rate, inner_state = inner.lr_at(step // per_epoch - 1, val_loss(), state.inner)
        return rate, _EpochPlateau(inner_state, rate)

    return LRPolicy("plateau_val", init, lr_at)


def _watching(surface: Any, model: Any, seen: dict) -> Any:
    """`surface` whose fused (f, ∇f) also stores the validation loss of the same points."""
    fused = surface.f_and_grad

    def value_and_grad(x: Array) -> tuple[Array, Array]:
        seen["val"] = model.loss(x, "val")
        return fused(x)

    return dataclasses.replace(surface, value_and_grad=value_and_grad)


def train(
    surface: Any,
    optimizer: Optimizer,
    lr: Any,
    starts: Array,
    epochs: int,
    batch_size: int,
    *,
    seed: int = 0,
    val_plateau: dict | None = None,
) -> Training:
    """Train from the (B, 2) `starts` for `epochs` epochs of mini-batches of `batch_size` rows
    of the landscape's model (`surface.model`). `lr`: a float, (B,) rates or an LRPolicy in
    steps (built for epochs × steps_per_epoch steps). `val_plateau`: the parameters of
    reduce-on-plateau on the validation loss, which then sets the rate from lr (module doc).
    """
    model = surface.model
    if isinstance(epochs, bool) or int(epochs) != epochs or epochs < 1:
        raise ValueError(f"epochs must be a whole number ≥ 1, got {epochs!r}")
    per_epoch = steps_per_epoch(len(model.data.y_train), batch_size)
    steps = int(epochs) * per_epoch
    run_on, rate = surface, lr
    if val_plateau is not None:
        seen: dict = {}
        run_on = _watching(surface, model, seen)
        rate = plateau_on_validation(lr, per_epoch, lambda: seen["val"], **val_plateau)
    traj = simulate(
        run_on,
        optimizer,
        rate,
        starts,
        steps,
        seed=seed,
        gradient=minibatch_gradient(model, batch_size, seed),
    )
    with np.errstate(all="ignore"):
        val = model.loss(traj.positions, "val")
        return Training(
            traj,
            per_epoch,
            int(epochs),
            int(batch_size),
            traj.loss,
            val,
            model.accuracy(traj.positions, "train"),
            model.accuracy(traj.positions, "val"),
        )
