"""THE critical-point finder: minima and saddles of a 2-D surface in a box, for typed formulas
and the built-in landscapes alike (surfaces/_kit.surface), so both list them the same way.

Minima: a vectorized descent from a grid of starts, then a test of what f does around each end.

* starts: an n × n grid of cell centres plus the lowest points of a 16 × 16 sample of f;
* descent: each step evaluates, for every start at once, a fan of candidates and moves to the
  lowest one if it is lower: the Newton step (where the exact Hessian is positive definite)
  and ¼ … 128 times it (a flat bottom like x¹⁰⁰ needs a 99× step), steps along −∇f, a compass
  of 8 directions (kinks and cusps, where ∇f says little) and, after a failed step, steps along
  a sampled descent direction (minus the shortest vector in the hull of nearby gradients: it
  follows a valley floor along a kink). A per-start radius doubles after a success and
  shrinks 8× after a failure; below 1e-13 of the box size the point is checked on the ring
  below, and moves on where the ring first goes lower;
* classification: f at 7 radii (1e-12 … 0.1 of the box size) in 9 directions (the compass and
  the sampled descent direction). A minimum is finite, inside the box, and in every direction
  the first change of f (beyond rounding) is a rise: a plateau or a valley floor is no minimum.
  A pole is no minimum: where f jumps by more than a tenth of its typical range (5th–95th
  percentile of the sample) within 1e-12 of the box size, the "minimum" is only where the
  search stopped falling (tan(x·y), log(x² + y²), −1/(x² + y²)). The Hessian cannot decide
  this: it is indefinite at a cusp (√|x|), zero on a flat bottom (x¹⁰⁰), meaningless at a
  kink (|x|).

Saddles: Newton's method on ∇f = 0 from the same starts (and from a denser seed grid if the
caller asks: the built-ins do); a saddle has a small gradient and a clearly indefinite exact
Hessian. Newton's ends with a small gradient and a clearly positive definite Hessian join the
descent as extra starts (with a tiny first radius), so a shallow basin the greedy descent hops
over is still found.

One rule for all: ends closer than MERGE (1e-3 of the box size) are one point, the lowest kept;
each minimum is then polished by Newton steps while they shrink ‖∇f‖ (the descent stops ~√ε of
the box size away, where f stops changing in floating point). One order (`canonical_order`):
by value, values within 1e-9 of f's typical range counting as equal (global minima first),
then by x, then by y; saddles likewise.

Why not scipy.optimize.minimize from each start: it runs one start at a time, one Python-level
evaluation per step. On this project's 2-core machine that cost 0.5–7 s (trust-exact, L-BFGS-B)
for 36 starts of a typical formula; the vectorized search evaluates all starts in one NumPy
call per step (20–70 ms).

Work is bounded and deterministic: every evaluation is charged to a budget in array operations
(the caller states what one f and one (f, ∇f, ∇²f) call cost), weighted by batch size, so a
costly formula gets fewer steps, never more time.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .base import Array, Box, Minimum

F = Callable[[Array], Array]
FGH = Callable[[Array], tuple[Array, Array, Array]]

BUDGET = 100_000  # work units: one array operation on n points costs 1 + n / 256
MAX_STEPS = 200  # descent steps; Newton steps for saddles: a quarter of these
GRID = 6
SAMPLE = 16
RING_RADII = 10.0 ** np.array([-12.0, -10, -8, -6, -4, -2, -1])  # × box size
NEWTON_MULTIPLES = 2.0 ** np.arange(-2, 8)  # ¼ … 128
GRADIENT_FRACTIONS = np.array([1.0, 1 / 8])  # of the radius
KINK_FRACTIONS = np.array([4.0, 1.0, 1 / 4])  # of the radius, along a sampled descent
FAN = NEWTON_MULTIPLES.size + GRADIENT_FRACTIONS.size + 8 + KINK_FRACTIONS.size
_S = np.sqrt(0.5)  # exact axis directions: near a pole a 1e-16 sideways slip changes f
COMPASS = np.array([[1, 0], [_S, _S], [0, 1], [-_S, _S], [-1, 0], [-_S, -_S], [0, -1], [_S, -_S]])
POLE_JUMP = 0.1  # × f's typical range, within 1e-12 of the box size: a pole
POLISH_STEPS = 8  # Newton steps that refine a minimum the descent stopped at
MERGE = 1e-3  # × box size: end points closer than this are one critical point
ORDER_TIES = 1e-9  # × f's typical range (values) and × box size (coordinates): equal in order


class _Budget:
    """Work units left; `charge` returns False once spent."""

    def __init__(self, units: float, f_ops: int, fgh_ops: int):
        self.left = units
        self.f_ops = max(f_ops, 1)
        self.fgh_ops = max(fgh_ops, 1)

    def charge(self, f_points: int, fgh_points: int) -> bool:
        self.left -= self.f_ops * (1 + f_points / 256) if f_points else 0
        self.left -= self.fgh_ops * (1 + fgh_points / 256) if fgh_points else 0
        return self.left > 0


def _grid(domain: Box, n: int) -> Array:
    """n × n cell centres of the box, shape (n², 2)."""
    (x0, x1), (y0, y1) = domain
    xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    ys = y0 + (np.arange(n) + 0.5) * (y1 - y0) / n
    return np.stack(np.meshgrid(xs, ys, indexing="ij"), -1).reshape(-1, 2)


def _sample_minima(P: Array, fs: Array, n: int, limit: int) -> Array:
    """Points of an n × n sample (row-major from _grid) lower than their 8 neighbours."""
    Z = np.where(np.isfinite(fs), fs, np.inf).reshape(n, n)
    padded = np.pad(Z, 1, constant_values=np.inf)
    lowest = np.ones_like(Z, dtype=bool)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            if dx or dy:
                lowest &= padded[1 + dx : 1 + dx + n, 1 + dy : 1 + dy + n] > Z
    idx = np.flatnonzero(lowest.ravel())
    return P[idx[np.argsort(fs[idx], kind="stable")][:limit]]


def _within(P: Array, lo: Array, hi: Array) -> Array:
    """Whether each point (last axis) lies in the box [lo, hi]."""
    return np.all((P >= lo) & (P <= hi), axis=-1)  # noqa: SIM300 (arrays)


def _typical_range(fs: Array) -> float:
    """The spread of sampled values (5th–95th percentile; whole range or 1 if that is 0)."""
    fs = fs[np.isfinite(fs)]
    if fs.size == 0:
        return 1.0
    lo, hi = np.percentile(fs, [5, 95])
    return float(hi - lo) or float(np.ptp(fs)) or 1.0


def _eig(H: Array) -> tuple[Array, Array]:
    """(λ_min, λ_max) of a batch of symmetric 2×2 matrices (NaN where not finite)."""
    ok = np.isfinite(H).all(axis=(-2, -1))
    lam = np.full((len(H), 2), np.nan)
    if ok.any():
        lam[ok] = np.linalg.eigvalsh(H[ok])
    return lam[:, 0], lam[:, 1]


def _solve(H: Array, g: Array) -> Array:
    """Solve H d = -g for a batch of 2×2 systems (inf/nan rows where singular)."""
    a, b, c = H[:, 0, 0], H[:, 0, 1], H[:, 1, 1]
    det = a * c - b * b
    return np.stack([-(c * g[:, 0] - b * g[:, 1]) / det, -(a * g[:, 1] - b * g[:, 0]) / det], -1)


def _candidates(X: Array, g: Array, H: Array, r: Array, kink: Array) -> Array:
    """The fan of trial points of each start, shape (B, K, 2) (module docstring); `kink`: a
    sampled descent direction per point (NaN where there is none)."""
    lmin, _ = _eig(H)
    newton = np.where((lmin > 0)[:, None], _solve(H, g), np.nan)
    gnorm = np.linalg.norm(g, axis=-1, keepdims=True)
    down = np.where(gnorm > 0, -g / gnorm, np.nan)
    steps = np.concatenate(
        [
            NEWTON_MULTIPLES[None, :, None] * newton[:, None],
            (GRADIENT_FRACTIONS[None, :] * r[:, None])[..., None] * down[:, None],
            r[:, None, None] * COMPASS[None],
            (KINK_FRACTIONS[None, :] * r[:, None])[..., None] * kink[:, None],
        ],
        axis=1,
    )
    return X[:, None] + steps


def _sampled_descent(fgh: FGH, X: Array, radius: Array | float) -> Array:
    """Unit direction of steepest descent at X when f has a kink near it (gradient sampling):
    minus the shortest vector in the convex hull of ∇f at X and at 8 points `radius` around it.
    NaN where that vector is 0 (X is stationary) or undefined."""
    around = X[:, None] + np.reshape(radius, (-1, 1, 1)) * COMPASS[None]
    G = fgh(np.concatenate([X[:, None], around], 1).reshape(-1, 2))[1].reshape(len(X), 9, 2)
    G = np.where(np.isfinite(G).all(-1, keepdims=True), G, G[:, :1])
    a, b = G[:, :, None], G[:, None, :]  # every edge a-b of the hull (and every vertex, a = b)
    ab = b - a
    t = np.clip(-(a * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-300), 0, 1)
    near = (a + t[..., None] * ab).reshape(len(X), 81, 2)
    h = near[np.arange(len(X)), np.argmin(np.linalg.norm(near, axis=-1), axis=1)]
    angles = np.sort(np.arctan2(G[..., 1], G[..., 0]), axis=1)
    gaps = np.diff(angles, axis=1, append=angles[:, :1] + 2 * np.pi)
    encloses = (gaps.max(axis=1) <= np.pi) | (np.linalg.norm(G, axis=-1) == 0).any(axis=1)
    length = np.linalg.norm(h, axis=-1, keepdims=True)
    return np.where(encloses[:, None] | ~(length > 0), np.nan, -h / length)


def _ring(f: F, fgh: FGH, X: Array, size: float) -> tuple[Array, Array]:
    """Points at 7 radii in 9 directions around each point (the compass and the sampled
    descent direction, which finds a valley along a kink between compass directions) and f
    there: shapes (B, radii, 9, 2) and (B, radii, 9)."""
    down = _sampled_descent(fgh, X, 1e-8 * size)
    dirs = np.concatenate([np.broadcast_to(COMPASS, (len(X), 8, 2)), down[:, None]], 1)
    dirs = np.where(np.isfinite(dirs), dirs, COMPASS[0])
    P = X[:, None, None] + size * RING_RADII[None, :, None, None] * dirs[:, None]
    return P, f(P.reshape(-1, 2)).reshape(P.shape[:-1])


def _first_change(fx: Array, ring: Array) -> tuple[Array, Array]:
    """Per point and direction: the index of the smallest radius where f differs from f(X)
    beyond rounding, and f there (NaN if it never differs). Undefined (NaN) counts as +inf."""
    ring = np.where(np.isnan(ring), np.inf, ring)
    fp = fx[:, None, None]
    scale = np.maximum(np.abs(fp), np.where(np.isfinite(ring), np.abs(ring), 0.0))
    differs = np.abs(ring - fp) > 4 * np.finfo(float).eps * scale
    first = np.argmax(differs, axis=1)
    value = np.take_along_axis(ring, first[:, None], axis=1)[:, 0]
    return first, np.where(differs.any(axis=1), value, np.nan)


def _lowest(values: Array, points: Array) -> tuple[Array, Array]:
    """Per row: the lowest finite value (else +inf) and its point, shapes (B,) and (B, 2)."""
    v = np.where(np.isfinite(values), values, np.inf)
    k = np.argmin(v, axis=1)
    rows = np.arange(len(v))
    return v[rows, k], points[rows, k]


def _ring_step(f: F, fgh: FGH, X: Array, fx: Array, size: float, lo: Array, hi: Array):
    """Where the ring of a converged point first goes lower (its lowest such point), if it
    does: (lower, point), shapes (B,) and (B, 2)."""
    P, ring = _ring(f, fgh, X, size)
    ring = np.where(_within(P, lo, hi), ring, np.inf)
    first, value = _first_change(fx, ring)
    drop = np.where(value < fx[:, None], value, np.inf)
    points = np.take_along_axis(P, first[:, None, :, None], axis=1)[:, 0]
    best, where = _lowest(drop, points)
    return best < fx, where


def _descend(
    f: F, fgh: FGH, X: Array, r: Array, box: tuple[Array, Array], size: float, budget: _Budget
):
    """Move every start downhill until it cannot go lower (module docstring); end points.
    `r`: the first radius of each start. Points may roam 5% beyond the box; one that fails to
    move out there is given up."""
    margin = 0.05 * (box[1] - box[0])
    lo, hi = box[0] - margin, box[1] + margin
    X = X.copy()
    fx, g, H = fgh(X)
    r = r.copy()
    failed = np.zeros(len(X), dtype=bool)
    active = np.flatnonzero(np.isfinite(fx))
    for _ in range(MAX_STEPS):
        if active.size == 0 or not budget.charge(active.size * FAN, 0):
            break
        kink = np.full((active.size, 2), np.nan)
        at_kink = active[failed[active]]  # a failed step: maybe a kinked valley floor
        if at_kink.size:
            budget.charge(0, 9 * at_kink.size)
            kink[failed[active]] = _sampled_descent(fgh, X[at_kink], r[at_kink])
        cand = _candidates(X[active], g[active], H[active], r[active], kink)
        inside = _within(cand, lo, hi)
        fc = np.where(inside, f(cand.reshape(-1, 2)).reshape(cand.shape[:2]), np.inf)
        best, where = _lowest(fc, cand)
        better = best < fx[active]
        length = np.linalg.norm(where - X[active], axis=-1)
        r[active] = np.where(better, np.minimum(2 * length, size / 2), r[active] / 8)
        failed[active] = ~better
        stuck = ~better & (r[active] < 1e-13 * size)
        if stuck.any():  # converged by the radius: does the classification ring agree?
            idx = active[stuck]
            budget.charge(idx.size * RING_RADII.size * 9, idx.size * 9)
            moves, to = _ring_step(f, fgh, X[idx], fx[idx], size, lo, hi)
            where[stuck] = np.where(moves[:, None], to, where[stuck])
            better[stuck] = moves
            r[idx[moves]] = np.linalg.norm(to[moves] - X[idx[moves]], axis=-1)
        moved = active[better]
        if moved.size:
            X[moved] = where[better]
            budget.charge(0, moved.size)
            fx[moved], g[moved], H[moved] = fgh(X[moved])
        active = active[(better | ~stuck) & ~(failed[active] & ~_within(X[active], *box))]
    return X


def _is_minimum(f: F, fgh: FGH, X: Array, size: float, f_range: float) -> Array:
    """Which points are minima: f finite there, and in every direction the first change of f
    on the ring is a rise, by less than f's typical range at the smallest radius (no pole)."""
    fx = f(X)
    _, ring = _ring(f, fgh, X, size)
    _, value = _first_change(fx, ring)
    nearest = np.where(np.isfinite(ring[:, 0]), ring[:, 0], -np.inf)
    pole = (nearest - fx[:, None]).max(axis=1) > POLE_JUMP * f_range
    return np.isfinite(fx) & (value > fx[:, None]).all(axis=1) & ~pole


