"""What a student sees of a model landscape (surfaces/models.py): its data with the model of a
point of the map, the train/validation curves, and the sentences that read them. Pure: data in,
figure specs (dicts) and strings out; no Streamlit.

    curves_at(model, positions)                  -> Curves along a path (per step)
    plotted_rows(model) / data_box(model)        -> where rows are drawn, the view's box
    data_figure(model, fits)                     -> the data and each fit's boundary / curve
    curves_figure(series, unit)                  -> loss and accuracy, train solid, val dashed
    overfit_sentence / settle_sentence / finder_sentence -> one true sentence each
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from app.figures.data import f32, keep_indices
from app.figures.style import base_layout, line_trace
from app.narration import num
from optimizers.diagnostics import Outcome

Array = np.ndarray
CLASS_COLOURS = ("#56B4E9", "#E69F00")  # class 0, class 1
CLASS_SYMBOLS = ("circle", "triangle-up")
MAX_POINTS = 300  # curve points drawn per series


class Curves(NamedTuple):
    """(T+1,) train/validation loss and accuracy along one path."""

    train_loss: Array
    val_loss: Array
    train_acc: Array
    val_acc: Array


def curves_at(model, positions: Array) -> Curves:
    """The four curves at every point of a (T+1, 2) path."""
    with np.errstate(all="ignore"):  # a path that ran away may hold huge weights
        return Curves(
            model.loss(positions, "train"),
            model.loss(positions, "val"),
            model.accuracy(positions, "train"),
            model.accuracy(positions, "val"),
        )


# --------------------------------------------------------------------------- data view


def boundary_segment(w: Sequence[float], box: Sequence[float]) -> Array | None:
    """The part of the line w₁x₁ + w₂x₂ = 0 inside box (x0, x1, y0, y1), as 2 points (2, 2), or
    None when w = 0 (no boundary: every row is predicted class 0) or the line misses the box."""
    w = np.asarray(w, dtype=np.float64)
    if not np.isfinite(w).all() or not w.any():
        return None
    d = np.array([-w[1], w[0]])
    lo, hi = -np.inf, np.inf
    for axis, (a, b) in enumerate(((box[0], box[1]), (box[2], box[3]))):
        if d[axis] == 0:
            if not a <= 0 <= b:
                return None
            continue
        t = sorted((a / d[axis], b / d[axis]))
        lo, hi = max(lo, t[0]), min(hi, t[1])
    if not lo < hi:
        return None
    return np.array([lo * d, hi * d])


def plotted_rows(model) -> dict[str, tuple[Array, Array, Array]]:
    """Where each row is drawn, by set ("train", "val"): (x, y, class). Two features: the
    features; one feature: x and the label with a fixed jitter (±0.06) so rows do not hide
    each other."""
    d = model.data
    out = {}
    for which, x, y, seed in (("train", d.x_train, d.y_train, 1), ("val", d.x_val, d.y_val, 2)):
        up = (
            x[:, 1]
            if x.shape[1] > 1
            else y + np.random.default_rng(seed).uniform(-0.06, 0.06, len(y))
        )
        out[which] = (x[:, 0], up, y)
    return out


def axis_titles(surface) -> tuple[str, str]:
    """The data view's axis titles: the features as the model sees them (z-scores when the
    surface scales them), or feature x and the class on a one-feature model."""
    if surface.model.data.x_train.shape[1] == 1:
        return "feature x", "class · P(class 1 | x)"
    unit = " (z-score)" if dict(surface.params).get("scaled") else ""
    return f"feature 1{unit}", f"feature 2{unit}"


def data_box(model) -> tuple[Array, Array]:
    """(lo, hi) per feature: the rows' range padded by 5 %, in the data's own units."""
    d = model.data
    rows = np.concatenate([d.x_train, d.x_val])
    lo, hi = rows.min(axis=0), rows.max(axis=0)
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


def _class_traces(x: Array, y: Array, c: Array, which: str) -> list[dict]:
    """Scatter traces of one set's rows by class (validation rows drawn hollow)."""
    traces = []
    for label in (0, 1):
        rows = c == label
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": f32(x[rows]),
                "y": f32(y[rows]),
                "name": f"class {label} · {which}",
                "marker": {
                    "color": CLASS_COLOURS[label] if which == "train" else "rgba(0,0,0,0)",
                    "line": {"color": CLASS_COLOURS[label], "width": 1.5},
                    "symbol": CLASS_SYMBOLS[label],
                    "size": 8,
                },
                "hovertemplate": (
                    f"class {label}, {which}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>"
                ),
            }
        )
    return traces


