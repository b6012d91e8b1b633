"""A real model as a landscape: least-squares linear regression y ≈ w·x + b on a small data set.

    f(w, b) = 1/(2n) · Σᵢ (w·xᵢ + b − yᵢ)²                    (full-batch mean squared error / 2)

Everything is exact through the data's moments (x̄ = mean x, x² mean, x·y mean, …):

    ∇f = (w·E[x²] + b·E[x] − E[xy],  w·E[x] + b − E[y])
    H  = [[E[x²], E[x]], [E[x], 1]]                           (constant: f is a quadratic bowl)
    (w*, b*) solves H·(w, b) = (E[xy], E[y])                  (the normal equations)

A mini-batch gradient uses the same formula on k rows drawn without replacement; over all
batches of an equal-size partition (or in expectation over random batches) it averages to ∇f.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .base import Array, Minimum, Surface

GradientFn = Callable[[Array, int, np.random.Generator], Array]


class RegressionData(NamedTuple):
    """n points (x, y), float64 arrays of shape (n,)."""

    x: Array
    y: Array


class _Moments(NamedTuple):
    """Data moments: E[x], E[x²], E[y], E[xy], E[y²] (E = mean over the rows)."""

    x: float
    xx: float
    y: float
    xy: float
    yy: float


def make_regression_data(
    n: int = 100,
    seed: int = 0,
    true_w: float = 2.0,
    true_b: float = -1.0,
    noise: float = 0.5,
    x_mean: float = 1.0,
    x_std: float = 1.0,
) -> RegressionData:
    """y = true_w·x + true_b + noise·ε with x ~ N(x_mean, x_std²), ε ~ N(0, 1), seeded.

    x_mean ≠ 0 couples w and b (E[x] is the Hessian's off-diagonal): a tilted, elongated bowl.
    """
    if int(n) != n or n < 2:
        raise ValueError(f"n must be a whole number ≥ 2, got {n!r}")
    if not (np.isfinite(noise) and noise >= 0 and x_std > 0):
        raise ValueError("noise must be ≥ 0 and x_std > 0")
    rng = np.random.default_rng(seed)
    x = rng.normal(x_mean, x_std, int(n))
    y = true_w * x + true_b + noise * rng.standard_normal(int(n))
    return RegressionData(x, y)


def _moments(data: RegressionData) -> _Moments:
    x, y = np.asarray(data.x, float), np.asarray(data.y, float)
    return _Moments(x.mean(), (x * x).mean(), y.mean(), (x * y).mean(), (y * y).mean())


def least_squares_minimum(data: RegressionData) -> tuple[float, float]:
    """(w*, b*) from the normal equations [[E x², E x], [E x, 1]]·(w, b) = (E xy, E y)."""
    m = _moments(data)
    w, b = np.linalg.solve([[m.xx, m.x], [m.x, 1.0]], [m.xy, m.y])
    return float(w), float(b)


def regression_surface(data: RegressionData, span: float = 3.0) -> Surface:
    """The full-batch loss f(w, b) = mean((w·x + b − y)²)/2 as a Surface (see module doc).

    The exact least-squares solution is the (only, global) minimum; the domain is the box of
    half-width `span` around it; the default start is (w* − 0.8·span, b* + 0.8·span).
    """
    m = _moments(data)
    w_star, b_star = least_squares_minimum(data)

    def value_and_grad(p: Array) -> tuple[Array, Array]:
        p = np.asarray(p, dtype=np.float64)
        w, b = p[..., 0], p[..., 1]
        gw = w * m.xx + b * m.x - m.xy
        gb = w * m.x + b - m.y
        # 2f = w²E[x²] + 2wbE[x] + b² − 2wE[xy] − 2bE[y] + E[y²]
        #    = w·(gw − E[xy]) + b·(gb − E[y]) + E[y²]
        value = 0.5 * (w * (gw - m.xy) + b * (gb - m.y) + m.yy)
        return value, np.stack([gw, gb], axis=-1)

    def f(p: Array) -> Array:
        return value_and_grad(p)[0]

    def grad(p: Array) -> Array:
        return value_and_grad(p)[1]

    hessian = np.array([[m.xx, m.x], [m.x, 1.0]])

    def hess(p: Array) -> Array:
        return np.broadcast_to(hessian, (*np.shape(p)[:-1], 2, 2)).copy()

    f_star = float(f(np.array([w_star, b_star])))
    return Surface(
        name="regression",
        title="Linear regression (mean squared error)",
        f=f,
        grad=grad,
        hess=hess,
        domain=((w_star - span, w_star + span), (b_star - span, b_star + span)),
        minima=(Minimum((w_star, b_star), f_star),),
        start=(w_star - 0.8 * span, b_star + 0.8 * span),
        formula=r"f(w, b) = \frac{1}{2n}\sum_{i=1}^{n} (w x_i + b - y_i)^2",
        lesson=(
            "A real model: every point is a line through the data. A mini-batch sees only a "
            "few rows, so its gradient is noisy — a decaying learning rate calms the noise."
        ),
        params=(("n", float(len(data.x))),),
        value_and_grad=value_and_grad,
    )


def batch_gradient(data: RegressionData, p: Array, rows: Array) -> Array:
    """(B, 2) gradient of each point p[i] = (w, b) on its own rows[i] (B, k) of the data.

    g_i = (mean_j(r_ij·x_ij), mean_j(r_ij)),  r_ij = w_i·x_ij + b_i − y_ij,  j over rows[i].
    """
    x, y = np.asarray(data.x)[rows], np.asarray(data.y)[rows]
    p = np.asarray(p, dtype=np.float64)
    residual = p[:, :1] * x + p[:, 1:] - y
    return np.stack([(residual * x).mean(axis=1), residual.mean(axis=1)], axis=-1)


def sample_rows(n: int, batch: int, size: int, rng: np.random.Generator) -> Array:
    """(batch, size) row indices: each row an independent uniform draw of `size` distinct rows."""
    if size == n:
        return np.broadcast_to(np.arange(n), (batch, n))
    keys = rng.random((batch, n))
    return np.argpartition(keys, size - 1, axis=1)[:, :size]


def minibatch_gradient(data: RegressionData, batch_size: int) -> GradientFn:
    """A `gradient(x, step, rng) -> (B, 2)` hook for simulate: each trajectory draws its own
    mini-batch of `batch_size` distinct rows at every step (independently across trajectories
    and steps) and gets that batch's gradient. batch_size = n is the exact full-batch gradient.
    """
    n = len(data.x)
    if int(batch_size) != batch_size or not (1 <= batch_size <= n):
        raise ValueError(f"batch size must be a whole number in 1…{n}, got {batch_size!r}")
    size = int(batch_size)

    def gradient(p: Array, step: int, rng: np.random.Generator) -> Array:
        return batch_gradient(data, p, sample_rows(n, len(p), size, rng))

    return gradient
