"""Pure figure builders: landscapes and runs in, Plotly figure specs (plain dicts) out.

Builders return plain dicts, not `go.Figure`s: constructing graph objects validates every
trace, which costs ~1 ms per animation-frame trace (≈ 400 ms for a 6-optimizer race), while a
dict costs nothing. `go.Figure(spec)` in the tests validates every builder's output instead.
No Streamlit here. Plot data is float32; long paths are thinned (first and last points kept).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

Array = np.ndarray
Spec = dict

# Okabe–Ito colours (colour-blind safe, saturated enough for a projector), one per optimizer.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
OPTIMIZER_COLOURS = {
    "gd": "#0072B2",
    "momentum": "#D55E00",
    "nesterov": "#E69F00",
    "adagrad": "#009E73",
    "rmsprop": "#56B4E9",
    "adam": "#CC79A7",
    "adamw": "#882255",
    "nadam": "#117733",
    "newton": "#000000",
}
# Pale slate from valley (white) to ridge, so the saturated paths stand out on it.
LANDSCAPE_SCALE = [[0.0, "#ffffff"], [0.35, "#dfe7ef"], [0.7, "#a9b9cb"], [1.0, "#6d7f95"]]
FONT = {"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 14}
MAX_PATH_POINTS = 400
MAX_CURVE_POINTS = 300
MAX_FRAMES = 60
CLICK_GRID = 27


@dataclass(frozen=True)
class Run:
    """One trajectory to draw: a label, its colour and its history (B = 1 slices)."""

    label: str
    colour: str
    positions: Array  # (T+1, 2)
    loss: Array  # (T+1,)
    lr: Array  # (T,)
    grad_norm: Array  # (T+1,)
    diverged_at: int = -1  # the step that diverged, -1 if none
    note: str = ""  # shown when hovering the run's marker

    @property
    def last(self) -> int:
        """Index of the last real point: the one before divergence, else the final step."""
        return self.diverged_at - 1 if self.diverged_at > 0 else len(self.positions) - 1


@dataclass(frozen=True)
class Landscape:
    """A sampled surface for drawing: axes, heights and the transformed heights drawn."""

    xs: Array  # (W,)
    ys: Array  # (H,)
    f: Array  # (H, W) raw values
    floor: float  # f* (global minimum, else the grid minimum)
    scale: float  # height transform: log1p((f − floor) / scale)
    minima: tuple[tuple[float, float], ...] = ()
    saddles: tuple[tuple[float, float], ...] = ()

    def height(self, f: Array) -> Array:
        """The drawn height of loss values: log1p((f − f*)/scale), 0 at the minimum."""
        gap = np.maximum(np.asarray(f, dtype=np.float64) - self.floor, 0.0)
        return np.log1p(gap / self.scale)

    @property
    def box(self) -> tuple[float, float, float, float]:
        return float(self.xs[0]), float(self.xs[-1]), float(self.ys[0]), float(self.ys[-1])


def colours_for(names: Sequence[str]) -> list[str]:
    """One colour per racer: the optimizer's own colour, or an unused one for repeats."""
    used: list[str] = []
    for name in names:
        colour = OPTIMIZER_COLOURS.get(name, PALETTE[0])
        if colour in used:
            colour = next(c for c in (*PALETTE, *OPTIMIZER_COLOURS.values()) if c not in used)
        used.append(colour)
    return used


def sample_landscape(
    f, domain, minima=(), saddles=(), f_min: float = float("nan"), n: int = 120
) -> Landscape:
    """Sample `f` on an n×n grid over `domain` ((x0, x1), (y0, y1)) once (callers cache this)."""
    (x0, x1), (y0, y1) = domain
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)
    with np.errstate(all="ignore"):
        values = np.asarray(f(grid), dtype=np.float64)
    finite = np.isfinite(values)
    if not finite.any():
        values = np.zeros_like(values)
        finite = np.ones_like(finite)
    floor = f_min if np.isfinite(f_min) else float(values[finite].min())
    floor = min(floor, float(values[finite].min()))
    values = np.where(finite, values, values[finite].max())
    spread = float(np.median(values - floor))
    scale = max(spread / 50.0, 1e-12)
    return Landscape(xs, ys, values, floor, scale, tuple(minima), tuple(saddles))


# --------------------------------------------------------------------------- small helpers


