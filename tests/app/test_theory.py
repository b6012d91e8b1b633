"""The theory panel's sentences and verdicts: true on every landscape (issue 10)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.narration import racer_limit, rate_verdict, theory_sentences
from optimizers.numbers import point
from optimizers.stability import NoQuadraticModel, analyze
from surfaces import make_surface
from surfaces.formula import make_formula_surface
from tests.app.conftest import new_app

BOX = ((-3.0, 3.0), (-3.0, 3.0))


def _theory(surface) -> str:
    where = surface.global_min.point
    try:
        stab = analyze(surface, where)
    except NoQuadraticModel as err:
        stab = err
    return " ".join(theory_sentences(stab, point(where, 6.0), True))


def test_round_bowl_says_one_step_lands_on_the_minimum():
    """κ = 1: not 'the error shrinks only by a factor 0 … lr = 1, μ = 0 gives 0'."""
    text = _theory(make_surface("bowl"))
    assert "κ = 1, a round bowl" in text and "lands exactly on the minimum" in text
    assert "factor" not in text and "μ =" not in text


def test_float_noise_is_rounded_to_zero_in_the_theory():
    """sin(x)cos(y) + 0.1(x² + y²): κ is 1 up to 4e−16; the minimum's y is −6e−16."""
    surface = make_formula_surface("sin(x)*cos(y)+0.1*(x^2+y^2)", ((-6.0, 6.0), (-6.0, 6.0)))
    text = _theory(surface)
    assert "(−1.31, 0)" in text and "κ = 1, a round bowl" in text
    assert "10⁻¹⁶" not in text and "10⁻³²" not in text and "e-" not in text


@pytest.mark.parametrize("formula", ["sqrt(x^2+y^2)", "x^2+y^2+abs(x)^1.5", "sqrt(abs(x-1))+y^2"])
def test_kink_says_the_model_does_not_apply(formula):
    """The cone used to print 'lr < 2/λ_max = 2.1e-19'."""
    text = _theory(make_formula_surface(formula, BOX))
    assert text.startswith("The quadratic model (and 2/λ_max) does not apply at the minimum")
    assert "kink" in text and "lr <" not in text and "λ_max =" not in text


def test_verdicts_use_each_optimizers_own_bound():
    stab = analyze(make_surface("ravine"), (0.0, 0.0))  # λ_max = 4
    assert rate_verdict("gd", 0.4, {}, stab) == "lr = 0.4 < 2/λ_max = 0.5: stable"
    assert rate_verdict("momentum", 0.6, {"momentum": 0.5}, stab) == (
        "lr = 0.6 < (2 + 2μ)/λ_max = 0.75: stable"
    )
    nesterov = rate_verdict("nesterov", 0.4, {"momentum": 0.9}, stab)
    assert nesterov == "lr = 0.4 ≥ 2(1 + μ)/((1 + 2μ)·λ_max) = 0.339: unstable near the minimum"
    assert "adaptive" not in nesterov
    assert "no fixed learning-rate bound" in rate_verdict("adam", 0.1, {}, stab)
    assert rate_verdict("gd", 0.4, {"weight_decay": 1.0}, stab) == (
        "lr = 0.4 ≥ 2/(λ_max + wd) = 0.4: unstable near the minimum"
    )
    assert np.isnan(racer_limit("adam", {}, stab))
    assert racer_limit("momentum", {"momentum": 0.5}, stab) == pytest.approx(0.75)


def test_explore_on_a_cone_prints_the_kink_sentence():
    at = new_app(surface="formula", f="sqrt(x^2+y^2)", domain="-3,3,-3,3").run()
    assert not at.exception, [e.message for e in at.exception]
    text = " ".join(m.value for m in at.markdown)
    assert "does not apply at the minimum" in text and "2.1e-19" not in text
    assert not any(
        json.loads(c.proto.spec).get("layout", {}).get("height") == 170
        for c in at.get("plotly_chart")
    )


def test_degenerate_minimum_is_flat_not_a_huge_bound():
    """(x² + y²)²'s minimum is found 3e−67 off centre, where λ ≈ 1e−132: it used to read
    'κ = 3 … lr < 2/λ_max = 9.48e131'."""
    text = _theory(make_formula_surface("(x^2+y^2)^2", BOX))
    assert "flat to second order" in text and "lr <" not in text and "10¹" not in text
