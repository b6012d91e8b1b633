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
from functools import lru_cache

from . import classic, models, quadratic, teaching
from .base import Surface
from .params import ParamSpec
from .registry import SurfaceSpec, register


def _add(name: str, title: str, build: Callable[..., Surface], *params: ParamSpec) -> None:
    register(SurfaceSpec(name, title, tuple(params), lru_cache(maxsize=16)(build)))


_add(
    "bowl",
    "Round bowl",
    quadratic.bowl,
    ParamSpec("s", "Curvature s", 1.0, 0.05, 20.0, log=True, help="f = ½·s·(x² + y²)."),
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
)
_add("himmelblau", "Himmelblau's four minima", classic.himmelblau)
_add("wells", "Wells: a trap before the goal", teaching.wells)
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
)
_add("beale", "Beale's flat valleys", classic.beale)
_add("six_hump_camel", "Six-hump camel", classic.six_hump_camel)
_add("saddle", "Saddle point", teaching.saddle)
_add(
    "plateau",
    "Plateau around a hole",
    teaching.plateau,
    ParamSpec("sigma", "Hole width σ", 1.0, 0.25, 4.0, log=True, help="f = 1 − exp(−r²/σ²)."),
)
_add("three_hump_camel", "Three-hump camel", classic.three_hump_camel)

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
)
_add(
    "tiny_net",
    "A tiny neural network: two weights",
    models.tiny_net,
    _SAMPLES,
    _VAL,
    _SEED,
)