_F32_MAX = float(np.finfo(np.float32).max)


def f32(a) -> Array:
    """`a` as float32 for the browser; values beyond float32's range are clipped to it (a cast
    would overflow to ±inf with a RuntimeWarning), NaN stays NaN."""
    a = np.asarray(a, dtype=np.float64)
    return np.clip(a, -_F32_MAX, _F32_MAX).astype(np.float32)


def keep_indices(last: int, cap: int, must: Sequence[int] = ()) -> Array:
    """At most ~cap evenly spread indices in [0, last], always with 0, last and `must`."""
    if last + 1 <= cap:
        idx = np.arange(last + 1)
    else:
        idx = np.unique(np.round(np.linspace(0, last, cap)).astype(np.int64))
    extra = [m for m in must if 0 <= m <= last]
    return np.unique(np.concatenate([idx, np.asarray(extra, dtype=np.int64)]))


def frame_steps(total: int, cap: int = MAX_FRAMES) -> Array:
    """The steps shown by the animation frames: 0 … total, at most `cap` + 1 of them."""
    return keep_indices(total, cap + 1)


def _clip_to_box(point: Array, box) -> tuple[Array, bool]:
    x0, x1, y0, y1 = box
    clipped = np.array([np.clip(point[0], x0, x1), np.clip(point[1], y0, y1)])
    return clipped, not np.array_equal(clipped, point)


def _base_layout(**extra) -> Spec:
    layout = {
        "font": FONT,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "#ffffff",
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "font": FONT},
    }
    layout.update(extra)
    return layout


PROJECTOR_SCALE = 1.3
_TEXT_KEYS = frozenset({"font", "textfont", "tickfont", "insidetextfont", "outsidetextfont"})
_SPACING_KEYS = frozenset({"margin", "pad"})


def for_projector(spec: Spec, factor: float = PROJECTOR_SCALE) -> Spec:
    """The figure for presentation mode: every font size, margin and control padding × factor,
    and the height × factor too — except for equal-aspect maps, whose plot area is set by the
    column's width: they grow by what their top and bottom margins grew. Only the layout and
    the traces' text styles are copied; data and frames are shared."""
    layout = _scaled(spec.get("layout", {}), factor)
    font = layout.setdefault("font", {})
    font.setdefault("size", round(12 * factor, 1))  # Plotly's default, scaled
    old, new = spec.get("layout", {}).get("margin", {}), layout.get("margin", {})
    if "height" in layout:
        equal_aspect = any(k.startswith("yaxis") and "scaleanchor" in v for k, v in layout.items())
        grown = sum(new.get(side, 0) - old.get(side, 0) for side in ("t", "b"))
        height = layout["height"]
        layout["height"] = round(height + grown if equal_aspect else height * factor)
    data = [
        {**t, **{k: _scaled(t[k], factor, k) for k in _TEXT_KEYS & t.keys()}}
        for t in spec.get("data", [])
    ]
    return {**spec, "layout": layout, "data": data}


def _scaled(node, factor: float, parent: str = ""):
    """A copy of a layout (sub)tree with sizes under text keys and sides under margin/pad keys
    multiplied by `factor`."""
    if isinstance(node, dict):
        return {k: _scaled_item(k, v, factor, parent) for k, v in node.items()}
    if isinstance(node, list):
        return [_scaled(v, factor, parent) for v in node]
    return node


def _scaled_item(key: str, value, factor: float, parent: str):
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and (
        (parent in _TEXT_KEYS and key == "size")
        or (parent in _SPACING_KEYS and key in ("l", "r", "t", "b"))
    ):
        return round(value * factor, 1)
    if isinstance(value, list) and parent in _TEXT_KEYS and key == "size":
        return [round(v * factor, 1) for v in value]  # per-point text sizes
    return _scaled(value, factor, key)


# --------------------------------------------------------------------------- the contour map


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
    traces = []
    if land.minima:
        mx, my = zip(*land.minima, strict=True)
        traces.append(_marker_trace(mx, my, "minimum", "star", "#111111", 16))
    if land.saddles:
        sx, sy = zip(*land.saddles, strict=True)
        traces.append(_marker_trace(sx, sy, "saddle", "diamond-open", "#444444", 12))
    sx, sy = zip(*starts, strict=True)
    traces.append(_marker_trace(sx, sy, "start", "circle-open", "#111111", 15, width=3))
    return traces


