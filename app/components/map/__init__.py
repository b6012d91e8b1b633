"""The client-side map (Streamlit Custom Components v2, no iframe): landscape, paths,
playback, curves with a cursor, the live learning-rate scrub and click-to-start.

The server computes, the browser plays: the scene goes to the browser once as one binary blob
(payload.py); playback, stepping, scrubbing and the rate preview never rerun the script. Three
trigger values come back: "start" (a clicked point), "scrub" ({param, racer, value} on
releasing the learning-rate or momentum control) and "racer" (the racer picked for the live
scrub, when the scene has several); each is one rerun. A lesson's scene before its reveal
(payload.scene_blob(hidden=True)) sends no path at all; a click there comes back as "predict"
(where will it end?) when the scene asks it (predict=True), else it does nothing.

On the page, the map dispatches `window` CustomEvent "descent-lab:step" with
detail {step, total} (whole step shown, the run's step count) on every change of the shown
step: each playback frame, a step, a scrub, a new scene. Other components listen to it.
A Contour / 3-D toggle switches the view (the blob says the first one; the viewer's choice is
kept across reruns); the 3-D surface turns by drag or Shift+← → (tilt ↑ ↓), with the same
playback. Zoom (+ / − / Reset, keys + − 0, Ctrl+wheel or pinch, drag to pan) and the theme
(Streamlit's --st-* CSS variables, re-read when they change) are the browser's alone.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from .payload import round_to_scale, unpack

HERE = Path(__file__).resolve().parent
HTML = (HERE / "map.html").read_text(encoding="utf-8")
CSS = (HERE / "map.css").read_text(encoding="utf-8")
# the 3-D view (map3d.js) and the lesson parts (lesson.js) first, then the MapView that calls them
JS = "\n".join(
    (HERE / name).read_text(encoding="utf-8") for name in ("map3d.js", "lesson.js", "map.js")
)

_mount = st.components.v2.component(
    "descent_lab_map", html=HTML, css=CSS, js=JS + "\nexport default mountMap;\n"
)


def map_component(
    blob: bytes,
    *,
    key: str,
    on_start: Callable[[], None],
    on_scrub: Callable[[], None] | None = None,
    on_predict: Callable[[], None] | None = None,
    on_racer: Callable[[], None] | None = None,
):
    """Mount the map with the scene `blob`; the callbacks run on a click / a scrub release /
    a prediction click in a hidden scene / another racer picked for the live scrub (read the
    values from st.session_state[key].start / .scrub / .predict / .racer); a scene without
    scrub batches needs no `on_scrub` or `on_racer`, one that is never hidden no `on_predict`."""
    optional = {
        "on_scrub_change": on_scrub,
        "on_predict_change": on_predict,
        "on_racer_change": on_racer,
    }
    given = {name: callback for name, callback in optional.items() if callback is not None}
    return _mount(key=key, data=blob, on_start_change=on_start, height="content", **given)


def clicked_point(key: str, box, trigger: str = "start") -> tuple[float, float] | None:
    """The point the map `key` was clicked at for `trigger` ("start", or "predict" in a hidden
    scene), rounded to what the eye can place (None if the trigger holds no point)."""
    point = getattr(st.session_state.get(key), trigger, None)
    if point and len(point) == 2 and all(isinstance(v, int | float) for v in point):
        return round_to_scale(point, box)
    return None


def clicked_start(key: str, box) -> tuple[float, float] | None:
    """The start the map `key` was clicked at (clicked_point)."""
    return clicked_point(key, box, "start")


def clicked_prediction(key: str, box) -> tuple[float, float] | None:
    """Where the student predicted the run ends, clicked on the hidden map `key`."""
    return clicked_point(key, box, "predict")


def standalone_html(blob: bytes, title: str) -> str:
    """The map as one offline page: the component's own HTML, CSS and JS with the scene
    inlined (no Streamlit, no CDN). Playback, stepping, the rate preview and the slice work;
    clicks and rate changes have no server to go to. A hidden scene (a lesson before its
    reveal) is never exported: ValueError."""
    if unpack(blob)[0].get("hidden"):
        raise ValueError("a hidden lesson scene is not exported; export it after the reveal")
    return page_html(blob, title)


def page_html(blob: bytes, title: str) -> str:
    """Any scene (hidden ones too) on a bare page, as standalone_html draws it (for tests)."""
    data = base64.b64encode(blob).decode()
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>body {{ margin: 1rem 2rem; font-family: sans-serif; }} {CSS}</style></head>
<body><h1 style="font-size:1.3rem">{html.escape(title)}</h1>
<div id="map">{HTML}</div>
<script>
{JS}
const bytes = Uint8Array.from(atob("{data}"), (c) => c.charCodeAt(0));
mountMap({{ data: bytes, parentElement: document.getElementById("map"), key: "export" }});
</script></body></html>
"""
