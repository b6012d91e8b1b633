"""Lessons as class questions: the right answer is what the core computes for the scene."""

from __future__ import annotations

import numpy as np
import pytest

from app import compute
from app.classroom import questions as qs
from app.lessons import LESSONS
from app.state.scene import start_of
from app.state.settings import Settings, make_racer
from optimizers.diagnostics import Outcome as Kind


def runs(s: Settings) -> list[compute.Outcome]:
    key = compute.surface_key(s)
    return compute.run_race(s, key, start_of(s, compute.get_surface(key)))


def fake(kind: Kind, loss: float = 1.0) -> compute.Outcome:
    z = np.zeros((3, 2))
    return compute.Outcome(z, np.full(3, loss), np.zeros(2), np.zeros(3), -1, int(kind), "", {})


@pytest.mark.parametrize("name", list(LESSONS))
def test_every_lesson_has_a_checked_question_whose_answer_is_one_of_its_choices(name):
    question = qs.for_lesson(name).check()
    s, warnings = qs.scene_settings(question)
    assert warnings == [] and s.racers == LESSONS[name].settings.racers
    assert qs.right_choice(question, runs(s)) in dict(question.choices)
    assert "▶" not in question.prompt  # a phone has no play button


def test_the_answer_follows_the_runs_not_a_fixed_text():
    q = qs.for_lesson("too_large")
    for kinds, key in (
        ((Kind.CONVERGED, Kind.CONVERGED), "A"),
        ((Kind.CONVERGED, Kind.DIVERGED), "B"),
        ((Kind.DIVERGED, Kind.CONVERGED), "C"),
        ((Kind.CRAWLING, Kind.DIVERGED), "D"),
    ):
        assert qs.right_choice(q, [fake(k) for k in kinds]) == key
    momentum = qs.for_lesson("momentum")
    deeper_first = [fake(Kind.TRAPPED, 0.1), fake(Kind.CONVERGED, 0.5)]
    assert qs.right_choice(momentum, deeper_first) == "A"
    assert qs.right_choice(momentum, [fake(Kind.DIVERGED, -9.0), fake(Kind.TRAPPED)]) == "B"
    adaptive = qs.for_lesson("adaptive")
    converged = [fake(Kind.CONVERGED)] * 3
    assert qs.right_choice(adaptive, converged) == "ALL"
    assert qs.right_choice(adaptive, [*converged[:2], fake(Kind.CRAWLING)]) == "C"


def test_lesson_one_at_its_own_hundred_steps():
    """lr 0.6 diverges (lr·λ_max = 2.4 > 2); lr 0.45 is stable and reaches the minimum (at step
    64: within 40 steps, the lesson's old length, it was still crawling), so the computed answer
    is 'only 0.45'."""
    s = LESSONS["too_large"].settings
    outs = runs(s)
    assert outs[1].kind == Kind.DIVERGED and outs[0].kind == Kind.CONVERGED
    assert qs.right_choice(qs.for_lesson("too_large"), outs) == "B"
    shorter = runs(Settings(racers=(make_racer("gd", 0.45),), steps=40))
    assert shorter[0].kind != Kind.CONVERGED


def test_a_scene_is_a_map_tap_on_its_landscape_and_the_answer_is_its_end_point():
    s = Settings(surface="rosenbrock", racers=(make_racer("gd", 0.001),), steps=30)
    q = qs.for_scene(s).check()
    assert q.kind == "tap" and q.lesson == ""
    assert q.box == compute.get_landscape(compute.surface_key(s)).box
    end = qs.end_point(runs(s)[0])
    assert q.parse_answer(f"{end[0]},{end[1]}")
    back, _ = qs.scene_settings(q)
    assert (back.surface, back.steps, back.racers) == (s.surface, s.steps, s.racers)


def test_next_question_walks_the_lessons_and_wraps():
    names = list(LESSONS)
    q = qs.for_scene(Settings())
    for name in [*names, names[0]]:
        q = qs.next_question(q)
        assert q.lesson == name


def test_tapped_points_repeat_by_count():
    pts = qs.tapped_points({"1,2": 2, "-0.5,0": 1})
    assert pts.shape == (3, 2) and pts.tolist().count([1.0, 2.0]) == 2
    assert qs.tapped_points({}).shape == (0, 2)
