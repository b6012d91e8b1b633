"""Pure figure builders: valid Plotly specs, light data, the right points."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from app.compute import Outcome
from app.figures import contour, data, style
from app.narration import inspector_rows, theory_sentences, trajectories_csv
from optimizers import make_optimizer
from optimizers.simulate import simulate
from optimizers.stability import analyze
from surfaces import make_surface


def _run(lr: float, steps: int = 40, name: str = "gd", surface: str = "ravine") -> data.Run:
    s = make_surface(surface)
    t = simulate(s, make_optimizer(name), lr, np.array([s.start]), steps, record_state=True)
    return data.Run(
        f"{name} {lr}", "#0072B2", t.positions[:, 0], t.loss[:, 0], t.lr[:, 0],
        t.grad_norm[:, 0], int(t.diverged_at[0]),
    )  # fmt: skip


@pytest.fixture(scope="module")
def land():
    s = make_surface("ravine")
    return data.sample_landscape(s.f, s.domain, [m.point for m in s.minima], s.saddles, s.f_min)


def test_the_contour_figure_is_a_valid_plotly_figure(land):
    go.Figure(contour.contour_figure(land, [_run(0.4), _run(0.6, 80)], [(-5, -2)]))  # raises if not


def test_for_projector_scales_text_and_spacing_and_keeps_the_plot_area(land):
    spec = contour.contour_figure(land, [_run(0.4)], [(-5, -2)], height=500)
    big = style.for_projector(spec, 1.5)
    layout, old = big["layout"], spec["layout"]
    assert layout["font"]["size"] == 21 and layout["legend"]["font"]["size"] == 21
    margin = {k: old["margin"][k] * 1.5 for k in "lrtb"}
    assert {k: layout["margin"][k] for k in "lrtb"} == margin
    grown = 0.5 * (old["margin"]["t"] + old["margin"]["b"])
    assert layout["height"] == pytest.approx(500 + grown, abs=0.5)
    assert all(a["x"] is b["x"] for a, b in zip(big["data"], spec["data"], strict=True))
    assert spec["layout"]["font"]["size"] == 14  # the input is untouched
    go.Figure(big)
    chart = style.for_projector({"data": [], "layout": {"height": 300}}, 1.5)
    assert chart["layout"]["height"] == 450  # not a map: the whole figure grows
    bare = style.for_projector({"data": [{"type": "scatter", "textfont": {"size": [10, 20]}}]})
    assert bare["layout"]["font"]["size"] == 15.6  # Plotly's default 12, scaled
    assert bare["data"][0]["textfont"]["size"] == [13, 26]
    menu = {"layout": {"updatemenus": [{"font": {"size": 14}, "pad": {"t": 60}}]}}
    scaled = style.for_projector(menu, 1.5)["layout"]["updatemenus"][0]
    assert scaled == {"font": {"size": 21}, "pad": {"t": 90}}


def test_keep_indices_keeps_ends_and_caps():
    idx = data.keep_indices(5000, 100, must=[1234])
    assert idx[0] == 0 and idx[-1] == 5000 and 1234 in idx and len(idx) <= 101
    assert list(data.keep_indices(5, 100)) == [0, 1, 2, 3, 4, 5]


def test_contour_is_float32_and_light(land):
    spec = contour.contour_figure(land, [_run(0.4, 5000)], [(-5, -2)])
    assert spec["data"][0]["z"].dtype == np.float32
    path = spec["data"][-2]  # the path, then the heads
    assert path["mode"] == "lines+markers" and len(path["x"]) <= contour.MAX_PATH_POINTS + 1
    assert "frames" not in spec  # playback is the map component's


def test_diverged_path_ends_with_a_cross_where_it_leaves_the_map(land):
    run = _run(0.6, 80)
    assert run.diverged_at > 0
    shown = data.as_drawn_on_map(run, land.box)
    k = shown.last - 1  # the last iterate on the map
    assert data.inside_box(run.positions[: k + 1], land.box)[-1]
    assert not data.inside_box(run.positions[k + 1 : run.last + 1], land.box).any()
    assert np.allclose(shown.positions[: k + 1], run.positions[: k + 1])
    border = shown.positions[-1]
    *_, y0, y1 = land.box
    assert np.isclose(border[1], y1) or np.isclose(border[1], y0)
    head = contour.heads_trace([shown], 80, land.box)
    assert head["marker"]["symbol"] == ["x"] and f"step {run.diverged_at}" in head["text"][0]
    early = contour.heads_trace([shown], k, land.box)
    assert early["marker"]["symbol"] == ["circle"]


def test_segment_exit_is_on_the_border():
    box = (-1.0, 1.0, -1.0, 1.0)
    assert np.allclose(data.segment_exit(np.zeros(2), np.array([4.0, 1.0]), box), (1, 0.25))
    assert np.allclose(data.segment_exit(np.zeros(2), np.array([-1.0, -3.0]), box), (-1 / 3, -1))


def test_a_run_that_stays_on_the_map_is_drawn_whole(land):
    run = _run(0.4, 50)
    assert data.as_drawn_on_map(run, land.box) is run


def test_landscape_height_is_zero_at_the_minimum(land):
    assert land.height(np.array([land.floor])) == 0
    assert np.all(land.height(land.f) >= 0)


def test_colours_are_distinct_for_repeats():
    colours = style.colours_for(["gd", "gd", "adam", "gd"])
    assert len(set(colours)) == 4 and colours[0] == style.OPTIMIZER_COLOURS["gd"]


def test_text_helpers():
    s = make_surface("ravine")
    stab = analyze(s, (0.0, 0.0))
    text = " ".join(theory_sentences(stab, "(0, 0)", True))
    assert "2/λ_max = 0.5" in text and "0.476" in text
    t = simulate(s, make_optimizer("momentum"), 0.1, np.array([s.start]), 3, record_state=True)

    out = Outcome(
        t.positions[:, 0], t.loss[:, 0], t.lr[:, 0], t.grad_norm[:, 0], -1, 0, "",
        {k: v[:, 0] for k, v in t.states.items()},
    )  # fmt: skip
    rows = inspector_rows(["m"], [out], [s.grad(out.positions[1])], 1)
    assert rows[0]["lr"] == "0.1" and any("(" in str(v) for v in rows[0].values())
    csv = trajectories_csv(["m"], [out]).splitlines()
    assert len(csv) == 1 + 4 and csv[1].startswith("m,0,-5.0,-2.0")


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance of '#rrggbb'."""
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("page", ["#ffffff", "#0e1117"], ids=["light", "dark"])
def test_the_landmarks_legend_markers_read_on_a_light_and_a_dark_page(page):
    """Issue 12: the class's tap map showed the start and minimum in its legend as #111 marks,
    invisible on a phone's dark page. Each landmark has an ink (its colour, or the edge of a
    filled mark) of ≥ 3:1 against the page, as WCAG asks of graphics."""
    s = make_surface("wells")  # minima and saddles
    land = data.sample_landscape(s.f, s.domain, [m.point for m in s.minima], s.saddles, s.f_min)
    marks = contour.landmark_traces(land, [(0.0, 0.0)])
    assert {t["name"] for t in marks} == {"minimum", "saddle", "start"}
    for trace in marks:
        marker = trace["marker"]
        inks = [marker["color"]]
        if not marker["symbol"].endswith("-open"):  # a filled mark's edge is drawn too
            inks.append(marker["line"].get("color", marker["color"]))
        assert max(_contrast(ink, page) for ink in inks) >= 3, trace["name"]