def data_figure(surface, fits: Sequence[tuple[str, str, Array]], height: int = 420) -> dict:
    """The training rows (filled) and validation rows (hollow) by class of a model surface,
    and for each fit (label, colour, parameters p): logistic regression's decision boundary
    w·x = 0, or the network's curve P(class 1 | x) = σ(v·tanh(w·x)) with its threshold ½."""
    model = surface.model
    two_d = model.data.x_train.shape[1] > 1
    x_title, y_title = axis_titles(surface)
    names = {"train": "train", "val": "validation"}
    traces = [
        t for which, rows in plotted_rows(model).items() for t in _class_traces(*rows, names[which])
    ]
    lo, hi = data_box(model)
    for label, colour, p in fits:
        p = np.asarray(p, dtype=np.float64)
        if two_d:
            box = (lo[0], hi[0], lo[1], hi[1])
            seg = boundary_segment(p, box)
            name = f"{label}: w = ({num(p[0])}, {num(p[1])})"
            if seg is None:
                traces.append(_note_trace(name + " — no boundary in view", colour))
                continue
            traces.append(line_trace(seg[:, 0], seg[:, 1], name, colour))
        else:
            grid = np.linspace(lo[0], hi[0], 200)
            prob = model_probability(model, p, grid)
            name = f"{label}: w = {num(p[0])}, v = {num(p[1])}"
            traces.append(line_trace(grid, prob, name, colour))
    layout = base_layout(height=height, margin={"l": 55, "r": 10, "t": 90, "b": 50})
    layout["xaxis"] = {"title": {"text": x_title}, "range": [float(lo[0]), float(hi[0])]}
    layout["yaxis"] = {
        "title": {"text": y_title},
        "range": [float(lo[1]), float(hi[1])] if two_d else [-0.15, 1.15],
    }
    if not two_d:
        layout["shapes"] = [_hline(0.5)]
    return {"data": traces, "layout": layout}


def model_probability(model, p: Array, x: Array) -> Array:
    """σ(z) of the model at parameters p (2,) on feature values x (n,) of a one-feature model."""
    from surfaces.models import logits, sigmoid

    with np.errstate(all="ignore"):
        return sigmoid(logits(model.kind, p[None], x[:, None]))[0]


def _note_trace(name: str, colour: str) -> dict:
    """A legend entry without data (a fit with nothing to draw)."""
    return {
        "type": "scatter",
        "mode": "lines",
        "x": [],
        "y": [],
        "name": name,
        "line": {"color": colour, "width": 2.5, "dash": "dot"},
    }


def _hline(y: float) -> dict:
    return {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "y0": y,
        "y1": y,
        "line": {"color": "#999999", "width": 1, "dash": "dot"},
    }


# --------------------------------------------------------------------------- curves


PANELS = (("loss", "Cross-entropy loss"), ("acc", "Accuracy"))


def curves_figure(
    series: Sequence[tuple[str, str, Curves]], unit: str = "step", height=420
) -> dict:
    """Loss (top) and accuracy (below) against the step or epoch: training solid, validation
    dashed, one colour per run."""
    traces = []
    for col, (which, _) in enumerate(PANELS, start=1):
        axes = {"xaxis": "x" if col == 1 else "x2", "yaxis": "y" if col == 1 else "y2"}
        for label, colour, c in series:
            pairs = (
                (("training", c.train_loss), ("validation", c.val_loss))
                if which == "loss"
                else (("training", c.train_acc), ("validation", c.val_acc))
            )
            for part, values in pairs:
                finite = np.flatnonzero(np.isfinite(values))
                last = int(finite[-1]) if finite.size else 0
                idx = keep_indices(last, MAX_POINTS)
                traces.append(
                    {
                        "type": "scatter",
                        "mode": "lines",
                        "x": idx.astype(np.int32),
                        "y": f32(values[idx]),
                        "name": f"{label} · {part}",
                        "legendgroup": f"{label} · {part}",
                        "showlegend": col == 1,
                        "line": {
                            "color": colour,
                            "width": 2.2,
                            "dash": "solid" if part == "training" else "dash",
                        },
                        "hovertemplate": (
                            f"{label} · {part}<br>{unit} %{{x}}: %{{y:.3g}}<extra></extra>"
                        ),
                        **axes,
                    }
                )
    layout = base_layout(height=height, margin={"l": 45, "r": 10, "t": 90, "b": 50})
    layout["annotations"] = []
    for row, (_, title) in enumerate(PANELS, start=1):  # loss on top, accuracy below
        suffix = "" if row == 1 else "2"
        low = 0.56 if row == 1 else 0.0
        layout[f"xaxis{suffix}"] = {"anchor": f"y{suffix}", "matches": "x"}
        layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "domain": [low, low + 0.38]}
        layout["annotations"].append(
            {
                "text": f"<b>{title}</b>",
                "x": 0,
                "xref": "paper",
                "xanchor": "left",
                "y": low + 0.38,
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 13},
            }
        )
    del layout["xaxis"]["matches"]
    layout["xaxis"]["showticklabels"] = False
    layout["xaxis2"]["title"] = {"text": unit}
    layout["yaxis2"]["range"] = [0, 1.05]
    return {"data": traces, "layout": layout}


