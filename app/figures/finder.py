"""The LR range test (fastai's lr_find): the loss against the growing rate, the rules'
suggestions and the theory's limit 2/λ_max."""

from __future__ import annotations

import numpy as np

from app.figures.data import Array, Spec, f32
from app.figures.limits import LIMIT_COLOUR, limit_trace, span_of, stable_band
from app.figures.style import INK, base_layout
from app.figures.ticks import TINY, log_axis, lr_axis
from optimizers.numbers import num

SUGGESTION_STYLE = {
    "valley": ("#009E73", "diamond"),
    "steep": ("#0072B2", "triangle-up"),
    "minimum/10": ("#CC79A7", "square"),
}


def range_test_figure(
    lrs: Array,
    loss: Array,
    smoothed: Array,
    suggestions: dict[str, float],
    stopped: bool,
    stop_reason: str,
    lr_max_stable: float,
    f_star: float = 0.0,
    height: int = 460,
) -> Spec:
    """Loss vs the growing rate (log x): raw and smoothed, the stop point, one marker per rule at
    the rate it suggests (on the smoothed curve) and the theoretical limit 2/λ_max."""
    log_lrs = np.log(lrs)
    floor = min(float(f_star), float(np.min(loss)), float(np.min(smoothed)))
    loss, smoothed = np.maximum(loss - floor, TINY), np.maximum(smoothed - floor, TINY)
    traces = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": f32(lrs),
            "y": f32(loss),
            "name": "loss at each step",
            "line": {"color": "#9aa5b1", "width": 1.2},
            "hovertemplate": "lr %{x:.3g}: loss %{y:.4g}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "x": f32(lrs),
            "y": f32(smoothed),
            "name": "smoothed loss (what the rules read)",
            "line": {"color": INK, "width": 3},
            "hovertemplate": "lr %{x:.3g}: smoothed %{y:.4g}<extra></extra>",
        },
    ]
    for rule, rate in suggestions.items():
        if not np.isfinite(rate):
            continue
        colour, symbol = SUGGESTION_STYLE.get(rule, ("#000000", "circle"))
        y = float(np.exp(np.interp(np.log(rate), log_lrs, np.log(smoothed))))
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [float(rate)],
                "y": [y],
                "name": f"{rule}: {num(rate)}",
                "marker": {
                    "color": colour,
                    "symbol": symbol,
                    "size": 15,
                    "line": {"width": 1.5, "color": "#fff"},
                },
                "hovertemplate": f"{rule} suggests lr = {num(rate)}<extra></extra>",
            }
        )
    if stopped:
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [float(lrs[-1])],
                "y": [float(smoothed[-1])],
                "name": f"stopped: {stop_reason}",
                "marker": {"symbol": "x", "size": 15, "color": LIMIT_COLOUR},
                "hovertemplate": f"stopped at lr %{{x:.3g}} ({stop_reason})<extra></extra>",
            }
        )
    shapes = []
    if np.isfinite(lr_max_stable):
        shapes.append(stable_band(lr_max_stable))
        trace = limit_trace(lr_max_stable, "x", "y", span_of(loss))
        trace["name"] = f"theory 2/λ_max = {num(lr_max_stable)} (GD stable below, green)"
        traces.append(trace)
    layout = base_layout(
        height=height,
        hovermode="closest",
        xaxis=lr_axis(
            lrs,
            "learning rate at that step (log scale)",
            range=[np.log10(lrs[0]) - 0.1, np.log10(lrs[-1]) + 0.1],
        ),
        yaxis=log_axis("loss above the minimum  f − f*", np.concatenate([loss, smoothed])),
        shapes=shapes,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "font": {"size": 13}},
    )
    return {"data": traces, "layout": layout}
