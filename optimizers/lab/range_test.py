"""The learning-rate range test (Smith 2017; fastai `lr_find`, pytorch-lr-finder) on a landscape.

One run whose rate grows exponentially every step,

    lr_t = lr_min·(lr_max/lr_min)^(t/(T−1)),   t = 0 … T−1

(pytorch-lr-finder's ExponentialLR; fastai's SchedExp uses t/T, so it never quite reaches lr_max).
At each step we record the pair (lr_t, f(x_t)) where x_t is the point the step with lr_t starts
from — as fastai's Recorder does: the loss of a batch is computed before the optimizer step that
uses that batch's rate. The recorded loss is smoothed by fastai's `AvgSmoothLoss`:

    a_t = β·a_{t−1} + (1 − β)·f(x_t),  a_{−1} = 0;   s_t = a_t/(1 − β^(t+1))   (bias correction)

and, as in fastai's `LRFinder.after_batch`, the best smoothed loss is updated first and the test
stops (after recording step t) when s_t > stop_factor·best (fastai 4, pytorch-lr-finder 5). We
measure losses from the surface's global minimum value f* (s − f* > k·(best − f*)), which is
fastai's rule when f* = 0 and keeps it meaningful on landscapes whose minimum is negative (f* is
lowered to the lowest recorded value if a listed f* is rounded above it, or to 0 without one). A
step whose point diverges (see simulate) also ends the test; it is not recorded (fastai drops a
NaN loss and everything after it).

Suggestions are computed as in fastai's `lr_find`: on the recorded smoothed curve without its
first T//10 and last 5 points (`recorder.lrs[num_it//10:-5]`), with fastai's
`valley` (longest strictly decreasing run, index start + ⌊len/3⌋ + ⌊len/6⌋ as written there),
`steep` (rate at the left end of the steepest drop of loss per log-rate segment) and
`minimum` (rate at the lowest smoothed loss, divided by 10).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from surfaces import SurfaceLike

from optimizers.base import Optimizer, from_schedule
from optimizers.simulate import GradientFn, Trajectory, simulate
from optimizers.stability import NoQuadraticModel, analyze

Array = np.ndarray

SKIP_END = 5  # fastai lr_find: recorder.losses[num_it//10:-5]


class RangeTest(NamedTuple):
    """Recorded curve (length n ≤ steps, cut at the stop) and what the rules read off it.

    lrs, loss, smoothed (n,): rate of step t, f(x_t) before that step, bias-corrected EMA.
    stopped_at: index of the last recorded step when the test stopped early, −1 if it ran out.
    stop_reason: "diverged", "loss above k× best" or "end of range".
    suggestions: rule -> rate ("valley", "steep", "minimum/10"; NaN if the trimmed curve is too
    short). marks: rule -> index into lrs of the point fastai marks (for "minimum/10": the
    minimum itself). lr_max_stable: GD's limit 2/λ_max of the local quadratic at the global
    minimum (inf where the surface is not convex there).
    beta: the EMA factor used.
    """

    lrs: Array
    loss: Array
    smoothed: Array
    stopped_at: int
    stop_reason: str
    suggestions: dict[str, float]
    marks: dict[str, int]
    lr_max_stable: float
    beta: float
    trajectory: Trajectory


def exponential_rates(lr_min: float, lr_max: float, steps: int) -> Array:
    """lr_t = lr_min·(lr_max/lr_min)^(t/(steps−1)), t = 0 … steps−1 (first lr_min, last lr_max)."""
    if not (0 < lr_min < lr_max and math.isfinite(lr_max)):
        raise ValueError(f"need 0 < lr_min < lr_max, got {lr_min!r}, {lr_max!r}")
    if int(steps) != steps or steps < 2:
        raise ValueError(f"the range test needs at least 2 steps, got {steps!r}")
    return lr_min * (lr_max / lr_min) ** (np.arange(steps) / (steps - 1))


def smooth_loss(loss: Array, beta: float = 0.98) -> Array:
    """fastai AvgSmoothLoss: a_t = β·a_{t−1} + (1 − β)·l_t (a_{−1} = 0), value a_t/(1 − β^(t+1))."""
    if not (0.0 <= beta < 1.0):
        raise ValueError(f"beta must be in [0, 1), got {beta!r}")
    loss = np.asarray(loss, dtype=np.float64)
    out = np.empty_like(loss)
    avg = 0.0
    for t, value in enumerate(loss):
        avg = beta * avg + (1.0 - beta) * value
        out[t] = avg / (1.0 - beta ** (t + 1))
    return out


def stop_index(smoothed: Array, stop_factor: float, floor: float = 0.0) -> int:
    """First t with s_t − floor > k·(best_t − floor), best_t = min(s_0 … s_t), k = stop_factor.

    −1 if the loss never rises that far.
    """
    excess = np.asarray(smoothed, dtype=np.float64) - floor
    best = np.minimum.accumulate(excess)
    above = np.flatnonzero(excess > stop_factor * best)
    return int(above[0]) if above.size else -1


def valley(lrs: Array, losses: Array) -> tuple[float, int]:
    """fastai `valley`: from the longest strictly decreasing subsequence (the "valley").

    lds[i] = length of the longest strictly decreasing subsequence ending at i; the valley ends at
    the first i reaching the largest lds and starts at i − lds[i] (lds[i] as it stood when it first
    beat the previous record — fastai's loop sets max_start inside its inner loop); the pick is
    idx = start + int(len/3) + int(len/3/2), len = end − start (Python indexing, as fastai).
    """
    losses = np.asarray(losses, dtype=np.float64)
    n = len(losses)
    lds = np.ones(n, dtype=np.int64)
    max_start, max_end = 0, 0
    for i in range(1, n):
        candidates = np.where(losses[i] < losses[:i], lds[:i] + 1, 1)
        running = np.maximum.accumulate(candidates)  # lds[i] after each inner step j
        lds[i] = running[-1]
        if running[-1] > lds[max_end]:
            first = int(np.argmax(running > lds[max_end]))
            max_start, max_end = i - int(running[first]), i
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    return float(lrs[idx]), idx % n


def steep(lrs: Array, losses: Array) -> tuple[float, int]:
    """fastai `steep`: lrs[argmin((l[i+1] − l[i]) / (log lr[i+1] − log lr[i]))]."""
    slopes = np.diff(losses) / np.diff(np.log(lrs))
    idx = int(np.argmin(slopes))
    return float(lrs[idx]), idx


def minimum(lrs: Array, losses: Array) -> tuple[float, int]:
    """fastai `minimum`: the rate at the lowest loss, divided by 10 (marked at the minimum)."""
    idx = int(np.argmin(losses))
    return float(lrs[idx]) / 10.0, idx


def suggest(lrs: Array, smoothed: Array, steps: int) -> tuple[dict[str, float], dict[str, int]]:
    """fastai's three rules on curve[steps//10 : −5] (as `lr_find`); marks index the full curve."""
    skip = steps // 10
    lrs_t, loss_t = lrs[skip:-SKIP_END], smoothed[skip:-SKIP_END]
    rules = {"valley": valley, "steep": steep, "minimum/10": minimum}
    need = {"valley": 1, "steep": 2, "minimum/10": 1}
    rates, marks = {}, {}
    for name, rule in rules.items():
        if len(loss_t) >= need[name]:
            rate, idx = rule(lrs_t, loss_t)
            rates[name], marks[name] = rate, skip + idx
        else:
            rates[name], marks[name] = math.nan, -1
    return rates, marks


def stable_limit(surface: SurfaceLike, point: Any) -> float:
    """GD's stability limit 2/λ_max of the local quadratic at `point`; NaN without a point or
    where the quadratic model does not apply (`NoQuadraticModel`: a kink)."""
    if point is None:
        return math.nan
    try:
        return float(analyze(surface, np.asarray(point, dtype=np.float64)).lr_max_stable)
    except NoQuadraticModel:
        return math.nan


def lr_range_test(
    surface: SurfaceLike,
    optimizer: Optimizer,
    start: Any,
    *,
    lr_min: float = 1e-7,
    lr_max: float = 10.0,
    steps: int = 100,
    beta: float = 0.98,
    stop_factor: float = 4.0,
    noise: float = 0.0,
    seed: int = 0,
    gradient: GradientFn | None = None,
) -> RangeTest:
    """Run the range test from `start` (module doc): one `simulate` driven by an exponential
    schedule, cut at the stop, with fastai's suggestions. `noise`/`seed`/`gradient` go to
    simulate (e.g. a mini-batch gradient makes it the test a practitioner runs on real data).
    """
    if not stop_factor > 1:
        raise ValueError(f"stop_factor must be > 1, got {stop_factor!r}")
    rates = exponential_rates(lr_min, lr_max, steps)
    schedule = from_schedule("range test", lambda t: rates[t])
    traj = simulate(
        surface, optimizer, schedule, start, steps, noise=noise, seed=seed, gradient=gradient
    )
    diverged = int(traj.diverged_at[0])
    recorded = steps if diverged < 0 else diverged  # point `diverged` is not a finite loss
    loss = traj.loss[:recorded, 0]
    smoothed = smooth_loss(loss, beta)
    floor = min(surface.f_min if math.isfinite(surface.f_min) else 0.0, smoothed.min())
    stop = stop_index(smoothed, stop_factor, floor)
    if stop >= 0:
        n, reason = stop + 1, f"loss above {stop_factor:g}× best"
    elif diverged >= 0:
        n, reason = recorded, "diverged"
    else:
        n, reason = recorded, "end of range"
    lrs, loss, smoothed = rates[:n], loss[:n], smoothed[:n]
    suggestions, marks = suggest(lrs, smoothed, steps)
    minimum_point = surface.global_min.point if surface.global_min else None
    return RangeTest(
        lrs=lrs,
        loss=loss,
        smoothed=smoothed,
        stopped_at=n - 1 if reason != "end of range" else -1,
        stop_reason=reason,
        suggestions=suggestions,
        marks=marks,
        lr_max_stable=stable_limit(surface, minimum_point),
        beta=float(beta),
        trajectory=traj,
    )


def explain_disagreement(result: RangeTest) -> tuple[str, ...]:
    """Plain sentences on why the rules give different rates for this result."""
    s, limit = result.suggestions, result.lr_max_stable
    memory = round(1 / (1 - result.beta))  # EMA memory 1/(1 − β): 50 steps for β = 0.98
    picks = ", ".join(f"{k} {v:.3g}" for k, v in s.items() if math.isfinite(v))
    lines = [
        f"The rules read different features of one curve: {picks or 'no suggestion (too short)'}.",
        "valley and steep pick where the loss falls fastest; minimum/10 takes the rate at the "
        "lowest loss and backs off ten times for safety.",
        "The x-axis is the rate at that moment, but the loss there was produced by all the "
        f"smaller rates before it, and the curve is an average over the last ~{memory} steps — "
        "so its features sit at larger rates than the ones that caused them.",
    ]
    if math.isfinite(limit):
        ratios = ", ".join(
            f"{k} is {limit / v:.2g}× below" if v < limit else f"{k} is {v / limit:.2g}× above"
            for k, v in s.items()
            if math.isfinite(v) and v > 0
        )
        lines.append(
            f"2/λ_max = {limit:.3g} is a different kind of number: the largest rate at which "
            "plain gradient descent stays stable on the local quadratic at the minimum, "
            f"whatever the start or the number of steps ({ratios}). For momentum or adaptive "
            "methods the step is not lr·gradient, so this limit moves (heavy ball: (2+2μ)/λ_max)."
        )
    if result.stopped_at >= 0:
        lines.append(
            f"The test stopped at lr = {result.lrs[-1]:.3g} ({result.stop_reason}): an unstable "
            "rate needs several steps of compounding growth before the loss visibly explodes — "
            "more if rates near 1/λ had already shrunk that direction almost to nothing."
        )
    raw_best, smooth_best = float(result.loss.min()), float(result.smoothed.min())
    if smooth_best - raw_best > 0.5 * abs(smooth_best):
        lines.append(
            f"The smoothed curve bottoms out at {smooth_best:.3g} although the loss itself "
            f"reached {raw_best:.3g}: with only {len(result.loss)} steps, a {memory}-step average "
            "still remembers the early, high losses."
        )
    return tuple(lines)