def _marker_trace(x, y, name, symbol, colour, size, width=1.5) -> Spec:
    return {
        "type": "scatter",
        "mode": "markers",
        "x": f32(x),
        "y": f32(y),
        "name": name,
        "marker": {"symbol": symbol, "color": colour, "size": size, "line": {"width": width}},
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


def inside_box(points: Array, box) -> Array:
    x0, x1, y0, y1 = box
    x, y = points[..., 0], points[..., 1]
    return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def segment_exit(a: Array, b: Array, box) -> Array:
    """Where the segment from `a` (inside the box) to `b` (outside) crosses the border."""
    x0, x1, y0, y1 = box
    d = b - a
    t = 1.0
    for axis, (lo, hi) in enumerate(((x0, x1), (y0, y1))):
        if d[axis] > 0:
            t = min(t, (hi - a[axis]) / d[axis])
        elif d[axis] < 0:
            t = min(t, (lo - a[axis]) / d[axis])
    return a + max(t, 0.0) * d


def as_drawn_on_map(run: Run, box) -> Run:
    """A diverged run as the map shows it: cut where it last leaves the map, ending there.

    Past that point the iterates only bounce further and further off the map; drawing them
    would cover the map with long straight lines. The ✕ then sits where the run left the map.
    """
    if run.diverged_at <= 0:
        return run
    points = run.positions[: run.last + 1]
    inside = inside_box(points, box)
    if inside[-1] or not inside.any():
        return replace(run, note=f"diverged at step {run.diverged_at}")
    k = int(np.flatnonzero(inside)[-1])  # last step on the map; step k + 1 is off it
    border = segment_exit(points[k], points[k + 1], box)
    return replace(
        run,
        positions=np.vstack([points[: k + 1], border]),
        loss=run.loss[: k + 2],
        lr=run.lr[: k + 1],
        grad_norm=run.grad_norm[: k + 2],
        diverged_at=k + 2,
        note=f"left the map at step {k + 1}, diverged at step {run.diverged_at}",
    )


def head_position(run: Run, upto: int, box) -> tuple[Array, bool]:
    """Where the run is at step `upto` and whether it has diverged by then (a run that
    diverged off the map is marked on the border)."""
    point = run.positions[min(upto, run.last)]
    diverged = 0 <= run.diverged_at <= upto
    return (_clip_to_box(point, box)[0] if diverged else point), diverged


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
    (plus room for the legend and the playback controls)."""
    x0, x1, y0, y1 = box
    return int(np.clip(width * (y1 - y0) / (x1 - x0) + 208, low, high))


def contour_figure(
    land: Landscape,
    runs: Sequence[Run],
    starts: Sequence[Sequence[float]],
    *,
    animate: bool = True,
    height: int | None = None,
    title: str = "",
    static: Sequence[Spec] | None = None,
) -> Spec:
    """The map: filled contours, minima, start, one path per run, and (optionally) playback.

    Playback is client-side: frames replace only the path traces (redraw False), the contour
    stays put; a slider scrubs through ≤ MAX_FRAMES + 1 steps. `static` may hand in the
    landscape's layers (`map_layers(land, starts)`) already built, e.g. from a cache.
    """
    box = land.box
    static = list(static) if static is not None else map_layers(land, starts)
    total = max((len(r.positions) - 1 for r in runs), default=0)
    runs = [as_drawn_on_map(r, box) for r in runs]
    paths = [path_trace(r, total) for r in runs]
    if runs:
        paths.append(heads_trace(runs, total, box))
    x0, x1, y0, y1 = box
    layout = _base_layout(
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
    playback = animate and runs and total > 0
    if playback:
        spec["frames"], layout["sliders"], layout["updatemenus"] = _playback(
            runs, total, box, first_trace=len(static)
        )
        layout["margin"]["b"] = 105
    if not title:  # in the app: margins fixed up front, so Plotly draws the map once
        names = [  # the legend's entries (contours have none by default)
            t["name"] for t in spec["data"] if t["type"] == "scatter" and t.get("showlegend", True)
        ]
        layout["margin"] = fixed_map_margins(names, playback)
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


def fixed_map_margins(legend_names: Sequence[str], playback: bool) -> Spec:
    """The map's margins as Plotly's auto-margin would grow them (legend on top, axis labels,
    slider and ▶ buttons below), with `autoexpand` off.

    Auto-expansion lays the figure out, finds the legend / slider / tick labels pushing
    outwards and then draws everything a second time; on a learning-rate change that second
    draw of the 120² contour and the 27² click grid was ~⅓ of the browser's work.
    """
    top = 47 + 24 * (legend_rows(legend_names) - 1)
    return {"l": 81, "r": 14, "t": top, "b": 178 if playback else 62, "autoexpand": False}


IMMEDIATE = {"mode": "immediate", "transition": {"duration": 0}}  # animate: jump, no easing


def _playback(runs: Sequence[Run], total: int, box, first_trace: int, frame_data=None):
    """Frames (paths growing over the frame steps + the heads), a slider, play / pause and
    ◀ / ▶ one frame. Each frame is named by its step. `frame_data(steps_so_far)` builds a
    frame's traces (default: the contour map's paths and heads, redraw False); a 3-D view's
    frames must be redrawn (WebGL), which keeps its surface."""
    steps = frame_steps(total)
    names = [str(int(s)) for s in steps]
    indices = list(range(first_trace, first_trace + len(runs) + 1))
    redraw = frame_data is not None
    if frame_data is None:

        def frame_data(upto: Array) -> list[Spec]:
            return [
                *(_path_points(r, upto[upto <= r.last]) for r in runs),
                _frame_heads(runs, int(upto[-1]), box),
            ]

    frames = [
        {"name": names[i], "data": frame_data(steps[: i + 1]), "traces": indices}
        for i in range(len(steps))
    ]
    slider = {
        "active": len(steps) - 1,
        "currentvalue": {"prefix": "step ", "font": {"size": 15}, "xanchor": "right"},
        "pad": {"t": 92, "l": 0},  # a row below the buttons, the map's full width
        "len": 1.0,
        "x": 0.0,
        "steps": [
            {
                "label": name,
                "method": "animate",
                "args": [[name], {**IMMEDIATE, "frame": {"duration": 0, "redraw": redraw}}],
            }
            for name in names
        ],
    }
    play = {
        "label": "▶ Play",
        "method": "animate",
        "args": [
            None,
            {**IMMEDIATE, "frame": {"duration": 90, "redraw": redraw}, "fromcurrent": False},
        ],
    }
    pause = {
        "label": "❚❚ Pause",
        "method": "animate",
        "args": [[None], {**IMMEDIATE, "frame": {"duration": 0, "redraw": redraw}}],
    }
    back, forward = _step_button("◀", names[::-1], redraw), _step_button("▶", names, redraw)
    menu = {
        "type": "buttons",
        "direction": "left",
        "buttons": [play, pause, back, forward],
        "showactive": False,
        "x": 0.0,
        "xanchor": "left",
        "y": 0,
        "yanchor": "top",
        "pad": {"t": 60, "r": 10},
        "font": {"size": 14},
    }
    return frames, [slider], [menu]


def _step_button(label: str, names: Sequence[str], redraw: bool = False) -> Spec:
    """A button that moves one frame along `names` (frame names in stepping order).

    Plotly has no relative "next frame", but `fromcurrent` plays the given list from the frame
    after the current one, and a frame duration of ~12 days means only that one frame is shown.
    The list starts with its own last frame, so at the end of the list the button stays there
    instead of wrapping around. Before any frame has been shown (a freshly drawn map) there is
    no current frame: ▶ stays on the last step, ◀ rewinds to step 0.
    """
    hold = {"duration": 1e9, "redraw": redraw}  # < 2³¹ ms, the browser's setTimeout limit
    return {
        "label": label,
        "method": "animate",
        "args": [
            [names[-1], *names],
            {**IMMEDIATE, "frame": hold, "fromcurrent": True},
        ],
    }


def _frame_heads(runs: Sequence[Run], upto: int, box) -> Spec:
    """The slim per-frame update of the heads: positions and marker symbols only."""
    full = heads_trace(runs, upto, box)
    return {k: full[k] for k in ("x", "y", "customdata", "marker", "text")}


# --------------------------------------------------------------------------- the 3-D view's axis

HEIGHT_TITLE = "log(1 + (f − f*)/s)"  # the height the 3-D view draws (payload.py)
