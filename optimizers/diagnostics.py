"""What happened to each trajectory of a run, as data (vectorized over the batch) and in words.

Definitions (T steps, domain's larger side `span`, r = tol·span, window W = min(T, max(10, T//5))):

- converged from step k: positions[k:] all lie within r of the same listed minimum (the one
  nearest to the final point); `steps` = the smallest such k. CONVERGED if that minimum is a
  global one (value within 1e-6·(1 + |f*|) of the global value f*: Himmelblau has four), else
  TRAPPED.
- DIVERGED: simulate flagged it (`diverged_at` ≥ 0); `steps` = that step. UNDEFINED instead
  when that step landed where f or ∇f is not defined (simulate's `undefined`).
- For the rest (`steps` = −1), over the last W steps (steps T−W … T):
  THROWN_OUT  = at one or more of these steps the point lies outside the plot domain (strictly
                outside the closed box, no margin) at a loss above the start's, f(x_k) > f(x_0):
                the steps are too large for the landscape and overshoot past its edge (onto the
                flat rim of a bounded landscape such as the plateau, or back and forth across
                the wells). Taken over the window, not only the final point, so a path that is
                thrown out every other step gets it whatever the parity of T. The loss condition
                keeps out paths that walk out of the box downhill (a valley that runs on beyond
                the plot, as Rosenbrock's and Beale's do: GD below 2/L never climbs above its
                start): they get one of the outcomes below;
  descending  = the mean loss of the window's second half is below that of its first half;
  moving      = the path length travelled in the window is at least r;
  OSCILLATING = not thrown out, moving but not descending (bouncing: overshoots cancel the
                progress);
  STALLED     = otherwise, if the final gradient norm ≤ gtol (a plateau, or a saddle when one of
                surface.saddles lies within 5% of span) or the point neither moves nor descends
                — unless it is *almost there* (below): near a flat minimum ∇f is tiny too;
  CRAWLING    = otherwise: still descending when the budget ran out.
- zigzag: over the first min(20, T) step pairs, the steps s_k = x_{k+1} − x_k that are reversed
  by the next one (cos(s_k, s_{k+1}) < −0.5) carry at least half of the path length Σ‖s_k‖.

A surface without listed minima only gets DIVERGED, UNDEFINED, THROWN_OUT, OSCILLATING, STALLED
or CRAWLING.

In words (`describe`), a CRAWLING run is judged by how far it still has to go, with d_0 and d the
start's and the final point's distance to the nearest minimum (value f_m): with gradient noise
σ > 0 and d ≤ JITTER·d_0 it *jitters around the minimum*; *almost there* when d ≤ NEAR·d_0 and
f − f_m ≤ NEAR_LOSS·(f(x_0) − f_m); otherwise it is *still crawling*, and "try a larger rate" is
said only when the largest rate of the run is below half of the optimizer's stable limit at the
minimum (`stable_lr`).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, NamedTuple

import numpy as np
from surfaces import SurfaceLike

from .numbers import num, plural
from .numbers import point as _point_text
from .simulate import Trajectory
from .stability import analyze, bound_rule, stable_lr

Array = np.ndarray

TOL = 1e-3
GRAD_TOL = 1e-3
ZIGZAG_PAIRS = 20
SADDLE_RADIUS = 0.05
NEAR, NEAR_LOSS, JITTER = 0.05, 1e-3, 0.25
_BLOCK_ELEMENTS = 1 << 18  # (time × batch) elements per chunk when scanning the history: bounds
# the temporaries (2 MiB each) and keeps them in cache; more time rows when the batch is small


class Outcome(IntEnum):
    CONVERGED = 0
    TRAPPED = 1
    DIVERGED = 2
    OSCILLATING = 3
    STALLED = 4
    CRAWLING = 5
    THROWN_OUT = 6
    UNDEFINED = 7


class Diagnosis(NamedTuple):
    """Struct of (B,) arrays; see the module docstring for the definitions.

    kind: Outcome codes; minimum: index into surface.minima nearest to the final point (−1 if
    diverged or none listed); steps: steps to converge / the diverged step / −1; final_loss;
    distance: from the final point to that minimum (NaN if none); zigzag; saddle: index into
    surface.saddles of a saddle within reach of a STALLED point (−1 otherwise); grad_norm: final
    ‖∇f‖; budget: the number of steps T that was run; start_distance: from the start to that
    minimum (NaN if none); start_loss: f(x_0).
    """

    kind: Array
    minimum: Array
    steps: Array
    final_loss: Array
    distance: Array
    zigzag: Array
    saddle: Array
    grad_norm: Array
    budget: Array
    start_distance: Array
    start_loss: Array


def diagnose(
    surface: SurfaceLike, traj: Trajectory, *, tol: float = TOL, gtol: float = GRAD_TOL
) -> Diagnosis:
    """Classify every trajectory of `traj` (see the module docstring); no loop over the batch."""
    pos = traj.positions
    total, batch = pos.shape[0] - 1, pos.shape[1]
    span = _span(surface.domain)
    radius = tol * span
    final = pos[-1]
    diverged = traj.diverged_at >= 0

    kind = np.full(batch, Outcome.CRAWLING, dtype=np.int64)
    steps = np.where(diverged, traj.diverged_at, -1)
    nearest, distance = _nearest_minimum(surface, final)
    converged = np.zeros(batch, dtype=bool)
    if nearest is not None:
        points = np.array([m.point for m in surface.minima], dtype=np.float64)
        since = _converged_since(pos, points[nearest], radius)
        converged = (since >= 0) & ~diverged
        kind[converged] = np.where(
            global_mask(surface)[nearest[converged]], Outcome.CONVERGED, Outcome.TRAPPED
        )
        steps = np.where(converged, since, steps)

    thrown = ~converged & ~diverged & _thrown_out(traj.loss, pos, surface.domain)
    rest = ~converged & ~diverged & ~thrown
    descending, moving = _late_progress(traj.loss, pos, radius)
    tiny = traj.grad_norm[-1] <= gtol
    oscillating = rest & moving & ~descending
    start_distance = _start_distance(surface, pos[0], nearest)
    near = _almost_there(surface, nearest, distance, start_distance, traj.loss)
    stalled = rest & ~oscillating & (tiny | ~descending) & ~near
    kind[thrown] = Outcome.THROWN_OUT
    kind[oscillating] = Outcome.OSCILLATING
    kind[stalled] = Outcome.STALLED
    kind[diverged] = Outcome.DIVERGED
    if traj.undefined is not None:
        kind[diverged & traj.undefined] = Outcome.UNDEFINED

    minimum = np.full(batch, -1) if nearest is None else np.where(diverged, -1, nearest)
    return Diagnosis(
        kind=kind,
        minimum=minimum,
        steps=steps,
        final_loss=traj.loss[-1].copy(),
        distance=distance,
        zigzag=_zigzag(pos),
        saddle=np.where(stalled, _near_saddle(surface, final, SADDLE_RADIUS * span), -1),
        grad_norm=traj.grad_norm[-1].copy(),
        budget=np.full(batch, total),
        start_distance=start_distance,
        start_loss=traj.loss[0].copy(),
    )


def _almost_there(
    surface: SurfaceLike, nearest: Array | None, d: Array, d0: Array, loss: Array
) -> Array:
    """(B,) bool: d ≤ NEAR·d_0 and f − f_m ≤ NEAR_LOSS·(f(x_0) − f_m) for the nearest minimum
    (value f_m): a run this close is closing in, even where ∇f is tiny (a flat minimum), so it
    is CRAWLING ("almost there"), never STALLED on a plateau."""
    if nearest is None:
        return np.zeros(len(d), dtype=bool)
    f_m = np.array([m.value for m in surface.minima], dtype=np.float64)[nearest]
    with np.errstate(invalid="ignore"):
        return (d <= NEAR * d0) & (loss[-1] - f_m <= NEAR_LOSS * (loss[0] - f_m))


def _start_distance(surface: SurfaceLike, starts: Array, nearest: Array | None) -> Array:
    """(B,) distance from each start to the minimum nearest to its final point (NaN if none)."""
    if nearest is None:
        return np.full(len(starts), np.nan)
    points = np.array([m.point for m in surface.minima], dtype=np.float64)
    return np.linalg.norm(starts - points[nearest], axis=-1)


def _span(domain: Any) -> float:
    (x0, x1), (y0, y1) = domain
    return float(max(x1 - x0, y1 - y0))


def global_mask(surface: SurfaceLike) -> Array:
    """(M,) bool over surface.minima: value within 1e-6·(1 + |f*|) of the lowest value f*."""
    values = np.array([m.value for m in surface.minima], dtype=np.float64)
    if values.size == 0:
        return np.zeros(0, dtype=bool)
    return values - values.min() <= 1e-6 * (1.0 + abs(values.min()))


def distance_to_global(surface: SurfaceLike, points: Any) -> Array:
    """(B,) distance from each point (B, 2) to the NEAREST GLOBAL minimum; NaN if none listed.

    Himmelblau has four global minima: the distance is to the closest of them. A point resting
    in a local (trapping) minimum is as far away as that minimum is from the global ones.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    mins = np.array([m.point for m in surface.minima], dtype=np.float64).reshape(-1, 2)
    return _nearest(points, mins[global_mask(surface)])[1]


