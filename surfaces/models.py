"""Real models whose two parameters ARE the map: binary classifiers trained with cross-entropy.

For a model with logit z(p, x) on rows (xᵢ, yᵢ), yᵢ ∈ {0, 1}, and s = σ(z):

    f(p)  = 1/N Σᵢ [log(1 + e^zᵢ) − yᵢ zᵢ]                    (binary cross-entropy with logits)
    ∇f    = 1/N Σᵢ (sᵢ − yᵢ) ∇zᵢ
    ∇²f   = 1/N Σᵢ [sᵢ(1 − sᵢ) ∇zᵢ∇zᵢᵀ + (sᵢ − yᵢ) ∇²zᵢ]

Two models (no bias term in either):

- "linear": logistic regression z = w₁x₁ + w₂x₂ on two features (∇²z = 0: f is convex);
- "tanh":   a one-hidden-unit network z = v·tanh(w·x) on one feature, p = (w, v). The same
  function at (w, v) and (−w, −v) (tanh is odd): two equal minima; f = log 2 on the lines
  v = 0 and w = 0, which cross at a saddle at the origin (∇²f = [[0, c], [c, 0]],
  c = mean((½ − y)·x)): a plateau at log 2 around it, where a small initialization sits.

Everything is exact and vectorized over a batch of parameter points (..., 2) and all N rows,
in chunks of at most CHUNK points × rows. A prediction is class 1 iff z > 0 (σ(z) > ½).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from . import datasets
from ._kit import sym2
from .base import Array, Box, Minimum, Surface
from .critical import find_critical_points
from .datasets import Split

CHUNK = 1 << 16  # elements of one (points × rows) temporary
# What one (f, ∇f) on one row costs relative to one (f, ∇f) of Himmelblau at one point, measured
# on 6400 points (bench/models.py prints the measured ratio next to `cost`): the logarithms and
# tanh of the cross-entropy cost several of Himmelblau's multiply-adds.
ROW_COST = {"linear": 2.0, "tanh": 3.8}


def sigmoid(z: Array) -> Array:
    """σ(z) = 1/(1 + e^−z), written ½(1 + tanh(z/2)) so no z overflows."""
    return 0.5 + 0.5 * np.tanh(0.5 * z)


def logits(kind: str, p: Array, x: Array) -> Array:
    """z of every point p (M, 2) on every row x (N, d): shape (M, N)."""
    if kind == "linear":
        return p[:, :1] * x[:, 0] + p[:, 1:] * x[:, 1]
    return p[:, 1:] * np.tanh(p[:, :1] * x[:, 0])


def row_mean(a: Array, w: Array | None = None) -> Array:
    """mean over the rows (last axis) of a·w, (M, N) → (M,). An elementwise product and a
    reduction along the last axis, never a matmul: BLAS may round a row differently with the
    batch size M, and simulate promises a batch row equals its start run alone, bit for bit."""
    return (a if w is None else a * w).mean(axis=-1)


def softplus(z: Array) -> Array:
    """log(1 + e^z) = max(z, 0) + log1p(e^−|z|): no overflow (np.logaddexp(0, z) is ~3× slower)."""
    t = np.abs(z)
    np.negative(t, out=t)
    np.exp(t, out=t)
    np.log1p(t, out=t)
    t += np.maximum(z, 0.0)
    return t


def _cross_entropy(z: Array, y: Array) -> Array:
    """mean over rows of log(1 + e^z) − y·z, shape (M,)."""
    ce = softplus(z)
    ce -= y * z
    return ce.mean(axis=-1)


def _linear(p: Array, x: Array, y: Array, order: int) -> tuple[Array, ...]:
    z = logits("linear", p, x)
    f = _cross_entropy(z, y)
    if order == 0:
        return (f,)
    s = sigmoid(z)
    r = s - y
    x0, x1 = x[:, 0], x[:, 1]
    g = np.stack([row_mean(r, x0), row_mean(r, x1)], axis=-1)
    if order == 1:
        return f, g
    q = s * (1 - s)
    return f, g, sym2(row_mean(q, x0 * x0), row_mean(q, x0 * x1), row_mean(q, x1 * x1))


def _tanh(p: Array, x: Array, y: Array, order: int) -> tuple[Array, ...]:
    x = x[:, 0]
    w, v = p[:, :1], p[:, 1:]
    t = np.tanh(w * x)
    z = v * t
    f = _cross_entropy(z, y)
    if order == 0:
        return (f,)
    v = p[:, 1]
    s = sigmoid(z)
    r = s - y
    u = 1 - t * t  # tanh'(w·x)
    ru = r * u
    g = np.stack([v * row_mean(ru, x), row_mean(r, t)], axis=-1)
    if order == 1:
        return f, g
    q = s * (1 - s)
    x2 = x * x
    hww = v * v * row_mean(q * u * u, x2) - 2 * v * row_mean(ru * t, x2)
    hwv = v * row_mean(q * u * t, x) + row_mean(ru, x)
    hvv = row_mean(q * t * t)
    return f, g, sym2(hww, hwv, hvv)


PARTS: dict[str, Callable[..., tuple[Array, ...]]] = {"linear": _linear, "tanh": _tanh}


def evaluate(kind: str, p: Array, x: Array, y: Array, order: int) -> tuple[Array, ...]:
    """(f,), (f, ∇f) or (f, ∇f, ∇²f) (order 0, 1, 2) at points p (..., 2) on rows (x, y),
    shapes (...), (..., 2), (..., 2, 2); chunked so no temporary exceeds CHUNK elements."""
    p = np.asarray(p, dtype=np.float64)
    lead = p.shape[:-1]
    flat = p.reshape(-1, 2)
    rows = max(1, CHUNK // max(len(y), 1))
    parts = PARTS[kind]
    pieces = [parts(flat[i : i + rows], x, y, order) for i in range(0, len(flat), rows)]
    if not pieces:
        pieces = [parts(flat, x, y, order)]
    tails = ((), (2,), (2, 2))
    return tuple(
        np.concatenate([piece[k] for piece in pieces]).reshape(lead + tails[k])
        for k in range(order + 1)
    )


@dataclass(frozen=True, eq=False)
class Classifier:
    """A two-parameter model `kind` on a train/validation split (the landscape is f on train)."""

    kind: str
    data: Split

    def rows(self, which: str) -> tuple[Array, Array]:
        d = self.data
        return (d.x_train, d.y_train) if which == "train" else (d.x_val, d.y_val)

    def loss(self, p: Array, which: str = "train") -> Array:
        return evaluate(self.kind, p, *self.rows(which), 0)[0]

    def loss_and_grad(self, p: Array, which: str = "train") -> tuple[Array, Array]:
        return evaluate(self.kind, p, *self.rows(which), 1)

    def batch_grad(self, p: Array, rows: Array) -> Array:
        """∇f of the training rows `rows` only (a mini-batch), at points p (B, 2)."""
        x, y = self.rows("train")
        return evaluate(self.kind, p, x[rows], y[rows], 1)[1]

    def accuracy(self, p: Array, which: str = "train") -> Array:
        """Fraction of rows classified right (class 1 iff z > 0), at points p (..., 2)."""
        x, y = self.rows(which)
        p = np.asarray(p, dtype=np.float64)
        flat = p.reshape(-1, 2)
        step = max(1, CHUNK // len(y))
        hits = [
            ((logits(self.kind, flat[i : i + step], x) > 0) == (y > 0)).mean(axis=-1)
            for i in range(0, len(flat), step)
        ]
        return np.concatenate(hits or [np.zeros(0)]).reshape(p.shape[:-1])


@dataclass(frozen=True, eq=False)
class ModelSurface(Surface):
    """A Surface that is the training loss of `model` (the app draws its data view)."""

    model: Classifier | None = None


def _fns(model: Classifier):
    x, y = model.rows("train")
    at = partial(evaluate, model.kind, x=x, y=y)
    return (
        lambda p: at(p, order=0)[0],
        lambda p: at(p, order=1)[1],
        lambda p: at(p, order=2)[2],
        lambda p: at(p, order=1),
        lambda p: at(p, order=2),
    )


def newton_polish(fgh: Callable, p: Array, steps: int = 50) -> Array:
    """Newton's method on ∇f = 0 from p (2,), stopping when the step is below 1e-15·(1 + |p|)."""
    p = np.asarray(p, dtype=np.float64)
    for _ in range(steps):
        _, g, h = fgh(p[None])
        d = np.linalg.solve(h[0], g[0])
        p = p - d
        if np.abs(d).max() <= 1e-15 * (1 + np.abs(p).max()):
            break
    return p


