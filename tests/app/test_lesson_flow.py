"""Lessons as a judged sequence: order, try-this-next (its claim run), judging, link locks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from app import compute, lesson_flow
from app.classroom import questions as qs
from app.lessons import LESSON_LIST, LESSONS, next_lesson, previous_lesson, progress
from app.state import settings as cfg
from app.state.scene import start_of
from app.state.settings import Settings
from optimizers.diagnostics import Outcome as Kind


def runs(s: Settings) -> list[compute.Outcome]:
    key = compute.surface_key(s)
    return compute.run_race(s, key, start_of(s, compute.get_surface(key)))


def test_the_sequence_walks_every_lesson_once_with_its_progress():
    names, name = [], LESSON_LIST[0].name
    while name is not None:
        names.append(name)
        name = next_lesson(name)
    assert names == [lesson.name for lesson in LESSON_LIST] and len(names) == 11
    assert [previous_lesson(n) for n in names] == [None, *names[:-1]]
    assert progress("zigzag") == "3 of 11" and progress(names[-1]) == "11 of 11"
    assert next_lesson("") == names[0] and previous_lesson("") is None and progress("") == ""
    # the number is the sequence's ("Lesson 3 of 11 · …"), never part of a title as well
    assert not any(lesson.title[:1].isdigit() for lesson in LESSON_LIST)


@pytest.mark.parametrize("name", list(LESSONS))
def test_try_next_changes_one_free_control_and_does_what_it_says(name):
    lesson = LESSONS[name]
    changed = lesson_flow.changed_controls(lesson.settings, lesson.try_next.settings)
    assert changed and changed <= set(lesson.free) <= set(lesson_flow.CONTROLS)
    if lesson.try_next.kinds is not None:
        kinds = tuple(Kind(o.kind) for o in runs(lesson.try_next.settings))
        assert kinds == lesson.try_next.kinds


def test_try_next_claims_beyond_the_kinds():
    """'almost there' is the narration's own verdict; 'gets closer' is a lower final loss;
    'trapped like gradient descent' is the same local minimum."""
    for name, racer in (("too_large", 0), ("unscaled", 0), ("net_plateau", 0)):
        assert runs(LESSONS[name].try_next.settings)[racer].sentence.startswith("Almost there")
    before, after = (
        runs(s) for s in (LESSONS["adaptive"].settings, LESSONS["adaptive"].try_next.settings)
    )
    assert after[0].loss[-1] < before[0].loss[-1]
    gd, momentum = runs(LESSONS["momentum"].try_next.settings)
    assert np.allclose(gd.positions[-1], momentum.positions[-1], atol=1e-2)


def test_noise_try_next_cosine_ends_closer_than_the_constant_rate_hovered():
    lesson = LESSONS["noise"]
    before, after = runs(lesson.settings), runs(lesson.try_next.settings)
    for b, a in zip(before, after, strict=True):
        assert np.linalg.norm(a.positions[-1]) < 0.5 * qs.hover(lesson.settings, b)


@pytest.mark.parametrize("name", list(LESSONS))
def test_judge_is_right_exactly_for_the_true_choice_and_says_why_from_the_runs(name):
    lesson = LESSONS[name]
    outs = runs(lesson.settings)
    choices = dict(qs.ASKS[name].choices)
    truth = qs.ASKS[name].pick(lesson.settings, outs)
    for key in choices:
        right, sentence = lesson_flow.judge(lesson, key, outs)
        assert right == (key == truth)
        assert sentence.startswith("Right: " if right else "Not quite: ")
        assert choices[truth] in sentence and "nan" not in sentence.lower()
        if name != "noise":
            assert all(o.sentence[1:].rstrip(".") in sentence for o in outs)


def test_the_explained_answers_are_the_picked_ones():
    """The explanation's claim is the pick rule's answer, for the two new lessons."""
    expected = {"one_cycle": "REACH", "noise": "B", "trapped": "TRAPPED", "momentum": "B"}
    for name, key in expected.items():
        assert qs.ASKS[name].pick(LESSONS[name].settings, runs(LESSONS[name].settings)) == key


@pytest.mark.parametrize("name", list(LESSONS))
def test_the_choices_partition_the_outcomes_every_run_has_one_true_choice(name):
    """Whatever each racer's kind and loss, the pick rule names one of the lesson's choices."""
    path = np.array([[1.0, 1.5], [0.5, 0.7], [0.25, 0.3]])
    keys = {k for k, _ in qs.ASKS[name].choices}
    n = len(LESSONS[name].settings.racers)
    for kinds in itertools.product(Kind, repeat=n):
        for losses in itertools.product((0.1, 0.9), repeat=n):
            outs = [
                compute.Outcome(path, np.full(3, f), np.zeros(2), np.zeros(3), -1, int(k), "", {})
                for k, f in zip(kinds, losses, strict=True)
            ]
            assert qs.ASKS[name].pick(LESSONS[name].settings, outs) in keys


def test_one_cycle_and_zigzag_judgements_state_the_runs_own_numbers():
    lesson = LESSONS["one_cycle"]
    right, sentence = lesson_flow.judge(lesson, "REACH", runs(lesson.settings))
    assert right and "above the limit 2/λ_max = 0.5 for 26 of 100 steps (steps 22–47)" in sentence
    lesson = LESSONS["zigzag"]
    across, straight = qs.gradient_angles(lesson.settings)
    right, sentence = lesson_flow.judge(lesson, "B", runs(lesson.settings))
    assert right and across < 10 < 45 < straight
    assert f"{across:.3g}° from the ravine's steep axis and {straight:.3g}°" in sentence


def test_noise_judgement_states_each_racers_measured_hover():
    lesson = LESSONS["noise"]
    outs = runs(lesson.settings)
    right, sentence = lesson_flow.judge(lesson, "B", outs)
    assert right
    for o in outs:
        assert f"hovers {qs.hover(lesson.settings, o):.3g} from the minimum" in sentence


def test_a_map_point_is_right_within_five_percent_of_the_map():
    lesson = LESSONS["too_large"]
    outs = runs(lesson.settings)
    x, y = qs.end_point(outs[0])
    box = compute.get_landscape(compute.surface_key(lesson.settings)).box
    tol = lesson_flow.TAP_TOLERANCE * max(box[1] - box[0], box[3] - box[2])
    right, sentence = lesson_flow.judge(lesson, (x + 0.9 * tol, y), outs)
    assert right and sentence.startswith("Right: ") and f"within {tol:.3g}" in sentence
    right, sentence = lesson_flow.judge(lesson, (x, y + 1.1 * tol), outs)
    assert not right and f"more than {tol:.3g}" in sentence


def test_the_judgement_follows_the_runs_not_a_fixed_answer():
    z, lr = np.zeros((3, 2)), np.array([0.6, 0.6])
    fake = [compute.Outcome(z, np.ones(3), lr, np.zeros(3), 2, int(Kind.DIVERGED),
                            "Diverged at step 2.", {})]  # fmt: skip
    right, sentence = lesson_flow.judge(LESSONS["one_cycle"], "AWAY", fake)
    assert right and sentence.startswith("Right: It blows up")
    assert sentence.endswith("for 2 of 2 steps (steps 0–1); diverged at step 2.")
    right, _ = lesson_flow.judge(LESSONS["one_cycle"], "REACH", fake)
    assert not right


@pytest.mark.parametrize(
    "query, locked",
    [
        ({}, set()),
        ({"lock": "landscape,optimizer"}, {"landscape", "optimizer"}),
        ({"lock": ["steps", " lr , noise"]}, {"lr", "noise"}),  # a repeated key: the last
        ({"free": "lr"}, set(lesson_flow.CONTROLS) - {"lr"}),
    ],
)
def test_a_link_locks_the_controls_it_names(query, locked):
    assert lesson_flow.parse_lock(query) == (frozenset(locked), [])


def test_lock_lesson_leaves_the_lessons_free_controls_movable():
    lesson = LESSONS["too_large"]
    locked, warnings = lesson_flow.parse_lock({"lock": "lesson"}, lesson)
    assert warnings == [] and locked == set(lesson_flow.CONTROLS) - {"lr"}


@pytest.mark.parametrize(
    "query",
    [
        {"lock": "landscape,wings"},
        {"free": ""},
        {"lock": "lr", "free": "lr"},
        {"lock": "lr," * 100},
        {"lock": "lesson"},  # no lesson open
        {"free": "lesson"},
    ],
)
def test_a_bad_lock_is_a_warning_and_no_lock(query):
    locked, warnings = lesson_flow.parse_lock(query)
    assert locked == frozenset() and len(warnings) == 1 and "nothing is locked" in warnings[0]


def test_a_lock_survives_the_share_link_as_a_scenes_passed_through_key():
    s, warnings = cfg.from_query({"lesson": "too_large", "lock": "lesson"}, lessons=LESSONS)
    assert warnings == [] and "lock=lesson" in cfg.share_query_string(s)
    locked, _ = lesson_flow.parse_lock(dict(s.extra), LESSONS[s.lesson])
    assert locked == set(lesson_flow.CONTROLS) - {"lr"}


@pytest.mark.parametrize("name", ["trapped", "momentum"])
def test_a_where_lesson_judges_its_asked_racer_and_its_prompt_states_the_radius(name):
    lesson = LESSONS[name]
    outs = runs(lesson.settings)
    asked, other = outs[lesson.where], outs[1 - lesson.where]
    radius, _ = lesson_flow.tap_radius(lesson.settings)
    assert f"right within {radius:.3g} of its end (5% of the map's larger side)" in (
        lesson_flow.map_prompt(lesson)
    )
    x, y = qs.end_point(asked)
    right, sentence = lesson_flow.judge(lesson, (x + 0.9 * radius, y), outs)
    assert right and asked.sentence[1:].rstrip(".") in sentence  # the real end, in words
    assert sentence.endswith(".") and "nan" not in sentence.lower()
    # the other racer's end is not where the asked one ends (trapped: the same local minimum
    # for both rates, so the click there is right; momentum: GD's shallow well is wrong)
    right, _ = lesson_flow.judge(lesson, qs.end_point(other), outs)
    gap = np.hypot(*np.subtract(qs.end_point(other), (x, y)))
    assert right == (gap <= radius)
    assert right == (name == "trapped")
