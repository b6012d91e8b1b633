"""AppTest fixtures and figure readers for the app's tests (and other views' tests).

    def test_x(run_app):
        at = run_app(steps="80")          # query params as keyword arguments
        fig = chart(at, "contour")        # the figure dict that has a contour trace

Figures are read back from what Streamlit would send (`proto.spec`); typed arrays (base64
`bdata`) are decoded by `values`.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"


def new_app(**query: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    for key, value in query.items():
        at.query_params[key] = value
    return at


@pytest.fixture
def run_app():
    """run_app(**query) -> an AppTest that has run once with those query params."""

    def _run(**query: str) -> AppTest:
        at = new_app(**query).run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return _run


def go_to(at: AppTest, view: str) -> AppTest:
    """Open page `view` as the app's own buttons do (`goto`: st.switch_page; AppTest cannot
    click the navigation, the e2e tests do) and run it."""
    at.session_state["goto"] = view
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["page"] == view
    return at


def figures(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def sweep_titles(at: AppTest) -> list[str]:
    """The sweep's small multiples' titles, one figure per rate, in the grid's order (the
    two figures after them are the curves)."""
    return [fig["layout"]["annotations"][0]["text"] for fig in figures(at)[:-2]]


def drew(at: AppTest) -> bool:
    """Whether the page drew a chart: a Plotly figure or the map component (the race)."""
    return bool(figures(at) or at.get("bidi_component"))


def values(v) -> np.ndarray:
    """A trace array as NumPy, whether sent as a JSON list or as a base64 typed array."""
    if isinstance(v, dict) and "bdata" in v:
        data = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        shape = v.get("shape")
        if shape:
            dims = [int(d) for d in str(shape).split(",")]
            data = data.reshape(dims)
        return data
    return np.asarray(v, dtype=float)


def map_scene(at: AppTest) -> tuple[dict, dict[str, np.ndarray]]:
    """The header and float32 arrays the map component was sent (its one binary blob)."""
    from app.components.map.payload import unpack

    (el,) = [e for e in at.get("bidi_component") if e.proto.component_name == "descent_lab_map"]
    return unpack(el.proto.bytes)


def map_figure(at: AppTest) -> dict:
    """What the map component draws at the last step, in the shape of a Plotly figure dict
    (a contour trace, one "lines+markers" path per racer with its steps as customdata, the
    heads as "position"), so tests can read paths and heads the same way for every map."""
    header, a = map_scene(at)
    idx = a["idx"].astype(int)
    x0, x1, y0, y1 = header["box"]
    w, h = header["grid"]["w"], header["grid"]["h"]
    z = a["z"].reshape(h, w)
    data = [{"type": "contour", "x": np.linspace(x0, x1, w), "y": np.linspace(y0, y1, h), "z": z}]
    heads = {"name": "position", "x": [], "y": [], "marker": {"symbol": []}, "text": []}
    for i, run in enumerate(header["runs"]):
        x, y = a[f"r{i}.px"], a[f"r{i}.py"]
        ok = np.isfinite(x)
        data.append(
            {"mode": "lines+markers", "name": run["label"], "x": x[ok], "y": y[ok]}
            | {"customdata": idx[ok], "line": {"color": run["colour"]}}
        )
        gone = 0 <= run["diverged"] <= header["steps"]
        heads["x"].append(float(x[ok][-1]))
        heads["y"].append(float(y[ok][-1]))
        heads["marker"]["symbol"].append("x" if gone else run["marker"])
        heads["text"].append(f"{run['label']}: {run['note']}" if gone else run["label"])
    return {"data": [*data, heads], "header": header}


def map_curves(at: AppTest) -> dict:
    """The component's curves as a figure-like dict: per panel (xaxis x, x2, x3: loss above
    the minimum, learning rate, gradient norm) one trace per racer, NaN-free."""
    header, a = map_scene(at)
    idx = a["idx"].astype(int)
    data = []
    for axis, name in (("x", "loss"), ("x2", "lr"), ("x3", "gn")):
        for i, run in enumerate(header["runs"]):
            v = a[f"r{i}.{name}"]
            ok = np.isfinite(v)
            data.append({"name": run["label"], "xaxis": axis, "x": idx[ok], "y": v[ok]})
    return {"data": data}
