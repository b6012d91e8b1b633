"""Register the built-in landscapes, in display order.

The landscapes live in surfaces/quadratic.py (bowl, ravine), surfaces/classic.py (Rosenbrock,
Himmelblau, Rastrigin, Beale, camels), surfaces/teaching.py (wells, saddle, plateau) and
surfaces/models.py (logistic regression and a two-weight network on seeded data), built from
the helpers in surfaces/_kit.py. Builds are memoized per parameter set: surfaces are
immutable and some find their minima numerically when built.

Far outside their plot box the functions may overflow (a polynomial at 1e60); they do not
silence that: the simulator decides what a blown-up trajectory means, inside `np.errstate`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import Any

from . import classic, models, quadratic, teaching
from .base import Surface
from .params import ParamSpec
from .registry import SurfaceSpec, register


def _add(
    name: str, title: str, build: Callable[..., Surface], *params: ParamSpec, **teaching: Any
) -> None:
    """Register `build`; `teaching` sets the Surface's teaching fields (steps, rate_fractions,
    tip, tip_rates: see surfaces.base.Surface) on every surface it builds."""

    def built(**values: float) -> Surface:
        return replace(build(**values), **teaching) if teaching else build(**values)

    register(SurfaceSpec(name, title, tuple(params), lru_cache(maxsize=16)(built)))


_add(
    "bowl",
    "Round bowl",
    quadratic.bowl,
    ParamSpec("s", "Curvature s", 1.0, 0.05, 20.0, log=True, help="f = ½·s·(x² + y²)."),
    tip="One curvature everywhere, so the stable range is exact:",
    tip_rates=(("gd", 0.25), ("gd", 0.5), ("gd", 1.5)),
)
_add(
    "ravine",
    "Ravine (ill-conditioned bowl)",
    quadratic.ravine,
    ParamSpec(
        "lam_min",
        "Flat curvature λ_min",
        0.2,
        0.01,
        10.0,
        log=True,
        help="Curvature along the ravine floor (the smaller Hessian eigenvalue).",
    ),
    ParamSpec(
        "kappa",
        "Condition number κ",
        20.0,
        1.0,
        1000.0,
        log=True,
        help="Steep curvature ÷ flat curvature: how narrow the ravine is.",
    ),
    ParamSpec(
        "angle",
        "Angle (degrees)",
        0.0,
        -90.0,
        90.0,
        help="Direction of the ravine floor, counter-clockwise from the x axis.",
    ),
    rate_fractions=(("gd", 0.8),),  # d2l's lr 0.4 = 0.8 × 2/λ_max: the zig-zag worth seeing
    tip="Steep across, flat along: the steep side sets the limit, the flat side the pace.",
    tip_rates=(("gd", 1.2), ("gd", 0.04), ("gd", 0.8)),
)
_add(
    "rosenbrock",
    "Rosenbrock's banana valley",
    classic.rosenbrock,
    ParamSpec("a", "a (minimum at (a, a²))", 1.0, 0.25, 2.0, help="Where the minimum is."),
    ParamSpec(
        "b",
        "b (wall steepness)",
        100.0,
        1.0,
        1000.0,
        log=True,
        help="How much steeper the valley walls are than its floor.",
    ),
    steps=1000,
    tip="Finding the valley is quick, following it is slow.",
    tip_rates=(("gd", 0.45), ("gd", 5.0), ("adam", 0.05)),
)
_add(
    "himmelblau",
    "Himmelblau's four minima",
    classic.himmelblau,
    tip="Four equally low minima: the start and the step decide which one you reach.",
    tip_rates=(("gd", 0.45), ("gd", 5.0)),
)
_add(
    "wells",
    "Wells: a trap before the goal",
    teaching.wells,
    tip="Small steps stop in the shallow well; a bolder rate or momentum carries the ball over.",
    tip_rates=(("gd", 0.45), ("gd", 3.0), ("momentum", 0.25)),
)
_add(
    "rastrigin",
    "Rastrigin's egg crate",
    classic.rastrigin,
    ParamSpec(
        "A",
        "Ripple amplitude A",
        2.0,
        0.0,
        10.0,
        help="Height of the bumps on the bowl (10 is the benchmark's value: very rugged).",
    ),
    # RMSprop's and Newton's default steps overshoot the narrow dimples and bounce between them
    rate_fractions=(("rmsprop", 0.002), ("newton", 0.5)),
    tip="Every dimple is a local minimum, and a careful step stops in the nearest one.",
    tip_rates=(("gd", 0.45), ("adam", 0.05)),
)
_add(
    "beale",
    "Beale's flat valleys",
    classic.beale,
    tip="Steep walls and a flat floor: the rate the walls allow is far too small for the floor.",
    tip_rates=(("gd", 0.45), ("adam", 0.05)),
)
_add(
    "six_hump_camel",
    "Six-hump camel",
    classic.six_hump_camel,
    tip="Six valleys: which one you end in depends on the start and on the step.",
    tip_rates=(("gd", 0.45), ("gd", 2.0), ("momentum", 0.25)),
)
_add(
    "saddle",
    "Saddle point",
    teaching.saddle,
    tip="Near the saddle the gradient vanishes: progress waits for the small sideways offset.",
    tip_rates=(("gd", 0.45),),
)
_add(
    "plateau",
    "Plateau around a hole",
    teaching.plateau,
    ParamSpec("sigma", "Hole width σ", 1.0, 0.25, 4.0, log=True, help="f = 1 − exp(−r²/σ²)."),
    rate_fractions=(("gd", 0.5),),  # 1/λ of the hole: smaller rates stall on the plain
    tip="On the plain the gradient is tiny: plain steps barely move, Adam strides across.",
    tip_rates=(("gd", 0.5), ("adam", 0.05)),
)
_add(
    "three_hump_camel",
    "Three-hump camel",
    classic.three_hump_camel,
    tip="Two shallow side valleys catch small steps; a bolder step or momentum reaches the centre.",
    tip_rates=(("gd", 0.45), ("gd", 2.0), ("momentum", 0.25)),
)

_SAMPLES = ParamSpec(
    "n", "Data points n", 100, 100, 1000, integer=True, help="train + validation rows"
)
_VAL = ParamSpec("val", "Validation fraction", 0.3, 0.1, 0.5, help="held out of training")
_SEED = ParamSpec(
    "seed", "Data seed", 0, 0, 10_000, integer=True, help="draws the data and the split"
)
_add(
    "logistic",
    "Logistic regression on real data",
    models.logistic,
    _SAMPLES,
    _VAL,
    _SEED,
    ParamSpec(
        "scaled", "Scale the features", 0, 0, 1, integer=True, help="z-scores (train mean, std)"
    ),
    ParamSpec("ratio", "Units of feature 2", 5.0, 1.0, 20.0, log=True, help="× those of feature 1"),
    rate_fractions=(("newton", 0.1),),  # far from the fit σ' ≈ 0: full Newton steps fly off
    tip="Switch feature scaling on and off: unscaled, the loss is a ravine; scaled, nearly a bowl.",
    tip_rates=(("gd", 0.15), ("gd", 2.4), ("gd", 2.9)),
)
_add(
    "tiny_net",
    "A tiny neural network: two weights",
    models.tiny_net,
    _SAMPLES,
    _VAL,
    _SEED,
    tip="Where both weights are zero the loss is flat (a saddle): small steps linger near it.",
    tip_rates=(("gd", 0.07), ("gd", 1.6)),
)
