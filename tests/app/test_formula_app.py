"""Your own formula in the app: its start, empty input, hostile text shown verbatim, overflow."""

from __future__ import annotations

import numpy as np

from app.markup import plain
from surfaces.formula import make_formula_surface
from tests.app.conftest import values
from tests.app.test_explore import chart, settle


def test_plain_shows_markdown_verbatim():
    assert plain("'__import__' is not allowed") == r"'\_\_import\_\_' is not allowed"
    assert plain("[x](http://e) $a$ :red[b] **c**") == (
        r"\[x\]\(http\://e\) \$a\$ \:red\[b\] \*\*c\*\*"
    )
    assert plain("unknown name 'z' at column 5") == "unknown name 'z' at column 5"


def test_a_formula_starts_at_its_own_start(run_app):
    """Picking "Your formula" seeds the surface's own start, so the link carries no start."""
    at = run_app()
    at.selectbox(key="surface").set_value("formula")
    settle(at)
    surface = make_formula_surface(at.text_input(key="formula").value, ((-3, 3), (-3, 3)))
    assert (at.number_input(key="start_x").value, at.number_input(key="start_y").value) == (
        surface.start
    )
    assert "start" not in at.query_params


def test_an_empty_formula_is_an_error_that_keeps_the_scene(run_app):
    at = run_app(surface="formula", f="(x - 1)**2 + 4*y**2")
    good = values(chart(at, "contour")["data"][0]["z"])
    at.text_input(key="formula").set_value("")
    settle(at)
    assert at.error and "empty" in at.error[0].value
    assert np.allclose(values(chart(at, "contour")["data"][0]["z"]), good)


def test_hostile_formula_text_is_shown_verbatim(run_app):
    """The message quotes '__import__': escaped, it reads as typed instead of a bold 'import'."""
    at = run_app(surface="formula", f="__import__(x)")
    assert r"'\_\_import\_\_'" in at.error[0].value


def test_hostile_link_values_are_shown_verbatim(run_app):
    at = run_app(surface="[click](http://example.com)")
    warnings = [w.value for w in at.warning]
    assert warnings and all("](" not in w.replace(r"\]\(", "") for w in warnings)


def test_an_overflowing_formula_draws_without_warnings(run_app):
    """exp(exp(x·y)) on ±20 overflows float64 over most of the map: no RuntimeWarning (the test
    suite turns them into errors), the map is drawn and finite where the browser gets it."""
    at = run_app(surface="formula", f="exp(exp(x*y))", domain="-20,20,-20,20")
    z = values(chart(at, "contour")["data"][0]["z"])
    assert np.isfinite(z).any()
