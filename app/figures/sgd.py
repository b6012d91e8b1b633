"""Mini-batch SGD on linear regression: fans of seeded runs, the loss band, the data and fits."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.figures.contour import contour_trace, landmark_traces
from app.figures.data import Array, Landscape, Spec, f32
from app.figures.panels import axis_names, grid_domains, panel_title
from app.figures.style import base_layout, tint
from app.figures.ticks import TINY, log_axis
from optimizers.numbers import num


def fan_trace(positions: Array, colour: str, name: str, axes: dict, cap: int = 120) -> Spec:
    """K paths (T+1, K, 2) as ONE thin trace with NaN gaps between the runs."""
    total = positions.shape[0]
    idx = np.unique(np.round(np.linspace(0, total - 1, min(total, cap))).astype(int))
    pts = positions[idx]  # (t, K, 2)
    gap = np.full((1, pts.shape[1], 2), np.nan)
    joined = np.concatenate([pts, gap], axis=0).transpose(1, 0, 2).reshape(-1, 2)
    return {
        "type": "scatter",
        "mode": "lines",
        "x": f32(joined[:, 0]),
        "y": f32(joined[:, 1]),
        "name": name,
        "line": {"color": colour, "width": 1},
        "opacity": 0.55,
        "hoverinfo": "skip",
        "connectgaps": False,
        **axes,
    }


def sgd_fans_figure(
    land: Landscape, fans: Sequence[tuple[str, str, Array]], start, height=440
) -> Spec:
    """Side-by-side contour panels (w, b), each with its fan of K seeded mini-batch runs."""
    traces, annotations, layout = (
        [],
        [],
        base_layout(height=height, showlegend=False, hovermode="closest"),
    )
    x0, x1, y0, y1 = land.box
    n = len(fans)
    for i, ((title, colour, positions), (xd, yd)) in enumerate(
        zip(fans, grid_domains(n, n, gap=0.1), strict=False)
    ):
        xa, ya, suffix = axis_names(i)
        axes = {"xaxis": xa, "yaxis": ya}
        traces += [{**contour_trace(land), **axes}, fan_trace(positions, colour, title, axes)]
        traces += [{**t, **axes, "showlegend": False} for t in landmark_traces(land, [start])]
        layout[f"xaxis{suffix}"] = {
            "domain": xd,
            "range": [x0, x1],
            "anchor": ya,
            "title": {"text": "slope w"},
        }
        layout[f"yaxis{suffix}"] = {
            "domain": yd,
            "range": [y0, y1],
            "anchor": xa,
            "title": {"text": "intercept b" if i == 0 else ""},
        }
        annotations.append(panel_title(f"<b>{title}</b>", xd, 1.0, colour, 14))
    layout["annotations"] = annotations
    return {"data": traces, "layout": layout}


def sgd_band_figure(
    bands: Sequence[tuple[str, str, Array]], f_star: float, height: int = 360
) -> Spec:
    """Loss above the minimum vs step: the 10–90 % band across runs (filled) and the median."""
    traces, gaps = [], []
    for name, colour, band in bands:
        gap = np.maximum(np.asarray(band) - f_star, TINY)
        gaps.append(gap.ravel())
        steps = np.arange(gap.shape[1])
        traces += [
            {
                "type": "scatter",
                "mode": "lines",
                "x": steps,
                "y": f32(gap[0]),
                "line": {"width": 0, "color": colour},
                "showlegend": False,
                "hoverinfo": "skip",
                "legendgroup": name,
                "name": f"{name} 10 %",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "x": steps,
                "y": f32(gap[-1]),
                "fill": "tonexty",
                "fillcolor": tint(colour, 0.22),
                "line": {"width": 0, "color": colour},
                "legendgroup": name,
                "name": f"{name}: 10–90 % of runs",
                "hoverinfo": "skip",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "x": steps,
                "y": f32(gap[len(gap) // 2]),
                "legendgroup": name,
                "line": {"color": colour, "width": 2.5},
                "name": f"{name}: median",
                "hovertemplate": f"{name}<br>step %{{x}}: median %{{y:.3g}}<extra></extra>",
            },
        ]
    layout = base_layout(
        height=height,
        xaxis={"title": {"text": "step"}},
        yaxis=log_axis(
            "full-batch loss above the minimum  f − f*",
            np.concatenate(gaps) if gaps else [],
        ),
        hovermode="x unified",
    )
    return {"data": traces, "layout": layout}


def data_figure(
    x: Array, y: Array, lines: Sequence[tuple[str, str, float, float]], height=360
) -> Spec:
    """The data points and the line y = w·x + b of each fit."""
    grid = np.linspace(float(np.min(x)), float(np.max(x)), 2)
    traces = [
        {
            "type": "scatter",
            "mode": "markers",
            "x": f32(x),
            "y": f32(y),
            "name": "data",
            "marker": {"color": "#6d7f95", "size": 6, "opacity": 0.7},
            "hovertemplate": "(%{x:.3g}, %{y:.3g})<extra></extra>",
        }
    ]
    for name, colour, w, b in lines:
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": f32(grid),
                "y": f32(w * grid + b),
                "name": f"{name}: y = {num(w)}·x {'+' if b >= 0 else '−'} {num(abs(b))}",
                "line": {
                    "color": colour,
                    "width": 2.5,
                    "dash": "dot" if "least" in name else "solid",
                },
            }
        )
    layout = base_layout(
        height=height, xaxis={"title": {"text": "x"}}, yaxis={"title": {"text": "y"}}
    )
    return {"data": traces, "layout": layout}
