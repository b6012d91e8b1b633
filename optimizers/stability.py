"""Local stability of gradient descent from the quadratic model at a point.

Near a point p, f(p + e) ≈ f(p) + ∇f·e + ½ eᵀHe with H = ∇²f(p), eigenpairs (λ_i, u_i). Around a
minimum (∇f = 0) GD with rate lr maps each eigen-component of the error as
e_i ← (1 − lr·λ_i)·e_i, so it converges iff |1 − lr·λ_i| < 1 for all i, i.e. 0 < lr·λ_max < 2
(when H is positive definite). The slowest factor max_i |1 − lr·λ_i| is smallest when
1 − lr·λ_min = −(1 − lr·λ_max), i.e. lr_best = 2/(λ_min + λ_max), with rate (κ − 1)/(κ + 1).

Heavy ball (torch: v ← μv + g, x ← x − lr·v) gives e_{k+1} = (1 + μ − lr·λ)e_k − μe_{k−1};
both roots of z² − (1 + μ − lr·λ)z + μ lie in the unit disk iff |μ| < 1 and
0 < lr·λ < 2 + 2μ. Polyak's optimal pair makes every root have modulus √μ:
lr = (2/(√λ_max + √λ_min))², μ = ((√κ − 1)/(√κ + 1))², contraction √μ per step.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

Array = np.ndarray


class Stability(NamedTuple):
    """The quadratic model at a point; the rates are NaN when H is not positive definite.

    eigenvalues (λ_min, λ_max); eigenvectors (2, 2) with unit columns matching them;
    condition κ = λ_max/λ_min (inf when λ_min = 0 < λ_max, NaN when H has a negative or two zero
    eigenvalues); lr_max_stable = 2/λ_max (inf when λ_max ≤ 0); lr_best = 2/(λ_min + λ_max);
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


def analyze(surface: Any, point: Any) -> Stability:
    """Eigen-analysis of surface.hess(point) and the step sizes it implies (see module doc)."""
    h = np.asarray(surface.hess(np.asarray(point, dtype=np.float64)), dtype=np.float64)
    if h.shape != (2, 2) or not np.isfinite(h).all():
        raise ValueError(f"the Hessian at {tuple(point)} is not a finite 2×2 matrix")
    lams, vecs = np.linalg.eigh(0.5 * (h + h.T))
    lo, hi = float(lams[0]), float(lams[1])
    pd = lo > 0.0
    lr_max = 2.0 / hi if hi > 0.0 else float("inf")
    if pd:
        kappa = hi / lo
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


def gd_is_stable(lr: Any, lam_max: Any) -> Any:
    """GD contracts every direction of a PD quadratic iff 0 < lr·λ_max < 2 (elementwise)."""
    product = np.multiply(lr, lam_max)
    return (product > 0) & (product < 2)


def momentum_is_stable(lr: Any, mu: Any, lam: Any) -> Any:
    """Heavy ball is stable along curvature λ iff |μ| < 1 and 0 < lr·λ < 2 + 2μ (elementwise).

    Pass λ_max for a PD quadratic: the condition then holds for every smaller λ > 0 too.
    """
    product = np.multiply(lr, lam)
    mu = np.asarray(mu)
    return (np.abs(mu) < 1) & (product > 0) & (product < 2 + 2 * mu)
