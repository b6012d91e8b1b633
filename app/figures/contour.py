"""The landscape map as a Plotly figure: filled contours, the click grid, minima, saddles and
start, paths and their heads. The lab's small multiples and the classroom's tap map use it (the
explore and race views draw the client-side map component instead). No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.figures.data import Array, Landscape, Run, Spec, as_drawn_on_map, f32, keep_indices
from app.figures.style import INK, LANDSCAPE_SCALE, base_layout

MAX_PATH_POINTS = 400
CLICK_GRID = 27


def map_layers(land: Landscape, starts: Sequence[Sequence[float]]) -> list[Spec]:
    """What the map shows that does not depend on the runs: contours, click grid, landmarks."""
    return [contour_trace(land), click_grid_trace(land), *landmark_traces(land, starts)]


def contour_trace(land: Landscape) -> Spec:
    z = land.height(land.f)
    return {
        "type": "contour",
        "x": f32(land.xs),
        "y": f32(land.ys),
        "z": f32(z),
        "colorscale": LANDSCAPE_SCALE,
        "showscale": False,
        "ncontours": 24,
        "contours": {"coloring": "fill", "showlines": True},
        "line": {"color": "rgba(60,72,90,0.35)", "width": 0.8},
        "hoverinfo": "skip",
        "name": "landscape",
    }


def click_grid_trace(land: Landscape, n: int = CLICK_GRID) -> Spec:
    """An invisible grid of selectable points: clicking one sets the start there.

    (A click on a contour trace reports no selection in Streamlit, a scatter point does.)
    The hover shows the loss there. Text mode with empty labels draws no SVG node per point
    (invisible markers still cost one each: ~60 of the map's ~140 ms draw at 27²).
    """
    iy = np.round(np.linspace(0, len(land.ys) - 1, n)).astype(int)
    ix = np.round(np.linspace(0, len(land.xs) - 1, n)).astype(int)
    gx, gy = np.meshgrid(land.xs[ix], land.ys[iy])
    return {
        "type": "scatter",
        "mode": "text",  # empty labels: hover and click-select work, no marker nodes to draw
        "text": "",
        "x": f32(gx.ravel()),
        "y": f32(gy.ravel()),
        "customdata": f32(land.f[np.ix_(iy, ix)].ravel()),
        "hovertemplate": "(%{x:.3g}, %{y:.3g})  f = %{customdata:.4g}"
        "<br>click: start here<extra></extra>",
        "showlegend": False,
        "name": "click to start",
    }


def landmark_traces(land: Landscape, starts: Sequence[Sequence[float]]) -> list[Spec]:
    """The minima (a near-black star edged in white), saddles and start (rings in INK): each
    reads on the pale landscape and, in the legend, on a light and on a dark page."""
    traces = []
    if land.minima:
        mx, my = zip(*land.minima, strict=True)
        edge = {"color": "#ffffff", "width": 1.5}
        traces.append(_marker_trace(mx, my, "minimum", "star", "#111111", 16, edge))
    if land.saddles:
        sx, sy = zip(*land.saddles, strict=True)
        traces.append(_marker_trace(sx, sy, "saddle", "diamond-open", INK, 12, {"width": 2}))
    sx, sy = zip(*starts, strict=True)
    traces.append(_marker_trace(sx, sy, "start", "circle-open", INK, 15, {"width": 3}))
    return traces


def _marker_trace(x, y, name, symbol, colour, size, line) -> Spec:
    return {
        "type": "scatter",
        "mode": "markers",
        "x": f32(x),
        "y": f32(y),
        "name": name,
        "marker": {"symbol": symbol, "color": colour, "size": size, "line": line},
        "hovertemplate": f"{name} (%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
    }


def path_trace(run: Run, upto: int, cap: int = MAX_PATH_POINTS) -> Spec:
    """The run's path from step 0 to `upto` (at most its last finite point), thinned."""
    return _path_points(run, keep_indices(min(upto, run.last), cap)) | {
        "type": "scatter",
        "mode": "lines+markers",
        "name": run.label,
        "legendgroup": run.label,
        "line": {"color": run.colour, "width": 2.5},
        "marker": {"color": run.colour, "size": 5},
        "hovertemplate": f"{run.label}<br>step %{{customdata}}: (%{{x:.4g}}, %{{y:.4g}})"
        "<extra></extra>",
    }


def _path_points(run: Run, idx: Array) -> Spec:
    pts = run.positions[idx]
    return {"x": f32(pts[:, 0]), "y": f32(pts[:, 1]), "customdata": idx.astype(np.int32)}


def head_position(run: Run, upto: int, box) -> tuple[Array, bool]:
    """Where the run is at step `upto` and whether it has diverged by then (a run that
    diverged off the map is marked on the border)."""
    point = run.positions[min(upto, run.last)]
    diverged = 0 <= run.diverged_at <= upto
    if diverged:
        point = np.clip(point, (box[0], box[2]), (box[1], box[3]))
    return point, diverged


def heads_trace(runs: Sequence[Run], upto: int, box) -> Spec:
    """One marker per run at step `upto`: a dot, or a ✕ once the run has diverged."""
    points, flags = zip(*(head_position(r, upto, box) for r in runs), strict=True)
    pts = np.array(points)
    return {
        "type": "scatter",
        "mode": "markers",
        "name": "position",
        "showlegend": False,
        "x": f32(pts[:, 0]),
        "y": f32(pts[:, 1]),
        "customdata": np.array([min(upto, r.last) for r in runs], dtype=np.int32),
        "marker": {
            "color": [r.colour for r in runs],
            "size": [18 if d else 12 for d in flags],
            "symbol": ["x" if d else "circle" for d in flags],
            "line": {  # a white ring around a dot; a ✕ stays a bold cross
                "width": 1.5,
                "color": [r.colour if d else "#ffffff" for r, d in zip(runs, flags, strict=True)],
            },
        },
        "text": [
            f"{r.label}: {r.note}" if d else r.label for r, d in zip(runs, flags, strict=True)
        ],
        "hovertemplate": "%{text}<br>step %{customdata}: (%{x:.4g}, %{y:.4g})<extra></extra>",
    }


def map_height(box, width: int = 640, low: int = 420, high: int = 700) -> int:
    """A figure height that lets an equal-aspect map of `box` fill a ~`width` px wide column
    (plus room for the legend and the axes)."""
    x0, x1, y0, y1 = box
    return int(np.clip(width * (y1 - y0) / (x1 - x0) + 208, low, high))


def contour_figure(
    land: Landscape,
    runs: Sequence[Run],
    starts: Sequence[Sequence[float]],
    *,
    height: int | None = None,
    title: str = "",
    static: Sequence[Spec] | None = None,
) -> Spec:
    """The map: filled contours, minima, start, and each run's whole path with its head.

    `static` may hand in the landscape's layers (`map_layers(land, starts)`) already built,
    e.g. from a cache. Playback is the map component's (app/components/map/), not Plotly's.
    """
    box = land.box
    static = list(static) if static is not None else map_layers(land, starts)
    total = max((len(r.positions) - 1 for r in runs), default=0)
    runs = [as_drawn_on_map(r, box) for r in runs]
    paths = [path_trace(r, total) for r in runs]
    if runs:
        paths.append(heads_trace(runs, total, box))
    x0, x1, y0, y1 = box
    layout = base_layout(
        height=height or map_height(box),
        title={"text": title, "x": 0.01, "font": {"size": 18}},
        xaxis={"range": [x0, x1], "title": {"text": "x"}, "constrain": "domain"},
        yaxis={
            "range": [y0, y1],
            "title": {"text": "y"},
            "scaleanchor": "x",
            "constrain": "domain",
        },
        hovermode="closest",
        clickmode="event+select",
        dragmode="pan",
        uirevision="map",
    )
    spec = {"data": [*static, *paths], "layout": layout}
    if not title:  # in the app: margins fixed up front, so Plotly draws the map once
        names = [  # the legend's entries (contours have none by default)
            t["name"] for t in spec["data"] if t["type"] == "scatter" and t.get("showlegend", True)
        ]
        layout["margin"] = fixed_map_margins(names)
    return spec


def legend_rows(names: Sequence[str], width: float = 470) -> int:
    """How many rows a horizontal legend of these entries needs in ~`width` px (generous)."""
    rows, used = 1, 0.0
    for name in names:
        w = 44 + 8.2 * len(name)
        if used and used + w > width:
            rows, used = rows + 1, 0.0
        used += w
    return rows


def fixed_map_margins(legend_names: Sequence[str]) -> Spec:
    """The map's margins as Plotly's auto-margin would grow them (legend on top, axis labels
    below), with `autoexpand` off.

    Auto-expansion lays the figure out, finds the legend and tick labels pushing outwards and
    then draws everything a second time (the 120² contour and the 27² click grid twice).
    """
    top = 47 + 24 * (legend_rows(legend_names) - 1)
    return {"l": 81, "r": 14, "t": top, "b": 62, "autoexpand": False}
