"""The fair race's table: one row per optimizer, every cell a finite number or words."""

from __future__ import annotations

from collections.abc import Sequence

from app.figures.outcomes import OUTCOME_WORDS
from optimizers.diagnostics import Outcome, plural


def race_outcome(row) -> str:
    """What happened to one racer, in one cell: "reached in 96 steps" (optimizers.lab.race:
    reached ⇔ f − f* < tol from `steps` on to the end; ", off the map" if the path left it),
    or why not. One cell for steps and outcome: they cannot disagree, and a phone fits it."""
    if row.reached:
        reached = f"reached in {plural(int(row.steps), 'step')}"
        return reached if row.on_map else f"{reached}, off the map"
    if row.diverged_at >= 0:
        return f"diverged at step {row.diverged_at}"
    if not row.on_map:
        return "left the map"
    kind = Outcome(int(row.outcome))
    if kind is Outcome.CONVERGED:  # near a global minimum by distance, but f − f* ≥ tol at the end
        return "not within tol"
    return OUTCOME_WORDS[kind]


def race_table(rows: Sequence, labels: Sequence[str]) -> list[dict]:
    """One row per optimizer for st.table: chosen rate, outcome (`race_outcome`), final loss,
    distance; every cell a finite number or text."""
    return [
        {
            "optimizer": label,
            "lr": float(row.lr),
            "outcome": race_outcome(row),
            "final loss": float(row.final_loss),
            "distance": float(row.distance),
        }
        for label, row in zip(labels, rows, strict=True)
    ]
