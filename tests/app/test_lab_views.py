"""AppTest checks of the learning-rate lab views: open by URL and by the view picker, read the
figures' data, click the buttons, refuse hostile URL values with a warning."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from streamlit.delta_generator import DeltaGenerator

from app import lab_compute
from app.markup import plain
from app.pages.finder import FINDER_MAXS, FINDER_MINS
from app.pages.race import RACE_GRID
from app.state.budget import WORK_BUDGET
from optimizers import make_optimizer
from optimizers.lab import DEFAULT_LRS, RACE_CRITERION, fair_race, lr_range_test
from optimizers.lab.defaults import sweep_defaults
from optimizers.numbers import num
from surfaces import make_surface

from .conftest import figures, go_to, map_figure, map_scene, sweep_titles, values


def fig_with(at, trace_type: str) -> dict:
    return next(f for f in figures(at) if any(t["type"] == trace_type for t in f["data"]))


def traces_named(fig: dict, prefix: str) -> list[dict]:
    return [t for t in fig["data"] if str(t.get("name", "")).startswith(prefix)]


def no_problems(at) -> None:
    assert not at.exception, [e.message for e in at.exception]


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


@pytest.fixture
def progress_calls(monkeypatch) -> list[tuple[float, str]]:
    """Every (value, text) drawn on an st.progress bar during the test (the bar is removed
    when its computation ends, so the final element tree cannot show it)."""
    calls: list[tuple[float, str]] = []
    draw = DeltaGenerator.progress

    def spy(self, value, text=None, **kwargs):
        calls.append((value, text))
        return draw(self, value, text=text, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "progress", spy)
    return calls


def assert_progress_then_cache_hit(at, calls, unit: str) -> None:
    """The cold run drew a bar that only moved forward and is gone; the same scene again is a
    cache hit that replays nothing (no bar, no CacheReplayClosureError)."""
    fractions = [value for value, _ in calls]
    assert fractions and fractions == sorted(set(fractions))  # only forward
    assert fractions[0] > 0 and fractions[-1] < 1  # never an empty or a full bar
    assert all(unit in text for _, text in calls), calls
    assert not at.get("progress")
    calls.clear()
    at.run()
    no_problems(at)
    assert calls == [] and not at.get("progress")


# --------------------------------------------------------------------------- switching views


def test_navigation_opens_a_lab_view(run_app):
    at = run_app()
    go_to(at, "sweep")
    no_problems(at)
    assert "view" not in at.query_params  # the page's URL path names it
    assert len(figures(at)) == len(sweep_titles(at)) + 2 > 3  # a map per rate, two curves


@pytest.mark.parametrize("view", ["sweep", "finder", "basins", "phase", "race", "sgd"])
def test_each_view_opens_by_url(run_app, view):
    at = run_app(view=view, bm_n="40", pd_n="15")
    assert figures(at) or at.get("bidi_component"), view  # race: the map component
    assert not at.warning


# --------------------------------------------------------------------------- sweep


def test_sweep_panels_one_per_rate_with_outcomes(run_app):
    at = run_app(view="sweep")
    *panels, _, _ = figures(at)
    rates = sweep_defaults(make_surface("ravine"), "gd", 200).lrs  # the ravine's own defaults
    assert len(panels) == len(rates)
    assert all([t["type"] for t in p["data"]].count("contour") == 1 for p in panels)
    titles = sweep_titles(at)
    # ravine: λ_max = 4, so the two rates above 2/λ_max = 0.5 diverge, the others do not
    assert rates[0] > rates[1] > 0.5 > rates[2]
    assert "diverged at step" in titles[0] and f"lr {rates[0]:g}<" in titles[0]
    assert "diverged at step" in titles[1]
    assert all("diverged" not in t for t in titles[2:])
    assert any("converged" in t for t in titles) and any("too slow" in t for t in titles)


def test_sweep_text_round_trips_and_curves_show_the_limit(run_app):
    at = run_app(view="sweep", sweep_lrs="0.6, 0.45, 0.1")
    *panels, loss, steps = figures(at)
    assert len(panels) == 3 and len(sweep_titles(at)) == 3
    for curves in (loss, steps):  # both figures: the line at 2/λ_max, the band below it
        limit = traces_named(curves, "2/λ_max")[0]
        assert values(limit["x"])[0] == pytest.approx(0.5)
        assert curves["layout"]["shapes"][0]["x1"] == pytest.approx(0.5)
    assert limit["showlegend"] is False  # its legend entry once, on the first
    assert traces_named(loss, "2/λ_max")[0]["showlegend"] is True
    at.text_input(key="sweep_lrs").input("1, 0.3").run()
    assert at.query_params["sweep_lrs"] == "1, 0.3"


def test_sweep_bad_text_warns_and_uses_the_default(run_app):
    at = run_app(view="sweep", sweep_lrs="1, banana")
    assert any("banana" in w.value for w in at.warning)
    assert len(sweep_titles(at)) == len(DEFAULT_LRS)


# --------------------------------------------------------------------------- LR finder


def test_finder_marks_the_rules_suggestions(run_app):
    at = run_app(view="finder", lf_min="1e-07")  # the link's start rate is kept
    fig = figures(at)[0]
    surface = make_surface("ravine")
    expected = lr_range_test(surface, make_optimizer("gd"), np.array(surface.start))
    for rule, rate in expected.suggestions.items():
        marker = traces_named(fig, f"{rule}:")[0]
        assert values(marker["x"])[0] == pytest.approx(rate, rel=1e-6)
    limit = traces_named(fig, "theory 2/λ_max")[0]
    assert values(limit["x"])[0] == pytest.approx(expected.lr_max_stable)
    assert traces_named(fig, "stopped")


def test_finder_choices_always_give_a_rising_range():
    # no start rate the widgets or a URL accept reaches an end rate: the range is never empty
    assert max(FINDER_MINS) < min(FINDER_MAXS)


def test_finder_send_to_explore_sets_the_rate(run_app):
    at = run_app(view="finder", lf_min="1e-07")
    at.button(key="send_steep").click().run()
    no_problems(at)
    surface = make_surface("ravine")
    steep = lr_range_test(surface, make_optimizer("gd"), np.array(surface.start)).suggestions[
        "steep"
    ]
    assert at.session_state["page"] == "explore"
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


def test_big_basin_map_is_capped_and_shows_its_progress(run_app, progress_calls):
    lab_compute.basins.clear()
    at = run_app(view="basins", bm_n="200", bm_steps="2000")
    (warning,) = [w.value for w in at.warning]
    assert "200 × 200 starts × 2,000 steps" in warning and "**500 steps**" in warning
    assert WORK_BUDGET == 200 * 200 * 500
    assert "500 steps from each of 40,000 starts" in captions(at)
    assert values(fig_with(at, "heatmap")["data"][0]["z"]).shape == (200, 200)
    assert at.query_params["bm_steps"] == "2000"  # the link keeps what was asked
    assert len(progress_calls) >= 5  # 40 000 starts in chunks of ~4 000
    assert_progress_then_cache_hit(at, progress_calls, "of 40,000 starts")


def test_one_chunk_basin_map_shows_no_bar(run_app, progress_calls):
    lab_compute.basins.clear()
    run_app(view="basins", bm_n="40", bm_steps="100")
    assert progress_calls == []


def test_basin_classic_button_seeds_wells(run_app):
    at = run_app(view="basins", bm_n="40")
    at.button[0].click().run()
    no_problems(at)
    assert at.query_params["surface"] == "wells"
    assert len(at.selectbox(key="bm_racer").options) == 3  # all side by side, 1, 2
    maps = [f for f in figures(at) if any(t["type"] == "heatmap" for t in f["data"])]
    assert len(maps) == 2  # GD and momentum, both drawn


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


def test_phase_diagram_shows_its_progress(run_app, progress_calls):
    lab_compute.phase_map.clear()
    at = run_app(view="phase", pd_n="45", pd_steps="2000")  # 2 025 pairs, 2 chunks
    assert values(fig_with(at, "heatmap")["data"][0]["z"]).shape == (45, 45)
    assert_progress_then_cache_hit(at, progress_calls, "of 2,025 (lr, μ) pairs")


# --------------------------------------------------------------------------- race


def test_race_tunes_every_rate_on_the_grid_and_states_the_rule(run_app):
    names = ["gd", "adam", "nesterov"]
    at = run_app(view="race", race_opts=",".join(names))
    table = at.table[0].value
    assert list(table["optimizer"]) == ["Gradient descent", "Adam", "Nesterov momentum"]
    ravine = make_surface("ravine")
    expected = fair_race(ravine, names, ravine.start, RACE_GRID, 200, 1e-3)
    chosen = list(table["lr"])
    assert chosen == [row.lr for row in expected.rows]
    assert all(np.isclose(RACE_GRID, lr, rtol=1e-12).any() for lr in chosen)
    assert len(set(chosen)) > 1  # tuned one by one, not one shared rate
    race_map = map_figure(at)  # the client-side map component's scene
    for label, lr in zip(["Gradient descent", "Adam", "Nesterov momentum"], chosen, strict=True):
        assert traces_named(race_map, f"{label} · lr {lr:g}")
    assert f"Criterion. {RACE_CRITERION} (tol = 0.001)" in captions(at).replace("**", "")


def test_race_at_one_shared_rate(run_app):
    at = run_app(view="race", race_opts="gd,adam", race_mode="same", race_lr="0.05")
    assert list(at.table[0].value["lr"]) == [0.05, 0.05]
    header, _ = map_scene(at)  # the race's map: the component, no rate scrub, its own title
    assert [r["label"] for r in header["runs"]] == ["Gradient descent · lr 0.05", "Adam · lr 0.05"]
    assert header["scrubs"] == [] and header["title"] == "A fair race"
    assert "race_mode=same" in header["query"]
    assert "Every optimizer runs at lr 0.05." in captions(at)
    assert "Criterion" not in captions(at)


def assert_race_cells_are_true(table) -> None:
    """No cell is empty, None, NaN or inf; each outcome says what happened, in words."""
    assert not table.isna().any().any()
    for cells in table.to_dict("records"):
        for value in cells.values():
            text = str(value).lower()
            assert not any(bad in text for bad in ("none", "nan", "inf")), cells
        assert cells["outcome"] and "steps" not in cells, cells


def test_race_on_rosenbrock_steps_and_outcome_agree(run_app):
    """?view=race&surface=rosenbrock&race_steps=1000 showed GD "119 steps" beside "too slow"
    and RMSprop "None" steps."""
    at = run_app(view="race", surface="rosenbrock", race_steps="1000")
    assert not at.warning  # the 1000 steps ran as asked
    table = at.table[0].value
    assert_race_cells_are_true(table)
    gd, rmsprop = (
        table[table["optimizer"] == name].iloc[0] for name in ("Gradient descent", "RMSprop")
    )
    assert (gd["outcome"], rmsprop["outcome"]) == ("reached in 119 steps", "too slow")


def test_race_on_the_ravine_does_not_crown_the_rmsprop_fluke(run_app):
    """RMSprop at lr 10 "won in 4 steps" after a first step to (95, 98), off the ±6 map."""
    at = run_app(view="race")
    table = at.table[0].value
    assert_race_cells_are_true(table)
    rmsprop = table[table["optimizer"] == "RMSprop"].iloc[0]
    assert rmsprop["lr"] != 10.0 and rmsprop["outcome"].startswith("reached in ")
    assert "stays on the map" in captions(at)
    (x0, x1), (y0, y1) = make_surface("ravine").domain
    for trace in traces_named(map_figure(at), "RMSprop · lr"):
        x, y = values(trace["x"]), values(trace["y"])
        x, y = x[np.isfinite(x)], y[np.isfinite(y)]
        assert ((x0 <= x) & (x <= x1)).all() and ((y0 <= y) & (y <= y1)).all()


def test_a_same_rate_race_at_lr_10_says_who_left_the_map_and_who_diverged(run_app):
    at = run_app(view="race", race_mode="same", race_lr="10", race_opts="gd,rmsprop")
    table = at.table[0].value
    assert_race_cells_are_true(table)
    gd, rmsprop = table.to_dict("records")
    assert gd["outcome"].startswith("diverged at step ")
    assert rmsprop["outcome"] == "reached in 4 steps, off the map"


# --------------------------------------------------------------------------- SGD


def test_sgd_band_and_decay_calms_the_noise(run_app):
    at = run_app(view="sgd", sgd_steps="150")
    _, band, data = figures(at)
    fills = [t for t in band["data"] if t.get("fill") == "tonexty"]
    assert len(fills) == 2
    lows = [t for t in band["data"] if str(t["name"]).endswith("10 %")]
    spreads = [values(h["y"])[-1] - values(lo["y"])[-1] for lo, h in zip(lows, fills, strict=True)]
    assert len(values(fills[0]["x"])) == 201  # 150 steps asked: a fan runs 1–2–5 step counts
    assert "Running **200 steps** (asked: 150)" in captions(at)
    assert spreads[1] < spreads[0]  # constant first, decaying second
    assert len(data["data"]) == 4  # points, least squares, two medians


def test_sgd_work_is_capped_with_a_warning(run_app):
    at = run_app(view="sgd", sgd_runs="100", sgd_n="2000", sgd_steps="2000")
    (warning,) = [w.value for w in at.warning]
    assert "100 runs × 2,000 data points × 2,000 steps" in warning
    assert "**100 steps**" in warning  # 100 × 2 000 × 100 = the 20 M budget
    band = figures(at)[1]
    assert len(values(band["data"][0]["x"])) == 101


# --------------------------------------------------------------------------- hostile URLs


def test_hostile_lab_params_warn_and_fall_back(run_app):
    at = run_app(view="basins", bm_n="99999", bm_steps="1e308", bm_racer="-3")
    messages = " ".join(w.value for w in at.warning)
    assert all(plain(f"Ignored {key}=") in messages for key in ("bm_n", "bm_steps", "bm_racer"))
    assert values(fig_with(at, "heatmap")["data"][0]["z"]).shape == (80, 80)
    at = run_app(view="race", race_opts="gd,__import__('os')", race_tol="nan")
    assert len(at.warning) == 2
    at = run_app(view="finder", lf_steps="<script>", lf_beta="2")
    assert len(at.warning) == 2 and figures(at)


# --------------------------------------------------------------------------- sidebar settings


def heatmap_z(at) -> np.ndarray:
    return values(fig_with(at, "heatmap")["data"][0]["z"])


def test_basins_honour_the_sidebars_schedule_and_warm_up(run_app):
    """Regression: the basin map ran at a constant rate whatever the sidebar's policy."""
    scene = {"view": "basins", "surface": "wells", "bm_n": "40", "bm_steps": "150"}
    plain_map = heatmap_z(run_app(**scene, opt="gd:lr=0.1"))
    at = run_app(**scene, opt="gd:lr=0.1", policy="exponential:gamma=0.9", warmup="5")
    assert (heatmap_z(at) != plain_map).any()  # the rate decays to nothing: fewer runs settle
    assert "lr 0.1 under the Exponential decay schedule after a 5-step warm-up" in captions(at)


