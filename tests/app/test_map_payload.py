"""The map component's payload (pure): the blob's layout, what a run looks like in it, the
rate grid, and the offline export."""

from __future__ import annotations

import numpy as np
import pytest

from app import compute
from app.components.map import standalone_html
from app.components.map.payload import (
    SURFACE_GRID,
    run_steps,
    sampled,
    scene_blob,
    unpack,
)
from app.figures import data
from tests.app.conftest import map_scene
from tests.app.test_plots import _run


@pytest.fixture(scope="module")
def land():
    return compute.get_landscape(("ravine", (), "", ()))


def test_the_blob_round_trips_header_and_float32_arrays(land):
    runs = [_run(0.4), _run(0.3, name="momentum")]
    header, a = unpack(scene_blob(land, runs, (-5.0, -2.0), steps=40, query="q=1", title="t"))
    assert header["steps"] == 40 and header["query"] == "q=1" and header["scrubs"] == []
    assert [r["label"] for r in header["runs"]] == ["gd 0.4", "momentum 0.3"]
    assert header["runs"][0]["marker"] != header["runs"][1]["marker"]
    assert header["runs"][0]["dash"] != header["runs"][1]["dash"]
    assert all(v.dtype == np.float32 for v in a.values())
    assert np.array_equal(a["z"], data.f32(land.height(land.f)).ravel())
    assert np.array_equal(a["idx"], np.arange(41))
    assert np.allclose(a["r1.px"], runs[1].positions[:, 0])
    assert header["start"] == [-5.0, -2.0] and header["box"] == list(land.box)


def test_a_diverged_run_ends_on_the_border_and_its_curves_where_it_diverged(land):
    run = _run(0.6, steps=60)
    assert run.diverged_at > 0
    idx = run_steps(60)
    s = sampled(run, land.box, idx, land.floor)
    drawn = data.as_drawn_on_map(run, land.box)
    end = len(drawn.positions) - 1
    assert np.allclose(s["px"][: end + 1], drawn.positions[:, 0])
    assert np.isnan(s["px"][end + 1 :]).all()
    _, x1, _, y1 = land.box
    x, y = s["px"][end], s["py"][end]
    assert np.isclose(abs(x), x1) or np.isclose(abs(y), y1)  # on the border
    loss = s["loss"]
    assert np.isfinite(loss[: run.last + 1]).all() and np.isnan(loss[run.last + 1 :]).all()


def test_a_thinned_batch_run_still_reaches_the_border(land):
    """Kept steps are dense at first and sparse later; the first kept step at or past where
    the path leaves the map shows the border point, so no diverging path stops short."""
    run = _run(0.6, steps=3000)
    idx = run_steps(3000, 50, dense=3)  # the exit (step ~8) falls between kept steps
    s = sampled(run, land.box, idx, land.floor)
    last = int(np.flatnonzero(np.isfinite(s["px"]))[-1])
    x, y = s["px"][last], s["py"][last]
    _, x1, _, y1 = land.box
    assert idx[last] >= len(data.as_drawn_on_map(run, land.box).positions) - 1
    assert np.isclose(abs(x), x1) or np.isclose(abs(y), y1)


def test_the_lr_curve_has_no_value_at_the_last_step(land):
    run = _run(0.4, steps=40)
    s = sampled(run, land.box, run_steps(40), land.floor)
    assert np.allclose(s["lr"][:40], 0.4) and np.isnan(s["lr"][40])


@pytest.mark.parametrize(("lr", "low", "high"), [(0.4, 0.4 / 30, 10.0), (1e-4, 1e-4, 3e-3)])
def test_scrub_rates_span_the_rate_within_the_app_range(lr, low, high):
    """The live scrub's rates: the racer's own, and the lattice 10^(k/32) within ×/÷ 30 of it
    and the app's range (one lattice for every scene, so scenes share runs)."""
    rates = compute.scrub_rates(lr)
    step = 10 ** (1 / compute.SCRUB_DECADE)
    assert lr in rates and low <= rates[0] < low * step and high / step < rates[-1] <= high
    assert abs(len(rates) - compute.SCRUB_RATES * np.log(high / low) / np.log(900)) <= 2
    lattice = np.delete(rates, np.searchsorted(rates, lr))
    k = np.log10(lattice) * compute.SCRUB_DECADE
    assert np.allclose(k, np.round(k)) and np.all(np.diff(np.round(k)) == 1)


