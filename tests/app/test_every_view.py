"""Every view on a table of landscapes: every built-in, and typed formulas that are kinked,
huge-valued or partly undefined. Nothing may crash, warn (pytest turns RuntimeWarning into an
error, which the page would show as an exception) or show "nan", "inf" or "None": not in the
markdown, captions, notices, tables or metrics, nor in a figure's titles, annotations, axis
titles or legend. Each lesson runs on its own scene. About 170 page runs.
"""

from __future__ import annotations

import json
import re

import pytest

from app.lessons import LESSONS
from app.shell import VIEWS as PAGES
from surfaces import SURFACES

from .conftest import new_app

FORMULAS = {
    # kinked minima
    "cone": {"f": "sqrt(x^2+y^2)"},
    "abs_power": {"f": "x^2+y^2+abs(x)^1.5"},
    "sqrt_abs": {"f": "sqrt(abs(x-1))+y^2"},
    # huge values
    "huge_bowl": {"f": "1e12*(x^2+y^2)"},
    "exp400": {"f": "exp(400*x)+y^2", "start": "1,0"},
    "cosh1000": {"f": "cosh(1000*x)+y^2", "start": "0.695,0", "opt": "gd:lr=10"},
    "x14": {"f": "x^14+y^14", "domain": "-10,10,-10,10"},
    # partly undefined
    "sqrt": {"f": "sqrt(x)+y^2"},
    "log": {"f": "log(x)+y^2"},
    "power": {"f": "x^y"},
}
LANDSCAPES = {
    **{name: {"surface": name} for name in SURFACES},
    **{name: {"surface": "formula", **query} for name, query in FORMULAS.items()},
}
LIGHT = {  # the views' light settings (the default scene otherwise)
    "basins": {"bm_n": "40", "bm_steps": "100"},
    "phase": {"pd_n": "15", "pd_steps": "100"},
    "sgd": {"sgd_runs": "5", "sgd_steps": "100"},
}
VIEWS = tuple(PAGES)
BAD_WORD = re.compile(r"(?<![A-Za-z])(nan|NaN|inf|Inf|None)(?![A-Za-z])")


def page_text(at) -> list[str]:
    """Every text the page shows outside the figures (the sidebar's widgets excluded)."""
    texts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title"):
        texts += [str(e.value) for e in getattr(at, kind)]
    for m in at.metric:
        texts += [str(m.label), str(m.value), str(m.delta or "")]
    for frame in [*at.dataframe, *at.table]:
        df = frame.value
        assert not df.isna().any().any(), f"an empty (None) cell in\n{df}"
        texts.append(df.to_string())
    return texts


def figure_text(fig: dict) -> list[str]:
    """Titles, axis titles, annotations and legend names of a figure."""
    texts = [str(t.get("name", "")) for t in fig.get("data", [])]

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("text", "title", "label"):
            texts.append(node)

    walk(fig.get("layout", {}))
    return texts


def assert_clean(at, where) -> None:
    assert not at.exception, (where, [e.message for e in at.exception])
    texts = page_text(at)
    texts += [t for el in at.get("plotly_chart") for t in figure_text(json.loads(el.proto.spec))]
    bad = [t for t in texts if BAD_WORD.search(t)]
    assert not bad, (where, bad)


@pytest.mark.parametrize("landscape", LANDSCAPES)
@pytest.mark.parametrize("view", VIEWS)
def test_every_view_on_every_landscape(view, landscape):
    query = {**LANDSCAPES[landscape], **LIGHT.get(view, {})}
    if view != "explore":
        query["view"] = view
    assert_clean(new_app(**query).run(), (view, landscape))


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_on_its_own_scene(lesson):
    at = new_app(lesson=lesson).run()
    assert_clean(at, lesson)
    assert at.info, "the lesson's question is shown"


@pytest.mark.parametrize("landscape", ["ravine", "cone", "exp400", "log"])
def test_the_step_inspector_of_three_different_optimizers(landscape):
    """The inspector's table has one column per state field of any racer: each row must still
    show something in every cell (a racer without that field is not "None")."""
    query = {**LANDSCAPES[landscape], "opt": "gd:lr=0.4;adam:lr=0.1;newton:lr=1", "inspect": "10"}
    at = new_app(**query).run()
    assert at.dataframe, "the inspector is open"
    assert_clean(at, ("explore + inspector", landscape))
