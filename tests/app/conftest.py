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


def figures(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


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
