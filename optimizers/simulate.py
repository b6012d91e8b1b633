"""The one loop over steps: run a batch of B trajectories of an optimizer on a surface.

Indexing: update t (t = 0 … T−1) moves positions[t] to positions[t+1] with lr[t]; "step k" means
the k-th update, so positions[k] is the point after k steps.

Divergence: the point x_k produced by step k *stops* the run when

- f(x_k) or ∇f(x_k) is not finite (undefined when f is NaN, or f is finite but ∇f is not: the
  step landed where f is not defined, such as √x at x < 0 or the tip of a cone; an infinite f
  is a runaway), or
- the loss ran away relative to the landscape: with [m, M] the range of f sampled on a
  RUNAWAY_GRID² grid over the plot domain (finite samples only), and for each row
  lo = min(m, f(x₀)), hi = max(M, f(x₀)), S = max(hi − lo, |lo|, |hi|) (1 if that is 0),

      runaway  ⇔  f(x_k) < lo − K·S  or  f(x_k) > hi + K·S,   K = RUNAWAY_SPREAD (1e9),

  so a landscape of values 1e12 or a start far up its wall is not a runaway by itself, or
- one of its coordinates leaves the box that extends the plot domain by `RUNAWAY_FACTOR` (1000)
  times its larger side on every side.

Such a trajectory is frozen at its last finite point (positions[k:] == positions[k−1], same for
loss and grad_norm), flagged with `diverged_at = k` (and `undefined` when f or ∇f was not
defined there), and its optimizer state is frozen too, so nothing non-finite reaches the
outputs or the other trajectories: ‖∇f‖ is taken with hypot, finite whenever ∇f is. Nothing is
clipped, no RuntimeWarning escapes.

Randomness: `noise` and the `gradient` override draw from one `np.random.default_rng(seed)`, one
(B, 2) block per step in step order. Guarantee: the same inputs and seed give bit-identical
results; every row gets independent noise; a row's noise depends on B (a batched noisy run is
not the row-by-row runs). Without noise or override, row i of a batch equals the run of
starts[i] alone (the rows never interact).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from surfaces import SurfaceLike

from .base import LRPolicy, Optimizer, from_schedule

Array = np.ndarray
GradientFn = Callable[[Array, int, np.random.Generator], Array]

RUNAWAY_SPREAD = 1e9
RUNAWAY_FACTOR = 1e3
RUNAWAY_GRID = 9
TINY_BATCH = 8  # up to this B, test for runaways on Python floats


class StartError(ValueError):
    """A run cannot begin: the loss or the gradient is not finite at some start point."""


class Trajectory(NamedTuple):
    """The history of a batch of B trajectories over T steps (float64).

    positions (T+1, B, 2); loss (T+1, B); grad_norm (T+1, B) = ‖∇f‖ of the true (noiseless)
    gradient; lr (T, B) = rate requested at step t (recorded even after divergence, where it is
    no longer applied; a read-only broadcast view when the rate is fixed); diverged_at (B,) =
    the step k that diverged, −1 if none; states = optimizer state field -> (T+1, B, …) history
    when `record_state=True`, else None.
    """

    positions: Array
    loss: Array
    lr: Array
    grad_norm: Array
    diverged_at: Array
    states: dict[str, Array] | None
    undefined: Array | None = None


def simulate(
    surface: SurfaceLike,
    optimizer: Optimizer,
    lr: float | Array | LRPolicy | Callable[[int], Any],
    starts: Array,
    steps: int,
    *,
    noise: float = 0.0,
    seed: int = 0,
    gradient: GradientFn | None = None,
    record_state: bool = False,
) -> Trajectory:
    """Run `steps` updates x ← x + delta of `optimizer` from each of the (B, 2) `starts`.

    `lr` is a float, a (B,) array (a sweep is a batch) or an LRPolicy (loss-driven policies get
    each trajectory's current loss); a plain `step -> lr` function is wrapped as a schedule.
    The optimizer sees g + noise·ξ, ξ ~ N(0, I), where g = ∇f(x), or `gradient(x, step, rng)`
    when given (a stochastic gradient: recorded loss and grad_norm stay the surface's true ones).
    Optimizers with `needs_hessian` also get hess = surface.hess(x).
    """
    x0 = _as_starts(starts)
    batch, total = len(x0), _as_steps(steps)
    policy, fixed_lr = _lr_source(lr, batch)
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number ≥ 0, got {noise!r}")
    low, high = _runaway_box(surface.domain)
    rng = np.random.default_rng(seed)
    history = _History(total, batch)
    diverged_at = np.full(batch, -1, dtype=np.int64)
    if policy is None:
        rates = np.broadcast_to(np.asarray(fixed_lr, dtype=np.float64), (total, batch))
    else:
        rates = np.empty((total, batch))

    update, f_and_grad = optimizer.update, _fused(surface)
    needs_hessian, hess = optimizer.needs_hessian, surface.hess
    positions, losses, grad_into = history.positions, history.loss, history.grad_into
    with np.errstate(all="ignore"):
        x = positions[0]
        x[...] = x0
        f, g = f_and_grad(x)
        if not np.isfinite(f).all():
            raise StartError("the loss is not finite at some start point")
        if not np.isfinite(g).all():
            raise StartError("the gradient is not defined at some start point")
        losses[0] = f
        grad_into(0, g)
        history.repair(0, g)
        floor, ceil = _loss_band(f_and_grad, surface.domain, f)
        all_ok = _whole_batch_test(batch, floor.max(), ceil.min(), low, high, history.grad_norm)
        undefined = np.zeros(batch, dtype=bool)
        state = optimizer.init(x)
        recorder = _StateRecorder(total, batch) if record_state else None
        if recorder is not None:
            recorder.record(0, state)
        pstate = policy.init(batch) if policy is not None else None
        dead = dead_rows = None  # (B,) and (B, 1) bool once some trajectory has diverged
        rate = fixed_lr
        for t in range(total):
            if policy is not None:
                rate, pstate = policy.lr_at(t, f, pstate)
                rates[t] = rate
            seen = g if gradient is None else np.asarray(gradient(x, t, rng), dtype=np.float64)
            if noise:
                seen = seen + noise * rng.standard_normal((batch, 2))
            if needs_hessian:
                delta, new_state = update(seen, state, rate, x, hess=hess(x))
            else:
                delta, new_state = update(seen, state, rate, x)
            x_new = positions[t + 1]
            np.add(x, delta, out=x_new)
            if dead is not None:
                # rows that ran away earlier stay at their last finite point, with their state;
                # the surface then gives them back the same loss and gradient
                np.copyto(x_new, x, where=dead_rows)
                new_state = _keep_rows(dead, state, new_state, batch)
            f_new, g_new = f_and_grad(x_new)
            grad_into(t + 1, g_new)
            if not all_ok(f_new, x_new, g_new, t + 1):
                # rows that run away now keep their last point, loss, gradient and state
                history.repair(t + 1, g_new)
                bad = _runaway(f_new, x_new, g_new, floor, ceil, low, high)
                if bad.any():
                    diverged_at[bad] = t + 1
                    undefined |= bad & _undefined(f_new, g_new)
                    x_new[bad] = x[bad]
                    f_new = np.where(bad, f, f_new)
                    g_new = np.where(bad[:, None], g, g_new)
                    grad_into(t + 1, g_new)
                    history.repair(t + 1, g_new)
                    new_state = _keep_rows(bad, state, new_state, batch)
                    dead = bad if dead is None else dead | bad
                    dead_rows = dead[:, None]
            losses[t + 1] = f_new
            x, f, g, state = x_new, f_new, g_new, new_state
            if recorder is not None:
                recorder.record(t + 1, state)
            elif dead is not None and gradient is None and dead.all():
                # every row has run away: the rest of the run is frozen, so write it out at
                # once (same values the loop would write, without evaluating the surface)
                history.freeze(t + 2, x, f, g)
                for u in range(t + 1, total if policy is not None else 0):
                    rate, pstate = policy.lr_at(u, f, pstate)
                    rates[u] = rate
                break
        norms = history.finish()
    states = recorder.history if recorder is not None else None
    return Trajectory(positions, losses, rates, norms, diverged_at, states, undefined)


def _as_starts(starts: Array) -> Array:
    """(B, 2) float64 copy of finite start points; a single (2,) point gives B = 1."""
    x0 = np.array(starts, dtype=np.float64)
    if x0.shape == (2,):
        x0 = x0[None, :]
    if x0.ndim != 2 or x0.shape[1] != 2 or len(x0) == 0:
        raise ValueError(f"starts must have shape (B, 2) or (2,), got {np.shape(starts)}")
    if not np.isfinite(x0).all():
        raise ValueError("start points must be finite")
    return x0


def _as_steps(steps: int) -> int:
    if isinstance(steps, bool) or int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be a whole number ≥ 0, got {steps!r}")
    return int(steps)


def _lr_source(lr: Any, batch: int) -> tuple[LRPolicy | None, float | Array | None]:
    """(policy, None) for a policy or schedule; (None, lr) for a float or a (B,) array of rates."""
    if isinstance(lr, LRPolicy):
        return lr, None
    if callable(lr):
        return from_schedule("schedule", lr), None
    rate = np.asarray(lr, dtype=np.float64)
    if rate.ndim == 1 and len(rate) == batch:
        rate = rate.copy()
    elif rate.ndim == 0:
        rate = float(rate)
    else:
        raise ValueError(f"lr must be a float or one rate per start ({batch}), got {rate.shape}")
    if not (np.isfinite(rate).all() and (np.asarray(rate) >= 0).all()):
        raise ValueError("learning rates must be finite and ≥ 0")
    return None, rate


def _runaway_box(domain: tuple[tuple[float, float], tuple[float, float]]) -> tuple[float, float]:
    """Coordinate bounds: the domain widened by RUNAWAY_FACTOR × its larger side each way."""
    (x0, x1), (y0, y1) = domain
    reach = RUNAWAY_FACTOR * max(x1 - x0, y1 - y0, 1.0)
    return min(x0, y0) - reach, max(x1, y1) + reach


def sample_values(f: Callable[[Array], Array], domain: Any, n: int = RUNAWAY_GRID) -> Array:
    """The finite values of f on an n × n grid over the plot domain (1-D, maybe empty): the
    landscape's own scale, for the runaway band and for stability's curvature noise."""
    (x0, x1), (y0, y1) = domain
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    with np.errstate(all="ignore"):
        values = np.asarray(f(np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)))
    return values[np.isfinite(values)]


def _loss_band(
    f_and_grad: Callable[[Array], tuple[Array, Array]], domain: Any, f0: Array
) -> tuple[Array, Array]:
    """(B,) bounds [lo − K·S, hi + K·S] of a loss that has not run away (module docstring)."""
    sampled = sample_values(lambda p: f_and_grad(p)[0], domain)
    lo, hi = f0, f0
    if sampled.size:
        lo, hi = np.minimum(f0, sampled.min()), np.maximum(f0, sampled.max())
    spread = np.maximum(hi - lo, np.maximum(np.abs(lo), np.abs(hi)))
    spread = np.where((spread > 0) & np.isfinite(spread), spread, 1.0) * RUNAWAY_SPREAD
    return lo - spread, hi + spread


def _runaway(
    f: Array, x: Array, g: Array, floor: Array, ceil: Array, low: float, high: float
) -> Array:
    """(B,) bool: the loss outside [floor, ceil] or not finite, a coordinate outside
    [low, high], or a gradient that is not finite."""
    inside = (x >= low) & (x <= high)
    steep = np.isfinite(g).all(axis=-1)
    return ~((f >= floor) & (f <= ceil) & inside[:, 0] & inside[:, 1] & steep)


def _undefined(f: Array, g: Array) -> Array:
    """(B,) bool: f is NaN, or f is finite and ∇f is not (no slope to step along there)."""
    return np.isnan(f) | (np.isfinite(f) & ~np.isfinite(g).all(axis=-1))


def _fused(surface: SurfaceLike) -> Callable[[Array], tuple[Array, Array]]:
    """The surface's fused (f, ∇f) if it has one (skips a method call per step)."""
    return getattr(surface, "value_and_grad", None) or surface.f_and_grad


def _whole_batch_test(
    batch: int, floor: float, ceil: float, low: float, high: float, norms: Array
) -> Callable[[Array, Array, Array, int], bool]:
    """all_ok(f, x, g, t): True if no row can have run away (every loss inside the narrowest
    row band [floor, ceil]); only when False does the loop run the per-row `_runaway`. NaN
    fails every comparison, so a NaN anywhere makes it False. Tiny batches compare Python
    floats (B = 1 unpacked, no generators); larger ones use NaN-propagating min/max
    reductions, on the norms row t already recorded for g (finite iff g is: hypot)."""
    floor, ceil, inf = float(floor), float(ceil), math.inf
    if batch == 1:

        def one_ok(f: Array, x: Array, g: Array, t: int) -> bool:
            ((a, b),), ((u, v),) = x.tolist(), g.tolist()
            return (
                floor <= f.item() <= ceil
                and low <= a <= high
                and low <= b <= high
                and -inf < u < inf
                and -inf < v < inf
            )

        return one_ok
    if batch <= TINY_BATCH:

        def floats_ok(f: Array, x: Array, g: Array, t: int) -> bool:
            return (
                all(floor <= v <= ceil for v in f.tolist())
                and all(low <= v <= high for v in x.ravel().tolist())
                and all(-inf < v < inf for v in g.ravel().tolist())
            )

        return floats_ok
    vmin, vmax = np.minimum.reduce, np.maximum.reduce

    def reductions_ok(f: Array, x: Array, g: Array, t: int) -> bool:
        return bool(
            vmin(f) >= floor
            and vmax(f) <= ceil
            and vmin(x, axis=None) >= low
            and vmax(x, axis=None) <= high
            and vmax(norms[t]) < inf
        )

    return reductions_ok


class _History:
    """The preallocated (T+1, …) outputs; the loop writes row t of each in place.

    `grad_into(t, g)` records ‖g‖ = √(g_x² + g_y²) for row t: three ufunc calls per step,
    except for tiny batches (B ≤ TINY_BATCH), where per-call overhead dominates: they keep the
    (T+1, B, 2) gradients (as small as the positions) and take every norm at once in `finish`:
    same ufuncs, same bits. `repair(t, g)` retakes the entries of row t that overflowed with
    hypot (finite whenever g is; hypot everywhere would cost a third more at B = 10 000), entry
    by entry, so a row's norms never depend on the rest of the batch.
    """

    def __init__(self, total: int, batch: int) -> None:
        self.positions = np.empty((total + 1, batch, 2))
        self.loss = np.empty((total + 1, batch))
        self.grad_norm = np.empty((total + 1, batch))
        self.grads = np.empty((total + 1, batch, 2)) if batch <= TINY_BATCH else None
        self.squares = np.empty((batch, 2) if self.grads is None else self.grads.shape)
        if self.grads is not None:
            self.grad_into = self.grads.__setitem__
            return
        squares, norms = self.squares, self.grad_norm
        sx, sy = squares[:, 0], squares[:, 1]
        square, add, sqrt = np.square, np.add, np.sqrt

        def grad_into(t: int, g: Array) -> None:
            out = norms[t]
            square(g, out=squares)
            add(sx, sy, out=out)
            sqrt(out, out=out)

        self.grad_into = grad_into

    def repair(self, t: int, g: Array) -> None:
        """Entries of norm row t that overflowed (∞ from a finite g) retaken as hypot(g)."""
        if self.grads is None:
            _repair(self.grad_norm[t], g)

    def freeze(self, start: int, x: Array, f: Array, g: Array) -> None:
        """Rows start … T repeat the point x, its loss f and gradient g (a frozen batch)."""
        if start >= len(self.loss):
            return
        self.positions[start:] = x
        self.loss[start:] = f
        if self.grads is not None:
            self.grads[start:] = g
        else:
            self.grad_into(start, g)
            self.repair(start, g)
            self.grad_norm[start + 1 :] = self.grad_norm[start]

    def finish(self) -> Array:
        """The (T+1, B) gradient norms."""
        if self.grads is not None:
            np.square(self.grads, out=self.squares)
            np.add(self.squares[..., 0], self.squares[..., 1], out=self.grad_norm)
            np.sqrt(self.grad_norm, out=self.grad_norm)
            _repair(self.grad_norm, self.grads)
        return self.grad_norm


def _repair(norms: Array, g: Array) -> None:
    """norms (…) of gradients g (…, 2): entries that are ∞ become hypot(g) (finite if g is)."""
    over = np.isinf(norms)
    if over.any():
        norms[over] = np.hypot(g[over][:, 0], g[over][:, 1])


def _keep_rows(rows: Array, old: Any, new: Any, batch: int) -> Any:
    """`new` state with the given rows taken from `old`: a NamedTuple (base.py's protocol) whose
    (B, …) array fields are merged row by row; shared fields (the step counter) and None stay."""
    if isinstance(new, np.ndarray):
        if new.ndim and new.shape[0] == batch and old.shape == new.shape:
            return np.where(rows.reshape((batch,) + (1,) * (new.ndim - 1)), old, new)
        return new
    if isinstance(new, tuple):
        return type(new)(*(_keep_rows(rows, o, n, batch) for o, n in zip(old, new, strict=True)))
    return new


def _state_fields(state: Any) -> dict[str, Any]:
    """Flat name -> value view of a state (a NamedTuple, or None for stateless rules)."""
    return {} if state is None else dict(state._asdict())


class _StateRecorder:
    """Preallocated (T+1, B, …) history per state field (None fields are skipped); fields that
    are shared by the batch (a step counter) are broadcast to (B, …)."""

    def __init__(self, total: int, batch: int) -> None:
        self.total, self.batch = total, batch
        self.history: dict[str, Array] = {}

    def record(self, t: int, state: Any) -> None:
        for name, value in _state_fields(state).items():
            if value is None:
                continue
            value = np.asarray(value)
            if value.ndim == 0 or value.shape[0] != self.batch:
                value = np.broadcast_to(value, (self.batch, *value.shape))
            if name not in self.history:
                self.history[name] = np.zeros((self.total + 1, *value.shape), dtype=value.dtype)
            self.history[name][t] = value
