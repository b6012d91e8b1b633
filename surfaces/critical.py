"""Numerical search for the critical points (minima and saddles) of a 2-D surface in a box.

Two vectorized runs from one grid of starts, both using the analytic gradient and Hessian:

* damped Newton descent (Levenberg–Marquardt shift, accept only decreasing steps) finds minima;
* plain Newton on ∇f = 0 finds critical points of any kind, saddles included.

Every end point is classified by ‖∇f‖ and the Hessian's eigenvalues, with tolerances relative
to the range of f over the box and the box size, kept only if inside the box, de-duplicated and
sorted (lowest minimum first). Work is bounded: n² starts × a fixed number of iterations, one
fused (f, ∇f, H) evaluation of the whole batch per iteration.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .base import Array, Box, Minimum

FGH = Callable[[Array], tuple[Array, Array, Array]]

DESCENT_ITERS = 120
NEWTON_ITERS = 40


def _grid(domain: Box, n: int) -> Array:
    """n × n cell centres of the box, shape (n², 2)."""
    (x0, x1), (y0, y1) = domain
    xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    ys = y0 + (np.arange(n) + 0.5) * (y1 - y0) / n
    return np.stack(np.meshgrid(xs, ys, indexing="ij"), -1).reshape(-1, 2)


def _solve(H: Array, g: Array, shift: Array) -> Array:
    """Solve (H + shift·I) d = -g for a batch of 2×2 systems; NaN rows where singular."""
    a = H[:, 0, 0] + shift
    b = H[:, 0, 1]
    c = H[:, 1, 1] + shift
    det = a * c - b * b
    with np.errstate(all="ignore"):
        dx = -(c * g[:, 0] - b * g[:, 1]) / det
        dy = -(a * g[:, 1] - b * g[:, 0]) / det
    return np.stack([dx, dy], -1)


def _eig(H: Array) -> tuple[Array, Array]:
    """(λ_min, λ_max) of a batch of symmetric 2×2 matrices (NaN where not finite)."""
    ok = np.isfinite(H).all(axis=(-2, -1))
    lam = np.full((len(H), 2), np.nan)
    if ok.any():
        lam[ok] = np.linalg.eigvalsh(H[ok])
    return lam[:, 0], lam[:, 1]


def _limit_step(d: Array, max_len: float) -> Array:
    length = np.linalg.norm(d, axis=-1, keepdims=True)
    with np.errstate(all="ignore"):
        return np.where(length > max_len, d * (max_len / length), d)


def _descend(fgh: FGH, X: Array, lo: Array, hi: Array, max_step: float, curv0: float) -> Array:
    """Damped Newton descent of every point of the batch, kept in [lo, hi].

    The shift is the damping times the Hessian's scale (or `curv0` where f is flat or kinked,
    which makes the step a gradient step)."""
    f, g, H = fgh(X)
    damp = np.full(len(X), 1e-3)
    for _ in range(DESCENT_ITERS):
        lmin, lmax = _eig(H)
        curv = np.where(np.isfinite(lmin), np.abs(lmin) + np.abs(lmax), 0.0) + curv0
        shift = np.where(np.isfinite(lmin), np.maximum(0.0, -lmin), 0.0) + damp * curv
        d = _limit_step(_solve(H, g, shift), max_step)
        Xn = np.clip(X + np.where(np.isfinite(d), d, 0.0), lo, hi)
        fn, gn, Hn = fgh(Xn)
        ok = np.isfinite(fn) & (fn <= f) & np.isfinite(gn).all(-1)
        moved = np.abs(Xn - X).max(-1)
        X, f = np.where(ok[:, None], Xn, X), np.where(ok, fn, f)
        g, H = np.where(ok[:, None], gn, g), np.where(ok[:, None, None], Hn, H)
        damp = np.clip(np.where(ok, damp / 4, damp * 8), 1e-12, 1e12)
        settled = (ok & (moved <= 1e-12 * max_step)) | (damp >= 1e12)
        if settled.all():
            break
    return X


def _newton(fgh: FGH, X: Array, lo: Array, hi: Array, max_step: float) -> Array:
    """Newton's method on ∇f = 0 (finds saddles as well as minima), kept in [lo, hi]."""
    for _ in range(NEWTON_ITERS):
        _, g, H = fgh(X)
        d = _limit_step(_solve(H, g, np.zeros(len(X))), max_step)
        Xn = np.clip(X + np.where(np.isfinite(d), d, 0.0), lo, hi)
        moved, X = np.abs(Xn - X).max(), Xn
        if moved <= 1e-12 * max_step:
            break
    return X