def _newton(fgh: FGH, X: Array, lo: Array, hi: Array, size: float, budget: _Budget) -> Array:
    """Newton's method on ∇f = 0 (finds saddles as well as minima), kept in [lo, hi]."""
    X = X.copy()
    active = np.arange(len(X))
    for _ in range(MAX_STEPS // 4):
        if active.size == 0 or not budget.charge(0, active.size):
            break
        _, g, H = fgh(X[active])
        d = _solve(H, g)
        length = np.linalg.norm(d, axis=-1, keepdims=True)
        d = np.where(length > size / 4, d * (size / 4) / length, d)
        Xn = np.clip(X[active] + np.where(np.isfinite(d), d, 0.0), lo, hi)
        moved = np.abs(Xn - X[active]).max(-1)
        X[active] = Xn
        active = active[moved > 1e-12 * size]
    return X


def _polish(fgh: FGH, X: Array, size: float, budget: _Budget) -> Array:
    """Newton steps from each point while they shrink ‖∇f‖ and stay within MERGE of where it
    started: a descent stops where f stops changing in floating point, about √ε of the box size
    from a smooth minimum; Newton on ∇f goes on to the last bit. Kinks and flat bottoms (no
    finite, positive definite Hessian) are left as they are."""
    X = X.copy()
    origin = X.copy()
    _, g, H = fgh(X)
    gnorm = np.linalg.norm(g, axis=-1)
    active = np.flatnonzero(np.isfinite(gnorm) & (gnorm > 0))
    for _ in range(POLISH_STEPS):
        if active.size == 0 or not budget.charge(0, active.size):
            break
        lmin, _ = _eig(H[active])
        Xn = X[active] + _solve(H[active], g[active])
        _, gn, Hn = fgh(Xn)
        norm = np.linalg.norm(gn, axis=-1)
        near = np.linalg.norm(Xn - origin[active], axis=-1) <= MERGE * size
        better = (lmin > 0) & near & (norm < gnorm[active])
        idx = active[better]
        X[idx], g[idx], H[idx], gnorm[idx] = Xn[better], gn[better], Hn[better], norm[better]
        active = idx[norm[better] > 0]
    return X


def _dedupe(points: Array, values: Array, tol: float) -> list[int]:
    """Indices of points sorted by value, dropping any within `tol` of a kept one (so of two
    ends of one critical point the lower is kept)."""
    order = np.argsort(values, kind="stable")
    left = np.ones(len(order), dtype=bool)
    kept: list[int] = []
    for k, i in enumerate(order):
        if left[k]:
            kept.append(int(i))
            left &= np.linalg.norm(points[order] - points[i], axis=-1) > tol
    return kept


def canonical_order(values: Array, points: Array, value_tol: float, point_tol: float) -> Array:
    """Indices in THE order of minima (and, with equal values, of saddles): by value, values
    within `value_tol` of the lowest of their run counting as equal (so all global minima come
    first), then by x, then by y, coordinates compared on a grid of `point_tol`."""
    values, points = np.asarray(values, dtype=float), np.asarray(points, dtype=float)
    by_value = np.argsort(values, kind="stable")
    tier = np.empty(len(values), dtype=int)
    head, rank = -np.inf, -1
    for i in by_value:
        if values[i] > head + value_tol:
            head, rank = values[i], rank + 1
        tier[i] = rank
    snapped = np.round(points / point_tol) if len(points) else np.zeros((0, 2))
    return np.lexsort((snapped[:, 1], snapped[:, 0], tier)) if len(values) else by_value


def find_critical_points(
    f: F,
    fgh: FGH,
    domain: Box,
    f_ops: int = 1,
    fgh_ops: int = 1,
    budget: float = BUDGET,
    seeds: int = GRID,
) -> tuple[tuple[Minimum, ...], tuple[tuple[float, float], ...]]:
    """(minima, saddles) of f inside `domain`, each in `canonical_order` (global minima first).

    `f(X)` and `fgh(X)` give f and (f, ∇f, ∇²f) for points X of shape (B, 2); `f_ops` and
    `fgh_ops` are their costs in array operations (the search's work is bounded by `budget`);
    Newton's method also starts from a `seeds` × `seeds` grid (a dense one finds every
    non-degenerate critical point of a cheap surface). Either tuple may be empty. inf/nan
    values are expected and discarded: no warnings.
    """
    with np.errstate(all="ignore"):
        return _find(f, fgh, domain, _Budget(budget, f_ops, fgh_ops), seeds)


def _find(
    f: F, fgh: FGH, domain: Box, budget: _Budget, seeds: int
) -> tuple[tuple[Minimum, ...], tuple[tuple[float, float], ...]]:
    (x0, x1), (y0, y1) = domain
    size = max(x1 - x0, y1 - y0)
    box = np.array([x0, y0]), np.array([x1, y1])
    margin = 0.05 * (box[1] - box[0])
    lo, hi = box[0] - margin, box[1] + margin
    sample = _grid(domain, SAMPLE)
    fs = f(sample)
    f_range = _typical_range(fs)
    starts = np.concatenate([_grid(domain, GRID), _sample_minima(sample, fs, SAMPLE, 16)])
    seeded = starts if seeds <= GRID else np.concatenate([_grid(domain, seeds), starts])
    budget.charge(len(sample), len(seeded))

    share = _Budget(budget.left / 5, budget.f_ops, budget.fgh_ops)  # for Newton
    budget.left -= share.left
    stationary = _newton(fgh, seeded, lo, hi, size, share)
    saddles, smooth = _stationary(fgh, stationary, box, size, f_range)
    # Newton's minima start the descent with a tiny radius (a large one may hop out of a
    # shallow basin): it only moves them to where f is lowest in floating point, which is
    # where the ring test below can tell a minimum from rounding noise.
    radius = np.concatenate([np.full(len(starts), size / 8), np.full(len(smooth), 1e-12 * size)])
    ends = _descend(f, fgh, np.concatenate([starts, smooth]), radius, box, size, budget)
    ends = ends[_within(ends, *box)]
    fe = f(ends)
    ends, fe = ends[np.isfinite(fe)], fe[np.isfinite(fe)]
    keep = _dedupe(ends, fe, MERGE * size)
    ends, fe = ends[keep], fe[keep]
    is_min = _is_minimum(f, fgh, ends, size, f_range) if len(ends) else np.zeros(0, dtype=bool)
    ends = _polish(fgh, ends[is_min], size, budget)
    fe = f(ends)
    order = canonical_order(fe, ends, ORDER_TIES * f_range, ORDER_TIES * size)
    minima = tuple(
        Minimum((float(p[0]), float(p[1])), float(v))
        for p, v in zip(ends[order], fe[order], strict=True)
    )
    return minima, saddles


def _stationary(
    fgh: FGH, X: Array, box: tuple[Array, Array], size: float, f_range: float
) -> tuple[tuple[tuple[float, float], ...], Array]:
    """From Newton's end points X: the saddles (small gradient, clearly indefinite Hessian) in
    canonical order, and the candidate minima (small gradient, clearly positive definite)."""
    fx, g, H = fgh(X)
    lmin, lmax = _eig(H)
    htol = 1e-6 * f_range / size**2
    ok = _within(X, *box) & np.isfinite(fx)
    ok &= np.linalg.norm(g, axis=-1) <= 1e-6 * f_range / size
    saddle = np.flatnonzero(ok & (lmin < -htol) & (lmax > htol))
    saddle = saddle[_dedupe(X[saddle], fx[saddle], MERGE * size)]
    saddle = saddle[canonical_order(fx[saddle], X[saddle], ORDER_TIES * f_range, ORDER_TIES * size)]
    smooth = np.flatnonzero(ok & (lmin > htol))
    smooth = smooth[_dedupe(X[smooth], fx[smooth], MERGE * size)]
    return tuple((float(X[i, 0]), float(X[i, 1])) for i in saddle), X[smooth]
