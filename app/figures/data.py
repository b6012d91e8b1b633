"""What the figures draw: a run (`Run`), a sampled landscape (`Landscape`), and the helpers
that keep plot data light (float32, thinned paths) and on the map (a diverged path cut where it
leaves the plotted box). Pure NumPy: no Streamlit, no Plotly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

Array = np.ndarray
Spec = dict  # a Plotly figure spec (or a part of one) as plain dicts
HEIGHT_TITLE = "log(1 + (f − f*)/s)"  # the height the maps and the 3-D view draw (Landscape)


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
