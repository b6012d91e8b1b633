"""Local stability of the optimizers from the quadratic model at a point.

Near a point p, f(p + e) ≈ f(p) + ∇f·e + ½ eᵀHe with H = ∇²f(p), eigenpairs (λ_i, u_i). Around a
minimum (∇f = 0) each eigen-component of the error e_i evolves on its own, with h = lr·λ_i:

- GD: e ← (1 − h)e, stable iff 0 < h < 2. The slowest factor max_i |1 − lr·λ_i| is smallest at
  lr_best = 2/(λ_min + λ_max), where it is (κ − 1)/(κ + 1); at κ = 1 one step of lr = 1/λ lands
  exactly on the minimum.
- Heavy ball (torch: v ← μv + (1 − τ)g, x ← x − lr·v): e_{k+1} = (1 + μ − h')e_k − μe_{k−1} with
  h' = lr·(1 − τ)·λ; both roots of z² − (1 + μ − h')z + μ lie in the unit disk iff μ < 1 and
  0 < h' < 2 + 2μ. Polyak's optimal pair makes every root have modulus √μ:
  lr = (2/(√λ_max + √λ_min))², μ = ((√κ − 1)/(√κ + 1))², contraction √μ per step.
- Nesterov (torch: v ← μv + g, x ← x − lr·(g + μv)): with w = lr·v the state (e, w) maps by
  [[1 − h(1 + μ), −μ²], [h, μ]], trace 1 + μ − h(1 + μ), determinant μ(1 − h). Jury's test
  (|det| < 1, |trace| < 1 + det) gives: stable iff μ < 1 and 0 < h < 2(1 + μ)/(1 + 2μ).
- Coupled weight decay wd (g + wd·x) is the quadratic with every λ shifted to λ + wd.
- Damped Newton (x ← x − lr·(H + δI)⁻¹g, H positive definite): e_i ← (1 − lr·λ_i/(λ_i + δ))e_i,
  stable iff lr < 2(λ_max + δ)/λ_max.
- Adagrad, RMSprop, Adam, AdamW, NAdam divide by a running gradient scale: their effective step
  is not lr·λ, so no fixed bound on lr applies (`stable_lr` returns None).

Curvatures that are float noise are zero: |λ| ≤ NOISE·max(|λ_min|, |λ_max|, c) with the
landscape's curvature c = (median − min of f sampled over the plot domain)/span² (a minimum of
(x² + y²)² found 3e−67 off its centre has λ ≈ 1e−132: flat, not κ = 3 with lr < 1e132; the
median, not the maximum, so that exp(400x) somewhere on the map does not flatten everything).

The model needs a smooth point. `analyze` raises `NoQuadraticModel` (a ValueError) where it
does not apply: the Hessian is not finite there (|x|^1.5, √|x − 1| at 0), or the gradient does
not shrink towards the point (a kink such as the cone √(x² + y²) at its tip: ‖∇f(p + r·u) −
∇f(p)‖ does not fall like r as r → 0, so the finite Hessian a formula reports is meaningless).
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
from surfaces import SurfaceLike

from .numbers import clean, point
from .rules import OPTIMIZERS
from .simulate import sample_values

Array = np.ndarray

ADAPTIVE = frozenset({"adagrad", "rmsprop", "adam", "adamw", "nadam"})
KINK_RADIUS = 1e-6  # probe radius of the kink test, relative to the domain's larger side
_DIRECTIONS = np.array(
    [(1, 0), (0, 1), (-1, 0), (0, -1), (0.6, 0.8), (-0.8, 0.6), (-0.6, -0.8), (0.8, -0.6)]
)


KINK = "f is not smooth there (the gradient does not shrink towards the point, as at a kink)"
CUSP = "f is not smooth there (its curvature is not finite, as at a kink or a cusp)"
OVERFLOW = "the curvature overflows there"


class NoQuadraticModel(ValueError):
    """The quadratic model (and every bound derived from it) does not apply at `point`.

    `reason` is a clause for a sentence: KINK, CUSP or OVERFLOW. str(err) reads "the quadratic
    model does not apply at (x, y): <reason>".
    """

    def __init__(self, where: Any, reason: str) -> None:
        self.point, self.reason = (float(where[0]), float(where[1])), reason
        super().__init__(f"the quadratic model does not apply at {point(where)}: {reason}")

    def __reduce__(self) -> tuple:  # picklable (st.cache_data stores it)
        return type(self), (self.point, self.reason)


class Stability(NamedTuple):
    """The quadratic model at a point; the rates are NaN when H is not positive definite.

    eigenvalues (λ_min, λ_max); eigenvectors (2, 2) with unit columns matching them;
    condition κ = λ_max/λ_min (exactly 1 when λ_max − λ_min is float noise; inf when
    λ_min = 0 < λ_max, NaN when H has a negative or two zero eigenvalues); lr_max_stable =
    stable_lr("gd", {}, λ_max) = 2/λ_max (inf when λ_max ≤ 0); lr_best = 2/(λ_min + λ_max);
    momentum_lr, momentum_mu = Polyak's optimal heavy-ball pair.
    """

    eigenvalues: tuple[float, float]
    eigenvectors: Array
    condition: float
    positive_definite: bool
    lr_max_stable: float
    lr_best: float
    momentum_lr: float
    momentum_mu: float


def stable_lr(optimizer: str, hyper: Mapping[str, float], lam_max: float) -> float | None:
    """The largest fixed lr that is stable on a quadratic with curvatures in (0, λ_max].

    With λ = λ_max + wd (coupled weight decay) and the torch hyperparameters of `optimizer`
    (missing ones take the registry's defaults):

        gd        2/λ
        momentum  (2 + 2μ)/((1 − τ)·λ)        (μ = 0: 2/λ; τ = 1: inf, the steps die out)
        nesterov  2(1 + μ)/((1 + 2μ)·λ)
        newton    2(λ_max + δ)/λ_max
        adagrad, rmsprop, adam, adamw, nadam: None (adaptive: no fixed bound applies)

    Stable means lr < the bound; inf when λ ≤ 0 (no curvature limit); 0.0 when μ ≥ 1 (no rate
    is stable for every curvature). See the module docstring for the derivations.
    """
    if optimizer in ADAPTIVE:
        return None
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}")
    h = {p.name: float(p.default) for p in OPTIMIZERS[optimizer].params} | dict(hyper)
    lam_max = float(lam_max)
    if optimizer == "newton":
        return 2.0 * (lam_max + h["damping"]) / lam_max if lam_max > 0 else math.inf
    lam = lam_max + h.get("weight_decay", 0.0)
    mu = h.get("momentum", 0.0) if optimizer != "gd" else 0.0
    if mu >= 1.0:
        return 0.0
    if lam <= 0:
        return math.inf
    if optimizer == "nesterov":
        return 2.0 * (1.0 + mu) / ((1.0 + 2.0 * mu) * lam)
    keep = 1.0 - h.get("dampening", 0.0) if mu > 0 else 1.0
    return (2.0 + 2.0 * mu) / (keep * lam) if keep > 0 else math.inf


BOUND_RULES = {  # the formulas stable_lr evaluates; {lam} is λ_max, or (λ_max + wd)
    "gd": "2/{lam}",
    "momentum": "(2 + 2μ)/((1 − τ)·{lam})",
    "nesterov": "2(1 + μ)/((1 + 2μ)·{lam})",
    "newton": "2(λ_max + δ)/λ_max",
}


def bound_rule(optimizer: str, hyper: Mapping[str, float] | None = None) -> str:
    """The formula `stable_lr` evaluates for `optimizer` as text ('' for adaptive methods);
    heavy ball without dampening reads (2 + 2μ)/λ_max."""
    hyper = hyper or {}
    rule = BOUND_RULES.get(optimizer, "")
    if optimizer == "momentum" and not hyper.get("dampening"):
        rule = "(2 + 2μ)/{lam}"
    return rule.format(lam="(λ_max + wd)" if hyper.get("weight_decay") else "λ_max")


def analyze(surface: SurfaceLike, point: Any) -> Stability:
    """Eigen-analysis of surface.hess(point) and the step sizes it implies (see module doc).

    Raises NoQuadraticModel where the model does not apply (non-finite Hessian, a kink).
    Remembered per surface and point.
    """
    p = np.asarray(point, dtype=np.float64)
    return _memo(surface, tuple(p.ravel().tolist()), lambda: _analyze(surface, p))


def _analyze(surface: SurfaceLike, p: Array) -> Stability:
    """analyze, computed."""
    with np.errstate(all="ignore"):
        h = np.asarray(surface.hess(p), dtype=np.float64)
        if h.shape != (2, 2) or not np.isfinite(h).all():
            raise NoQuadraticModel(p, CUSP)
        if _kinked(surface, p):
            raise NoQuadraticModel(p, KINK)
        scale = float(np.abs(h).max()) or 1.0  # eigh of H/scale: no overflow in H + Hᵀ
        unit = h / scale
        lams, vecs = np.linalg.eigh(0.5 * (unit + unit.T))
    lo, hi = float(lams[0]) * scale, float(lams[1]) * scale
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise NoQuadraticModel(p, OVERFLOW)
    floor = max(abs(lo), abs(hi), _curvature_scale(surface))
    lo, hi = clean(lo, floor), clean(hi, floor)
    lr_max = stable_lr("gd", {}, hi)
    if lo > 0.0:
        kappa = 1.0 + clean(hi - lo, hi) / lo  # exactly 1 on a round bowl
        root = math.sqrt(kappa)
        return Stability(
            (lo, hi),
            vecs,
            kappa,
            True,
            lr_max,
            2.0 / (lo + hi),
            (2.0 / (math.sqrt(hi) + math.sqrt(lo))) ** 2,
            ((root - 1.0) / (root + 1.0)) ** 2,
        )
    nan = float("nan")
    kappa = float("inf") if lo == 0.0 < hi else nan
    return Stability((lo, hi), vecs, kappa, False, lr_max, nan, nan, nan)


_MEMO: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_MEMO_KEYS = 64  # per surface


def _memo(surface: SurfaceLike, key: Any, compute: Any) -> Any:
    """compute() once per (surface object, key), up to _MEMO_KEYS keys per surface; an exception
    it raises is remembered and raised again. A scrub batch explains ~100 runs of one landscape
    per scene, each asking about the same minimum and start."""
    try:
        table = _MEMO.setdefault(surface, {})
    except TypeError:  # not weak-referenceable or not hashable: no memo
        table = {}
    if key not in table:
        if len(table) >= _MEMO_KEYS:
            table.clear()
        try:
            table[key] = compute()
        except NoQuadraticModel as exc:
            table[key] = exc
    if isinstance(table[key], NoQuadraticModel):
        raise table[key].with_traceback(None)
    return table[key]


def _curvature_scale(surface: SurfaceLike) -> float:
    """(median − min of f over the plot domain)/span²: the curvature of the landscape as drawn
    (0 when nothing can be sampled); sampled once per surface."""
    return _memo(surface, "curvature", lambda: _sampled_curvature_scale(surface))


def _sampled_curvature_scale(surface: SurfaceLike) -> float:
    """_curvature_scale, sampled on a grid."""
    (x0, x1), (y0, y1) = surface.domain
    values, span = sample_values(surface.f, surface.domain), max(x1 - x0, y1 - y0)
    if not (values.size and span > 0):
        return 0.0
    return float(np.median(values) - values.min()) / span**2


def _kinked(surface: SurfaceLike, p: Array) -> bool:
    """True if ‖∇f(p + r·u) − ∇f(p)‖ does not shrink like r (r = KINK_RADIUS·span, ×10) in some
    direction u: a smooth f has a change ≈ r‖Hu‖ (or less) there, a kink one of order ‖∇f‖.
    Changes at float-noise level (a flat direction of x⁴) are no evidence either way."""
    (x0, x1), (y0, y1) = surface.domain
    r = KINK_RADIUS * max(x1 - x0, y1 - y0, 1e-300)
    probes = p + np.concatenate([r * _DIRECTIONS, 10 * r * _DIRECTIONS])
    g = np.asarray(surface.grad(np.vstack([p[None, :], probes])), dtype=np.float64)
    if not np.isfinite(g).all():
        return True
    change = np.linalg.norm(g[1:] - g[0], axis=-1)
    near, far = change[: len(_DIRECTIONS)], change[len(_DIRECTIONS) :]
    noise = 1e-7 * (1.0 + np.abs(g).max())
    return bool(((far > noise) & (near > 0.5 * far)).any())
