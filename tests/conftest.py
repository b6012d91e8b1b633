"""Shared test fixtures: a diagonal quadratic surface and a minimal GD rule; Hypothesis profiles.

Property tests run under one of three profiles: "ci" (derandomized: the same examples on every
run, so a red CI is a real bug; chosen when the environment variable CI is set), "dev" (many
more random examples, to hunt locally: HYPOTHESIS_PROFILE=dev) and "default" in between.
HYPOTHESIS_PROFILE wins over CI.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import settings

from optimizers.base import Optimizer, lr_column
from surfaces.base import Minimum, Surface

settings.register_profile("ci", derandomize=True, max_examples=50, deadline=None, print_blob=True)
settings.register_profile("default", max_examples=100, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=1000, deadline=None, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)


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


@pytest.fixture
def make_quadratic():
    """Factory fixture for `quadratic(a, b)`."""
    return quadratic


@pytest.fixture
def gd_rule():
    return gd()
