"""The learning-rate lab on typed formulas that are not defined everywhere (√x, log x, x^y at
x < 0; exp(exp(xy)) overflowing): every view opens; a single-start view warns and falls back
to the landscape's own start like the explore view (or says clearly that it cannot run); the
basin map gives the undefined starts their own category and runs every other start."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.pages.lab import STEP_LADDER
from app.shell import HOME, VIEWS
from app.state.budget import CALL_BUDGET, snap_down
from app.theory import stability_or_none
from optimizers.lab.basins import UNDEFINED, defined_at
from optimizers.stability import analyze
from surfaces import SURFACES, make_surface
from surfaces.formula import make_formula_surface

from .conftest import drew, figures, go_to, map_figure, new_app, values

SQRT = {"f": "sqrt(x)+y^2"}  # undefined at x < 0 (its slope too at x = 0); no minimum
POWER = {"f": "x^y"}  # undefined at x < 0
LOG_FROM_LEFT = {"f": "log(x)+y^2", "start": "-1,0"}
OVERFLOW = {"f": "exp(exp(x*y))", "domain": "-20,20,-20,20"}  # inf where x·y ≳ 6.6
# √x + (x − 2)² + y² has a minimum (x ≈ 1.81), so the phase diagram and the race run too
MIN_FROM_LEFT = {"f": "sqrt(x)+(x-2)^2+y^2", "start": "-1,0"}
# the landscape's own start, (6.75, 0), overflows as well: nowhere to fall back to
OWN_START_UNDEFINED = {"f": "exp(exp(x))+y^2", "domain": "6.5,7,-1,1"}
CASES = {
    "sqrt": SQRT,
    "power": POWER,
    "log_from_left": LOG_FROM_LEFT,
    "overflow": OVERFLOW,
    "min_from_left": MIN_FROM_LEFT,
    "own_start_undefined": OWN_START_UNDEFINED,
}
LIGHT = {"bm_n": "40", "pd_n": "15"}  # the smallest basin map and phase diagram
SINGLE_START = ("sweep", "finder", "phase", "race")
FALLBACK = "Cannot start at (−1, 0)"


def open_view(view: str, **query: str):
    at = new_app(view=view, surface="formula", **LIGHT, **query).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def warnings(at) -> list[str]:
    return [w.value for w in at.warning]


def page_still_works(at) -> None:
    """The sidebar is drawn to its end (the page did not stop): the formula box on a page that
    uses the landscape and shows the formula (the lessons page opens its first lesson's own
    landscape), and the presentation toggle, the sidebar's last widget."""
    page = VIEWS[at.session_state["page"]]
    shows_formula = "landscape" in page.sidebar and at.session_state["surface"] == "formula"
    assert bool(at.sidebar.text_input) == shows_formula, "formula box"
    assert [t.label for t in at.sidebar.toggle] == ["Presentation mode"]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("view", [v for v in VIEWS if v != HOME])
def test_every_lab_view_opens_on_every_formula(view, case):
    at = open_view(view, **CASES[case])
    page_still_works(at)
    assert not at.error or case == "own_start_undefined", [e.value for e in at.error]


@pytest.mark.parametrize("view", ["sweep", "finder"])
def test_undefined_start_warns_and_runs_from_the_landscapes_start(view):
    at = open_view(view, **LOG_FROM_LEFT)
    (warning,) = [w for w in warnings(at) if FALLBACK in w]
    assert "the loss is not finite" in warning and "landscape's own start" in warning
    assert figures(at) and not at.error


@pytest.mark.parametrize("view", SINGLE_START)
def test_with_a_minimum_every_single_start_view_falls_back(view):
    at = open_view(view, **MIN_FROM_LEFT)
    assert any(FALLBACK in w for w in warnings(at)), warnings(at)
    assert drew(at) and not at.error


def test_race_map_starts_from_the_landscapes_own_start():
    at = open_view("race", **MIN_FROM_LEFT)
    surface = make_formula_surface(MIN_FROM_LEFT["f"])
    race_map = map_figure(at)  # the race's map component: one path per racer
    paths = [t for t in race_map["data"] if "lr" in t.get("name", "")]
    assert paths
    for path in paths:
        first = values(path["x"])[0], values(path["y"])[0]
        assert first == pytest.approx(surface.start, abs=1e-5)


@pytest.mark.parametrize("view", ["explore", "sweep", "finder"])
def test_when_the_own_start_is_undefined_too_the_page_says_so_and_keeps_working(view):
    surface = make_formula_surface(OWN_START_UNDEFINED["f"], ((6.5, 7.0), (-1.0, 1.0)))
    assert not defined_at(surface, np.array([surface.start]))[0]  # the premise
    at = open_view(view, **OWN_START_UNDEFINED)
    (error,) = [e.value for e in at.error]
    assert "Cannot run from (6.75, 0)" in error and "Pick another start or formula" in error
    assert not figures(at)
    page_still_works(at)
    go_to(at, "basins")  # another view still opens
    assert figures(at)


# --------------------------------------------------------------------------- basin map


def basin_map_of(at) -> tuple[dict, np.ndarray, list[str]]:
    fig = next(f for f in figures(at) if any(t["type"] == "heatmap" for t in f["data"]))
    legend = [t["name"] for t in fig["data"] if t.get("x") == [None]]
    return fig, values(fig["data"][0]["z"]), legend


def caption_text(at) -> str:
    return "\n".join(c.value for c in at.caption)


