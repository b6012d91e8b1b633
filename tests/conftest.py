"""Shared test fixtures: a diagonal quadratic surface and minimal GD / heavy-ball rules."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest

from optimizers.base import Optimizer, lr_column
from surfaces.base import Minimum, Surface


def quadratic(a: float = 0.2, b: float = 4.0, name: str = "quad") -> Surface:
    """f = ½(a·x² + b·y²): Hessian diag(a, b); defaults give d2l's ravine 0.1x² + 2y²."""
    h = np.diag([a, b])

    def f(x):
        return 0.5 * (a * x[..., 0] ** 2 + b * x[..., 1] ** 2)

    def grad(x):
        return x * np.array([a, b])

    def hess(x):
        return np.broadcast_to(h, (*np.shape(x)[:-1], 2, 2)).copy()

    return Surface(
        name=name,
        title=name,
        f=f,
        grad=grad,
        hess=hess,
        domain=((-6.0, 6.0), (-3.0, 3.0)),
        minima=(Minimum((0.0, 0.0), 0.0),),
        start=(-5.0, -2.0),
        formula="",
        lesson="",
    )


def gd() -> Optimizer:
    """x ← x − lr·g."""
    return Optimizer("gd", lambda x: None, lambda g, s, lr, x, hess=None: (-lr_column(lr) * g, s))


class HeavyBallState(NamedTuple):
    velocity: np.ndarray


def heavy_ball(mu: float) -> Optimizer:
    """Torch heavy ball with a zero initial buffer: v ← μv + g; x ← x − lr·v."""

    def update(g, s, lr, x, hess=None):
        v = mu * s.velocity + g
        return -lr_column(lr) * v, HeavyBallState(v)

    return Optimizer("heavy_ball", lambda x: HeavyBallState(np.zeros_like(x)), update)


@pytest.fixture
def make_quadratic():
    """Factory fixture for `quadratic(a, b)`."""
    return quadratic


@pytest.fixture
def gd_rule():
    return gd()


@pytest.fixture
def make_heavy_ball():
    return heavy_ball
