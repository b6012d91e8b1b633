"""The theory's stable range on a learning-rate axis: the green band below 2/λ_max and the
dashed line at it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.figures.data import Array, Spec
from optimizers.numbers import num

STABLE_FILL = "rgba(0,158,115,0.13)"
LIMIT_COLOUR = "#D55E00"
STABLE_WORDS = "GD is stable near the minimum only below it (green)"


def span_of(values: Array) -> tuple[float, float]:
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)


def stable_band(limit: float, xref: str = "x") -> Spec:
    """The green band of rates below `limit` (from the far left of the axis)."""
    return {
        "type": "rect",
        "xref": xref,
        "yref": f"{xref.replace('x', 'y')} domain",
        "x0": 1e-30,
        "x1": float(limit),
        "y0": 0,
        "y1": 1,
        "fillcolor": STABLE_FILL,
        "line": {"width": 0},
        "layer": "below",
    }


def limit_trace(
    limit: float, xa: str, ya: str, y: Sequence[float], legend: bool = True, name: str = ""
) -> Spec:
    """The vertical dashed line at 2/λ_max from y[0] to y[1] (data units); `name` is its legend
    entry (by default the whole sentence)."""
    return {
        "type": "scatter",
        "mode": "lines",
        "x": [float(limit), float(limit)],
        "y": [float(y[0]), float(y[1])],
        "yaxis": ya,
        "xaxis": xa,
        "name": name or f"2/λ_max = {num(limit)}: {STABLE_WORDS}",
        "line": {"color": LIMIT_COLOUR, "width": 2, "dash": "dash"},
        "hovertemplate": f"2/λ_max = {num(limit)}<extra></extra>",
        "showlegend": legend,
        "legendgroup": "limit",
    }
