"""Quadratic bowls f = ½ pᵀAp: the landscapes where step-size rules can be proved."""

from __future__ import annotations

import numpy as np

from ._kit import Fns, surface
from .base import Array, Minimum, Surface

ORIGIN = (Minimum((0.0, 0.0), 0.0),)


def quadratic_fns(a: Array) -> Fns:
    """f = ½ pᵀAp, ∇f = Ap, ∇²f = A for a symmetric 2×2 matrix A = [[a, b], [b, c]].

    Written out per coordinate (∇f = (ax + by, bx + cy), f = ½(x·∇₁f + y·∇₂f)), never as a matrix
    product: `p @ A` may round a row differently with the batch size, and a row of a batch must
    equal its start run alone, bit for bit.
    """
    a = np.asarray(a, dtype=np.float64)
    axx, axy, ayx, ayy = (float(v) for v in a.ravel())

    def value_and_grad(p: Array) -> tuple[Array, Array]:
        p = np.asarray(p, dtype=np.float64)
        x, y = p[..., 0], p[..., 1]
        g = np.empty(p.shape)
        g[..., 0] = axx * x + ayx * y
        g[..., 1] = axy * x + ayy * y
        return 0.5 * (x * g[..., 0] + y * g[..., 1]), g

    def f(p: Array) -> Array:
        return value_and_grad(p)[0]

    def grad(p: Array) -> Array:
        return value_and_grad(p)[1]

    def hess(p: Array) -> Array:
        return np.broadcast_to(a, (*np.shape(p)[:-1], 2, 2)).copy()

    return f, grad, hess, value_and_grad


def bowl(s: float = 1.0) -> Surface:
    """f = ½ s (x² + y²): the same curvature s in every direction."""
    return surface(
        "bowl",
        "Round bowl",
        quadratic_fns(s * np.eye(2)),
        domain=((-3.0, 3.0), (-3.0, 3.0)),
        start=(-2.5, 2.0),
        formula=rf"f(x, y) = {s / 2:.4g}\,(x^2 + y^2)",
        lesson=(
            f"Curvature {s:.4g} in every direction, so each step points straight at the "
            f"minimum: lr < {1 / s:.4g} glides in, lr up to {2 / s:.4g} overshoots but "
            "converges, anything larger diverges."
        ),
        params=(("s", s),),
        minima=ORIGIN,
        saddles=(),
    )


def _rotation(angle: float) -> np.ndarray:
    t = np.deg2rad(angle)
    c, s = np.cos(t), np.sin(t)
    return np.array([[c, -s], [s, c]])


def _ravine_formula(cu: float, cv: float, angle: float) -> str:
    if angle == 0:
        return rf"f(x, y) = {cu:.4g}\,x^2 + {cv:.4g}\,y^2"
    return (
        rf"f = {cu:.4g}\,u^2 + {cv:.4g}\,v^2,\quad u = x\cos{angle:g}^\circ + y\sin{angle:g}^\circ,"
        rf"\ v = -x\sin{angle:g}^\circ + y\cos{angle:g}^\circ"
    )


def ravine(lam_min: float = 0.2, kappa: float = 20.0, angle: float = 0.0) -> Surface:
    """f = ½(λ₁u² + λ₂v²) with (u, v) the axes turned by `angle`°, λ₁ = lam_min, λ₂ = κλ₁.

    The defaults give d2l's f = 0.1x² + 2y² (A = diag(0.2, 4)).
    """
    lam2 = kappa * lam_min
    rot = _rotation(angle)
    a = rot @ np.diag([lam_min, lam2]) @ rot.T
    a = 0.5 * (a + a.T)  # exactly symmetric after rounding
    corners = np.array([[6.0, 3.0], [6.0, -3.0]]) @ rot.T
    hx, hy = np.abs(corners).max(axis=0)
    sx, sy = rot @ np.array([-5.0, -2.0])
    return surface(
        "ravine",
        "Ravine (ill-conditioned bowl)",
        quadratic_fns(a),
        domain=((-float(hx), float(hx)), (-float(hy), float(hy))),
        start=(float(sx), float(sy)),
        formula=_ravine_formula(lam_min / 2, kappa * lam_min / 2, angle),
        lesson=(
            f"Curvatures {lam_min:.4g} and {lam2:.4g} (condition number κ = {kappa:.4g}): GD "
            f"needs lr < 2/{lam2:.4g} = {2 / lam2:.4g} to stay stable across the ravine, so it "
            "zig-zags across it and crawls along it; momentum builds speed along the floor."
        ),
        params=(("lam_min", lam_min), ("kappa", kappa), ("angle", angle)),
        minima=ORIGIN,
        saddles=(),
    )
