"""The basin map: every start coloured by the minimum it ends in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.figures.contour import contour_trace, landmark_traces
from app.figures.data import Array, Landscape, Spec, f32
from app.figures.style import NEUTRAL, TRANSPARENT, base_layout
from optimizers.lab.basins import DIVERGED, NOT_CONVERGED, UNDEFINED
from optimizers.numbers import num

# Basin colours: minima in pale, distinct tints; diverged dark; not converged light grey;
# undefined starts (no run: f or ∇f not finite there) left blank: the page shows through.
BASIN_COLOURS = ("#8fd3f4", "#f7c873", "#a6dfb9", "#f4a9c8", "#c5b3f0", "#f2a48a", "#b9c7d6")
DIVERGED_COLOUR = "#5f5f5f"
STUCK_COLOUR = "#e4e4e4"
UNDEFINED_COLOUR = TRANSPARENT
UNDEFINED_NAME = "undefined here (f or ∇f not finite at the start: no run)"


@dataclass(frozen=True)
class BasinLegend:
    """One category of the basin map: its label value, name and colour."""

    value: int
    name: str
    colour: str


def basin_categories(minima: Sequence[tuple[tuple[float, float], float]], label: Array):
    """The map's categories (minima in order, then diverged, not converged, and undefined if
    any start is), each named with its coordinates, value and share of the starts."""
    total = label.size
    cats = []
    for i, (point, value) in enumerate(minima):
        share = float((label == i).sum()) / total
        cats.append(
            BasinLegend(
                i,
                f"→ minimum ({num(point[0])}, {num(point[1])}), f = {num(value)}: {share:.0%}",
                BASIN_COLOURS[i % len(BASIN_COLOURS)],
            )
        )
    others = [
        (DIVERGED, "diverged", DIVERGED_COLOUR),
        (NOT_CONVERGED, "did not converge", STUCK_COLOUR),
    ]
    if (label == UNDEFINED).any():
        others.append((UNDEFINED, UNDEFINED_NAME, UNDEFINED_COLOUR))
    for value, name, colour in others:
        share = float((label == value).sum()) / total
        cats.append(BasinLegend(value, f"{name}: {share:.0%}", colour))
    return cats


def _discrete_scale(cats: Sequence[BasinLegend], zmin: float, zmax: float) -> list:
    """A step colorscale giving every integer label its category's colour."""
    scale = []
    for cat in sorted(cats, key=lambda c: c.value):
        lo = (cat.value - 0.5 - zmin) / (zmax - zmin)
        hi = (cat.value + 0.5 - zmin) / (zmax - zmin)
        scale += [[max(lo, 0.0), cat.colour], [min(hi, 1.0), cat.colour]]
    return scale


def basin_figure(
    land: Landscape,
    xs: Array,
    ys: Array,
    label: Array,
    minima: Sequence[tuple[tuple[float, float], float]],
    start,
    height: int = 640,
) -> Spec:
    """Every start coloured by where it ends (heatmap of labels), contour lines on top, the
    minima and the scene's start marked; a legend entry per category with its share."""
    cats = basin_categories(minima, label)
    zmin, zmax = min(c.value for c in cats) - 0.5, len(minima) - 0.5
    heat = {
        "type": "heatmap",
        "x": f32(xs),
        "y": f32(ys),
        "z": np.asarray(label, dtype=np.int8),
        "zmin": zmin,
        "zmax": zmax,
        "colorscale": _discrete_scale(cats, zmin, zmax),
        "showscale": False,
        "hovertemplate": "start (%{x:.3g}, %{y:.3g})<extra></extra>",
        "name": "basins",
    }
    lines = contour_trace(land)
    lines["contours"] = {"coloring": "none", "showlines": True}
    lines["line"] = {"color": "rgba(30,40,55,0.45)", "width": 0.8}
    lines["showlegend"] = False
    legend = [
        {
            "type": "scatter",
            "mode": "markers",
            "x": [None],
            "y": [None],
            "name": cat.name,
            "marker": {
                "symbol": "square",
                "size": 14,
                "color": cat.colour,
                "line": {"width": 1, "color": NEUTRAL},
            },
        }
        for cat in cats
    ]
    x0, x1, y0, y1 = land.box
    layout = base_layout(
        height=height,
        hovermode="closest",
        xaxis={"range": [x0, x1], "title": {"text": "x (start)"}, "constrain": "domain"},
        yaxis={
            "range": [y0, y1],
            "title": {"text": "y (start)"},
            "scaleanchor": "x",
            "constrain": "domain",
        },
        legend={"orientation": "v", "x": 1.02, "y": 1, "yanchor": "top", "font": {"size": 13}},
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    marks = [{**t, "showlegend": False} for t in landmark_traces(land, [start])]  # captioned
    data = [heat, lines, *marks, *legend]
    return {"data": data, "layout": layout}
