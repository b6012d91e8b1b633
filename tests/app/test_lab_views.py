"""AppTest checks of the learning-rate lab views: open by URL and by the view picker, read the
figures' data, click the buttons, refuse hostile URL values with a warning."""

from __future__ import annotations

import numpy as np
import pytest

from optimizers import make_optimizer
from optimizers.lab import DEFAULT_LRS, lr_range_test
from surfaces import make_surface

from .conftest import figures, values


def fig_with(at, trace_type: str) -> dict:
    return next(f for f in figures(at) if any(t["type"] == trace_type for t in f["data"]))


def traces_named(fig: dict, prefix: str) -> list[dict]:
    return [t for t in fig["data"] if str(t.get("name", "")).startswith(prefix)]


def no_problems(at) -> None:
    assert not at.exception, [e.message for e in at.exception]


# --------------------------------------------------------------------------- switching views


def test_picker_switches_to_a_lab_view(run_app):
    at = run_app()
    picker = at.get("button_group")[0]
    picker.set_value("sweep").run()
    no_problems(at)
    assert at.query_params["view"] == "sweep"
    assert len(figures(at)) == 2


@pytest.mark.parametrize("view", ["sweep", "finder", "basins", "phase", "race", "sgd"])
def test_each_view_opens_by_url(run_app, view):
    at = run_app(view=view, bm_n="40", pd_n="15")
    assert figures(at), view
    assert not at.warning


# --------------------------------------------------------------------------- sweep


def test_sweep_panels_one_per_rate_with_outcomes(run_app):
    at = run_app(view="sweep")
    panels = figures(at)[0]
    contours = [t for t in panels["data"] if t["type"] == "contour"]
    assert len(contours) == len(DEFAULT_LRS)
    titles = [a["text"] for a in panels["layout"]["annotations"]]
    # ravine: λ_max = 4, so 10 and 1 (> 2/λ_max = 0.5) diverge
    assert "diverged at step" in titles[0] and "lr 10<" in titles[0]
    assert "diverged at step" in titles[1]
    assert all("diverged" not in t for t in titles[2:])


def test_sweep_text_round_trips_and_curves_show_the_limit(run_app):
    at = run_app(view="sweep", sweep_lrs="0.6, 0.45, 0.1")
    panels, curves = figures(at)
    assert len([t for t in panels["data"] if t["type"] == "contour"]) == 3
    limit = traces_named(curves, "2/λ_max")[0]
    assert values(limit["x"])[0] == pytest.approx(0.5)
    assert curves["layout"]["shapes"][0]["x1"] == pytest.approx(0.5)
    at.text_input(key="sweep_lrs").input("1, 0.3").run()
    assert at.query_params["sweep_lrs"] == "1, 0.3"


def test_sweep_bad_text_warns_and_uses_the_default(run_app):
    at = run_app(view="sweep", sweep_lrs="1, banana")
    assert any("banana" in w.value for w in at.warning)
    assert len([t for t in figures(at)[0]["data"] if t["type"] == "contour"]) == len(DEFAULT_LRS)


# --------------------------------------------------------------------------- LR finder


def test_finder_marks_the_rules_suggestions(run_app):
    at = run_app(view="finder")
    fig = figures(at)[0]
    surface = make_surface("ravine")
    expected = lr_range_test(surface, make_optimizer("gd"), np.array(surface.start))
    for rule, rate in expected.suggestions.items():
        marker = traces_named(fig, f"{rule}:")[0]
        assert values(marker["x"])[0] == pytest.approx(rate, rel=1e-6)
    limit = traces_named(fig, "theory 2/λ_max")[0]
    assert values(limit["x"])[0] == pytest.approx(expected.lr_max_stable)
    assert traces_named(fig, "stopped")


def test_finder_send_to_explore_sets_the_rate(run_app):
    at = run_app(view="finder")
    at.button(key="send_steep").click().run()
    no_problems(at)
    surface = make_surface("ravine")
    steep = lr_range_test(surface, make_optimizer("gd"), np.array(surface.start)).suggestions[
        "steep"
    ]
    assert at.session_state["view"] == "explore"
    assert at.session_state["r0:lr"] == pytest.approx(steep)
    assert at.query_params["opt"].startswith(f"gd:lr={steep!r}"[:10])


# --------------------------------------------------------------------------- basins


def test_basin_map_shape_and_labels(run_app):
    at = run_app(view="basins", surface="wells", bm_n="40", bm_steps="150")
    fig = fig_with(at, "heatmap")
    z = values(fig["data"][0]["z"])
    assert z.shape == (40, 40)
    assert set(np.unique(z)) <= {-2, -1, 0, 1, 2}
    legend = [t["name"] for t in fig["data"] if t.get("x") == [None]]
    assert legend[0].startswith("→ minimum (1.86, 0.93)")


def test_basin_classic_button_seeds_wells(run_app):
    at = run_app(view="basins", bm_n="40")
    at.button[0].click().run()
    no_problems(at)
    assert at.query_params["surface"] == "wells"
    assert len(at.selectbox(key="bm_racer").options) == 2


# --------------------------------------------------------------------------- phase diagram


def test_phase_boundary_is_heavy_ball_theory(run_app):
    at = run_app(view="phase", pd_n="15", pd_steps="100")
    fig = fig_with(at, "heatmap")
    line = traces_named(fig, "theory")[0]
    mus = values(line["y"]).astype(float)
    lam_max = 4.0  # ravine
    assert values(line["x"]) == pytest.approx((2 + 2 * mus) / lam_max, rel=1e-5)
    z = values(fig["data"][0]["z"])
    assert z.shape == (15, 15)
    star = traces_named(fig, "μ = 0 is plain GD")[0]
    assert values(star["x"])[0] == pytest.approx(0.5)


# --------------------------------------------------------------------------- race


def test_race_table_rows_and_same_rate(run_app):
    at = run_app(view="race", race_opts="gd,adam,nesterov")
    table = at.dataframe[0].value
    assert list(table["optimizer"]) == ["Gradient descent", "Adam", "Nesterov momentum"]
    at2 = run_app(view="race", race_opts="gd,adam", race_mode="same", race_lr="0.05")
    assert list(at2.dataframe[0].value["lr"]) == [0.05, 0.05]


# --------------------------------------------------------------------------- SGD


def test_sgd_band_and_decay_calms_the_noise(run_app):
    at = run_app(view="sgd", sgd_steps="150")
    _, band, data = figures(at)
    fills = [t for t in band["data"] if t.get("fill") == "tonexty"]
    assert len(fills) == 2
    lows = [t for t in band["data"] if str(t["name"]).endswith("10 %")]
    spreads = [values(h["y"])[-1] - values(lo["y"])[-1] for lo, h in zip(lows, fills, strict=True)]
    assert len(values(fills[0]["x"])) == 151
    assert spreads[1] < spreads[0]  # constant first, decaying second
    assert len(data["data"]) == 4  # points, least squares, two medians


# --------------------------------------------------------------------------- hostile URLs


def test_hostile_lab_params_warn_and_fall_back(run_app):
    at = run_app(view="basins", bm_n="99999", bm_steps="1e308", bm_racer="-3")
    messages = " ".join(w.value for w in at.warning)
    assert "bm_n" in messages and "bm_steps" in messages and "bm_racer" in messages
    assert values(fig_with(at, "heatmap")["data"][0]["z"]).shape == (80, 80)
    at = run_app(view="race", race_opts="gd,__import__('os')", race_tol="nan")
    assert len(at.warning) == 2
    at = run_app(view="finder", lf_steps="<script>", lf_beta="2")
    assert len(at.warning) == 2 and figures(at)
