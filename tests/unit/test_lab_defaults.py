"""Lab views open on a result worth seeing (optimizers.lab.defaults): each claim is run here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers import make_optimizer
from optimizers import suggest as sg
from optimizers.diagnostics import Outcome
from optimizers.lab import DEFAULT_LRS, basin_map, explain_disagreement, lr_range_test, lr_sweep
from optimizers.lab import defaults as df
from surfaces import SURFACES, make_surface

SETTLED = (Outcome.CONVERGED, Outcome.TRAPPED)
FAILED = (Outcome.DIVERGED, Outcome.THROWN_OUT)
# GD within the landscape's steps: where no rate settles (long flat floors, the plateau) and
# where no settling run zig-zags by diagnose's definition (the well-rounded multi-minima bowls).
NO_SETTLING = {"rosenbrock", "beale", "plateau"}
NO_ZIGZAG = NO_SETTLING | {"himmelblau", "wells", "three_hump_camel"}
MULTI = sorted(n for n in SURFACES if len(make_surface(n).minima) >= 2)


def kinds_of(surface, rates, steps):
    sweep = lr_sweep(surface, make_optimizer("gd"), rates, steps=steps)
    return sweep.diagnosis.kind, sweep.diagnosis.zigzag


def test_the_decade_grid_has_no_converging_rate_on_the_ravine():
    """Issue 12's "no rate converged": the old default, kept as the regression baseline."""
    ravine = make_surface("ravine")
    kind, _ = kinds_of(ravine, DEFAULT_LRS, 200)
    assert not np.isin(kind, SETTLED).any()


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_sweep_defaults_converge_zig_zag_and_diverge(name):
    surface = make_surface(name)
    d = df.sweep_defaults(surface)
    assert list(d.lrs) == sorted(d.lrs, reverse=True) and 4 <= len(d.lrs) <= 8
    kind, zig = kinds_of(surface, d.lrs, surface.steps)
    assert np.isin(kind, FAILED).any(), "a diverging rate"
    assert (kind == Outcome.CRAWLING).any() or (kind == Outcome.STALLED).any(), "a crawling rate"
    settles = np.isin(kind, SETTLED)
    assert bool(settles.any()) is (name not in NO_SETTLING)
    assert bool((settles & zig).any()) is (name not in NO_ZIGZAG)
    missing = ("settles in a minimum" in d.note, "zig-zags" in d.note)
    assert missing == (name in NO_SETTLING, name in NO_ZIGZAG)
    assert math.isnan(d.zigzag) is (name in NO_ZIGZAG)


def test_ravine_sweep_has_the_d2l_story():
    d = df.sweep_defaults(make_surface("ravine"))
    assert d.diverging == 0.6 and d.zigzag == 0.45 and d.note == ""
    assert {0.6, 0.45, 0.03} <= set(d.lrs)


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_finder_defaults_put_the_suggestions_in_the_stable_range(name):
    """valley and minimum/10 fall below 2/λ_max and valley within 100× of it (not on the flat
    start of the curve); where steep lands above the limit the explanation says by how much."""
    surface = make_surface(name)
    f = df.finder_defaults(surface)
    assert f.lr_min in df.FINDER_MINS and f.lr_max in df.FINDER_MAXS
    opt = make_optimizer("gd")
    rt = lr_range_test(surface, opt, surface.start, lr_min=f.lr_min, lr_max=f.lr_max, steps=f.steps)
    limit = rt.lr_max_stable
    # the binding limit on the way down can be tighter than at a flat minimum (the tiny net's
    # λ_max = 0.08 there, 1.7 near its start): "valley" sits within 100× of the tighter one
    binding = min(limit, 2 / sg.path_curvature(surface))
    assert rt.suggestions["valley"] < limit and binding < 100 * rt.suggestions["valley"]
    assert rt.suggestions["minimum/10"] < 1.001 * limit or name == "bowl"
    text = " ".join(explain_disagreement(rt))
    for rule, rate in rt.suggestions.items():
        if rate > limit:
            assert f"{rule} is {rate / limit:.2g}× above" in text


def test_the_old_finder_range_put_valley_hundreds_of_times_below_the_limit():
    ravine = make_surface("ravine")
    old = lr_range_test(ravine, make_optimizer("gd"), ravine.start)  # 1e-7 … 10, 100 steps
    assert old.lr_max_stable / old.suggestions["valley"] > 100
    f = df.finder_defaults(ravine)
    new = lr_range_test(
        ravine, make_optimizer("gd"), ravine.start, lr_min=f.lr_min, lr_max=f.lr_max, steps=f.steps
    )
    assert new.lr_max_stable / new.suggestions["valley"] < 30


@pytest.mark.parametrize("name", MULTI)
def test_basin_defaults_show_two_basins_at_the_views_resolution(name):
    surface = make_surface(name)
    b = df.basin_defaults(surface)
    assert b.basins >= 2 and b.note == ""
    label = basin_map(surface, make_optimizer(b.optimizer), b.lr, 40, b.steps).label
    assert np.unique(label[label >= 0]).size >= 2


@pytest.mark.parametrize("name", sorted(set(SURFACES) - set(MULTI)))
def test_single_minimum_landscapes_say_so(name):
    b = df.basin_defaults(make_surface(name))
    assert b.basins <= 1 and "single minimum" in b.note


def test_classic_comparison_shows_momentum_escaping_the_shallow_wells():
    """Issue 12: the classic showed only GD. At one rate, momentum brings far more starts of
    Wells to the deep well than GD: both maps are worth drawing side by side."""
    c = df.classic_comparison(make_surface("wells"))
    gd, momentum = c.global_share
    assert momentum > gd + 0.2 and c.note == ""
    n = 30
    wells = make_surface("wells")
    maps = [basin_map(wells, make_optimizer(o), c.lr, n, c.steps).label for o in ("gd", "momentum")]
    assert (maps[0] != maps[1]).mean() > 0.2


@pytest.mark.parametrize(
    "text", ["x^2 + 3*y^2 + sin(3*x)", "sqrt(x^2 + y^2)", "x + y", "(x^2 - 1)^2 + y^2"]
)
def test_typed_formulas_get_defaults_without_warnings(text):
    """Any landscape works: a cone (no finite Hessian at its tip), a plane (no minimum)."""
    from optimizers import OPTIMIZERS
    from optimizers import suggest as sg
    from surfaces.formula import make_formula_surface

    surface = make_formula_surface(text)
    rates = sg.suggested_rates(surface)
    assert all(math.isfinite(r) and r > 0 for r in rates.values())
    assert set(rates) == set(OPTIMIZERS)
    assert sg.tip(surface) == ""
    d = df.sweep_defaults(surface)
    assert len(d.lrs) >= 2 and all(math.isfinite(r) and r > 0 for r in d.lrs)
    f = df.finder_defaults(surface)
    assert f.lr_min < f.lr_max
    b = df.basin_defaults(surface)
    assert math.isfinite(b.lr) and (b.basins >= 2 or b.note)
