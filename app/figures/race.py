"""The fair race's table: one row per optimizer, every cell a finite number or words."""

from __future__ import annotations

from collections.abc import Sequence

from app.figures.outcomes import OUTCOME_WORDS
from optimizers.diagnostics import Outcome

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