@pytest.mark.parametrize("case", ["sqrt", "power", "log_from_left"])
def test_basin_map_undefined_left_half_is_its_own_category(case):
    """40 starts per side on x ∈ [−3, 3]: the 20 columns with x < 0 (800 starts) have no run."""
    at = open_view("basins", **CASES[case])
    fig, z, legend = basin_map_of(at)
    xs = values(fig["data"][0]["x"])
    assert z.shape == (40, 40)
    assert ((z == UNDEFINED) == (xs < 0)[None, :]).all()
    assert "undefined here (f or ∇f not finite at the start: no run): 50%" in legend
    assert "from each of 1,600 starts; 800 of them (50%, blank) are **undefined here**" in (
        caption_text(at)
    )
    assert not at.error


def test_basin_map_overflow_is_undefined_where_exp_exp_overflows():
    at = open_view("basins", **OVERFLOW)
    fig, z, legend = basin_map_of(at)
    xs, ys = values(fig["data"][0]["x"]), values(fig["data"][0]["y"])
    xy = ys[:, None].astype(float) * xs[None, :].astype(float)
    assert (z[xy > 7] == UNDEFINED).all() and (z[xy < 6] != UNDEFINED).all()
    undefined = int((z == UNDEFINED).sum())
    assert 0 < undefined < z.size
    assert any(name.startswith("undefined here") for name in legend)
    assert f"; {undefined:,} of them" in caption_text(at)


def test_basin_map_of_a_landscape_defined_everywhere_has_no_undefined_category():
    at = new_app(view="basins", surface="wells", **LIGHT).run()
    _, z, legend = basin_map_of(at)
    assert (z != UNDEFINED).all()
    assert not any("undefined" in name for name in legend)
    assert "undefined" not in caption_text(at)


# --------------------------------------------------------------------------- costly formulas

SINES = "*".join(f"sin({k}*x+y)" for k in range(1, 12))  # 22 trigonometric calls per (f, ∇f)


def test_a_costly_formula_gets_a_smaller_share_of_the_work_budget():
    """A 200 × 200 basin map of 500 steps on Himmelblau is the per-request budget; on a formula
    ~17× as costly per step (measured 12 s instead of ~1 s) the steps shrink by that factor,
    and the warning says why."""
    cost = make_formula_surface(SINES).cost
    assert cost > 10
    at = new_app(view="basins", surface="formula", f=SINES, bm_n="200", bm_steps="500").run()
    assert not at.exception, [e.message for e in at.exception]
    (warning,) = [w.value for w in at.warning]
    expected = snap_down(int(20_000_000 / cost // (200 * 200)), STEP_LADDER)  # 29 → 20
    assert f"**{expected:,} steps**" in warning and "costs about" in warning
    at = new_app(view="phase", surface="formula", f=SINES, pd_n="60", pd_steps="2000").run()
    assert not at.exception and any("costs about" in w.value for w in at.warning)


def test_costly_formulas_cap_small_batch_views_too():
    """Explore and the race step small batches, where a step costs per array operation: their
    steps × runs × cost is held to CALL_BUDGET (a 25-sine formula's 6-racer, 5000-step explore
    scene took 16 s). The link keeps the steps asked for."""
    cost = make_formula_surface(SINES).cost
    at = new_app(surface="formula", f=SINES, steps="5000").run()
    assert not at.exception, [e.message for e in at.exception]
    expected = int(CALL_BUDGET / cost)
    assert any(f"**{expected:,} steps**" in w.value for w in at.warning)
    assert at.query_params["steps"] == "5000"
    at = new_app(view="race", surface="formula", f=SINES, race_steps="2000").run()
    assert not at.exception and any("costs about" in w.value for w in at.warning)
    at = new_app(surface="formula", f="x^2 + 3*y^2", steps="5000").run()
    assert not at.warning  # a cheap formula runs as asked


# --------------------------------------------------------------------------- kinked minima

KINKS = ("x^2+y^2+abs(x)^1.5", "sqrt(abs(x-1))+y^2", "sqrt(x^2+y^2)")


def shown_text(at) -> str:
    """Every markdown, caption and info text on the page."""
    return "\n".join(e.value for kind in ("markdown", "caption", "info") for e in getattr(at, kind))


@pytest.mark.parametrize("formula", KINKS)
@pytest.mark.parametrize("view", ["sweep", "finder", "phase"])
def test_at_a_kinked_minimum_the_views_say_the_theory_does_not_apply(view, formula):
    """Regression: analyze raised on the non-finite Hessian (full-page exception), or, for the
    cone, printed 'lr < 2/λ_max = 2.1e-19'."""
    at = open_view(view, f=formula)
    text = shown_text(at)
    assert "does not apply here" in text and "kink" in text
    assert "2/λ_max =" not in text and "λ_max = " not in text
    for fig in figures(at):
        assert "theory 2/λ_max" not in json.dumps(fig)  # no limit line, no green band
    if view != "phase":
        assert figures(at)  # the experiment itself still ran


@pytest.mark.parametrize("formula", KINKS)
def test_the_quadratic_model_is_refused_at_kinks(formula):
    surface = make_formula_surface(formula)
    assert stability_or_none(surface, surface.global_min.point) is None


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_the_quadratic_model_holds_at_every_built_in_minimum(name):
    surface = make_surface(name)
    for m in surface.minima:
        stab = stability_or_none(surface, m.point)
        assert stab is not None and stab.lr_max_stable == analyze(surface, m.point).lr_max_stable
