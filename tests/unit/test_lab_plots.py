"""The lab's pure figure builders: valid Plotly figures whose data are the experiments' numbers."""

from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go
import pytest

from app.figures import basins, finder, outcomes, phase, sgd, style, sweep
from app.figures.data import sample_landscape
from optimizers import make_optimizer
from optimizers.diagnostics import Outcome
from optimizers.lab import basin_map, lr_range_test, lr_sweep, phase_diagram, sgd_fan
from surfaces import make_surface
from surfaces.data import make_regression_data, regression_surface


@pytest.fixture(scope="module")
def ravine():
    return make_surface("ravine")


@pytest.fixture(scope="module")
def land(ravine):
    return sample_landscape(ravine.f, ravine.domain, [m.point for m in ravine.minima], n=30)


def test_outcome_labels():
    assert outcomes.outcome_label(Outcome.DIVERGED, 3) == "diverged at step 3"
    assert outcomes.outcome_label(Outcome.CONVERGED, 12) == "converged in 12 steps"
    assert outcomes.outcome_label(Outcome.CONVERGED, 1) == "converged in 1 step"
    assert outcomes.outcome_label(Outcome.CONVERGED, 1500) == "converged in 1 500 steps"
    assert outcomes.outcome_label(Outcome.TRAPPED, 5) == "trapped in a local min (5 steps)"
    assert outcomes.outcome_label(Outcome.TRAPPED, 1) == "trapped in a local min (1 step)"
    assert outcomes.outcome_label(Outcome.OSCILLATING, -1) == "oscillating"
    assert outcomes.outcome_label(Outcome.CRAWLING, -1) == "too slow"
    assert outcomes.outcome_label(Outcome.THROWN_OUT, -1) == "thrown off the map"


def test_every_outcome_has_a_word_and_its_own_colour():
    assert set(outcomes.OUTCOME_WORDS) == set(outcomes.OUTCOME_COLOURS) == set(Outcome)
    assert len(set(outcomes.OUTCOME_COLOURS.values())) == len(Outcome)


def test_sweep_panel_of_a_run_thrown_off_the_wells():
    """GD at lr 10 leaves the wells' box: its panel says so, not "too slow"."""
    wells = make_surface("wells")
    panel = sweep.sweep_panels(lr_sweep(wells, make_optimizer("gd"), [10.0, 0.01], steps=200))
    assert [p.label for p in panel] == ["thrown off the map", "too slow"]


def test_sweep_figures(ravine, land):
    result = lr_sweep(ravine, make_optimizer("gd"), [1.0, 0.45, 0.01], ravine.start, 100)
    panels = sweep.sweep_panels(result)
    figs = [sweep.sweep_panel_figure(land, p, ravine.start) for p in panels]
    for fig in figs:
        go.Figure(fig)
        assert [t["type"] for t in fig["data"]].count("contour") == 1
        title = fig["layout"]["annotations"][0]
        assert title["xanchor"] == "center" and title["x"] == 0.5  # centred over its map
    titles = [f["layout"]["annotations"][0]["text"] for f in figs]
    assert "<br>diverged at step" in titles[0]
    assert "<br>converged in" in titles[1]
    loss, steps = sweep.sweep_curves_figures(panels, ravine.f_min, result.lr_max_stable)
    for curves in (loss, steps):
        go.Figure(curves)
        assert curves["layout"]["shapes"][0]["x1"] == pytest.approx(0.5)
    points = [t for t in loss["data"] if t["name"] == "runs"]
    assert np.asarray(points[0]["x"]).tolist() == pytest.approx([1.0, 0.45, 0.01])
    assert points[0]["marker"]["symbol"][0] == "x"  # the diverged rate
    done = next(t for t in steps["data"] if t["name"] == "runs")
    assert np.asarray(done["x"]).tolist() == pytest.approx([0.45])  # converged, in how many


def test_sweep_steps_axis_when_nothing_converged(ravine):
    """No converged rate: the steps axis shows its decades up to the budget, not a blank
    one-decade axis, and the 2/λ_max line spans it."""
    result = lr_sweep(ravine, make_optimizer("gd"), [1.0, 1e-4], ravine.start, 200)
    _, curves = sweep.sweep_curves_figures(
        sweep.sweep_panels(result), ravine.f_min, result.lr_max_stable
    )
    axis = curves["layout"]["yaxis"]
    assert axis["range"] == pytest.approx([0, np.log10(200)])
    assert axis["ticktext"] == ["1", "10", "10²", "10³"]
    limit = next(t for t in curves["data"] if t["name"].startswith("2/λ_max"))
    assert max(limit["y"]) == 200
    assert "no rate converged" in curves["layout"]["annotations"][0]["text"]


