"""Words and tables for a scene: narration lines, the theory sentence, the step inspector, CSV.

Pure functions (no Streamlit): numbers in, strings / rows out.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence

import numpy as np

from optimizers.numbers import num, point
from optimizers.stability import NoQuadraticModel, Stability, bound_rule, stable_lr

__all__ = ["num", "point"]  # the core's one formatter, re-exported for the app


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


def theory_sentences(stab: Stability | NoQuadraticModel, where: str, at_minimum: bool) -> list[str]:
    """What the quadratic model at `where` says about fixed learning rates (markdown); where
    it does not apply (`stab` is a NoQuadraticModel: a kink), that, and no numbers."""
    place = f"At the minimum {where}" if at_minimum else f"At the start {where} (no minimum known)"
    if isinstance(stab, NoQuadraticModel):
        what = "the minimum" if at_minimum else "the start"
        return [
            f"The quadratic model (and 2/λ_max) does not apply at {what} {where}: "
            f"{stab.reason}, so the curvature gives no learning-rate bound here."
        ]
    lo, hi = stab.eigenvalues
    scale = max(abs(lo), abs(hi))
    kappa = f", condition number κ = {num(stab.condition)}" if np.isfinite(stab.condition) else ""
    lines = [
        f"{place} the Hessian has eigenvalues λ_min = {num(lo, scale)} and "
        f"λ_max = {num(hi, scale)}{kappa}."
    ]
    if hi > 0:
        lines.append(
            f"Gradient descent settles there only if **lr < 2/λ_max = {num(stab.lr_max_stable)}**; "
            "above that every step overshoots further than the last."
        )
    if stab.positive_definite and stab.condition == 1.0:
        lines.append(
            f"κ = 1, a round bowl: every direction has the same curvature λ = {num(hi)}, so one "
            f"step of **lr = 1/λ = {num(1 / hi)}** lands exactly on the minimum (on the "
            "quadratic model); momentum cannot do better."
        )
    elif stab.positive_definite:
        rate = (stab.condition - 1) / (stab.condition + 1)
        lines.append(
            f"The best fixed rate is **2/(λ_min + λ_max) = {num(stab.lr_best)}**: even then the "
            f"error shrinks only by a factor {num(rate, 1.0)} per step — the larger κ, the "
            f"slower. Momentum does better: lr = {num(stab.momentum_lr)}, "
            f"μ = {num(stab.momentum_mu, 1.0)} gives {num(np.sqrt(stab.momentum_mu), 1.0)} "
            "per step."
        )
    elif lo == 0 and hi > 0:
        lines.append(
            "λ_min = 0: the landscape is flat along one direction here, so the quadratic model "
            "cannot say how fast a run closes in along it (higher-order terms decide)."
        )
    elif lo == 0 and hi == 0:
        lines.append(
            "Both eigenvalues are 0: the landscape is flat to second order here, so the "
            "quadratic model gives no learning-rate bound (higher-order terms decide)."
        )
    else:
        lines.append("The Hessian is not positive definite here: this is not a bowl.")
    return lines


def rate_verdict(
    optimizer: str,
    lr: float,
    hyper: dict,
    stab: Stability,
    where: str = "near the minimum",
    rates: np.ndarray | None = None,
) -> str:
    """Where one racer's rate sits against `stable_lr` for its method at λ_max (of the
    minimum, or of the start when no minimum is known: pass where="near the start").
    `rates`: the rate of every step the run took; under a schedule (rates not all equal) the
    verdict speaks of those (schedule_verdict), not of the base rate `lr`."""
    bound = stable_lr(optimizer, hyper, stab.eigenvalues[1])
    if bound is None:
        return (
            "adaptive steps (divided by a running gradient scale): no fixed learning-rate bound "
            "applies"
        )
    if not np.isfinite(bound):
        return "no curvature limit here"
    rule = f"{bound_rule(optimizer, hyper)} = {num(bound)}"
    if rates is not None and rates.size and np.ptp(rates) > 0:
        return schedule_verdict(rates, bound, rule, where)
    if lr >= bound:
        return f"lr = {num(lr)} ≥ {rule}: unstable {where}"
    if optimizer == "gd" and np.isfinite(stab.lr_best) and lr < 0.2 * stab.lr_best:
        return f"lr = {num(lr)} < {rule}: stable but far below the best rate (slow)"
    return f"lr = {num(lr)} < {rule}: stable"


def schedule_verdict(rates: np.ndarray, bound: float, rule: str, where: str) -> str:
    """The verdict for the rates a schedule used: its range, its peak and final rate against
    the limit `bound` (written `rule`), and the steps at or above it."""
    peak, final = float(rates.max()), float(rates[-1])
    if peak < bound:
        return f"the schedule's rates ({num(rates.min())} to {num(peak)}) stay < {rule}: stable"
    above = np.flatnonzero(rates >= bound)
    span = f"step {above[0]}" if above.size == 1 else f"steps {above[0]}–{above[-1]}"
    steps = f"for {above.size} of {rates.size} steps ({span})"
    if final < bound:
        return (
            f"the schedule's peak lr = {num(peak)} ≥ {rule} {steps}, unstable {where} there; "
            f"its final lr = {num(final)} < {num(bound)}: stable at the end"
        )
    return f"the schedule's final lr = {num(final)} ≥ {rule} ({steps}): unstable {where}"


def racer_limit(optimizer: str, hyper: dict, stab: Stability) -> float:
    """The racer's own stable limit `stable_lr` at λ_max, NaN for adaptive methods (a float,
    for cache keys and figures)."""
    bound = stable_lr(optimizer, hyper, stab.eigenvalues[1])
    return float("nan") if bound is None else float(bound)


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
    return same_columns(rows)


def same_columns(rows: list[dict], missing: str = "—") -> list[dict]:
    """Every row with every column of any row (in first-seen order); a column a row lacks (an
    optimizer without that state) reads `missing`, never an empty "None" cell."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return [{key: row.get(key, missing) for key in columns} for row in rows]


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
