"""How much computing one request may start on the shared server, and the message when capped.

All sessions of a server process share one interpreter, so one student's slow rerun is every
student's wait. Two budgets, both scaled by the landscape's `Surface.cost` (Himmelblau = 1):

- WORK_BUDGET counts trajectory-steps (rows × steps): what large batches (basin maps, phase
  diagrams, SGD fans) pay per point;
- CALL_BUDGET counts simulated steps of small batches (a run per racer or per optimizer, a
  sweep): there the price is per step, per array operation, whatever the batch size.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

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


def ladder(low: int, high: int) -> tuple[int, ...]:
    """The 1–2–5 values of [low, high] (1, 2, 5, 10, 20, 50 …), and `high` if it is not one."""
    values = [
        m * 10**e for e in range(0, len(str(int(high))) + 1) for m in (1, 2, 5)
        if low <= m * 10**e <= high
    ]  # fmt: skip
    return tuple(values if values and values[-1] == high else [*values, int(high)])


def snap(value: float, grid: Sequence[int]) -> int:
    """The value of `grid` (ascending) nearest to `value` on a log scale: heavy views run only
    these, so near-identical requests (407, 408, 409 … steps) share one cache entry."""
    value = min(max(float(value), grid[0]), grid[-1])
    i = bisect.bisect_left(grid, value)
    if i == 0 or grid[i] == value:
        return int(grid[i])
    lo, hi = grid[i - 1], grid[i]
    return int(lo if math.log(value / lo) < math.log(hi / value) else hi)


def snap_down(value: int, grid: Sequence[int]) -> int:
    """The largest value of `grid` ≤ `value` (`value` itself below the grid)."""
    i = bisect.bisect_right(grid, value)
    return int(grid[i - 1]) if i else int(value)


def affordable_steps(
    asked: int,
    cost: float,
    asked_text: str,
    advice: str,
    *,
    rows: int = 1,
    runs: int = 1,
    grid: Sequence[int] | None = None,
) -> int:
    """The steps to run: `asked`, or as many as keep rows × steps × cost within WORK_BUDGET and
    runs × steps × cost within CALL_BUDGET (`rows`: trajectories in all; `runs`: the simulate
    calls that step one after the other), with a warning that says what was capped and why. A
    landscape cheaper than Himmelblau gets no more than the base budgets. With a `grid` (heavy
    views: `ladder`), `asked` is snapped to it and a cap rounded down onto it, and a caption
    says what runs."""
    factor = max(1.0, float(cost))
    wanted = asked if grid is None else snap(asked, grid)
    steps = min(
        capped_steps(rows, wanted, WORK_BUDGET / factor),
        capped_steps(runs, wanted, CALL_BUDGET / factor),
    )
    if grid is not None and steps < wanted:
        steps = snap_down(steps, grid)
    if grid is not None and steps == wanted != asked:
        st.caption(
            f"Running **{steps:,} steps** (asked: {asked:,}): this view runs "
            f"{', '.join(f'{g:,}' for g in grid)} steps, so that near-identical requests share "
            "one result on this shared server.",
        )
    if steps < wanted:
        costly = f" This landscape costs about {factor:.3g}× a typical one per step."
        st.warning(
            f"{asked_text} is more than one student may start on this shared server (a couple of "
            f"seconds of computing).{costly if factor > 1 else ''} Running **{steps:,} steps**. "
            f"{advice}",
            icon=":material/speed:",
        )
    return steps
