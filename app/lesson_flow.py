"""A lesson as a prediction that is judged, and the controls a lesson link may lock.

Judging: `judge(lesson, answer, runs)` says whether a prediction was right and why, in one
sentence built from the runs themselves (each racer's own narration). The answer is a choice key
of the lesson's question (app/classroom/questions.ASKS: its choices and the rule that picks the
true one) or a map point "where will it end?" (the lessons page asks it for a lesson with
`where`: `map_prompt`), right when it lies within `tap_radius` — TAP_TOLERANCE of the map's
larger side, stated in the prompt — of where the asked racer (`where`, else the first) ended.

Locks (TensorFlow Playground's `…_hide=true`): one link key names the controls that stay put,

    lock=landscape,optimizer    those two are locked, the rest stay movable
    free=lr                     everything but the learning rate is locked
    lock=lesson                 the lesson's own choice: all but its `free` controls

A bad value (unknown name, both keys, too long) is a warning and no lock. Pure functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from app import compute, narration
from app.classroom import questions
from app.lessons import Lesson
from app.state.settings import Settings
from optimizers.numbers import num, point

CONTROLS = (
    "landscape",  # the surface, its parameters, a typed formula and its domain
    "start",
    "optimizer",  # which optimizers race (and how many)
    "lr",
    "momentum",  # momentum and the optimizer's other hyperparameters (betas, eps, …)
    "schedule",  # the learning-rate policy, its parameters and the warm-up
    "steps",
    "noise",
    "seed",
)
LESSON_LOCK = "lesson"
MAX_LOCK_CHARS = 200
TAP_TOLERANCE = 0.05  # of the larger side of the map


# --------------------------------------------------------------------------- locks


def changed_controls(before: Settings, after: Settings) -> frozenset[str]:
    """The controls (CONTROLS names) whose values differ between two scenes."""
    fields = {
        "landscape": ("surface", "surface_params", "formula", "domain"),
        "start": ("start",),
        "schedule": ("policy", "policy_params", "warmup"),
        "steps": ("steps",),
        "noise": ("noise",),
        "seed": ("seed",),
    }
    changed = {
        control
        for control, names in fields.items()
        if any(getattr(before, n) != getattr(after, n) for n in names)
    }
    a, b = before.racers, after.racers
    per_racer = {"optimizer": "optimizer", "lr": "lr", "momentum": "hyper"}
    if len(a) != len(b):
        changed.add("optimizer")
    for control, attr in per_racer.items():
        if any(getattr(x, attr) != getattr(y, attr) for x, y in zip(a, b, strict=False)):
            changed.add(control)
    return frozenset(changed)


def _last(value: str | Sequence[str]) -> str:
    return value if isinstance(value, str) else (value[-1] if value else "")


def parse_lock(
    query: Mapping[str, str | Sequence[str]], lesson: Lesson | None = None
) -> tuple[frozenset[str], list[str]]:
    """The locked controls a link asks for (`lock=` or `free=`, see the module docstring) and
    any warnings; a bad value locks nothing. `query` is the page's query (or a scene's
    `dict(settings.extra)`: both keys pass through `Settings` as other views' keys)."""
    keys = [k for k in ("lock", "free") if k in query]
    if not keys:
        return frozenset(), []
    if len(keys) == 2:
        return frozenset(), ["A link can say lock= or free=, not both: nothing is locked."]
    key = keys[0]
    text = _last(query[key]).strip()
    if len(text) > MAX_LOCK_CHARS:
        return frozenset(), [f"The {key}= value is too long: nothing is locked."]
    names = [n.strip() for n in text.split(",") if n.strip()]
    if names == [LESSON_LOCK] and key == "lock":
        if lesson is None:
            return frozenset(), ["lock=lesson needs a lesson: nothing is locked."]
        return frozenset(CONTROLS) - set(lesson.free), []
    unknown = [n for n in names if n not in CONTROLS]
    known = ", ".join(CONTROLS)
    if not names:
        return frozenset(), [f"{key}= names no control (known: {known}): nothing is locked."]
    if unknown:
        shown = ", ".join(repr(n[:30]) for n in unknown)
        return frozenset(), [
            f"Unknown control in {key}=: {shown} (known: {known}); nothing is locked."
        ]
    chosen = frozenset(names)
    return (chosen if key == "lock" else frozenset(CONTROLS) - chosen), []