# --------------------------------------------------------------------------- sentences


def overfit_sentence(c: Curves, unit: str = "step") -> str:
    """Whether the validation loss turns up, and what the training loss does meanwhile."""
    val, train = c.val_loss, c.train_loss
    finite = np.isfinite(val) & np.isfinite(train)
    if not finite.all():
        val, train = val[: np.argmin(finite)], train[: np.argmin(finite)]
    if len(val) < 2:
        return "Too few points to read the validation curve."
    best = int(np.argmin(val))
    end = len(val) - 1
    rise = val[end] - val[best]
    if best == end or rise <= 1e-3 * abs(val[best]):
        return (
            f"The validation loss is still at its lowest at the last {unit} ({num(val[end])}): "
            "no sign of over-fitting."
        )
    if train[end] < train[best]:
        return (
            f"The validation loss is lowest at {unit} {best} ({num(val[best])}), then turns up "
            f"to {num(val[end])} while the training loss keeps falling ({num(train[best])} → "
            f"{num(train[end])}): from there on the model fits the training rows' noise. "
            f"Stopping at {unit} {best} would generalize best."
        )
    return (
        f"Both losses rise after {unit} {best} (validation {num(val[best])} → {num(val[end])}): "
        "the steps are too large, this is not over-fitting."
    )


def settle_sentence(kind: int, lr: float, optimizer: str, lr_max_stable: float | None) -> str:
    """Whether the rate is too high to settle: from the run's outcome and, for plain GD, from
    the limit 2/λ_max at the minimum."""
    limit = (
        f" (GD's limit at the minimum is 2/λ_max = {num(lr_max_stable)})"
        if lr_max_stable is not None and np.isfinite(lr_max_stable)
        else ""
    )
    if kind == Outcome.DIVERGED:
        return f"lr = {num(lr)} is too high to settle: the loss blew up{limit}."
    if kind in (Outcome.OSCILLATING, Outcome.THROWN_OUT):
        return f"lr = {num(lr)} is too high to settle: the loss still bounces at the end{limit}."
    if optimizer == "gd" and limit and lr >= lr_max_stable:
        return (
            f"lr = {num(lr)} is above GD's limit 2/λ_max = {num(lr_max_stable)} at the "
            "minimum: it cannot settle there."
        )
    if kind == Outcome.CONVERGED:
        return f"lr = {num(lr)} settles at the minimum{limit}."
    return f"lr = {num(lr)} has not settled yet in this many steps{limit}."


def finder_sentence(suggestion: float, lr_max_stable: float | None) -> str:
    """The LR finder's suggestion next to 2/λ_max at the minimum."""
    if not np.isfinite(suggestion):
        return "The LR finder stopped too early to suggest a rate from this start."
    text = (
        f"The LR finder (full batch, fastai's valley rule) suggests lr ≈ {num(suggestion)} on "
        "this model"
    )
    if lr_max_stable is None or not np.isfinite(lr_max_stable):
        return text + "; with no minimum in view there is no 2/λ_max to compare with."
    ratio = suggestion / lr_max_stable
    if ratio >= 1:
        side = "above it: GD at that rate would not settle at the minimum"
    elif ratio < 0.1:
        side = "far inside the stable range, so GD at that rate is safe but slow"
    else:
        side = "inside the stable range"
    return (
        f"{text}; the Hessian at the minimum allows GD up to 2/λ_max = {num(lr_max_stable)}, "
        f"so the suggestion is {num(ratio)}× that limit — {side}."
    )
