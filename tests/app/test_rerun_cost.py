"""What makes a common rerun cheap stays in place: a learning-rate change rebuilds only the
paths (the landscape's layers are encoded once and cached), figures are built once per spec
(a cached go.Figure), and Streamlit's full garbage collection after every run stays off
(~70 ms per rerun)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from app import compute
from app.figures.contour import contour_figure, map_layers
from app.figures.data import sample_landscape
from tests.app.conftest import map_scene, new_app
from tests.app.test_plots import _run

REPO = Path(__file__).resolve().parents[2]


def test_cached_layers_give_the_same_figure():
    s = compute.get_surface(("ravine", (), "", ()))
    land = sample_landscape(s.f, s.domain, [m.point for m in s.minima], s.saddles, s.f_min)
    runs = [_run(0.4), _run(0.6, 80, "momentum")]
    fresh = compute.chart_figure(contour_figure(land, runs, [(-5.0, -2.0)], height=500))
    layers = compute.encode_arrays(map_layers(land, [(-5.0, -2.0)]))
    cached = compute.chart_figure(
        contour_figure(land, runs, [(-5.0, -2.0)], height=500, static=layers)
    )
    assert json.dumps(fresh.to_dict(), sort_keys=True) == json.dumps(
        cached.to_dict(), sort_keys=True
    )


def test_encoder_matches_plotly_typed_arrays():
    spec = {
        "data": [
            {
                "z": np.arange(6, dtype=np.float32).reshape(2, 3),
                "x": np.arange(3, dtype=np.int64),
                "y": (np.float64(1.5), [np.arange(2, dtype=np.float64)]),
                "name": "a",
                "visible": True,
                "empty": np.array([], dtype=np.float32),
            }
        ]
    }
    out = compute.encode_arrays(spec)["data"][0]
    assert out["z"]["dtype"] == "f4" and out["z"]["shape"] == "2, 3"
    assert out["x"]["dtype"] == "i4"  # plotly.js has no int64 typed array
    assert out["y"][1][0]["dtype"] == "f8" and out["empty"] == []
    assert out["name"] == "a" and out["visible"] is True
    heatmap = {"data": [{"type": "heatmap", "z": spec["data"][0]["z"], "x": spec["data"][0]["x"]}]}
    figure = compute.chart_figure(heatmap)
    assert json.loads(pio.to_json(figure, validate=False))["data"][0]["z"]["bdata"]
    assert isinstance(figure, go.Figure)  # a real one: built by plotly, no internals skipped


def test_a_figure_is_built_once_per_spec():
    """Building validates every trace; the cached figure is the same object next rerun."""
    spec = {"data": [{"type": "scatter", "x": np.arange(3.0), "y": np.arange(3.0)}]}
    same = {"data": [{"type": "scatter", "x": np.arange(3.0), "y": np.arange(3.0)}]}
    assert compute.chart_figure(spec) is compute.chart_figure(same)
    assert compute.chart_figure(spec, present=True) is not compute.chart_figure(spec)


def test_a_learning_rate_change_does_not_resample_the_landscape(monkeypatch):
    """A new rate rebuilds the runs and the map's blob, not the landscape's sampled grid; the
    map is the client-side component (no Plotly contour figure to rebuild)."""
    built = []
    real = compute.sample_landscape

    def counting(*args, **kwargs):
        built.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(compute, "sample_landscape", counting)
    at = new_app().run()
    assert not at.exception
    built.clear()
    zs = []
    for lr in (0.05, 0.3, 0.6):
        at.number_input(key="r0:lr").set_value(lr).run()
        assert not at.exception, [e.message for e in at.exception]
        zs.append(map_scene(at)[1]["z"])
    assert built == [], "a new rate must reuse the cached landscape"
    assert all(np.array_equal(zs[0], z) for z in zs)
    contours = [
        t for el in at.get("plotly_chart") for t in json.loads(el.proto.spec)["data"]
        if t.get("type") == "contour"
    ]  # fmt: skip
    assert contours == []


def test_no_full_garbage_collection_after_every_run():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
