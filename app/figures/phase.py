"""The lr × momentum phase diagram with the heavy-ball stability boundary."""

from __future__ import annotations

import numpy as np

from app.figures.data import Array, Spec, f32
from app.figures.style import base_layout
from app.figures.ticks import lr_axis
from optimizers.numbers import num

# Cells drawn in flat colours (the plot area is transparent: the page shows through, light or
# dark): diverged in the limit's orange as it looked at 75 % over light grey.
DIVERGED_CELL = "#d67d36"
STUCK_CELL = "#a3a3a3"  # mid grey: neither a white nor a dark plot area in either theme
THEORY_COLOUR = "#e7298a"  # the stability boundary: reads on viridis, white and the dark page


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
        "colorscale": [[0, DIVERGED_CELL], [1, DIVERGED_CELL]],
        "showscale": False,
        "name": "diverged",
        "hovertemplate": "lr %{x:.3g}, μ %{y:.2f}: diverged<extra></extra>",
        "hoverongaps": False,
    }
    stuck = {
        **blown,
        "z": f32(np.where(~diverged & np.isnan(value), 1.0, np.nan)),
        "colorscale": [[0, STUCK_CELL], [1, STUCK_CELL]],
        "name": "did not converge in time",
        "hovertemplate": "lr %{x:.3g}, μ %{y:.2f}: did not converge in time<extra></extra>",
    }
    legend_blown = {
        "type": "scatter",
        "mode": "markers",
        "x": [None],
        "y": [None],
        "name": "diverged",
        "marker": {"symbol": "square", "size": 14, "color": DIVERGED_CELL},
    }
    legend_gap = {
        **legend_blown,
        "name": "did not converge in time",
        "marker": {"symbol": "square", "size": 14, "color": STUCK_CELL},
    }
    boundary = {
        "type": "scatter",
        "mode": "lines",
        "x": f32(boundary_lr),
        "y": f32(mus),
        "name": "theory: stable left of lr·λ_max = 2 + 2μ",
        "line": {"color": THEORY_COLOUR, "width": 3, "dash": "dash"},
        "hovertemplate": "theory limit at μ %{y:.2f}: lr %{x:.3g}<extra></extra>",
    }
    gd = {
        "type": "scatter",
        "mode": "markers",
        "x": [float(gd_boundary)],
        "y": [float(mus[0])],
        "name": f"μ = 0 is plain GD: limit 2/λ_max = {num(gd_boundary)}",
        "marker": {
            "symbol": "star",
            "size": 16,
            "color": THEORY_COLOUR,
            "line": {"width": 1, "color": "#ffffff"},
        },
        "hovertemplate": f"GD limit 2/λ_max = {num(gd_boundary)}<extra></extra>",
    }
    step = (mus[-1] - mus[0]) / max(len(mus) - 1, 1) / 2 if len(mus) > 1 else 0.05
    layout = base_layout(
        height=height,
        hovermode="closest",
        xaxis=lr_axis(lrs, range=[np.log10(lrs[0]) - 0.03, np.log10(lrs[-1]) + 0.03]),
        yaxis={"title": {"text": "momentum μ"}, "range": [mus[0] - step, mus[-1] + step]},
    )
    layout["annotations"] = [gd_label(gd_boundary, mus[0])]
    return {"data": [heat, blown, stuck, boundary, gd, legend_blown, legend_gap], "layout": layout}


def gd_label(lr: float, mu: float) -> Spec:
    """'GD limit 2/λ_max' beside the star at (lr, μ₀): dark words on a pale card, readable over
    any cell of the heatmap in either theme (an annotation's x on a log axis is log10 lr)."""
    return {
        "text": "GD limit 2/λ_max",
        "x": float(np.log10(lr)),
        "y": float(mu),
        "xanchor": "right",
        "yanchor": "bottom",
        "xshift": -8,
        "yshift": 4,
        "showarrow": False,
        "bgcolor": "rgba(255,255,255,0.85)",
        "font": {"size": 13, "color": "#0F172A"},
    }
