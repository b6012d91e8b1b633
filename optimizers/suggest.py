"""Suggested settings per landscape and optimizer: a rate, a start and a step count for a demo
worth watching, and a tip whose numbers are measured on the landscape it is shown for.

A suggested rate is `fraction × scale`, rounded DOWN to m × 10^k, m in RATE_MANTISSAS (the
values of the app's rate slider), where the scale is what bounds that optimizer's step here:

    gd         2/λ                     GD is stable on a quadratic iff lr·λ < 2
    momentum   (2 + 2μ)/λ              heavy ball (torch: v ← μv + g, x ← x − lr·v)
    nesterov   (2 + 2μ)/((1 + 2μ)λ)    torch's Nesterov x ← x − lr·(g + μv): the roots of
                                       z² − (1 + μ − h(1 + μ))z + μ(1 − h), h = lr·λ, lie in the
                                       unit disk iff 0 < h < (2 + 2μ)/(1 + 2μ)
    adagrad, rmsprop, adam, adamw, nadam   span, the larger side of the plot box: their steps
                                       are about lr per coordinate whatever the curvature
    newton     1                       the Newton step

with λ = `path_curvature`: the largest Hessian eigenvalue over the box spanned by the start and
the global minimum (the curvature the path meets, not only the minimum's: Rosenbrock's is 1002 at
(1, 1) but 2461 on the way from (−1.5, 2)). `FRACTIONS` holds the default fraction per optimizer;
a landscape overrides it where that makes a poor demo (`Surface.rate_fractions`). Without a
known minimum or a positive curvature the registry's default rate is used, and `basis` says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
from surfaces import SurfaceLike

from .diagnostics import Outcome, diagnose, global_mask
from .numbers import num, plural
from .rules import OPTIMIZERS, make_optimizer
from .simulate import simulate
from .stability import bound_rule, stable_lr

Array = np.ndarray

FRACTIONS = {
    "gd": 0.45,
    "momentum": 0.25,
    "nesterov": 0.5,
    "adagrad": 0.25,
    "rmsprop": 0.005,
    "adam": 0.05,
    "adamw": 0.05,
    "nadam": 0.01,
    "newton": 1.0,
}
CURVATURE_SCALED = ("gd", "momentum", "nesterov")
RATE_MANTISSAS = (1, 1.2, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9)  # the app's rate slider
LOWER_CASE_LABELS = ("gd", "momentum")  # "gradient descent", not names such as Adam
PATH_GRID = 41  # samples per side of the start–minimum box


class Suggestion(NamedTuple):
    """lr: the suggested rate; start: where to start; steps: how many steps the demo runs;
    basis: one sentence on where the rate comes from (numbers at 3 significant digits)."""

    lr: float
    start: tuple[float, float]
    steps: int
    basis: str


def floor_rate(value: float, *, up: bool = False) -> float:
    """The largest m × 10^k ≤ value with m in RATE_MANTISSAS (a relative 1e-9 of slack absorbs
    rounding, so 0.5 × 2/2.0000000000000004 gives 0.5); with `up`, the smallest ≥ value."""
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"need a finite rate > 0, got {value!r}")
    slack = value * (1 - 1e-9 if up else 1 + 1e-9)
    exponent = math.floor(math.log10(slack))
    grid = [m * 10.0 ** (exponent + e) for e in (0, 1) for m in RATE_MANTISSAS]
    best = min(g for g in grid if g >= slack) if up else max(g for g in grid if g <= slack)
    return float(f"{best:.12g}")


def path_curvature(surface: SurfaceLike, start: Any = None) -> float:
    """max λ_max(∇²f) over the box spanned by `start` (default surface.start) and the global
    minimum, on a PATH_GRID² grid; NaN without a known minimum or where ∇²f is not finite."""
    if surface.global_min is None:
        return math.nan
    a = np.asarray(surface.start if start is None else start, dtype=np.float64)
    b = np.asarray(surface.global_min.point, dtype=np.float64)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    gx, gy = np.meshgrid(*(np.linspace(lo[i], hi[i], PATH_GRID) for i in range(2)))
    with np.errstate(all="ignore"):
        h = surface.hess(np.stack([gx.ravel(), gy.ravel()], axis=-1))
    if not np.isfinite(h).all():
        return math.nan
    return float(np.linalg.eigvalsh(0.5 * (h + np.swapaxes(h, -1, -2)))[:, 1].max())


def span(surface: SurfaceLike) -> float:
    """The larger side of the plot box."""
    (x0, x1), (y0, y1) = surface.domain
    return float(max(x1 - x0, y1 - y0))


def rate_scale(
    surface: SurfaceLike, optimizer: str, hyper: Mapping[str, float] | None = None, start=None
) -> tuple[float, str]:
    """(scale, what it is) for `optimizer` on `surface` (module doc); scale NaN if unknown."""
    if optimizer == "newton":
        return 1.0, "the Newton step"
    if optimizer not in CURVATURE_SCALED:
        return span(surface), f"the plot's span {num(span(surface))}"
    lam = path_curvature(surface, start)
    if not (math.isfinite(lam) and lam > 0):
        return math.nan, "no positive curvature known on the way to a minimum"
    where = f"λ_max = {num(lam)} on the way from the start to the minimum"
    hyper = {"momentum": _momentum(optimizer, hyper)} | dict(hyper or {})
    return float(stable_lr(optimizer, hyper, lam)), f"{bound_rule(optimizer, hyper)}, {where}"


def suggest(
    surface: SurfaceLike,
    optimizer: str,
    hyper: Mapping[str, float] | None = None,
    start: Any = None,
) -> Suggestion:
    """The suggested rate, start and steps for `optimizer` (a name in OPTIMIZERS) on `surface`.

    start defaults to surface.start; hyper (e.g. {"momentum": 0.5}) enters the momentum bounds.
    """
    spec = OPTIMIZERS[optimizer]
    point = tuple(float(v) for v in (surface.start if start is None else start))
    steps = int(getattr(surface, "steps", 200))
    scale, what = rate_scale(surface, optimizer, hyper, point)
    if not math.isfinite(scale):
        return Suggestion(spec.default_lr, point, steps, f"{what}: the default rate")
    fraction = dict(getattr(surface, "rate_fractions", ())).get(optimizer, FRACTIONS[optimizer])
    lr = floor_rate(fraction * scale)
    return Suggestion(lr, point, steps, f"{num(fraction)} × {what}, rounded down to {num(lr)}")


def suggested_rates(surface: SurfaceLike) -> dict[str, float]:
    """optimizer name -> suggested rate, for every optimizer of OPTIMIZERS at its defaults."""
    return {name: suggest(surface, name).lr for name in OPTIMIZERS}


class Claim(NamedTuple):
    """A measured fact for a tip: `optimizer` at `lr` from the surface's start ends `outcome`
    after `steps` (the diagnosed steps: to converge / diverged at; −1 otherwise)."""

    optimizer: str
    lr: float
    outcome: Outcome
    steps: int
    zigzag: bool


def tip_claims(surface: SurfaceLike, steps: int | None = None) -> tuple[Claim, ...]:
    """Run each of surface.tip_rates (optimizer, fraction of its rate scale; rounded up to the
    slider grid above the scale, down below it) from the start for `steps` steps (default
    surface.steps: the scene's own count where a scene shows the tip) and report what happened."""
    steps = int(surface.steps if steps is None else steps)
    claims = []
    for optimizer, fraction in getattr(surface, "tip_rates", ()):
        scale, _ = rate_scale(surface, optimizer)
        if not math.isfinite(scale):
            continue
        lr = floor_rate(fraction * scale, up=fraction > 1)  # away from the limit
        start = np.asarray([surface.start], dtype=np.float64)
        traj = simulate(surface, make_optimizer(optimizer), lr, start, steps)
        d = diagnose(surface, traj)
        claims.append(
            Claim(optimizer, lr, Outcome(int(d.kind[0])), int(d.steps[0]), bool(d.zigzag[0]))
        )
    return tuple(claims)


def claim_text(
    claim: Claim, budget: int, *, same_optimizer: bool = False, several_global: bool = False
) -> str:
    """'gradient descent at lr 0.6 diverges at step 26' and the like (true by construction);
    with `same_optimizer` (it follows a claim about the same one) 'at lr 0.02 it …';
    `several_global`: the landscape has more than one global minimum ('a global minimum')."""
    k = claim.steps
    goal = "a global minimum" if several_global else "the minimum"
    verb = {
        Outcome.CONVERGED: f"reaches {goal} in {plural(k, 'step')}",
        Outcome.TRAPPED: f"is trapped in a local minimum after {plural(k, 'step')}",
        Outcome.DIVERGED: f"diverges at step {k}",
        Outcome.OSCILLATING: "bounces without settling",
        Outcome.STALLED: "stalls",
        Outcome.CRAWLING: f"is still crawling after {plural(budget, 'step')}",
        Outcome.THROWN_OUT: "is thrown out of the landscape",
    }[claim.outcome]
    if claim.zigzag and claim.outcome in (Outcome.CONVERGED, Outcome.CRAWLING):
        verb = "zig-zags and " + verb
    if same_optimizer:
        return f"at lr {num(claim.lr)} it {verb}"
    label = OPTIMIZERS[claim.optimizer].label
    if claim.optimizer in LOWER_CASE_LABELS:
        label = label[0].lower() + label[1:]
    return f"{label} at lr {num(claim.lr)} {verb}"


def tip(surface: SurfaceLike, steps: int | None = None) -> str:
    """surface.tip followed by its claims measured in runs of `steps` steps (default
    surface.steps; '' when the landscape has no tip): a scene of 50 steps is told what 50 steps
    do, not what 200 would."""
    text = getattr(surface, "tip", "")
    steps = int(surface.steps if steps is None else steps)
    claims = tip_claims(surface, steps)
    if not claims:
        return text
    several = int(global_mask(surface).sum()) > 1
    facts = "; ".join(
        claim_text(
            c,
            steps,
            same_optimizer=i > 0 and claims[i - 1].optimizer == c.optimizer,
            several_global=several,
        )
        for i, c in enumerate(claims)
    )
    facts = facts[0].upper() + facts[1:]
    return f"{text} {facts}." if text else f"{facts}."


def _momentum(optimizer: str, hyper: Mapping[str, float] | None) -> float:
    default = next((p.default for p in OPTIMIZERS[optimizer].params if p.name == "momentum"), 0.0)
    return float((hyper or {}).get("momentum", default))