def logistic_minimum(model: Classifier) -> Array:
    """The minimum of the (convex) logistic loss: damped Newton from 0 (halve the step until f
    drops), then plain Newton to machine precision."""
    f, _, _, _, fgh = _fns(model)
    p = np.zeros(2)
    for _ in range(100):
        fp, g, h = fgh(p[None])
        d = np.linalg.solve(h[0], g[0])
        t = 1.0
        while f(p - t * d) > fp[0] and t > 1e-8:
            t /= 2
        p = p - t * d
        if np.linalg.norm(g[0]) < 1e-10:
            break
    return newton_polish(fgh, p)


def _model_surface(model: Classifier, **fields) -> ModelSurface:
    """The training loss of `model` as a landscape: its f, ∇f, ∇²f, cost and `fields`."""
    f, grad, hess, value_and_grad, _ = _fns(model)
    return ModelSurface(
        f=f,
        grad=grad,
        hess=hess,
        value_and_grad=value_and_grad,
        cost=_cost(model),
        model=model,
        **fields,
    )


def _cost(model: Classifier) -> float:
    """One (f, ∇f) per point relative to Himmelblau: N training rows × ROW_COST."""
    return len(model.data.y_train) * ROW_COST[model.kind]


def _split(x: Array, y: Array, val: float, seed: int, scaled: bool) -> Split:
    s = datasets.split(x, y, val, seed)
    return datasets.standardize(s) if scaled else s


