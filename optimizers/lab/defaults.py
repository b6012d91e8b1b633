"""Defaults that make each lab view open on a result worth seeing on THIS landscape, found by
running the experiment (cheaply) rather than guessed:

    sweep_defaults(surface, optimizer)   rates that converge, zig-zag and diverge here
    finder_defaults(surface)             an LR-range-test range that brackets 2/λ_max
    basin_defaults(surface)              an optimizer and rate whose map shows ≥ 2 basins
    classic_comparison(surface)          GD vs momentum at one rate, both maps worth comparing

Each returns a NamedTuple with a `note`: one sentence saying what this landscape cannot show
('' when everything asked for is there).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from surfaces import SurfaceLike

from optimizers.diagnostics import Outcome
from optimizers.rules import OPTIMIZERS, make_optimizer
from optimizers.suggest import RATE_MANTISSAS, floor_rate, path_curvature, suggest

from .basins import basin_map
from .common import stability_at_minimum
from .grid import decade_grid
from .sweep import lr_sweep

Array = np.ndarray

PROBE_RATES = decade_grid(100.0, 1e-6, RATE_MANTISSAS)  # 113 rates of the slider, one batch
FINDER_MINS = (1e-8, 1e-7, 1e-6, 1e-5, 1e-4)  # the finder view's choices
FINDER_MAXS = (0.1, 1.0, 10.0, 100.0)
FINDER_STEPS = 100
BASIN_PROBE = 30  # starts per side when looking for a map with two basins
DIVERGING = (Outcome.DIVERGED, Outcome.THROWN_OUT)
SETTLED = (Outcome.CONVERGED, Outcome.TRAPPED)


class SweepDefaults(NamedTuple):
    """lrs: descending rates for the sweep; converging / zigzag / diverging: one example rate of
    each found here (NaN if none); note: what is missing and why ('' if nothing)."""

    lrs: tuple[float, ...]
    converging: float
    zigzag: float
    diverging: float
    note: str


def sweep_defaults(
    surface: SurfaceLike, optimizer: str = "gd", steps: int | None = None, start: Any = None
) -> SweepDefaults:
    """Probe PROBE_RATES in one sweep of `steps` (default surface.steps) and keep: the two
    smallest rates that diverge (or are thrown out) above every rate that settles, the largest
    zig-zagging rate that still settles, the largest rate that settles without zig-zag, a tenth
    and a hundredth of it (crawling). Without a settling rate, the largest crawling one stands
    in for it."""
    steps = int(getattr(surface, "steps", 200) if steps is None else steps)
    probe = lr_sweep(surface, make_optimizer(optimizer), PROBE_RATES, start, steps)
    kind, zig = probe.diagnosis.kind, probe.diagnosis.zigzag
    rates = probe.lrs  # descending
    settles = np.isin(kind, SETTLED)
    diverges = np.isin(kind, DIVERGING)
    zz, smooth = rates[settles & zig], rates[settles & ~zig]
    zigzag = float(zz.max()) if zz.size else math.nan
    converging = float(smooth.max()) if smooth.size else zigzag
    crawls = rates[kind == Outcome.CRAWLING]
    base = converging if math.isfinite(converging) else (crawls.max() if crawls.size else math.nan)
    above = rates[diverges & (rates > base)] if math.isfinite(base) else rates[diverges]
    diverging = tuple(float(r) for r in sorted(above)[:2])
    picks = {r for r in (*diverging, zigzag, converging) if math.isfinite(r)}
    if math.isfinite(base):
        picks |= {float(base), floor_rate(base / 10), floor_rate(base / 100)}
    missing = [
        word
        for word, rate in (
            ("settles in a minimum", converging),
            ("zig-zags and still settles", zigzag),
            ("diverges or is thrown out", diverging[0] if diverging else math.nan),
        )
        if not math.isfinite(rate)
    ]
    note = ""
    if missing:
        note = (
            f"No rate between {PROBE_RATES[-1]:g} and {PROBE_RATES[0]:g} "
            f"{' or '.join(missing)} here within {steps} steps of {OPTIMIZERS[optimizer].label}."
        )
    return SweepDefaults(
        tuple(sorted(picks, reverse=True)),
        converging,
        zigzag,
        float(diverging[0]) if diverging else math.nan,
        note,
    )


class FinderDefaults(NamedTuple):
    """lr_min, lr_max from the finder's choices, the step count, and a note."""

    lr_min: float
    lr_max: float
    steps: int
    note: str


