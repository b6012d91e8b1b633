"""Words and tables for a scene: narration lines, the theory sentence, the step inspector, CSV.

Pure functions (no Streamlit): numbers in, strings / rows out.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence

import numpy as np


def num(v: float) -> str:
    """A number for a sentence: 3 significant digits, no exponent noise."""
    v = float(v)
    if not np.isfinite(v):
        return "∞" if v > 0 else ("−∞" if v < 0 else "undefined")
    return f"{v:.3g}"


def point(p: Sequence[float]) -> str:
    return f"({num(p[0])}, {num(p[1])})"


def racer_labels(racers: Sequence) -> list[str]:
    """'GD · lr 0.4' per racer (the rate tells two runs of one optimizer apart)."""
    from optimizers import OPTIMIZERS

    return [f"{OPTIMIZERS[r.optimizer].label} · lr {r.lr:g}" for r in racers]


def narration_html(label: str, colour: str, sentence: str, size: str = "1.05rem") -> str:
    """One line of narration: a colour swatch, the racer's name in its colour, the sentence."""
    return (
        f"<div style='margin:0 0 .55em 0;font-size:{size};line-height:1.35'>"
        f"<span style='color:{colour};font-size:1.25em'>●</span> "
        f"<b style='color:{colour}'>{html.escape(label)}</b> — {html.escape(sentence)}</div>"
    )


def theory_sentences(stab, where: str, at_minimum: bool) -> list[str]:
    """What the quadratic model at `where` says about fixed learning rates (markdown)."""
    lo, hi = stab.eigenvalues
    place = f"At the minimum {where}" if at_minimum else f"At the start {where} (no minimum known)"
    lines = [
        f"{place} the Hessian has eigenvalues λ_min = {num(lo)} and λ_max = {num(hi)}"
        + (f", condition number κ = {num(stab.condition)}." if np.isfinite(stab.condition) else ".")
    ]
    if np.isfinite(stab.lr_max_stable):
        lines.append(
            f"Gradient descent settles there only if **lr < 2/λ_max = {num(stab.lr_max_stable)}**; "
            "above that every step overshoots further than the last."
        )
    if stab.positive_definite:
        rate = (stab.condition - 1) / (stab.condition + 1)
        lines.append(
            f"The best fixed rate is **2/(λ_min + λ_max) = {num(stab.lr_best)}**: even then the "
            f"error shrinks only by a factor {num(rate)} per step — the larger κ, the slower. "
            f"Momentum does better: lr = {num(stab.momentum_lr)}, μ = {num(stab.momentum_mu)} "
            f"gives {num(np.sqrt(stab.momentum_mu))} per step."
        )
    else:
        lines.append("The Hessian is not positive definite here: this is not a bowl.")
    return lines


def rate_verdict(optimizer: str, lr: float, hyper: dict, stab) -> str:
    """Where one racer's rate sits against the quadratic model's limit for its method."""
    limit = stab.lr_max_stable
    if not np.isfinite(limit):
        return "no curvature limit here"
    product = lr * 2 / limit  # lr·λ_max
    if optimizer == "gd":
        bound, rule = 2.0, "2"
    elif optimizer == "momentum":
        mu = hyper.get("momentum", 0.0)
        bound, rule = 2 + 2 * mu, f"2 + 2μ = {num(2 + 2 * mu)}"
    else:
        return (
            f"lr·λ_max = {num(product)}; adaptive or curvature-aware steps: the plain-GD limit "
            "is only a reference"
        )
    if product >= bound:
        return f"lr·λ_max = {num(product)} > {rule}: unstable near the minimum"
    if np.isfinite(stab.lr_best) and lr < 0.2 * stab.lr_best:
        return f"lr·λ_max = {num(product)} < {rule}: stable but far below the best rate (slow)"
    return f"lr·λ_max = {num(product)} < {rule}: stable"


def inspector_rows(
    labels: Sequence[str], outcomes: Sequence, grads: Sequence[np.ndarray], step: int
) -> list[dict]:
    """One row per racer at `step`: where it is, the gradient, the step it takes, its state."""
    rows = []
    for label, out, grad in zip(labels, outcomes, grads, strict=True):
        k = min(step, len(out.positions) - 1)
        x = out.positions[k]
        row = {
            "optimizer": label,
            "position": point(x),
            "f": num(out.loss[k]),
            "gradient ∇f": point(grad),
            "‖∇f‖": num(out.grad_norm[k]),
        }
        if k < len(out.lr):
            row["lr"] = num(out.lr[k])
            row["step taken Δx"] = point(out.positions[k + 1] - x)
        if 0 <= out.diverged_at <= k:
            row["note"] = f"diverged at step {out.diverged_at}"
        for name, history in out.states.items():
            if name == "step":  # the optimizer's own step counter: the step itself
                continue
            value = np.asarray(history[k])
            if value.dtype.kind in "fi" and value.size <= 2:
                row[name] = point(value) if value.size == 2 else num(value)
        rows.append(row)
    return rows


def trajectories_csv(labels: Sequence[str], outcomes: Sequence) -> str:
    """Every step of every racer: racer, step, x, y, loss, lr, grad_norm (lr empty at the end)."""
    buf = io.StringIO()
    out_csv = csv.writer(buf)
    out_csv.writerow(["racer", "step", "x", "y", "loss", "lr", "grad_norm", "diverged_at"])
    for label, out in zip(labels, outcomes, strict=True):
        for k in range(len(out.positions)):
            lr = repr(float(out.lr[k])) if k < len(out.lr) else ""
            x, y = out.positions[k]
            out_csv.writerow(
                [
                    label,
                    k,
                    repr(float(x)),
                    repr(float(y)),
                    repr(float(out.loss[k])),
                    lr,
                    repr(float(out.grad_norm[k])),
                    out.diverged_at,
                ]
            )
    return buf.getvalue()