def test_basins_and_the_sweep_say_they_ignore_the_gradient_noise(run_app):
    for view in ("basins", "sweep"):
        at = run_app(view=view, noise="0.5", bm_n="40")
        assert "runs without the sidebar's gradient noise σ = 0.5 (and its seed)" in captions(at)
        assert "runs without" not in captions(run_app(view=view, bm_n="40"))


def test_the_phase_diagram_and_the_race_name_every_sidebar_setting_they_ignore(run_app):
    for view in ("phase", "race"):
        at = run_app(view=view, pd_n="15", policy="cosine", warmup="3", noise="0.2")
        assert (
            "runs without the sidebar's Cosine annealing schedule, 3-step warm-up and gradient "
            "noise σ = 0.2 (and its seed)."
        ) in captions(at)


def test_the_finder_honours_the_gradient_noise(run_app):
    def curve(at):
        fig = figures(at)[0]
        return values(next(t for t in fig["data"] if t.get("name") == "loss at each step")["y"])

    quiet = curve(run_app(view="finder"))
    at = run_app(view="finder", noise="1", seed="3")
    assert "gradient noise σ = 1 (seed 3)" in captions(at)
    noisy = curve(at)
    assert len(noisy) != len(quiet) or not np.allclose(noisy, quiet)


def test_the_race_uses_the_sidebars_hyperparameters(run_app):
    """Regression: the race ran torch's defaults (μ = 0.9) whatever the sidebar's momentum."""
    race = {"view": "race", "race_opts": "gd,momentum"}
    default = run_app(**race, opt="gd:lr=0.4;momentum:lr=0.1").table[0].value
    at = run_app(**race, opt="gd:lr=0.4;momentum:lr=0.1,momentum=0.2")
    table = at.table[0].value
    own = "Hyperparameters from the sidebar: Momentum (heavy ball) with momentum 0.2"
    assert own in captions(at)
    ravine = make_surface("ravine")
    expected = fair_race(
        ravine, ["gd", ("momentum", make_optimizer("momentum", momentum=0.2))], ravine.start,
        RACE_GRID, 200, 1e-3,
    )  # fmt: skip
    assert list(table["lr"]) == [row.lr for row in expected.rows]
    assert list(table["loss"]) != list(default["loss"])


def test_race_table_is_a_static_table_with_three_digit_numbers(run_app):
    """Regression: the data grid cut "Momentum (heavy b", "reached to…" and "52e-139"; the
    static table wraps its cells and shows numbers as optimizers.numbers.num does."""
    at = run_app(view="race", race_opts="gd,momentum,adam")
    assert not at.dataframe
    (table,) = at.table
    raw = table.proto.arrow_data.styler.display_values  # the cells the browser draws (Arrow)
    shown = pa.ipc.open_stream(raw).read_pandas()
    assert shown["optimizer"].tolist() == ["Gradient descent", "Momentum (heavy ball)", "Adam"]
    for column in ("lr", "loss", "dist."):
        for cell, value in zip(shown[column], table.value[column], strict=True):
            assert cell == num(value) and "e-" not in cell and "nan" not in cell, cell
