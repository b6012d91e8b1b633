"""The client-side data view of a model landscape (Streamlit Custom Components v2, no iframe):
the rows, and each racer's decision boundary or fitted curve with its train/validation loss
and accuracy at the map's current step.

It follows the map's playback in the browser: the map dispatches
`window.dispatchEvent(new CustomEvent("descent-lab:step", {detail: {step, total}}))` on every
step change (contour or 3-D) and this view redraws at that step, with no rerun. Nothing
comes back to the server. The JS reuses the map's helpers (blob reading, ticks, number
format, markers): the map's module text is prepended to this one's.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.components.map import JS as MAP_JS

HERE = Path(__file__).resolve().parent
HTML = (HERE / "dataview.html").read_text(encoding="utf-8")
CSS = (HERE / "dataview.css").read_text(encoding="utf-8")
JS = MAP_JS + "\n" + (HERE / "dataview.js").read_text(encoding="utf-8")

_mount = st.components.v2.component(
    "descent_lab_dataview", html=HTML, css=CSS, js=JS + "\nexport default mountDataView;\n"
)


def dataview_component(blob: bytes, *, key: str):
    """Mount the data view with the scene `blob` (payload.scene_blob)."""
    return _mount(key=key, data=blob, height="content")