def logistic(
    n: int = 100, val: float = 0.3, seed: int = 0, scaled: bool = False, ratio: float = 5.0
) -> ModelSurface:
    """Logistic regression (no bias) on two blobs; feature 2 in units `ratio`× larger unless
    `scaled` (z-scores): the ravine of unscaled features, or a round bowl."""
    x, y = datasets.blobs(n, seed, ratio)
    model = Classifier("linear", _split(x, y, val, seed, scaled))
    w = logistic_minimum(model)
    domain: Box = ((w[0] - 4.0, w[0] + 4.0), (w[1] - 4.0, w[1] + 4.0))
    units = "z-scores" if scaled else f"feature 2 in units {ratio:g}× larger"
    return _model_surface(
        model,
        name="logistic",
        title="Logistic regression on real data",
        domain=domain,
        minima=(Minimum((float(w[0]), float(w[1])), float(model.loss(w))),),
        start=(float(w[0] - 3.0), float(w[1] + 3.0)),
        formula=(
            r"f(w_1, w_2) = \frac{1}{N}\sum_{i=1}^{N} \log\left(1 + e^{z_i}\right) - y_i z_i,"
            r"\quad z_i = w_1 x_{i1} + w_2 x_{i2}"
        ),
        lesson=(
            f"Each point of the map is a classifier (a line through the origin); {units}. "
            + (
                "Scaled features make the loss a round bowl: one rate fits both weights."
                if scaled
                else "Unscaled features make the loss a narrow ravine: GD zig-zags across it."
            )
        ),
        saddles=(),
        params=(
            ("n", float(n)),
            ("val", val),
            ("seed", float(seed)),
            ("scaled", float(scaled)),
            ("ratio", ratio),
        ),
    )


NET_DOMAIN: Box = ((-6.0, 6.0), (-5.0, 5.0))
NET_START = (0.6, -0.55)  # a small initialization, almost on the saddle's attracting axis


def tiny_net(n: int = 100, val: float = 0.3, seed: int = 0) -> ModelSurface:
    """The network ŷ = σ(v·tanh(w·x)) on one feature; minima and saddles from the critical-point
    finder (surfaces/critical.py), each polished by Newton's method."""
    x, y = datasets.teacher(n, seed)
    model = Classifier("tanh", datasets.split(x, y, val, seed))
    f, _, _, _, fgh = _fns(model)
    found, saddles = find_critical_points(f, fgh, NET_DOMAIN, f_ops=1, fgh_ops=2)
    minima = tuple(
        Minimum((float(p[0]), float(p[1])), float(f(p)))
        for p in (newton_polish(fgh, m.point) for m in found)
    )
    # ∇f(0, 0) = 0 exactly (tanh(0) = 0): a saddle found there is the origin itself
    saddles = tuple(
        (0.0, 0.0) if np.abs(p).max() < 1e-9 else (float(p[0]), float(p[1]))
        for p in (newton_polish(fgh, s) for s in saddles)
    )
    return _model_surface(
        model,
        name="tiny_net",
        title="A tiny neural network: two weights",
        domain=NET_DOMAIN,
        minima=minima,
        start=NET_START,
        formula=(
            r"f(w, v) = \frac{1}{N}\sum_{i=1}^{N} \log\left(1 + e^{z_i}\right) - y_i z_i,"
            r"\quad z_i = v \tanh(w\,x_i)"
        ),
        lesson=(
            "A real network's landscape: "
            + (
                f"{'two' if len(minima) == 2 else len(minima)} minima in mirror pairs ((w, v) "
                "and (−w, −v) are the same network), "
                if minima
                else "no minimum inside this view (the loss still falls at its edge), "
            )
            + "and a saddle at the origin in a plateau at log 2 where small weights sit."
        ),
        saddles=saddles,
        params=(("n", float(n)), ("val", val), ("seed", float(seed))),
    )