def _rises_all_around(fgh: FGH, X: Array, f: Array, size: float) -> Array:
    """Whether f rises (beyond rounding) in 8 directions at radius 1e-4·size around each point:
    a minimum the Hessian test cannot see (a kink as in |x| + |y|, or a flat bottom as in
    x⁴ + y⁴)."""
    angles = np.arange(8) * np.pi / 4
    ring = 1e-4 * size * np.stack([np.cos(angles), np.sin(angles)], -1)
    around = fgh((X[:, None, :] + ring).reshape(-1, 2))[0].reshape(len(X), 8)
    fp = f[:, None]
    with np.errstate(invalid="ignore"):
        rise = around - fp > 8 * np.finfo(float).eps * np.maximum(np.abs(fp), np.abs(around))
    return rise.all(-1)


def _dedupe(points: Array, values: Array, tol: float) -> list[int]:
    """Indices of points sorted by value, dropping any within `tol` of a kept one."""
    kept: list[int] = []
    for i in np.argsort(values, kind="stable"):
        if all(np.linalg.norm(points[i] - points[k]) > tol for k in kept):
            kept.append(int(i))
    return kept


def find_critical_points(
    fgh: FGH, domain: Box, n: int = 6
) -> tuple[tuple[Minimum, ...], tuple[tuple[float, float], ...]]:
    """(minima sorted lowest first, saddles) of f inside `domain`, searched from an n×n grid.

    `fgh(X)` returns (f, ∇f, H) for points X of shape (B, 2). Either tuple may be empty.
    """
    (x0, x1), (y0, y1) = domain
    size = max(x1 - x0, y1 - y0)
    margin = 0.05 * np.array([x1 - x0, y1 - y0])
    lo = np.array([x0, y0]) - margin
    hi = np.array([x1, y1]) + margin
    fs = fgh(_grid(domain, 16))[0]
    fs = fs[np.isfinite(fs)]
    f_scale = float(np.ptp(fs)) if fs.size and np.ptp(fs) > 0 else 1.0
    gtol = 1e-6 * f_scale / size
    htol = 1e-6 * f_scale / size**2

    starts = _grid(domain, n)
    descended = _descend(fgh, starts, lo, hi, size / 4, htol * 1e4)
    ends = np.concatenate([descended, _newton(fgh, starts, lo, hi, size / 4)])
    f, g, H = fgh(ends)
    lmin, lmax = _eig(H)
    inside = np.all((ends >= np.array([x0, y0])) & (ends <= np.array([x1, y1])), axis=-1)
    critical = inside & np.isfinite(f) & (np.linalg.norm(g, axis=-1) <= gtol)
    is_saddle = critical & (lmin < -htol) & (lmax > htol)
    is_min = critical & (lmin > htol)
    unsure = inside & np.isfinite(f) & ~is_min & ~is_saddle
    is_min |= unsure & _rises_all_around(fgh, ends, f, size)
    tol = 1e-3 * size

    mins = np.flatnonzero(is_min)
    minima = tuple(
        Minimum((float(ends[i, 0]), float(ends[i, 1])), float(f[i]))
        for i in mins[_dedupe(ends[mins], f[mins], tol)]
    )
    sads = np.flatnonzero(is_saddle)
    saddles = tuple(
        (float(ends[i, 0]), float(ends[i, 1])) for i in sads[_dedupe(ends[sads], f[sads], tol)]
    )
    return minima, saddles
