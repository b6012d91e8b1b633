"""The map's lesson payload (pure): a hidden scene sends nothing a student could read the
outcome from; the reveal's flags; the 1-D slice along each kept step equals f there."""

from __future__ import annotations

import numpy as np
import pytest

from app.components.map import standalone_html
from app.components.map.payload import (
    SLICE_N,
    SLICE_T,
    ScrubBatch,
    run_steps,
    scene_blob,
    slice_samples,
    unpack,
)
from app.figures.data import f32, sample_landscape
from surfaces import make_surface
from tests.app.test_plots import _run

RAVINE = make_surface("ravine")


@pytest.fixture(scope="module")
def land():
    s = RAVINE
    return sample_landscape(s.f, s.domain, [m.point for m in s.minima], s.saddles, s.f_min)


def _batch(run) -> ScrubBatch:
    k = np.arange(3)
    rows = np.stack([run.positions[:3, 0]] * 2)
    return ScrubBatch(
        "lr", 0, np.array([0.4, 0.6]), 0, k, rows, rows, rows, rows, rows,
        ("Reached the minimum at step 30", "Diverged at step 3"), np.array([-1, 3]), 0.5,
    )  # fmt: skip


def test_a_hidden_scene_sends_only_the_landscape_and_step_0(land):
    runs = [_run(0.6, steps=60), _run(0.3, name="momentum")]
    assert runs[0].diverged_at > 0
    blob = scene_blob(
        land, runs, RAVINE.start, steps=60, batches=[_batch(runs[0])], hidden=True,
        slice_f=RAVINE.f, prediction=(1.0, 2.0),
    )  # fmt: skip
    header, a = unpack(blob)
    mesh = {"x3", "y3", "z3"}  # the 3-D view's landscape
    assert set(a) == {"z", *mesh, "idx", "r0.px", "r0.py", "r1.px", "r1.py"}
    assert list(a["idx"]) == [0]
    for i, run in enumerate(runs):
        assert np.array_equal(a[f"r{i}.px"], f32(run.positions[:1, 0]))
        assert np.array_equal(a[f"r{i}.py"], f32(run.positions[:1, 1]))
        assert set(header["runs"][i]) == {"label", "colour", "marker", "dash"}
    assert header["hidden"] and header["scrubs"] == [] and header["slice"] is None
    assert header["prediction"] == [1.0, 2.0] and not header["autoplay"]
    text = blob.decode("latin-1").lower()
    assert "diverged" not in text and "minimum at" not in text
    n = int.from_bytes(blob[:4], "little")  # the body is the landscape and 2 points: no path
    landscape = sum(a[k].size for k in ("z", *mesh))
    assert len(blob) - 4 - n == 4 * (landscape + 1 + 2 * len(runs))


def test_a_hidden_scene_is_never_exported_and_the_reveal_is(land):
    run = _run(0.4)
    with pytest.raises(ValueError, match="hidden"):
        standalone_html(scene_blob(land, [run], RAVINE.start, steps=40, hidden=True), "t")
    reveal = scene_blob(land, [run], RAVINE.start, steps=40, autoplay=True, prediction=(0, 0))
    header, a = unpack(reveal)
    assert header["autoplay"] and not header["hidden"] and header["prediction"] == [0.0, 0.0]
    assert np.allclose(a["r0.px"], run.positions[:, 0])
    assert "mountMap" in standalone_html(reveal, "t")
    assert not unpack(scene_blob(land, [run], RAVINE.start, steps=40, autoplay=True, hidden=True))[
        0
    ]["autoplay"]  # a hidden scene never plays


def test_the_slice_is_f_along_each_step_before_and_after():
    run = _run(0.4)
    kept = np.array([0, 1, 7, 39, 40])
    values = slice_samples(RAVINE.f, run.positions, kept)
    assert values.shape == (5, SLICE_N)
    t = np.linspace(*SLICE_T, SLICE_N)
    i0, i1 = int(np.argmin(abs(t))), int(np.argmin(abs(t - 1)))
    assert t[i0] == 0 and np.isclose(t[i1], 1)
    for row, k in zip(values[:4], kept[:4], strict=True):
        x, d = run.positions[k], run.positions[k + 1] - run.positions[k]
        expected = [float(RAVINE.f(x + tt * d)) for tt in t]
        assert np.allclose(row, expected, rtol=1e-12)
        assert np.isclose(row[i0], run.loss[k]) and np.isclose(row[i1], run.loss[k + 1])
    assert np.isnan(values[4]).all()  # the last point has no step after it


def test_overshoot_shows_as_a_jump_past_the_bottom_and_a_crawl_stops_short():
    """Along the first step, the bottom of the slice lies between t = 0 and t = 1 when the
    step overshoots (lr 0.4 on the ravine), beyond t = 1 when it crawls (lr 0.01)."""
    t = np.linspace(*SLICE_T, SLICE_N)

    def bottom(lr: float) -> float:
        return float(t[np.argmin(slice_samples(RAVINE.f, _run(lr).positions, np.array([0]))[0])])

    assert 0 < bottom(0.4) < 1
    assert bottom(0.01) > 1


def test_a_diverged_run_has_no_slice_past_its_last_point_and_warns_nothing():
    run = _run(0.6, steps=200)
    idx = run_steps(200)
    values = slice_samples(RAVINE.f, run.positions[: run.last + 1], idx)
    assert np.isfinite(values[: run.last]).all()
    assert np.isnan(values[run.last :]).all()


def test_the_blob_carries_the_slice_of_the_chosen_racer_over_the_kept_steps(land):
    runs = [_run(0.4), _run(0.3, name="momentum")]
    header, a = unpack(
        scene_blob(land, runs, RAVINE.start, steps=40, slice_f=RAVINE.f, slice_racer=1)
    )
    assert header["slice"] == {"racer": 1, "t": list(SLICE_T), "n": SLICE_N}
    expected = slice_samples(RAVINE.f, runs[1].positions, a["idx"].astype(int))
    assert np.allclose(a["slice"], f32(expected).ravel(), equal_nan=True)
    assert "slice" not in unpack(scene_blob(land, runs, RAVINE.start, steps=40))[1]


def test_the_slice_of_a_5000_step_run_costs_the_kept_steps_times_the_samples(land):
    run = _run(0.01, steps=5000)
    plain = scene_blob(land, [run], RAVINE.start, steps=5000)
    with_slice = scene_blob(land, [run], RAVINE.start, steps=5000, slice_f=RAVINE.f)
    kept = len(run_steps(5000))
    assert len(with_slice) - len(plain) == pytest.approx(kept * SLICE_N * 4, abs=64)
    assert len(with_slice) - len(plain) < 200_000


def _read_clicks():
    from types import SimpleNamespace

    import streamlit as st

    from app.components.map import clicked_prediction, clicked_start

    box = (-6.0, 6.0, -3.0, 3.0)
    st.session_state["m"] = SimpleNamespace(predict=[4.18321, -2.7549], start=None)
    st.session_state["n"] = SimpleNamespace(predict=["x", 1], start=[1.0, 2.0])
    st.write(
        repr(
            (
                clicked_prediction("m", box),
                clicked_start("m", box),
                clicked_prediction("n", box),
                clicked_start("n", box),
            )
        )
    )


def test_a_prediction_click_comes_back_rounded_like_a_start():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_read_clicks).run()
    assert not at.exception
    assert at.markdown[0].value == "((4.18, -2.75), None, None, (1.0, 2.0))"
