"""The lr × momentum phase diagram with the heavy-ball stability boundary."""

from __future__ import annotations

import numpy as np

from app.figures.data import Array, Spec, f32
from app.figures.limits import LIMIT_COLOUR
from app.figures.style import base_layout
from app.figures.ticks import lr_axis
from optimizers.numbers import num


def phase_figure(
    lrs: Array,
    mus: Array,
    value: Array,
    diverged: Array,
    boundary_lr: Array,
    gd_boundary: float,
    colour_title: str,
    height: int = 560,
) -> Spec:
    """(lr, μ) cells coloured by `value` (NaN where the run never got there), diverged cells in
    one flat colour, the heavy-ball limit lr = (2 + 2μ)/λ_max and the GD limit 2/λ_max."""
    shown = np.where(diverged, np.nan, value)
    heat = {
        "type": "heatmap",
        "x": f32(lrs),
        "y": f32(mus),
        "z": f32(shown),
        "colorscale": "Viridis",
        "reversescale": True,
        "colorbar": {"title": {"text": colour_title, "side": "right"}, "len": 0.8},
        "name": colour_title,
        "hovertemplate": "lr %{x:.3g}, μ %{y:.2f}: %{z:.3g}<extra></extra>",
        "hoverongaps": False,
    }
    blown = {
        "type": "heatmap",
        "x": f32(lrs),
        "y": f32(mus),
        "z": f32(np.where(diverged, 1.0, np.nan)),
        "colorscale": [[0, LIMIT_COLOUR], [1, LIMIT_COLOUR]],
        "showscale": False,
        "opacity": 0.75,
        "name": "diverged",
        "hovertemplate": "lr %{x:.3g}, μ %{y:.2f}: diverged<extra></extra>",
        "hoverongaps": False,
    }
    legend_blown = {
        "type": "scatter",
        "mode": "markers",
        "x": [None],
        "y": [None],
        "name": "diverged",
        "marker": {"symbol": "square", "size": 14, "color": LIMIT_COLOUR, "opacity": 0.75},
    }
    legend_gap = {
        **legend_blown,
        "name": "did not converge in time",
        "marker": {"symbol": "square", "size": 14, "color": "#d9d9d9"},
    }
    boundary = {
        "type": "scatter",
        "mode": "lines",
        "x": f32(boundary_lr),
        "y": f32(mus),
        "name": "theory: lr·λ_max = 2 + 2μ (heavy ball stable to the left)",
        "line": {"color": "#111111", "width": 3, "dash": "dash"},
        "hovertemplate": "theory limit at μ %{y:.2f}: lr %{x:.3g}<extra></extra>",
    }
    gd = {
        "type": "scatter",
        "mode": "markers+text",
        "x": [float(gd_boundary)],
        "y": [float(mus[0])],
        "text": ["GD limit 2/λ_max"],
        "textposition": "top left",
        "name": f"μ = 0 is plain GD: limit 2/λ_max = {num(gd_boundary)}",
        "marker": {"symbol": "star", "size": 16, "color": "#111111"},
        "hovertemplate": f"GD limit 2/λ_max = {num(gd_boundary)}<extra></extra>",
    }
    step = (mus[-1] - mus[0]) / max(len(mus) - 1, 1) / 2 if len(mus) > 1 else 0.05
    layout = base_layout(
        height=height,
        hovermode="closest",
        plot_bgcolor="#d9d9d9",
        xaxis=lr_axis(lrs, range=[np.log10(lrs[0]) - 0.03, np.log10(lrs[-1]) + 0.03]),
        yaxis={"title": {"text": "momentum μ"}, "range": [mus[0] - step, mus[-1] + step]},
    )
    return {"data": [heat, blown, boundary, gd, legend_blown, legend_gap], "layout": layout}