@pytest.mark.parametrize("lr", [0.4, 0.123, 3e-4, 9.0, 10 ** (5 / 32)])
def test_the_rate_scrub_from_cached_decades_is_the_batch_of_its_rates(lr, monkeypatch):
    """Put together from the lattice's cached decades and the racer's own run (in one simulate
    of what was missing), the scrub's runs are those of one batch over its rates, bit for bit,
    cold and warm; a new rate within the cached decades adds only its own run."""
    key = ("ravine", (), "", ())
    run = (key, "gd", (), "constant", (), 0, 60, (-5.0, -2.0), 0.0, 0)
    compute.LATTICE_ROWS.clear()
    whole = compute.rate_rows(run, compute.scrub_rates(lr))
    for _ in ("cold", "warm"):
        rows = compute.lattice_rows(run, lr)
        assert rows.labels == whole.labels
        for f in compute.ARRAYS:
            assert np.array_equal(getattr(rows, f), getattr(whole, f), equal_nan=True), f
    cached, calls, real = len(compute.LATTICE_ROWS), [], compute.rate_rows
    counted = lambda r, rates: calls.append(len(rates)) or real(r, rates)  # noqa: E731
    monkeypatch.setattr(compute, "rate_rows", counted)
    compute.lattice_rows(run, lr * 1.01)
    if len(compute.LATTICE_ROWS) == cached:  # within the decades already cached
        assert calls == [1], calls
    else:  # a decade more: its 32 runs and the own one, in one simulate
        assert calls == [1 + compute.SCRUB_DECADE], calls


def test_the_export_is_one_offline_page(land):
    page = standalone_html(scene_blob(land, [_run(0.4)], (-5.0, -2.0), steps=40), "A <b> title")
    assert "function mountMap" in page and "mountMap({" in page
    assert "A &lt;b&gt; title" in page
    assert "<script src" not in page and "http" not in page.replace("http://www.w3.org", "")


def test_the_blob_opens_in_the_mode_asked_and_refuses_another(land):
    runs = [_run(0.4)]
    assert unpack(scene_blob(land, runs, (-5.0, -2.0), steps=40))[0]["mode"] == "contour"
    assert unpack(scene_blob(land, runs, (-5.0, -2.0), steps=40, mode="3d"))[0]["mode"] == "3d"
    with pytest.raises(ValueError, match="mode"):
        scene_blob(land, runs, (-5.0, -2.0), steps=40, mode="surface")


def test_the_3d_mesh_is_the_drawn_height_on_a_60_by_60_grid_over_the_whole_box(land):
    header, a = unpack(scene_blob(land, [_run(0.4)], (-5.0, -2.0), steps=40, mode="3d"))
    n = header["surface"]["n"]
    assert n == SURFACE_GRID == 60 and a["z3"].shape == (n * n,)
    assert a["z3"].nbytes == 14_400  # 60 × 60 float32
    assert (a["x3"][0], a["x3"][-1], a["y3"][0], a["y3"][-1]) == tuple(data.f32(land.box))
    assert (np.diff(a["x3"]) > 0).all() and (np.diff(a["y3"]) > 0).all()
    ix = np.searchsorted(land.xs, a["x3"].astype(np.float64) - 1e-6)
    iy = np.searchsorted(land.ys, a["y3"].astype(np.float64) - 1e-6)
    expect = land.height(land.f[np.ix_(iy, ix)]).ravel()
    assert np.allclose(a["z3"], expect, rtol=1e-6, atol=1e-6)
    assert header["surface"]["zmin"] == pytest.approx(float(expect.min()))
    assert header["surface"]["zmax"] == pytest.approx(float(expect.max()))
    assert header["surface"]["s"] == pytest.approx(land.scale)
    assert header["surface"]["title"] == data.HEIGHT_TITLE == "log(1 + (f − f*)/s)"


def test_6_racers_by_5000_steps_with_their_batches_fit_1_5_mb_with_the_3d_mesh(run_app):
    at = run_app(steps="5000", opt=";".join(["momentum:lr=0.1"] * 6))
    header, a = map_scene(at)
    (el,) = [e for e in at.get("bidi_component") if e.proto.component_name == "descent_lab_map"]
    size = len(el.proto.bytes)
    mesh = a["z3"].nbytes + a["x3"].nbytes + a["y3"].nbytes
    rows = " + ".join(f"{len(b['values'])} {b['param']}" for b in header["scrubs"])
    print(
        f"map blob, 6 racers × 5000 steps + batches of {rows}: {size / 1e6:.3f} MB "
        f"(of which the 3-D mesh {mesh / 1e3:.1f} kB)"
    )
    assert size <= 1.5e6
    assert header["steps"] == 5000 and len(header["runs"]) == 6
    assert mesh == 60 * 60 * 4 + 2 * 60 * 4  # the paths' heights cost nothing: see payload
    assert np.isfinite(a["z3"]).all() and np.isfinite(a["z"]).all()
