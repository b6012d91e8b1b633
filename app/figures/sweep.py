"""The learning-rate sweep: one small map per rate with its path and outcome, and the final
loss and steps to converge against the rate with the stable range shaded."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.figures.contour import contour_trace, heads_trace, path_trace
from app.figures.data import Array, Landscape, Run, Spec, f32
from app.figures.limits import limit_trace, span_of, stable_band
from app.figures.outcomes import OUTCOME_COLOURS, outcome_label
from app.figures.panels import axis_names, grid_domains, panel_title
from app.figures.style import base_layout, line_trace
from app.figures.ticks import TINY, log_axis, lr_axis
from optimizers.diagnostics import Outcome, plural

CURVE_COLOUR = "#9aa5b1"  # the grey line joining the runs' points
PANEL_TITLE_PX = 40  # room above each small multiple for its two-line 13 px title


def panel_title_text(lr: float, kind: int, steps: int) -> str:
    """A small multiple's title on two short lines: the rate, then `outcome_label` ('trapped'
    moves up beside the rate, so each line fits a panel a quarter of a laptop chart wide)."""
    if Outcome(int(kind)) is Outcome.TRAPPED:
        return f"<b>lr {lr:g}</b> · trapped<br>in a local min, {plural(steps, 'step')}"
    return f"<b>lr {lr:g}</b><br>{outcome_label(kind, steps)}"


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
    layout = base_layout(
        height=int(plot_px + PANEL_TITLE_PX + 10),
        showlegend=False,
        hovermode="closest",
        margin={"l": 10, "r": 10, "t": PANEL_TITLE_PX, "b": 10},
    )
    box = land.box
    for i, (panel, (xd, yd)) in enumerate(
        zip(panels, grid_domains(len(panels), cols, vgap=PANEL_TITLE_PX / plot_px), strict=False)
    ):
        xa, ya, suffix = axis_names(i)
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
            shapes.append(stable_band(lr_max_stable, xa))
        traces.append(limit_trace(lr_max_stable, "x", "y", span_of(gap)))
        top = float(steps.max()) if done.any() else budget
        traces.append(limit_trace(lr_max_stable, "x2", "y2", (1.0, max(top, 10.0)), legend=False))
    span = [np.log10(lrs.min()) - 0.3, np.log10(lrs.max()) + 0.3]
    layout = base_layout(
        height=height,
        hovermode="closest",
        xaxis=lr_axis(lrs, domain=[0, 0.46], range=span),
        yaxis=log_axis("final loss above the minimum  f − f*", gap[ok] if ok.any() else gap),
        xaxis2=lr_axis(lrs, domain=[0.56, 1], range=span, anchor="y2"),
        yaxis2=log_axis(
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
                "font": {"size": 15},  # the theme's text colour
            }
        ]
    return {"data": traces, "layout": layout}


def _curve(x, y, name, xa, ya) -> Spec:
    return line_trace(x, y, name, CURVE_COLOUR, 1.5, showlegend=False, xaxis=xa, yaxis=ya)


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
