"""The shapes every optimizer and learning-rate policy share (optax / jax.example_libraries style).

Optimizer: a pair of pure functions over a batch of B points x (B, 2)

    state         = init(x)
    delta, state  = update(g, state, lr, x, hess=None)     # then x_next = x + delta

`lr` is a float or a (B,) array (one rate per trajectory: a learning-rate sweep is a batch).
`hess` (B, 2, 2) is passed only to optimizers with `needs_hessian=True` (damped Newton).
Each state is a small NamedTuple of arrays; `update` never mutates its inputs.

LRPolicy: the learning rate used at each step, per trajectory

    pstate        = init(B)
    lr, pstate    = lr_at(step, loss, pstate)               # step = 0, 1, 2, ...

`loss` is the (B,) loss at the current point; only loss-driven policies (reduce-on-plateau)
look at it. A plain schedule (`step -> lr`) is wrapped by `from_schedule`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

Array = np.ndarray


class Optimizer(NamedTuple):
    name: str
    init: Callable[[Array], Any]
    update: Callable[..., tuple[Array, Any]]
    needs_hessian: bool = False


class LRPolicy(NamedTuple):
    name: str
    init: Callable[[int], Any]
    lr_at: Callable[[int, Array, Any], tuple[Any, Any]]


def from_schedule(name: str, schedule: Callable[[int], Any]) -> LRPolicy:
    """Wrap a stateless schedule `step -> lr` (float or (B,) array) as an LRPolicy."""
    return LRPolicy(name, lambda batch: None, lambda step, loss, state: (schedule(step), state))


def lr_column(lr: Any) -> Any:
    """A float stays a float; a (B,) array becomes (B, 1) so it broadcasts against (B, 2)."""
    if np.ndim(lr) == 0:
        return float(lr)
    return np.asarray(lr, dtype=np.float64).reshape(-1, 1)
