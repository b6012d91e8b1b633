"""The learning-rate sweep: one small map per rate with its path and outcome, and the final
loss and steps to converge against the rate with the stable range shaded."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.figures.contour import contour_trace, heads_trace, path_trace
from app.figures.data import Array, Landscape, Run, Spec, f32
from app.figures.limits import limit_trace, span_of, stable_band
from app.figures.outcomes import OUTCOME_COLOURS, outcome_label
from app.figures.panels import panel_title
from app.figures.style import base_layout, line_trace
from app.figures.ticks import TINY, log_axis, lr_axis
from optimizers.diagnostics import Outcome
from optimizers.numbers import num

CURVE_COLOUR = "#9aa5b1"  # the grey line joining the runs' points
PANEL_PX = 168  # a small multiple's width: two side by side on a phone, four on a laptop
PANEL_FONT = 12  # its title's size (px); a line of PANEL_CHARS characters fits PANEL_PX
PANEL_CHARS = 24
LINE_PX = 16  # one title line, with its leading
PANEL_MARGIN = 4  # px around a panel's plot


def panel_title_text(lr: float, kind: int, steps: int) -> str:
    """A small multiple's title: the rate in bold, then `outcome_label` wrapped at PANEL_CHARS
    characters a line, so each line fits one panel."""
    return "<br>".join(
        [f"<b>lr {lr:g}</b>", *textwrap.wrap(outcome_label(kind, steps), PANEL_CHARS)]
    )


def title_lines(panels: Sequence[SweepPanel]) -> int:
    """The most title lines of any panel: every panel of a sweep gets room for that many, so
    the maps of a row line up."""
    return max(panel_title_text(p.lr, p.kind, p.steps).count("<br>") + 1 for p in panels)


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


def sweep_panel_figure(
    land: Landscape, panel: SweepPanel, start, lines: int = 2, width_px: int = PANEL_PX
) -> Spec:
    """One small multiple of a sweep: the landscape's contours, the rate's path (coloured by its
    outcome), its end and the start, titled with the rate and what happened, `width_px` wide
    with `lines` title lines above an equal-aspect map. A page lays them out in a wrapping row
    (four a row on a laptop, two on a phone), so a title never meets its neighbour's."""
    x0, x1, y0, y1 = land.box
    inner = width_px - 2 * PANEL_MARGIN
    plot_px = int(np.clip(inner * (y1 - y0) / (x1 - x0), 60, 2 * inner))
    top = lines * LINE_PX + 6
    colour = OUTCOME_COLOURS[Outcome(int(panel.kind))]
    run, last = panel.run(colour), len(panel.loss) - 1
    path = path_trace(run, last, cap=150)
    path["line"] = {**path["line"], "width": 2}
    begin = {
        "type": "scatter",
        "mode": "markers",
        "x": f32([start[0]]),
        "y": f32([start[1]]),
        "marker": {"symbol": "circle-open", "size": 9, "color": "#111", "line": {"width": 2}},
        "hoverinfo": "skip",
        "name": "start",
    }
    bare = {"showticklabels": False, "ticks": "", "showgrid": False, "zeroline": False}
    layout = base_layout(
        width=width_px,
        height=plot_px + top + PANEL_MARGIN,
        showlegend=False,
        hovermode="closest",
        margin={"l": PANEL_MARGIN, "r": PANEL_MARGIN, "t": top, "b": PANEL_MARGIN},
        xaxis={"range": [x0, x1], "constrain": "domain", **bare},
        yaxis={"range": [y0, y1], "scaleanchor": "x", "constrain": "domain", **bare},
    )
    title = panel_title_text(panel.lr, panel.kind, panel.steps)
    layout["annotations"] = [panel_title(title, [0, 1], 1, colour, PANEL_FONT)]
    traces = [
        {**contour_trace(land), "ncontours": 14},
        path,
        heads_trace([run], last, land.box),
        begin,
    ]
    return {"data": traces, "layout": layout}


def sweep_curves_figures(
    panels: Sequence[SweepPanel], f_star: float, lr_max_stable: float, height: int = 340
) -> tuple[Spec, Spec]:
    """Two log–log figures against the rate: the final loss above f*, and the steps to
    converge; each shades the rates where GD is stable near the minimum (lr < 2/λ_max) green.
    Two figures, not two panels of one: side by side on a laptop, one under the other on a
    phone, each as wide as the page allows."""
    lrs = np.array([p.lr for p in panels])
    gap = np.maximum(
        np.array([p.loss[p.diverged_at - 1 if p.diverged_at > 0 else -1] for p in panels]) - f_star,
        TINY,
    )
    diverged = np.array([p.kind == Outcome.DIVERGED for p in panels])
    steps = np.array(
        [p.steps if p.kind in (Outcome.CONVERGED, Outcome.TRAPPED) else -1 for p in panels]
    )
    colours = np.array([OUTCOME_COLOURS[Outcome(int(p.kind))] for p in panels])
    labels = np.array([p.label for p in panels])
    ok, done = ~diverged, steps >= 0
    budget = max(len(p.loss) - 1 for p in panels)
    span = [np.log10(lrs.min()) - 0.3, np.log10(lrs.max()) + 0.3]
    top = float(steps.max()) if done.any() else budget
    no_crosses = np.zeros(int(done.sum()), bool)  # a converged run never diverged
    loss = _against_rate(
        [
            _curve(lrs[ok], gap[ok], "final loss"),
            _points(lrs, gap, colours, labels, diverged),
        ],
        lrs,
        span,
        log_axis("final loss above the minimum  f − f*", gap[ok] if ok.any() else gap),
        lr_max_stable,
        span_of(gap),
        height,
        legend=True,
    )
    steps_fig = _against_rate(
        [
            _curve(lrs[done], steps[done], "steps to converge"),
            _points(lrs[done], steps[done], colours[done], labels[done], no_crosses),
        ],
        lrs,
        span,
        log_axis("steps to converge", steps[done] if done.any() else [1, budget]),
        lr_max_stable,
        (1.0, max(top, 10.0)),
        height,
        legend=False,
    )
    if not done.any():  # an empty axis: show the decades up to the step budget
        steps_fig["layout"]["yaxis"].update(range=[0, math.log10(max(budget, 10))])
        steps_fig["layout"]["annotations"] = [
            {
                "text": "no rate converged<br>within the steps",
                "xref": "x domain",
                "yref": "y domain",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 15},  # the theme's text colour
            }
        ]
    return loss, steps_fig


def _against_rate(traces, lrs, span, yaxis, lr_max_stable, limit_span, height, legend) -> Spec:
    """One of the sweep's curves figures: `traces` over the rate axis, with the stable band
    and the 2/λ_max line where the theory gives one (its legend entry on the first figure)."""
    shapes = []
    if np.isfinite(lr_max_stable):
        shapes.append(stable_band(lr_max_stable, "x"))
        name = f"2/λ_max = {num(lr_max_stable)}: stable below (green)"  # fits a phone
        traces = [*traces, limit_trace(lr_max_stable, "x", "y", limit_span, legend, name)]
    return {
        "data": traces,
        "layout": base_layout(
            height=height,
            hovermode="closest",
            xaxis=lr_axis(lrs, range=span),
            yaxis=yaxis,
            shapes=shapes,
            showlegend=legend,
        ),
    }


def _curve(x, y, name) -> Spec:
    return line_trace(x, y, name, CURVE_COLOUR, 1.5, showlegend=False)


def _points(x, y, colours, labels, crosses) -> Spec:
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
    }
