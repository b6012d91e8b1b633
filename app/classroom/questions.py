"""What a class is asked, and what the right answer is — computed from the runs, never typed.

A lesson (app/lessons.py) becomes a choice question: its own question, and choices that
partition what the core can report about its runs (every possible run makes exactly one choice
true), each choice a predicate over the runs' `compute.Outcome`s. Any other scene becomes a map
question: "tap where the path will end", answered by the first optimizer's last point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs

import numpy as np

from app import compute, narration
from app.lessons import LESSON_LIST, LESSONS, next_lesson
from app.state import settings as cfg
from app.state.scene import start_of
from app.state.settings import Settings
from optimizers.diagnostics import Outcome as Kind

from .store import Question

Outcomes = Sequence[compute.Outcome]
Pick = Callable[[Settings, Outcomes], str]  # the key of the one true choice
AWAY = (Kind.DIVERGED, Kind.THROWN_OUT)


@dataclass(frozen=True)
class Ask:
    """A lesson's choices (key, text) and the rule that picks the true one from its runs."""

    choices: tuple[tuple[str, str], ...]
    pick: Pick


def _reached(out: compute.Outcome) -> bool:
    return out.kind == Kind.CONVERGED


def _both_reach(s: Settings, outs: Outcomes) -> str:
    a, b = map(_reached, outs)
    return {(True, True): "A", (True, False): "B", (False, True): "C"}.get((a, b), "D")


def _share_covered(s: Settings, outs: Outcomes) -> str:
    """How much of the way to the global minimum the first (small-rate) run covered."""
    out = outs[0]
    if _reached(out):
        return "D"
    target = np.asarray(compute.get_surface(compute.surface_key(s)).global_min.point)
    start, end = out.positions[0], out.positions[-1]
    covered = 1 - np.linalg.norm(end - target) / np.linalg.norm(start - target)
    return "A" if covered < 0.25 else ("B" if covered < 0.5 else "C")


def gradient_angles(s: Settings) -> tuple[float, float]:
    """Degrees between −∇f at the start and (the steep axis of the Hessian at the minimum, the
    straight line to the minimum)."""
    surface = compute.get_surface(compute.surface_key(s))
    x0 = np.asarray(start_of(s, surface), dtype=np.float64)
    x_min = np.asarray(surface.global_min.point, dtype=np.float64)
    down = -surface.grad(x0)
    down /= np.linalg.norm(down)
    to_min = (x_min - x0) / np.linalg.norm(x_min - x0)
    steep = np.linalg.eigh(surface.hess(x_min))[1][:, -1]  # eigenvector of λ_max
    cosines = np.clip([abs(down @ steep), down @ to_min], -1.0, 1.0)
    across, straight = np.degrees(np.arccos(cosines))
    return float(across), float(straight)


def _gradient_points(s: Settings, outs: Outcomes) -> str:
    """'across' when −∇f at the start is closer in angle to the steep axis than to the line to
    the minimum."""
    across, straight = gradient_angles(s)
    return "B" if across < straight else "A"


def _larger_rate_escapes(s: Settings, outs: Outcomes) -> str:
    """The larger (last) rate's fate, with "trapped in a local minimum" told apart."""
    return "TRAPPED" if outs[-1].kind == Kind.TRAPPED else _fate(s, outs[-1:])


def _deepest(s: Settings, outs: Outcomes) -> str:
    """The racer with the lowest final loss among those that did not blow up ('NONE' if all
    did)."""
    losses = [np.inf if o.kind in AWAY else float(o.loss[-1]) for o in outs]
    return "NONE" if np.isinf(losses).all() else _racer_key(int(np.argmin(losses)))


