"""Pure figure builders for the learning-rate lab views (no Streamlit).

Arrays from the lab experiments (optimizers.lab) in, Plotly figure specs (plain dicts) out, in
the style of app/figures/plots.py, whose pieces they reuse: the landscape contour, path traces, the
landmark markers, the optimizer palette and the base layout. Plot data is float32.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.figures.plots import (
    Landscape,
    Run,
    _base_layout,
    contour_trace,
    f32,
    heads_trace,
    landmark_traces,
    path_trace,
)
from app.figures.ticks import log_ticks
from optimizers.diagnostics import Outcome, plural
from optimizers.lab.basins import DIVERGED, NOT_CONVERGED, UNDEFINED
from optimizers.numbers import num

Array = np.ndarray
Spec = dict

PANEL_TITLE_PX = 40  # room above each small multiple for its two-line 13 px title
TINY = 1e-16  # floor for "loss above the minimum" on log axes
STABLE_FILL = "rgba(0,158,115,0.13)"
LIMIT_COLOUR = "#D55E00"

# One colour per outcome (Okabe–Ito), shared by the sweep's panels and its curves.
OUTCOME_COLOURS = {
    Outcome.CONVERGED: "#009E73",
    Outcome.TRAPPED: "#CC79A7",
    Outcome.DIVERGED: "#D55E00",
    Outcome.OSCILLATING: "#E69F00",
    Outcome.STALLED: "#7f7f7f",
    Outcome.CRAWLING: "#0072B2",
    Outcome.THROWN_OUT: "#000000",
    Outcome.UNDEFINED: "#994F00",
}
# Basin colours: minima in pale, distinct tints; diverged dark; not converged light grey;
# undefined starts (no run: f or ∇f not finite there) white, like the blank page.
BASIN_COLOURS = ("#8fd3f4", "#f7c873", "#a6dfb9", "#f4a9c8", "#c5b3f0", "#f2a48a", "#b9c7d6")
DIVERGED_COLOUR = "#3b3b3b"
STUCK_COLOUR = "#e4e4e4"
UNDEFINED_COLOUR = "#ffffff"
UNDEFINED_NAME = "undefined here (f or ∇f not finite at the start: no run)"


OUTCOME_WORDS = {
    Outcome.CONVERGED: "converged",
    Outcome.TRAPPED: "trapped",
    Outcome.DIVERGED: "diverged",
    Outcome.OSCILLATING: "oscillating",
    Outcome.STALLED: "stalled",
    Outcome.CRAWLING: "too slow",
    Outcome.THROWN_OUT: "thrown off the map",
    Outcome.UNDEFINED: "stepped where f is undefined",
}


def outcome_label(kind: int, steps: int) -> str:
    """What happened to one run, in a few words a student understands: OUTCOME_WORDS, with the
    step of divergence or the steps to converge where there is one."""
    kind = Outcome(int(kind))
    if kind is Outcome.DIVERGED:
        return f"diverged at step {steps}"
    if kind is Outcome.CONVERGED:
        return f"converged in {plural(steps, 'step')}"
    if kind is Outcome.TRAPPED:
        return f"trapped in a local min ({plural(steps, 'step')})"
    return OUTCOME_WORDS[kind]


def panel_title_text(lr: float, kind: int, steps: int) -> str:
    """A small multiple's title on two short lines: the rate, then `outcome_label` ('trapped'
    moves up beside the rate, so each line fits a panel a quarter of a laptop chart wide)."""
    if Outcome(int(kind)) is Outcome.TRAPPED:
        return f"<b>lr {lr:g}</b> · trapped<br>in a local min, {plural(steps, 'step')}"
    return f"<b>lr {lr:g}</b><br>{outcome_label(kind, steps)}"


def _axis_names(i: int) -> tuple[str, str, str]:
    """('x3', 'y3', '3') for panel i = 2 (the first panel is plain 'x', 'y')."""
    suffix = "" if i == 0 else str(i + 1)
    return f"x{suffix}", f"y{suffix}", suffix


def _grid_domains(n: int, cols: int, gap: float = 0.04, vgap: float = 0.1):
    """(x-domain, y-domain) of each of n panels in a grid of `cols` columns, row by row."""
    rows = -(-n // cols)
    width = (1 - gap * (cols - 1)) / cols
    height = (1 - vgap * (rows - 1)) / rows
    for i in range(n):
        r, c = divmod(i, cols)
        x0 = c * (width + gap)
        y1 = 1 - r * (height + vgap)
        yield [max(x0, 0.0), min(x0 + width, 1.0)], [max(y1 - height, 0.0), min(y1, 1.0)]


def _log_axis(title: str, values, **extra) -> Spec:
    """A log axis labelled 10⁻³, 10⁻², … over the range of `values` (app/figures/ticks.py)."""
    return {"type": "log", "title": {"text": title}, **log_ticks(np.ravel(values)), **extra}


def _loss_axis(title: str, values, **extra) -> Spec:
    return _log_axis(title, values, **extra)


def _lr_axis(values, title: str = "learning rate (log scale)", **extra) -> Spec:
    return _log_axis(title, values, **extra)


def _span_of(values: Array) -> tuple[float, float]:
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)


def _stable_band(limit: float, xref: str = "x") -> Spec:
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


# --------------------------------------------------------------------------- sweep


@dataclass(frozen=True)
class SweepPanel:
    """One rate of a sweep: its run and the words for what happened."""

    lr: float
    positions: Array  # (T+1, 2)
    loss: Array  # (T+1,)
    diverged_at: int
    kind: int
    steps: int

    @property
    def label(self) -> str:
        return outcome_label(self.kind, self.steps)

    def run(self, colour: str) -> Run:
        zeros = np.zeros(len(self.loss))
        return Run(
            f"lr {self.lr:g}",
            colour,
            self.positions,
            self.loss,
            zeros[:-1],
            zeros,
            self.diverged_at,
        )


def sweep_panels(sweep) -> list[SweepPanel]:
    """One panel per rate of an `optimizers.lab.Sweep`."""
    traj, diag = sweep.trajectory, sweep.diagnosis
    return [
        SweepPanel(
            float(lr),
            traj.positions[:, i],
            traj.loss[:, i],
            int(traj.diverged_at[i]),
            int(diag.kind[i]),
            int(diag.steps[i]),
        )
        for i, lr in enumerate(sweep.lrs)
    ]


def panel_title(text: str, x_domain, top: float, colour: str, size: int) -> Spec:
    """A title centred above one panel of a multi-panel figure (paper coordinates)."""
    return {
        "text": text,
        "x": (x_domain[0] + x_domain[1]) / 2,
        "y": top,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",  # "auto" would left-align titles in the left third, etc.
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": size, "color": colour},
    }


def sweep_panels_figure(
    land: Landscape, panels: Sequence[SweepPanel], start, cols: int = 4, width_px: int = 880
) -> Spec:
    """Small multiples: one contour panel per rate with its path, titled with the outcome.

    Rows are as tall as an equal-aspect panel of a ~`width_px` wide figure needs."""
    cols = max(1, min(cols, len(panels)))
    x0, x1, y0, y1 = land.box
    panel_px = int(np.clip(width_px / cols * (y1 - y0) / (x1 - x0), 90, 320)) + PANEL_TITLE_PX
    rows = -(-len(panels) // cols)
    plot_px = rows * panel_px
    traces, annotations = [], []
    layout = _base_layout(
        height=int(plot_px + PANEL_TITLE_PX + 10),
        showlegend=False,
        hovermode="closest",
        margin={"l": 10, "r": 10, "t": PANEL_TITLE_PX, "b": 10},
    )
    box = land.box
    for i, (panel, (xd, yd)) in enumerate(
        zip(panels, _grid_domains(len(panels), cols, vgap=PANEL_TITLE_PX / plot_px), strict=False)
    ):
        xa, ya, suffix = _axis_names(i)
        colour = OUTCOME_COLOURS[Outcome(int(panel.kind))]
        axes = {"xaxis": xa, "yaxis": ya}
        contour = {**contour_trace(land), **axes, "ncontours": 14}
        run, last = panel.run(colour), len(panel.loss) - 1
        path = {**path_trace(run, last, cap=150), **axes}
        path["line"] = {**path["line"], "width": 2}
        head = {**heads_trace([run], last, box), **axes}
        begin = {
            "type": "scatter",
            "mode": "markers",
            "x": f32([start[0]]),
            "y": f32([start[1]]),
            "marker": {"symbol": "circle-open", "size": 9, "color": "#111", "line": {"width": 2}},
            "hoverinfo": "skip",
            "name": "start",
            **axes,
        }
        traces += [contour, path, head, begin]
        layout[f"xaxis{suffix}"] = {
            "domain": xd,
            "range": [x0, x1],
            "anchor": ya,
            "constrain": "domain",
            "showticklabels": False,
            "ticks": "",
            "showgrid": False,
            "zeroline": False,
        }
        layout[f"yaxis{suffix}"] = {
            "domain": yd,
            "range": [y0, y1],
            "anchor": xa,
            "scaleanchor": xa,
            "constrain": "domain",
            "showticklabels": False,
            "ticks": "",
            "showgrid": False,
            "zeroline": False,
        }
        annotations.append(
            panel_title(
                panel_title_text(panel.lr, panel.kind, panel.steps),
                xd,
                yd[1],
                colour,
                13,
            )
        )
    layout["annotations"] = annotations
    return {"data": traces, "layout": layout}


def sweep_curves_figure(
    panels: Sequence[SweepPanel], f_star: float, lr_max_stable: float, height: int = 340
) -> Spec:
    """Final loss above f* and steps to converge against the rate (log–log), with the range of
    rates where GD is stable near the minimum (lr < 2/λ_max) shaded green."""
    lrs = np.array([p.lr for p in panels])
    gap = np.maximum(
        np.array([p.loss[p.diverged_at - 1 if p.diverged_at > 0 else -1] for p in panels]) - f_star,
        TINY,
    )
    diverged = np.array([p.kind == Outcome.DIVERGED for p in panels])
    steps = np.array(
        [p.steps if p.kind in (Outcome.CONVERGED, Outcome.TRAPPED) else -1 for p in panels]
    )
    colours = [OUTCOME_COLOURS[Outcome(int(p.kind))] for p in panels]
    labels = [p.label for p in panels]
    ok = ~diverged
    traces = [
        _curve(lrs[ok], gap[ok], "final loss", "x", "y"),
        _points(lrs, gap, colours, labels, diverged, "x", "y"),
    ]
    done = steps >= 0
    budget = max(len(p.loss) - 1 for p in panels)
    traces.append(_curve(lrs[done], steps[done], "steps to converge", "x2", "y2"))
    traces.append(
        _points(
            lrs[done],
            steps[done],
            [c for c, d in zip(colours, done, strict=True) if d],
            [t for t, d in zip(labels, done, strict=True) if d],
            np.zeros(done.sum(), bool),
            "x2",
            "y2",
        )
    )
    shapes = []
    if np.isfinite(lr_max_stable):
        for xa in ("x", "x2"):
            shapes.append(_stable_band(lr_max_stable, xa))
        traces.append(_limit_trace(lr_max_stable, "x", "y", _span_of(gap)))
        top = float(steps.max()) if done.any() else budget
        traces.append(_limit_trace(lr_max_stable, "x2", "y2", (1.0, max(top, 10.0)), legend=False))
    span = [np.log10(lrs.min()) - 0.3, np.log10(lrs.max()) + 0.3]
    layout = _base_layout(
        height=height,
        hovermode="closest",
        xaxis=_lr_axis(lrs, domain=[0, 0.46], range=span),
        yaxis=_loss_axis("final loss above the minimum  f − f*", gap[ok] if ok.any() else gap),
        xaxis2=_lr_axis(lrs, domain=[0.56, 1], range=span, anchor="y2"),
        yaxis2=_loss_axis(
            "steps to converge", steps[done] if done.any() else [1, budget], anchor="x2"
        ),
        shapes=shapes,
    )
    if not done.any():  # an empty axis: show the decades up to the step budget
        layout["yaxis2"].update(range=[0, math.log10(max(budget, 10))])
        layout["annotations"] = [
            {
                "text": "no rate converged<br>within the steps",
                "xref": "x2 domain",
                "yref": "y2 domain",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 15, "color": "#555"},
            }
        ]
    return {"data": traces, "layout": layout}


def _curve(x, y, name, xa, ya) -> Spec:
    return {
        "type": "scatter",
        "mode": "lines",
        "x": f32(x),
        "y": f32(y),
        "name": name,
        "line": {"color": "#9aa5b1", "width": 1.5},
        "hoverinfo": "skip",
        "showlegend": False,
        "xaxis": xa,
        "yaxis": ya,
    }


def _points(x, y, colours, labels, crosses, xa, ya) -> Spec:
    return {
        "type": "scatter",
        "mode": "markers",
        "x": f32(x),
        "y": f32(y),
        "text": list(labels),
        "name": "runs",
        "marker": {
            "color": list(colours),
            "size": [14 if c else 11 for c in crosses],
            "symbol": ["x" if c else "circle" for c in crosses],
        },
        "hovertemplate": "lr %{x:.3g}: %{text}<br>%{y:.3g}<extra></extra>",
        "showlegend": False,
        "xaxis": xa,
        "yaxis": ya,
    }


def _limit_trace(limit: float, xa: str, ya: str, y: Sequence[float], legend: bool = True) -> Spec:
    """The vertical dashed line at 2/λ_max from y[0] to y[1] (data units)."""
    return {
        "type": "scatter",
        "mode": "lines",
        "x": [float(limit), float(limit)],
        "y": [float(y[0]), float(y[1])],
        "yaxis": ya,
        "xaxis": xa,
        "name": f"2/λ_max = {num(limit)}: GD is stable near the minimum only below it (green)",
        "line": {"color": LIMIT_COLOUR, "width": 2, "dash": "dash"},
        "hovertemplate": f"2/λ_max = {num(limit)}<extra></extra>",
        "showlegend": legend,
        "legendgroup": "limit",
    }


# --------------------------------------------------------------------------- LR range test

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
            "line": {"color": "#1f2d3d", "width": 3},
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
        shapes.append(_stable_band(lr_max_stable))
        trace = _limit_trace(lr_max_stable, "x", "y", _span_of(loss))
        trace["name"] = f"theory 2/λ_max = {num(lr_max_stable)} (GD stable below, green)"
        traces.append(trace)
    layout = _base_layout(
        height=height,
        hovermode="closest",
        xaxis=_lr_axis(
            lrs,
            "learning rate at that step (log scale; it grows every step)",
            range=[np.log10(lrs[0]) - 0.1, np.log10(lrs[-1]) + 0.1],
        ),
        yaxis=_loss_axis("loss above the minimum  f − f*", np.concatenate([loss, smoothed])),
        shapes=shapes,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "font": {"size": 13}},
    )
    return {"data": traces, "layout": layout}


# --------------------------------------------------------------------------- basin map


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
                "line": {"width": 1, "color": "#555"},
            },
        }
        for cat in cats
    ]
    x0, x1, y0, y1 = land.box
    layout = _base_layout(
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
    data = [heat, lines, *landmark_traces(land, [start]), *legend]
    return {"data": data, "layout": layout}


# --------------------------------------------------------------------------- phase diagram


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
    layout = _base_layout(
        height=height,
        hovermode="closest",
        plot_bgcolor="#d9d9d9",
        xaxis=_lr_axis(lrs, range=[np.log10(lrs[0]) - 0.03, np.log10(lrs[-1]) + 0.03]),
        yaxis={"title": {"text": "momentum μ"}, "range": [mus[0] - step, mus[-1] + step]},
    )
    return {"data": [heat, blown, boundary, gd, legend_blown, legend_gap], "layout": layout}


# --------------------------------------------------------------------------- race


NOT_REACHED = "—"  # the steps cell of a run that never got within tol (never "None")


def race_outcome(row) -> str:
    """What happened to one racer, in words that agree with its steps cell (optimizers.lab.race:
    reached ⇔ f − f* < tol from `steps` on to the end): "reached tol", or why not."""
    if row.reached:
        return "reached tol" if row.on_map else "reached, off map"
    if row.diverged_at >= 0:
        return f"diverged at step {row.diverged_at}"
    if not row.on_map:
        return "left the map"
    kind = Outcome(int(row.outcome))
    if kind is Outcome.CONVERGED:  # near a global minimum by distance, but f − f* ≥ tol at the end
        return "not within tol"
    return OUTCOME_WORDS[kind]


def race_table(rows: Sequence, labels: Sequence[str]) -> list[dict]:
    """One row per optimizer for st.dataframe: chosen rate, steps to tol (NOT_REACHED if never),
    final loss, distance, outcome; every cell a finite number or text."""
    return [
        {
            "optimizer": label,
            "lr": float(row.lr),
            "steps": f"{int(row.steps):,}" if row.reached else NOT_REACHED,
            "final loss": float(row.final_loss),
            "distance": float(row.distance),
            "outcome": race_outcome(row),
        }
        for label, row in zip(labels, rows, strict=True)
    ]


# --------------------------------------------------------------------------- mini-batch SGD


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
        _base_layout(height=height, showlegend=False, hovermode="closest"),
    )
    x0, x1, y0, y1 = land.box
    n = len(fans)
    for i, ((title, colour, positions), (xd, yd)) in enumerate(
        zip(fans, _grid_domains(n, n, gap=0.1), strict=False)
    ):
        xa, ya, suffix = _axis_names(i)
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
                "fillcolor": _tint(colour, 0.22),
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
    layout = _base_layout(
        height=height,
        xaxis={"title": {"text": "step"}},
        yaxis=_loss_axis(
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
    layout = _base_layout(
        height=height, xaxis={"title": {"text": "x"}}, yaxis={"title": {"text": "y"}}
    )
    return {"data": traces, "layout": layout}


def _tint(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"
