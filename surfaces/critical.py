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

MAX_EVALS = 160  # batched (f, ∇f, H) evaluations: 3/4 for the descent, 1/4 for Newton


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
    return np.where(length > max_len, d * (max_len / length), d)


def _descend(
    fgh: FGH, X: Array, lo: Array, hi: Array, max_step: float, curv0: float, iters: int
) -> Array:
    """Damped Newton descent of every point of the batch, kept in [lo, hi].

    The shift is the damping times the Hessian's scale (or `curv0` where f is flat or kinked,
    which makes the step a gradient step). Settled points leave the batch."""
    X = X.copy()
    f, g, H = fgh(X)
    damp = np.full(len(X), 1e-3)
    active = np.arange(len(X))
    for _ in range(iters):
        if active.size == 0:
            break
        Xa, fa, ga, Ha, da = X[active], f[active], g[active], H[active], damp[active]
        lmin, lmax = _eig(Ha)
        curv = np.where(np.isfinite(lmin), np.abs(lmin) + np.abs(lmax), 0.0) + curv0
        shift = np.where(np.isfinite(lmin), np.maximum(0.0, -lmin), 0.0) + da * curv
        d = _limit_step(_solve(Ha, ga, shift), max_step)
        Xn = np.clip(Xa + np.where(np.isfinite(d), d, 0.0), lo, hi)
        fn, gn, Hn = fgh(Xn)
        ok = np.isfinite(fn) & (fn <= fa) & np.isfinite(gn).all(-1)
        moved = np.abs(Xn - Xa).max(-1)
        X[active] = np.where(ok[:, None], Xn, Xa)
        f[active] = np.where(ok, fn, fa)
        g[active] = np.where(ok[:, None], gn, ga)
        H[active] = np.where(ok[:, None, None], Hn, Ha)
        damp[active] = da = np.clip(np.where(ok, da / 4, da * 8), 1e-12, 1e12)
        settled = (ok & (moved <= 1e-12 * max_step)) | (da >= 1e12)
        active = active[~settled]
    return X


def _newton(fgh: FGH, X: Array, lo: Array, hi: Array, max_step: float, iters: int) -> Array:
    """Newton's method on ∇f = 0 (finds saddles as well as minima), kept in [lo, hi]."""
    X = X.copy()
    active = np.arange(len(X))
    for _ in range(iters):
        if active.size == 0:
            break
        _, g, H = fgh(X[active])
        d = _limit_step(_solve(H, g, np.zeros(len(active))), max_step)
        Xn = np.clip(X[active] + np.where(np.isfinite(d), d, 0.0), lo, hi)
        moved = np.abs(Xn - X[active]).max(-1)
        X[active] = Xn
        active = active[moved > 1e-12 * max_step]
    return X


def _rises_all_around(fgh: FGH, X: Array, f: Array, size: float) -> Array:
    """Whether f rises (beyond rounding) in 8 directions at radius 1e-4·size around each point:
    a minimum the Hessian test cannot see (a kink as in |x| + |y|, or a flat bottom as in
    x⁴ + y⁴)."""
    angles = np.arange(8) * np.pi / 4
    ring = 1e-4 * size * np.stack([np.cos(angles), np.sin(angles)], -1)
    around = fgh((X[:, None, :] + ring).reshape(-1, 2))[0].reshape(len(X), 8)
    fp = f[:, None]
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
    fgh: FGH, domain: Box, n: int = 6, max_evals: int = MAX_EVALS
) -> tuple[tuple[Minimum, ...], tuple[tuple[float, float], ...]]:
    """(minima sorted lowest first, saddles) of f inside `domain`, searched from an n×n grid.

    `fgh(X)` returns (f, ∇f, H) for points X of shape (B, 2). Either tuple may be empty. At most
    `max_evals` (+3) batched calls of `fgh` (an expensive f gets a smaller budget from its
    caller). Overflow and invalid values are expected (inf/nan points are discarded): no
    warnings.
    """
    with np.errstate(all="ignore"):
        return _find(fgh, domain, n, max(8, max_evals))


def _find(
    fgh: FGH, domain: Box, n: int, max_evals: int
) -> tuple[tuple[Minimum, ...], tuple[tuple[float, float], ...]]:
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
    descent_iters = 3 * max_evals // 4
    descended = _descend(fgh, starts, lo, hi, size / 4, htol * 1e4, descent_iters)
    newtoned = _newton(fgh, starts, lo, hi, size / 4, max_evals - descent_iters)
    ends = np.concatenate([descended, newtoned])
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