def _loss_after_decay(s: Settings, outs: Outcomes) -> str:
    """'keeps falling' when the loss over the last tenth of the run averages under half of
    its average over the middle fifth (steps 40 %–60 %)."""
    loss, n = outs[0].loss, len(outs[0].loss)
    mid = int(0.4 * n)
    late, middle = loss[-max(n // 10, 1) :].mean(), loss[mid : max(int(0.6 * n), mid + 1)].mean()
    return "A" if late < 0.5 * middle else "B"


def _who_misses(s: Settings, outs: Outcomes) -> str:
    missing = [i for i, o in enumerate(outs) if not _reached(o)]
    if not missing:
        return "ALL"
    return _racer_key(missing[0]) if len(missing) == 1 else "MANY"


def _plateau_exit(s: Settings, out: compute.Outcome) -> int | None:
    """The first step whose loss is below halfway from the plateau's log 2 down to f*."""
    f_min = compute.get_surface(compute.surface_key(s)).f_min
    below = np.flatnonzero(out.loss < 0.5 * (np.log(2.0) + f_min))
    return int(below[0]) if below.size else None


def _first_to_leave(s: Settings, outs: Outcomes) -> str:
    slow, fast = (_plateau_exit(s, o) for o in outs)
    if slow is None and fast is None:
        return "D"
    if slow is None:
        return "B"
    return "A" if fast is not None and fast < slow else "C"


def _fate(s: Settings, outs: Outcomes) -> str:
    """The common vocabulary for one run: it reaches the minimum, it blows up (diverges, is
    thrown off the map or steps where f is undefined), or it is still on its way."""
    kind = outs[0].kind
    if _reached(outs[0]):
        return "REACH"
    return "AWAY" if kind in (*AWAY, Kind.UNDEFINED) else "ON_WAY"


def hover(s: Settings, out: compute.Outcome) -> float:
    """Root-mean-square distance to the global minimum over the second half of the run."""
    target = np.asarray(compute.get_surface(compute.surface_key(s)).global_min.point)
    late = out.positions[len(out.positions) // 2 :] - target
    return float(np.sqrt((late**2).sum(axis=1).mean()))


def _hovers_closer(s: Settings, outs: Outcomes) -> str:
    """'BOTH' when both runs converge (stay on the minimum), else the one with less hover."""
    if all(map(_reached, outs)):
        return "BOTH"
    return _racer_key(int(np.argmin([hover(s, o) for o in outs])))


def _racer_key(i: int) -> str:
    return "ABCDEFGH"[i]


def _labels(name: str) -> list[str]:
    return narration.racer_labels(LESSONS[name].settings.racers)


def _per_racer(name: str, text: str) -> tuple[tuple[str, str], ...]:
    return tuple((_racer_key(i), text.format(label)) for i, label in enumerate(_labels(name)))


def _asks() -> dict[str, Ask]:
    small, large = _labels("too_large")
    within = f"within {LESSONS['too_large'].settings.steps} steps"
    slow, fast = _labels("net_plateau")
    settles = f"within {LESSONS['unscaled'].settings.steps} steps"
    lo, hi = _labels("unscaled")
    cycle = f"within {LESSONS['one_cycle'].settings.steps} steps"
    return {
        "one_cycle": Ask(
            (
                ("REACH", f"It reaches the minimum {cycle}"),
                ("AWAY", "It blows up, as in lesson 1"),
                ("ON_WAY", f"It is still on its way after {cycle.removeprefix('within ')}"),
            ),
            _fate,
        ),
        "noise": Ask(
            (
                *_per_racer("noise", "{} hovers closer"),
                ("BOTH", "Both stop on the minimum"),
            ),
            _hovers_closer,
        ),
        "unscaled": Ask(
            (
                ("A", f"Both settle at the best weights {settles}"),
                ("B", f"Only {lo} settles {settles}"),
                ("C", f"Only {hi} settles {settles}"),
                ("D", f"Neither settles {settles}"),
            ),
            _both_reach,
        ),
        "net_plateau": Ask(
            (
                ("A", f"{fast} leaves first; {slow} leaves later"),
                ("B", f"{fast} leaves; {slow} never does"),
                ("C", f"{slow} leaves first, or both at once"),
                ("D", "Neither leaves the plateau"),
            ),
            _first_to_leave,
        ),
        "too_large": Ask(
            (
                ("A", f"Both reach the minimum {within}"),
                ("B", f"Only {small} reaches it {within}"),
                ("C", f"Only {large} reaches it {within}"),
                ("D", f"Neither reaches it {within}"),
            ),
            _both_reach,
        ),
        "too_small": Ask(
            (
                ("A", "Less than a quarter of the way"),
                ("B", "A quarter to half of the way"),
                ("C", "More than half, not all the way"),
                ("D", "All the way to the minimum"),
            ),
            _share_covered,
        ),
        "zigzag": Ask(
            (("A", "At the minimum"), ("B", "Across the ravine")),
            _gradient_points,
        ),
        "trapped": Ask(
            (
                ("REACH", "It escapes to a global minimum"),
                ("TRAPPED", "It stays trapped in a local minimum"),
                ("AWAY", "It blows up or leaves the map"),
                ("ON_WAY", "It is still on its way, in no minimum yet"),
            ),
            _larger_rate_escapes,
        ),
        "momentum": Ask(
            (*_per_racer("momentum", "{}"), ("NONE", "Neither: both blow up")), _deepest
        ),
        "decay": Ask(
            (("A", "The loss keeps falling"), ("B", "The loss freezes where it is")),
            _loss_after_decay,
        ),
        "adaptive": Ask(
            (
                *_per_racer("adaptive", "Only {} never gets there"),
                ("ALL", "All of them get there"),
                ("MANY", "More than one never gets there"),
            ),
            _who_misses,
        ),
    }


ASKS = _asks()
assert set(ASKS) == set(LESSONS), "every lesson needs its choices"


def scene_settings(question: Question) -> tuple[Settings, list[str]]:
    """The scene a question runs (from its stored query string) and any warnings."""
    query = {k: v for k, v in parse_qs(question.scene, keep_blank_values=True).items()}
    return cfg.from_query(query, lessons=LESSONS)


def scene_query(s: Settings) -> str:
    return cfg.share_query_string(cfg.replace(s, present=False, inspect=None, view="explore"))


def for_lesson(name: str) -> Question:
    """The lesson's question (without "press ▶": a phone has no play button) and choices."""
    lesson = LESSONS[name]
    prompt = lesson.question.removesuffix(" Predict, then press ▶.")
    return Question(prompt, ASKS[name].choices, None, scene_query(lesson.settings), name)


def for_scene(s: Settings) -> Question:
    """The lesson's question if the scene is a lesson's, else a map tap on its landscape."""
    if s.lesson in LESSONS:
        return for_lesson(s.lesson)
    box = compute.get_landscape(compute.surface_key(s)).box
    label = narration.racer_labels(s.racers[:1])[0]
    prompt = f"Tap where the path of {label} will be after {s.steps} steps."
    return Question(prompt, (), tuple(map(float, box)), scene_query(s), "")


def next_question(question: Question) -> Question:
    """The next lesson (after the last one, or after a scene: the first)."""
    return for_lesson(next_lesson(question.lesson) or LESSON_LIST[0].name)


def right_choice(question: Question, outs: Outcomes) -> str:
    """The key of the true choice for a lesson question, from its runs."""
    s, _ = scene_settings(question)
    return ASKS[question.lesson].pick(s, outs)


def end_point(out: compute.Outcome) -> tuple[float, float]:
    """Where a run ended: its last point (a diverged run's last finite one)."""
    return float(out.positions[-1][0]), float(out.positions[-1][1])


def tapped_points(tally: dict[str, int]) -> np.ndarray:
    """(N, 2) points of the stored map answers "x,y", repeated by count."""
    points = [tuple(map(float, v.split(","))) for v, n in tally.items() for _ in range(n)]
    return np.array(points, dtype=np.float64).reshape(-1, 2)