def test_range_test_figure_markers(ravine):
    rt = lr_range_test(ravine, make_optimizer("gd"), np.array(ravine.start))
    fig = finder.range_test_figure(
        rt.lrs, rt.loss, rt.smoothed, rt.suggestions, True, rt.stop_reason, rt.lr_max_stable
    )
    go.Figure(fig)
    for rule, rate in rt.suggestions.items():
        trace = next(t for t in fig["data"] if t["name"].startswith(f"{rule}:"))
        assert trace["x"] == [pytest.approx(rate)]
    assert min(np.min(t["y"]) for t in fig["data"][:2]) > 0  # log axis: positive


def test_basin_figure_categories(land, ravine):
    bm = basin_map(ravine, make_optimizer("gd"), 0.45, n=12, steps=60)
    minima = [(m.point, m.value) for m in ravine.minima]
    fig = basins.basin_figure(land, bm.xs, bm.ys, bm.label, minima, ravine.start)
    go.Figure(fig)
    assert np.asarray(fig["data"][0]["z"]).shape == (12, 12)
    cats = basins.basin_categories(minima, np.array([[0, 0], [-1, -2]]))
    assert [c.value for c in cats] == [0, -1, -2]
    assert cats[0].name.endswith("50%") and cats[1].name.endswith("25%")
    scale = basins._discrete_scale(cats, -2.5, 0.5)
    assert scale[0] == [0.0, basins.STUCK_COLOUR] and scale[-1] == [1.0, basins.BASIN_COLOURS[0]]


def test_phase_figure_boundary(ravine):
    pd = phase_diagram(ravine, ravine.start, np.geomspace(0.01, 1.2, 8), [0, 0.5, 0.9], 60)
    value = np.where(pd.steps_to_converge >= 0, pd.steps_to_converge, np.nan)
    fig = phase.phase_figure(
        pd.lrs, pd.mus, value, pd.diverged, pd.boundary_lr, pd.gd_boundary, "steps"
    )
    go.Figure(fig)
    line = next(t for t in fig["data"] if t["name"].startswith("theory"))
    assert np.asarray(line["x"]) == pytest.approx((2 + 2 * pd.mus) / pd.lam_max, rel=1e-6)
    blown = np.asarray(fig["data"][1]["z"])
    assert np.array_equal(~np.isnan(blown), pd.diverged)


def test_sgd_figures():
    data = make_regression_data(40, 1)
    surface = regression_surface(data)
    land = sample_landscape(surface.f, surface.domain, n=30)
    fan = sgd_fan(data, 0.1, 4, runs=5, steps=30)
    trace = sgd.fan_trace(fan.trajectory.positions, "#000000", "fan", {})
    assert np.isnan(trace["x"]).sum() == 5  # one gap after each run
    fig = sgd.sgd_fans_figure(land, [("a", "#D55E00", fan.trajectory.positions)], surface.start)
    go.Figure(fig)
    band = sgd.sgd_band_figure([("a", "#D55E00", fan.band)], surface.f_min)
    go.Figure(band)
    assert len(band["data"]) == 3 and len(band["data"][0]["x"]) == 31
    go.Figure(sgd.data_figure(data.x, data.y, [("least squares", "#111111", 2.0, -1.0)]))


def test_sweep_titles_have_room_above_their_panels(ravine, land):
    """Issue 12: "diverged at step 26" was clipped under the title of the panel row above, and
    on a phone four panels a row were too narrow for their titles. Each panel is its own
    figure PANEL_PX wide, with room above its map for the sweep's most title lines, and no
    line wider than the panel (~0.6 em a character at PANEL_FONT)."""
    rates = [1.0, 0.6, 0.45, 0.4, 0.1, 0.02]
    panels = sweep.sweep_panels(lr_sweep(ravine, make_optimizer("gd"), rates, ravine.start, 200))
    lines = sweep.title_lines(panels)
    assert lines == 2
    for panel in panels:
        layout = sweep.sweep_panel_figure(land, panel, ravine.start, lines)["layout"]
        assert layout["width"] == sweep.PANEL_PX
        assert layout["margin"]["t"] >= lines * sweep.PANEL_FONT * 1.2
        plot_w = layout["width"] - layout["margin"]["l"] - layout["margin"]["r"]
        plot_h = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
        x0, x1, y0, y1 = land.box
        assert plot_h == pytest.approx(plot_w * (y1 - y0) / (x1 - x0), abs=1)  # equal aspect
        title = layout["annotations"][0]["text"]
        assert title.count("<br>") < lines
        for line in re.sub(r"<(?!br>)[^>]+>", "", title).split("<br>"):
            assert len(line) * sweep.PANEL_FONT * 0.55 <= sweep.PANEL_PX - 8, line
    titles = [sweep.panel_title_text(p.lr, p.kind, p.steps) for p in panels]
    assert any("<br>diverged at step 26" in t for t in titles)
    trapped = sweep.panel_title_text(0.1, Outcome.TRAPPED, 200)
    assert trapped == "<b>lr 0.1</b><br>trapped in a local min<br>(200 steps)"
    undefined = sweep.panel_title_text(0.1, Outcome.UNDEFINED, 0)
    assert undefined == "<b>lr 0.1</b><br>stepped where f is<br>undefined"  # wrapped


