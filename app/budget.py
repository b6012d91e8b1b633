"""How much computing one request may start on the shared server, and the message when capped.

All sessions of a server process share one interpreter, so one student's slow rerun is every
student's wait. Two budgets, both scaled by the landscape's `Surface.cost` (Himmelblau = 1):

- WORK_BUDGET counts trajectory-steps (rows × steps): what large batches (basin maps, phase
  diagrams, SGD fans) pay per point;
- CALL_BUDGET counts simulated steps of small batches (a run per racer or per optimizer, a
  sweep): there the price is per step, per array operation, whatever the batch size.
"""

from __future__ import annotations

import streamlit as st

WORK_BUDGET = 20_000_000
"""Most rows × steps × cost per request: a 200 × 200 basin map for 500 steps on Himmelblau,
measured 0.8–2.3 s of one core (bench/README.md)."""

CALL_BUDGET = 80_000
"""Most small-batch steps × cost per request: the explore view's largest scene (6 racers × 5000
steps) on every built-in landscape (Rastrigin: 2.5) fits; a typed formula 40× as costly gets
2 000 steps in all (~1 s instead of 16 s)."""


def capped_steps(rows: int, steps: int, budget: float) -> int:
    """`steps`, or the most steps that keep rows × steps within `budget` (at least 1)."""
    return max(1, min(int(steps), int(budget // max(int(rows), 1))))


def affordable_steps(
    asked: int,
    cost: float,
    asked_text: str,
    advice: str,
    *,
    rows: int = 1,
    runs: int = 1,
) -> int:
    """The steps to run: `asked`, or as many as keep rows × steps × cost within WORK_BUDGET and
    runs × steps × cost within CALL_BUDGET (`rows`: trajectories in all; `runs`: the simulate
    calls that step one after the other), with a warning that says what was capped and why. A
    landscape cheaper than Himmelblau gets no more than the base budgets."""
    factor = max(1.0, float(cost))
    steps = min(
        capped_steps(rows, asked, WORK_BUDGET / factor),
        capped_steps(runs, asked, CALL_BUDGET / factor),
    )
    if steps < asked:
        costly = f" This landscape costs about {factor:.3g}× a typical one per step."
        st.warning(
            f"{asked_text} is more than one student may start on this shared server (a couple of "
            f"seconds of computing).{costly if factor > 1 else ''} Running **{steps:,} steps**. "
            f"{advice}",
            icon=":material/speed:",
        )
    return steps
