"""What happened to a run, in the lab figures' words and colours (one per outcome)."""

from __future__ import annotations

from optimizers.diagnostics import Outcome, plural

# One colour per outcome (Okabe–Ito), shared by the sweep's panels and its curves.
OUTCOME_COLOURS = {
    Outcome.CONVERGED: "#009E73",
    Outcome.TRAPPED: "#CC79A7",
    Outcome.DIVERGED: "#D55E00",
    Outcome.OSCILLATING: "#E69F00",
    Outcome.STALLED: "#7f7f7f",
    Outcome.CRAWLING: "#0072B2",
    Outcome.THROWN_OUT: "#999933",  # olive: black would vanish on the dark page
    Outcome.UNDEFINED: "#994F00",
}
# Basin colours: minima in pale, distinct tints; diverged dark; not converged light grey;

OUTCOME_WORDS = {
    Outcome.CONVERGED: "converged",
    Outcome.TRAPPED: "trapped",
    Outcome.DIVERGED: "diverged",
    Outcome.OSCILLATING: "oscillating",
    Outcome.STALLED: "stalled",
    Outcome.CRAWLING: "too slow",
    Outcome.THROWN_OUT: "thrown off the map",
    Outcome.UNDEFINED: "stepped where f is undefined",
}


def outcome_label(kind: int, steps: int) -> str:
    """What happened to one run, in a few words a student understands: OUTCOME_WORDS, with the
    step of divergence or the steps to converge where there is one."""
    kind = Outcome(int(kind))
    if kind is Outcome.DIVERGED:
        return f"diverged at step {steps}"
    if kind is Outcome.CONVERGED:
        return f"converged in {plural(steps, 'step')}"
    if kind is Outcome.TRAPPED:
        return f"trapped in a local min ({plural(steps, 'step')})"
    return OUTCOME_WORDS[kind]
