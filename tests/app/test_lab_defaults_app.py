"""Each lab page opens on a result worth seeing on every built-in landscape (issue 12):
defaults from optimizers.lab.defaults, the link's values kept."""

from __future__ import annotations

import re

import numpy as np
import pytest

from optimizers.lab.defaults import finder_defaults
from surfaces import SURFACES, make_surface
from tests.app.conftest import figures, new_app, sweep_titles, values


def opened(**query):
    at = new_app(**query).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def text(at) -> str:
    return " ".join(m.value for m in (*at.markdown, *at.caption, *at.info, *at.warning))


@pytest.mark.parametrize("name", list(SURFACES))
def test_sweep_opens_on_diverging_and_settling_rates_or_says_what_is_missing(name):
    at = opened(view="sweep", surface=name)
    titles = [re.sub("<[^>]+>", " ", t) for t in sweep_titles(at)]
    outcomes = " ".join(titles)
    assert "diverged" in outcomes or "thrown off" in outcomes, titles
    settles = "converged" in outcomes or "trapped" in outcomes
    assert settles or "settles in a minimum" in text(at), titles
    assert "too slow" in outcomes or "stalled" in outcomes, titles  # the crawling end


@pytest.mark.parametrize("name", list(SURFACES))
def test_finder_opens_on_the_landscapes_range(name):
    at = opened(view="finder", surface=name)
    found = finder_defaults(make_surface(name))
    assert (at.session_state["lf_min"], at.session_state["lf_max"]) == (
        found.lr_min,
        found.lr_max,
    )
    fig = figures(at)[0]
    limit = [t for t in fig["data"] if str(t.get("name", "")).startswith("theory 2/λ_max")]
    valley = [t for t in fig["data"] if str(t.get("name", "")).startswith("valley:")]
    if limit and valley:  # the valley rule lands below theory's limit, in the stable range
        assert values(valley[0]["x"])[0] < values(limit[0]["x"])[0]


def test_finder_link_keeps_what_it_set():
    at = opened(view="finder", surface="rosenbrock", lf_min="1e-08", lf_max="100")
    assert (at.session_state["lf_min"], at.session_state["lf_max"]) == (1e-8, 100.0)


@pytest.mark.parametrize("name", list(SURFACES))
def test_basin_map_after_a_landscape_change_shows_two_basins_or_says_one_minimum(name):
    at = opened(view="basins", surface="bowl" if name != "bowl" else "ravine", bm_n="40")
    at.selectbox(key="surface").set_value(name).run()
    assert not at.exception
    heat = next(f for f in figures(at) if any(t["type"] == "heatmap" for t in f["data"]))
    z = values(heat["data"][0]["z"])
    basins = np.unique(z[z >= 0]).size
    cut = any("steps" in w.value for w in at.warning)  # the work budget shortened the runs
    if len(make_surface(name).minima) >= 2:
        assert basins >= 2 or (cut and name == "tiny_net"), name  # a costly network's loss
    else:
        assert "single minimum" in text(at)


def test_the_tiny_network_basin_map_opens_on_what_is_true_and_one_click_shows_two_basins():
    """Issue 12: /basins?surface=tiny_net was one flat colour: 80 × 80 starts of this costly
    loss (266× a typical one) got 10 steps, too few to settle anywhere, and GD crawls on its
    plateau. Now it opens at a resolution that runs its steps as asked, says how many minima
    the starts reach, and offers an optimizer and rate that reaches both."""
    at = opened(view="basins", surface="tiny_net")
    assert not at.exception and not at.warning  # the default steps run as asked
    assert (at.session_state["bm_n"], at.session_state["bm_steps"]) == (20, 100)
    z = values(figures(at)[0]["data"][0]["z"])
    reached = np.unique(z[z >= 0]).size
    assert f"reach {reached} of the 2 minima" in text(at)
    show = [b for b in at.button if b.label.startswith("Show it: Momentum")]
    show[0].click().run()
    z = values(figures(at)[0]["data"][0]["z"])
    assert np.unique(z[z >= 0]).size == 2 and "of the 2 minima" not in text(at)