def test_log_axes_are_labelled_with_powers_of_ten(ravine):
    """Issue 12: log axes showed bare "5, 2, 1, 5, 2": now 10⁻⁴ … 10 (and 2×, 5× on short ones)."""
    result = lr_sweep(ravine, make_optimizer("gd"), [10, 1, 0.1, 0.01, 1e-3, 1e-4], ravine.start)
    curves, _ = sweep.sweep_curves_figures(
        sweep.sweep_panels(result), ravine.f_min, result.lr_max_stable
    )
    go.Figure(curves)
    x = curves["layout"]["xaxis"]
    assert x["tickmode"] == "array"
    assert x["ticktext"] == ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "1", "10"]
    assert x["tickvals"] == pytest.approx([1e-4, 1e-3, 1e-2, 0.1, 1, 10])
    y = curves["layout"]["yaxis"]
    assert all(t[:2] in ("1", "10", "2×", "5×") or t.startswith("10") for t in y["ticktext"])
    assert not any(t in ("2", "5") for t in x["ticktext"] + y["ticktext"])


def _contrast(a: str, b: str) -> float:
    def lum(h):
        c = np.array([int(h[i : i + 2], 16) for i in (1, 3, 5)]) / 255
        c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return float(c @ [0.2126, 0.7152, 0.0722])

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _drawn_colours(fig) -> list[str]:
    """The hex colours of every line and marker of a figure's traces."""
    out = []
    for t in fig["data"]:
        for part in ("line", "marker"):
            colour = t.get(part, {}).get("color")
            out += [c for c in np.atleast_1d(colour) if isinstance(c, str) and c[:1] == "#"]
    return out


def test_lab_figures_read_on_a_light_and_a_dark_page(ravine):
    """Issue 12: the lab figures kept a white paper / #d9d9d9 plot area in the dark theme and
    drew near-black lines. Paper and plot area are transparent (the theme's page shows through),
    annotations leave their text colour to the theme unless they sit on a card of their own,
    and every line and marker on the page reads on white and on the dark page (≥ 2:1)."""
    rt = lr_range_test(ravine, make_optimizer("gd"), np.array(ravine.start))
    pd = phase_diagram(ravine, ravine.start, np.geomspace(0.01, 1.2, 8), [0, 0.5, 0.9], 60)
    value = np.where(pd.steps_to_converge >= 0, pd.steps_to_converge, np.nan)
    result = lr_sweep(ravine, make_optimizer("gd"), [1.0, 0.45, 0.01], ravine.start, 100)
    data = make_regression_data(40, 1)
    fan = sgd_fan(data, 0.1, 4, runs=5, steps=30)
    figures = [
        finder.range_test_figure(
            rt.lrs, rt.loss, rt.smoothed, rt.suggestions, True, rt.stop_reason, rt.lr_max_stable
        ),
        phase.phase_figure(
            pd.lrs, pd.mus, value, pd.diverged, pd.boundary_lr, pd.gd_boundary, "steps"
        ),
        *sweep.sweep_curves_figures(sweep.sweep_panels(result), ravine.f_min, np.inf),
        sgd.sgd_band_figure([("a", "#D55E00", fan.band)], 0.0),
        sgd.data_figure(data.x, data.y, [("least squares", style.INK, 2.0, -1.0)]),
    ]
    for fig in figures:
        layout = fig["layout"]
        assert layout["paper_bgcolor"] == layout["plot_bgcolor"] == style.TRANSPARENT
        for note in layout.get("annotations", []):
            assert "color" not in note.get("font", {}) or note.get("bgcolor"), note["text"]
        for colour in _drawn_colours(fig):
            assert _contrast(colour, "#ffffff") >= 2 and _contrast(colour, "#0F172A") >= 2, colour