# --------------------------------------------------------------------------- judging


def _said(out: compute.Outcome) -> str:
    """The racer's narration as the end of a longer sentence."""
    return out.sentence[:1].lower() + out.sentence[1:].rstrip(".")


def _hover_fact(s: Settings, out: compute.Outcome) -> str:
    return f"hovers {num(questions.hover(s, out))} from the minimum (root-mean-square, last half)"


def _limit_fact(s: Settings, out: compute.Outcome) -> str:
    """How long the run's own rates stayed above GD's limit 2/λ_max at the minimum."""
    surface = compute.get_surface(compute.surface_key(s))
    limit = 2.0 / np.linalg.eigvalsh(surface.hess(np.asarray(surface.global_min.point)))[-1]
    above = np.flatnonzero(out.lr > limit)
    span = f"steps {above[0]}–{above[-1]}" if above.size else "no step"
    return (
        f"its rate was above the limit 2/λ_max = {num(limit)} for {above.size} of "
        f"{out.lr.size} steps ({span}); {_said(out)}"
    )


def _angle_fact(s: Settings, out: compute.Outcome) -> str:
    across, straight = questions.gradient_angles(s)
    return (
        f"at the start −∇f is {num(across)}° from the ravine's steep axis and {num(straight)}° "
        f"from the line to the minimum; {_said(out)}"
    )


# what a lesson's question is about, where the racer's narration does not say it
FACTS = {"noise": _hover_fact, "one_cycle": _limit_fact, "zigzag": _angle_fact}


def _why(lesson: Lesson, runs: questions.Outcomes) -> str:
    """Each racer's fact (its own narration unless FACTS has one), joined into one sentence."""
    s = lesson.settings
    fact = FACTS.get(lesson.name, lambda s, out: out.sentence.rstrip("."))
    labels = narration.racer_labels(s.racers)
    return "; ".join(f"{label}: {fact(s, out)}" for label, out in zip(labels, runs, strict=True))


def tap_radius(s: Settings) -> tuple[float, float]:
    """(radius within which a map point is right, the map's larger side) for the scene `s`."""
    box = compute.get_landscape(compute.surface_key(s)).box
    side = max(box[1] - box[0], box[3] - box[2])
    return TAP_TOLERANCE * side, side


def asked_racer(lesson: Lesson) -> int:
    """The racer a "where will it end?" question is about: the lesson's `where`, else the first."""
    return lesson.where or 0


def map_prompt(lesson: Lesson) -> str:
    """The lesson's question as a map click: which racer, after how many steps, and what
    counts as right."""
    s = lesson.settings
    label = narration.racer_labels(s.racers)[asked_racer(lesson)]
    radius, _ = tap_radius(s)
    return (
        f"{lesson.question} Click the map where {label} will be after {s.steps} steps: right "
        f"within {num(radius)} of its end ({TAP_TOLERANCE:.0%} of the map's larger side)."
    )


def judge(
    lesson: Lesson, answer: str | tuple[float, float], runs: questions.Outcomes
) -> tuple[bool, str]:
    """(right, one sentence why) for a choice key or a map point, from the lesson's runs."""
    s = lesson.settings
    if isinstance(answer, str):
        ask = questions.ASKS[lesson.name]
        truth = ask.pick(s, runs)
        verdict = "Right" if answer == truth else "Not quite"
        return answer == truth, f"{verdict}: {dict(ask.choices)[truth]} — {_why(lesson, runs)}."
    tolerance, side = tap_radius(s)
    i = asked_racer(lesson)
    end = questions.end_point(runs[i])
    off = float(np.hypot(answer[0] - end[0], answer[1] - end[1]))
    right = off <= tolerance
    label = narration.racer_labels(s.racers)[i]
    return right, (
        f"{'Right' if right else 'Not quite'}: {label} ends at {point(end, side)}, {num(off)} from "
        f"your point {point(answer, side)} ({'within' if right else 'more than'} "
        f"{num(tolerance)}, {TAP_TOLERANCE:.0%} of the map's larger side) — {_said(runs[i])}."
    )