def _nearest_minimum(surface: SurfaceLike, points: Array) -> tuple[Array | None, Array]:
    """(index of the nearest listed minimum, distance to it) per point; (None, NaN) if none."""
    if not surface.minima:
        return None, np.full(len(points), np.nan)
    return _nearest(points, np.array([m.point for m in surface.minima], dtype=np.float64))


def _nearest(points: Array, targets: Array) -> tuple[Array, Array]:
    """(index of the nearest of `targets` (M, 2), distance to it) per point; NaN if M = 0."""
    if len(targets) == 0:
        return np.full(len(points), -1), np.full(len(points), np.nan)
    d = np.linalg.norm(points[:, None, :] - targets[None, :, :], axis=-1)  # (B, M)
    idx = d.argmin(axis=1)
    return idx, d[np.arange(len(points)), idx]


def _dot(u: Array, v: Array | None) -> Array:
    """Row-wise u·v over a last axis of length 2 (v = None: ‖u‖²); faster than einsum here."""
    if v is None:
        v = u
    out = u[..., 0] * v[..., 0]
    out += u[..., 1] * v[..., 1]
    return out


def _converged_since(pos: Array, target: Array, radius: float) -> Array:
    """(B,) first step k with ‖pos[j] − target‖ ≤ radius for every j ≥ k; −1 if not at the end."""
    last_out = np.full(pos.shape[1], -1)
    r2 = radius * radius
    rows = max(8, _BLOCK_ELEMENTS // max(1, pos.shape[1]))
    for start in range(0, pos.shape[0], rows):
        block = pos[start : start + rows]
        dx = block[..., 0] - target[:, 0]
        dy = block[..., 1] - target[:, 1]
        dx *= dx
        dy *= dy
        dx += dy
        outside = dx > r2
        hit = outside.any(axis=0)
        last = start + len(block) - 1 - outside[::-1].argmax(axis=0)
        last_out = np.where(hit, last, last_out)
    return np.where(last_out == pos.shape[0] - 1, -1, last_out + 1)


def _window(total: int) -> int:
    """W = min(T, max(10, T//5)): how many final steps the late-run outcomes look at."""
    return min(total, max(10, total // 5))


def _thrown_out(loss: Array, pos: Array, domain: Any) -> Array:
    """(B,) bool: at some of the last W steps the point is outside `domain` with f > f(x_0)."""
    total = pos.shape[0] - 1
    first = total - _window(total)
    above = loss[first:] > loss[0]  # (W+1, B)
    cols = np.flatnonzero(above.any(axis=0))  # usually few: descending runs are skipped
    (x0, x1), (y0, y1) = domain
    x, y = pos[first:, cols, 0], pos[first:, cols, 1]
    outside = (x < x0) | (x > x1) | (y < y0) | (y > y1)
    thrown = np.zeros(pos.shape[1], dtype=bool)
    thrown[cols] = (outside & above[:, cols]).any(axis=0)
    return thrown


def _late_progress(loss: Array, pos: Array, radius: float) -> tuple[Array, Array]:
    """(descending, moving) over the last W steps, as defined in the module docstring."""
    total = pos.shape[0] - 1
    window = _window(total)
    if window == 0:
        none = np.zeros(pos.shape[1], dtype=bool)
        return none, none
    half = (window + 1) // 2
    first = loss[total - window : total - window + half].mean(axis=0)
    second = loss[total + 1 - half :].mean(axis=0)
    descending = second < first - 1e-12 * (1.0 + np.abs(first))
    tail = np.diff(pos[total - window :], axis=0)
    path = np.sqrt(_dot(tail, None)).sum(axis=0)
    return descending, path >= radius


def _zigzag(pos: Array) -> Array:
    """(B,) bool: reversed steps carry ≥ half the path length of the first ZIGZAG_PAIRS pairs."""
    s = np.diff(pos[: ZIGZAG_PAIRS + 2], axis=0)
    if len(s) < 2:
        return np.zeros(pos.shape[1], dtype=bool)
    length = np.sqrt(_dot(s, None))
    dot = _dot(s[:-1], s[1:])
    reversed_ = dot < -0.5 * length[:-1] * length[1:]  # cos < −0.5 (false for zero steps)
    weight = length[:-1]
    total = weight.sum(axis=0)
    return (total > 0) & ((weight * reversed_).sum(axis=0) >= 0.5 * total)


def _near_saddle(surface: SurfaceLike, points: Array, reach: float) -> Array:
    """(B,) index of a listed saddle within `reach` of each point, −1 if none."""
    saddles = np.array(getattr(surface, "saddles", ()), dtype=np.float64).reshape(-1, 2)
    if len(saddles) == 0:
        return np.full(len(points), -1)
    d = np.linalg.norm(points[:, None, :] - saddles[None, :, :], axis=-1)
    idx = d.argmin(axis=1)
    return np.where(d[np.arange(len(points)), idx] <= reach, idx, -1)


# ----------------------------------------------------------------------------- in words


def _point(p: Any, surface: SurfaceLike) -> str:
    """A point of the map, float noise rounded to zero at the scale of its domain."""
    return _point_text(p, _span(surface.domain))


def _rate(lr: Any, traj: Trajectory, i: int, step: int) -> float:
    """The rate of trajectory i at `step`: from the caller's lr if given, else as recorded."""
    if lr is None:
        return float(traj.lr[step, i])
    return float(np.ravel(lr)[i]) if np.ndim(lr) else float(lr)


def _why_diverged(
    surface: SurfaceLike,
    traj: Trajectory | None,
    lr: Any,
    i: int,
    k: int,
    optimizer: str,
    hyper: Any,
) -> str:
    """' (lr·λ_max = … > 2 …)' when the quadratic model explains the blow-up, else ''.

    The limit is `stable_lr(optimizer, hyper, λ_max)`; adaptive methods have none: ''.
    """
    if traj is None:
        return ""
    for step, where in ((0, "at the start"), (k - 1, "where it blew up")):
        rate = _rate(lr, traj, i, step)
        try:
            lam = analyze(surface, traj.positions[step, i]).eigenvalues[1]
        except ValueError:
            return ""
        bound = stable_lr(optimizer, hyper or {}, lam)
        if bound is None:
            return ""
        if rate > bound:
            if optimizer == "gd" and not (hyper or {}).get("weight_decay"):
                product = f"{num(rate)} × {num(lam)} = {num(rate * lam)}"
                return f" (lr·λ_max = {product} > 2 {where})"
            return (
                f" (lr = {num(rate)} > {bound_rule(optimizer, hyper)} = {num(bound)} for "
                f"λ_max = {num(lam)} {where})"
            )
    return ""


def describe(
    diag: Diagnosis,
    i: int,
    surface: SurfaceLike,
    *,
    traj: Trajectory | None = None,
    lr: Any = None,
    optimizer: str = "gd",
    hyper: Any = None,
    noise: float = 0.0,
    gtol: float = GRAD_TOL,
) -> str:
    """One plain sentence with numbers about trajectory i.

    With `traj` (and optionally the `lr` of the run) a divergence is explained by the quadratic
    model: lr above `stable_lr(optimizer, hyper, λ_max)` at the start or at the last finite
    point. `noise` (the gradient noise σ of the run) lets a run that jitters around the minimum
    be told apart from one that crawls (see the module docstring).
    """
    kind, k, f = Outcome(int(diag.kind[i])), int(diag.steps[i]), float(diag.final_loss[i])
    budget = int(diag.budget[i])
    m = int(diag.minimum[i])
    if kind is Outcome.DIVERGED:
        why = _why_diverged(surface, traj, lr, i, k, optimizer, hyper)
        return f"Diverged at step {k}: every step overshoots further{why}."
    if kind is Outcome.UNDEFINED:
        where = "" if traj is None else f" from {_point(traj.positions[k - 1, i], surface)}"
        return (
            f"Stepped where f is not defined: step {k}{where} lands where the loss or its "
            "gradient has no value, so the run stops there."
        )
    if kind is Outcome.CONVERGED:
        where = _point(surface.minima[m].point, surface)
        if diag.zigzag[i]:
            return f"Zig-zags across the valley but converges to {where} in {plural(k, 'step')}."
        return f"Converged to the global minimum {where} in {plural(k, 'step')}."
    if kind is Outcome.TRAPPED:
        return (
            f"Trapped in a local minimum at {_point(surface.minima[m].point, surface)} after "
            f"{plural(k, 'step')}: f = {num(f)} vs the global {num(surface.f_min)}."
        )
    if kind is Outcome.THROWN_OUT:
        return (
            f"Thrown out of the landscape: after {plural(budget, 'step')} its steps still "
            "overshoot past the edge of the plotted area, higher than where it started — the "
            "rate is too large: try a smaller one."
        )
    if kind is Outcome.OSCILLATING:
        near = "" if m < 0 else f", still {num(diag.distance[i])} away from the minimum"
        return (
            f"Bounces without settling: after {plural(budget, 'step')} the loss has stopped "
            f"falling (f = {num(f)}{near}) — try a smaller rate."
        )
    if kind is Outcome.STALLED:
        g = num(diag.grad_norm[i])
        s = int(diag.saddle[i])
        if s >= 0:
            return (
                f"Stalled near the saddle point {_point(surface.saddles[s], surface)}: the "
                f"gradient is almost zero there (‖∇f‖ = {g}, f = {num(f)}) — a little momentum "
                "or noise pushes it off."
            )
        if diag.grad_norm[i] <= gtol:
            return (
                f"Stalled on a plateau: the gradient is almost zero (‖∇f‖ = {g}, f = {num(f)}) "
                "— momentum or a larger rate can carry it across."
            )
        return f"Stalled: after {plural(budget, 'step')} it has barely moved (f = {num(f)})."
    return _still_going(diag, i, surface, traj, optimizer, hyper, noise)


def _still_going(
    diag: Diagnosis,
    i: int,
    surface: SurfaceLike,
    traj: Trajectory | None,
    optimizer: str,
    hyper: Any,
    noise: float,
) -> str:
    """The sentence for a CRAWLING run: almost there, jittering, or still crawling."""
    f, budget, m = float(diag.final_loss[i]), int(diag.budget[i]), int(diag.minimum[i])
    after = plural(budget, "step")
    d, d0 = float(diag.distance[i]), float(diag.start_distance[i])  # NaN without minima
    where = "" if m < 0 else _point(surface.minima[m].point, surface)
    if noise > 0 and d <= JITTER * d0:
        return (
            f"Jitters around the minimum {where}: the noisy gradient (σ = {num(noise)}) "
            f"kicks it by about lr·σ every step, so after {after} it is {num(d)} from it "
            f"(f = {num(f)}) — smaller steps make the jitter smaller."
        )
    if diag.zigzag[i]:
        with_momentum = optimizer in ("momentum", "nesterov") or (hyper or {}).get("momentum")
        cure = "a slightly smaller rate damps it" if with_momentum else "momentum damps the zig-zag"
        return (
            f"Zig-zags across the valley and is still descending after {after} "
            f"(f = {num(f)}) — {cure}."
        )
    f_m = float(surface.minima[m].value) if m >= 0 else np.nan
    if d <= NEAR * d0 and f - f_m <= NEAR_LOSS * (float(diag.start_loss[i]) - f_m):  # as diagnose
        return (
            f"Almost there: after {after} it is {num(d)} from the minimum {where} "
            f"(f = {num(f)}) and still closing in — a few more steps finish the job."
        )
    advice = _crawl_advice(surface, traj, i, m, optimizer, hyper)
    return f"Still crawling after {after} (f = {num(f)}, falling){advice}."


def _crawl_advice(
    surface: SurfaceLike, traj: Trajectory | None, i: int, m: int, optimizer: str, hyper: Any
) -> str:
    """' — try a larger rate' unless the run's largest rate is already ≥ half its stable limit
    at the minimum (then more steps or momentum help, not a larger rate); '' when that cannot
    be judged (no quadratic model there)."""
    if traj is None or m < 0:
        return " — try a larger rate"
    rate = float(np.max(traj.lr[:, i], initial=0.0))  # the peak of a schedule
    try:
        lam = analyze(surface, surface.minima[m].point).eigenvalues[1]
    except ValueError:
        return ""
    bound = stable_lr(optimizer, hyper or {}, lam)
    if bound is None or rate < 0.5 * bound:
        return " — try a larger rate"
    return (
        f" — the rate is already {num(rate / bound)} of its stable limit {num(bound)} there: "
        "more steps or momentum help, a larger rate would not"
    )