def finder_defaults(
    surface: SurfaceLike,
    mins: Sequence[float] = FINDER_MINS,
    maxs: Sequence[float] = FINDER_MAXS,
    steps: int = FINDER_STEPS,
) -> FinderDefaults:
    """A range from about 2/λ_max ÷ 10³ to 2/λ_max × 10 (the nearest choices outward).

    Why: on a noiseless landscape the loss falls strictly from the very first tiny rate, so
    fastai's `valley` (the middle of the longest strictly falling run) lands halfway along the
    log range: from 1e-7 to 10 around a limit of 0.5 that is ~1e-3, hundreds of times below the
    limit, on the flat start of the curve. Starting three decades below the limit puts the
    middle of that run within about a factor 30 of it.
    """
    try:
        stab = stability_at_minimum(surface)
    except ValueError:  # ∇²f not finite at the minimum (a typed formula's cusp)
        stab = None
    limit = float(stab.lr_max_stable) if stab is not None else math.nan
    if not (math.isfinite(limit) and limit > 0):
        lam = path_curvature(surface)
        limit = 2.0 / lam if math.isfinite(lam) and lam > 0 else math.nan
    if not math.isfinite(limit):
        return FinderDefaults(
            1e-7, 10.0, steps, "No curvature known here: the textbook range 1e-7 … 10."
        )
    lo = max((m for m in mins if m <= limit * 1e-3), default=min(mins))
    hi = min((m for m in maxs if m >= limit * 10), default=max(maxs))
    note = ""
    if lo > limit * 1e-3 or hi < limit * 10:
        note = f"2/λ_max = {limit:.3g} lies near the edge of the rates the finder offers."
    return FinderDefaults(float(lo), float(hi), int(steps), note)


class BasinDefaults(NamedTuple):
    """optimizer, lr and steps for the basin map; basins: how many minima the probe map
    reached; note: why fewer than 2 ('' otherwise)."""

    optimizer: str
    lr: float
    steps: int
    basins: int
    note: str


def _basins_reached(surface: SurfaceLike, optimizer: str, lr: float, steps: int, n: int) -> int:
    label = basin_map(surface, make_optimizer(optimizer), lr, n, steps).label
    return int(np.unique(label[label >= 0]).size)


def basin_defaults(surface: SurfaceLike, steps: int = 200, n: int = BASIN_PROBE) -> BasinDefaults:
    """The first of GD, momentum, Adam at their suggested rates (then GD at 3× and 10×) whose
    n × n probe map reaches at least 2 minima; a single-minimum landscape says so."""
    minima = len(surface.minima)
    gd = suggest(surface, "gd").lr
    if minima < 2:
        note = (
            "This landscape has a single minimum: every start that settles ends in the same "
            "basin, so the map shows where starts settle, crawl or diverge instead."
            if minima
            else "No minimum is known on this landscape: the map shows where starts diverge."
        )
        return BasinDefaults("gd", gd, steps, minima, note)
    candidates = [
        ("gd", gd),
        ("momentum", suggest(surface, "momentum").lr),
        ("adam", suggest(surface, "adam").lr),
        ("gd", floor_rate(3 * gd)),
        ("gd", floor_rate(10 * gd)),
    ]
    best = ("gd", gd, -1)
    for optimizer, lr in candidates:
        count = _basins_reached(surface, optimizer, lr, steps, n)
        if count >= 2:
            return BasinDefaults(optimizer, lr, steps, count, "")
        best = max(best, (optimizer, lr, count), key=lambda t: t[2])
    return BasinDefaults(
        best[0],
        best[1],
        steps,
        best[2],
        "No optimizer tried reaches two different minima from the starts of the map.",
    )


class Comparison(NamedTuple):
    """GD and heavy-ball momentum (μ = 0.9) at one rate `lr`; global_share: the fraction of
    settled starts of each probe map (GD, momentum) that end in a global minimum."""

    lr: float
    steps: int
    global_share: tuple[float, float]
    note: str


def classic_comparison(surface: SurfaceLike, steps: int = 200, n: int = BASIN_PROBE) -> Comparison:
    """GD vs momentum at GD's suggested rate, and how many starts each brings to the global
    minimum: the classic "momentum carries the ball out of the shallow wells" on Wells."""
    lr = suggest(surface, "gd").lr
    shares = []
    globals_ = {i for i, m in enumerate(surface.minima) if m.value <= surface.f_min + 1e-9}
    for optimizer in ("gd", "momentum"):
        label = basin_map(surface, make_optimizer(optimizer), lr, n, steps).label
        settled = label[label >= 0]
        share = float(np.isin(settled, list(globals_)).mean()) if settled.size else 0.0
        shares.append(share)
    note = ""
    if len(surface.minima) < 2:
        note = "One minimum here: both maps differ only in where starts crawl or diverge."
    return Comparison(lr, steps, (shares[0], shares[1]), note)
