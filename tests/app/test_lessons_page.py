"""The lessons page: hidden before Reveal, judged after; the sequence; old links; locks;
an edited scene leaves the lesson."""

from __future__ import annotations

import numpy as np
import pytest

from app import compute
from app.classroom import questions
from app.components.map.payload import unpack
from app.lessons import LESSONS, NAMES
from app.narration import rate_verdict
from app.state.settings import from_query
from optimizers.numbers import point
from optimizers.stability import analyze
from surfaces import make_surface

from .conftest import go_to, new_app


def _map_header(at) -> dict:
    (el,) = [e for e in at.get("bidi_component") if e.proto.component_name == "descent_lab_map"]
    return unpack(el.proto.bytes)[0]


def _page_text(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [x.value for kind in ("success", "error", "info", "warning") for x in at.get(kind)]
    return "\n".join(parts)


def plain_text(markdown: str) -> str:
    """Markdown escapes (app.markup.plain) undone, to compare with source text."""
    return markdown.replace("\\", "")


def _runs(name: str):
    s = LESSONS[name].settings
    key = compute.surface_key(s)
    start = s.start or compute.get_surface(key).start
    return compute.run_race(s, key, tuple(start))


def _open(name: str):
    at = new_app(lesson=name).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize("name", ["too_large", "one_cycle"])
def test_before_reveal_nothing_tells_the_answer(name):
    at = _open(name)
    assert at.session_state["page"] == "lessons"
    assert _map_header(at)["hidden"] is True
    text = _page_text(at)
    for out in _runs(name):
        assert out.sentence.rstrip(".")[:30] not in text  # no narration
    assert "What happened" not in text and "What theory says" not in text
    assert not at.success and not at.error
    assert at.button(key="reveal").disabled  # no prediction yet
    assert not at.get("plotly_chart")  # no curves, no rate strip


@pytest.mark.parametrize("name", ["too_large", "zigzag", "noise"])
def test_reveal_judges_the_pick_by_the_lessons_rule(name):
    truth = questions.ASKS[name].pick(LESSONS[name].settings, _runs(name))
    keys = [k for k, _ in questions.ASKS[name].choices]
    wrong = next(k for k in keys if k != truth)
    for pick, right in ((truth, True), (wrong, False)):
        at = _open(name)
        at.radio(key=f"answer:{name}").set_value(pick).run()
        assert not at.button(key="reveal").disabled
        at.button(key="reveal").click().run()
        assert not at.exception
        judged = at.success if right else at.error
        assert len(judged) == 1 and not (at.error if right else at.success)
        assert judged[0].value.startswith("Right" if right else "Not quite")
        header = _map_header(at)
        assert not header.get("hidden") and header.get("autoplay")
        assert "What happened" in _page_text(at)


def test_next_previous_and_progress():
    at = _open(NAMES[0])
    assert f"Lesson 1 of {len(NAMES)}" in _page_text(at)
    assert at.button(key="lesson_prev").disabled
    at.button(key="lesson_next").click().run()
    assert at.query_params["lesson"] == NAMES[1]
    assert f"Lesson 2 of {len(NAMES)}" in _page_text(at)
    scene, warnings = from_query(dict(at.query_params), lessons=LESSONS)
    assert not warnings and scene == LESSONS[NAMES[1]].settings
    assert _map_header(at)["hidden"] is True  # a new lesson starts unrevealed
    at.button(key="lesson_prev").click().run()
    assert at.query_params["lesson"] == NAMES[0]
    at.selectbox(key="lesson_pick").set_value(NAMES[-1]).run()
    assert at.button(key="lesson_next").disabled
    assert f"Lesson {len(NAMES)} of {len(NAMES)}" in _page_text(at)


def test_an_old_lesson_link_opens_the_lessons_page_and_explore_has_no_lesson():
    at = _open("too_small")
    assert at.session_state["page"] == "lessons" and at.query_params["lesson"] == "too_small"
    go_to(at, "explore")
    assert "lesson" not in at.query_params
    assert not [s for s in at.selectbox if s.key == "lesson"]


def test_the_landing_page_opens_on_the_first_lesson():
    at = new_app().run()
    go_to(at, "lessons")
    assert at.query_params["lesson"] == NAMES[0]
    assert _map_header(at)["hidden"] is True


@pytest.mark.parametrize(
    ("query", "disabled", "enabled"),
    [
        ({"lock": "lesson"}, ["surface", "r0:opt", "steps"], ["r0:lr"]),
        ({"free": "lr"}, ["surface", "r0:opt"], ["r0:lr"]),
        ({"lock": "landscape"}, ["surface"], ["r0:lr", "r0:opt", "steps"]),
    ],
)
def test_locks_disable_the_locked_widgets(query, disabled, enabled):
    at = new_app(lesson="too_large", **query).run()
    assert not at.exception
    widgets = {w.key: w for kind in ("selectbox", "number_input", "select_slider")
               for w in at.get(kind) if w.key}  # fmt: skip
    for key in disabled:
        assert widgets[key].disabled, key
    for key in enabled:
        assert not widgets[key].disabled, key
    assert {k: at.query_params[k] for k in query} == query  # the lock stays in the link


def test_a_bad_lock_warns_and_locks_nothing():
    at = new_app(lesson="too_large", lock="everything").run()
    assert any("nothing is locked" in w.value for w in at.warning)
    assert not at.selectbox(key="surface").disabled


def test_editing_the_scene_leaves_the_lesson_and_back_returns():
    at = _open("too_large")
    at.number_input(key="r0:lr").set_value(0.3).run()
    assert not at.exception
    assert any("free exploration" in i.value for i in at.info)
    assert "lesson" not in at.query_params
    assert not _map_header(at).get("hidden")  # explored as on explore: the whole run
    at.button(key="back_to_lesson").click().run()
    assert at.query_params["lesson"] == "too_large"
    assert _map_header(at)["hidden"] is True


def test_try_this_next_applies_its_change_and_plays_it():
    name = "too_large"
    at = _open(name)
    at.radio(key=f"answer:{name}").set_value("A").run()
    at.button(key="reveal").click().run()
    at.button(key="try_next").click().run()
    assert not at.exception
    scene, _ = from_query(dict(at.query_params), lessons=LESSONS)
    assert scene.racers == LESSONS[name].try_next.settings.racers
    assert _map_header(at).get("autoplay")
    assert not any("free exploration" in i.value for i in at.info)


@pytest.mark.parametrize("name", NAMES)
def test_each_lesson_in_the_picker_sets_its_scene(name):
    at = new_app().run()
    go_to(at, "lessons")
    at.selectbox(key="lesson_pick").set_value(name).run()
    assert not at.exception
    assert at.query_params["lesson"] == name
    scene, warnings = from_query(dict(at.query_params), lessons=LESSONS)
    assert not warnings and scene == LESSONS[name].settings
    assert any(questions.for_lesson(name).prompt[:40] in plain_text(i.value) for i in at.info)
    assert _map_header(at)["hidden"] is True


def test_the_one_cycle_verdict_speaks_of_the_rates_the_schedule_used():
    """Regression: the one-cycle lesson said "lr = 0.6 ≥ 2/λ_max = 0.5: unstable near the
    minimum" beside "Converged in 76 steps"."""
    name = "one_cycle"
    (out,) = _runs(name)
    above = np.flatnonzero(out.lr >= 0.5)
    at = _open(name)
    truth = questions.ASKS[name].pick(LESSONS[name].settings, [out])
    at.radio(key=f"answer:{name}").set_value(truth).run()
    at.button(key="reveal").click().run()
    verdicts = [c.value for c in at.caption if "2/λ_max" in c.value]
    assert len(verdicts) == 1
    text = plain_text(verdicts[0])
    assert ": lr = 0.6 ≥" not in text  # the old verdict on the base rate alone
    assert f"peak lr = 0.6 ≥ 2/λ_max = 0.5 for {above.size} of {out.lr.size} steps" in text
    assert f"steps {above[0]}–{above[-1]}" in text and "stable at the end" in text


def test_a_schedule_below_the_limit_and_one_ending_above_it():
    stab = analyze(make_surface("ravine"), (0.0, 0.0))  # λ_max = 4
    low = rate_verdict("gd", 0.4, {}, stab, rates=np.array([0.4, 0.2, 0.1]))
    assert low == "the schedule's rates (0.1 to 0.4) stay < 2/λ_max = 0.5: stable"
    high = rate_verdict("gd", 0.1, {}, stab, rates=np.array([0.1, 0.3, 0.6]))
    assert high == (
        "the schedule's final lr = 0.6 ≥ 2/λ_max = 0.5 (for 1 of 3 steps (step 2)): "
        "unstable near the minimum"
    )
    constant = rate_verdict("gd", 0.6, {}, stab, rates=np.full(5, 0.6))
    assert constant == "lr = 0.6 ≥ 2/λ_max = 0.5: unstable near the minimum"


MAP_LESSONS = [n for n in NAMES if LESSONS[n].where is not None]


def test_the_end_point_lessons_ask_for_a_map_click():
    assert MAP_LESSONS == ["trapped", "momentum"]  # the two whose question is where it ends
    at = _open("too_large")
    assert _map_header(at)["predict"] is False  # a choice lesson's hidden map ignores clicks
    for name in MAP_LESSONS:
        at = _open(name)
        header = _map_header(at)
        assert header["hidden"] is True and header["predict"] is True
        assert header["prediction"] is None
        assert not at.radio  # no choices: the click is the prediction
        (prompt,) = at.info
        assert plain_text(prompt.value).startswith(LESSONS[name].question)
        assert "Click the map where" in prompt.value and "Your prediction" not in prompt.value
        assert at.button(key="reveal").disabled


@pytest.mark.parametrize("name", MAP_LESSONS)
def test_a_map_click_is_shown_marked_and_judged_against_the_real_end(name):
    lesson = LESSONS[name]
    outs = _runs(name)
    end = questions.end_point(outs[lesson.where])
    far = (-end[0], -end[1])  # the point opposite the end (in another basin on both maps)
    for click, right in ((tuple(round(v, 2) for v in end), True), (far, False)):
        at = _open(name)
        at.session_state[f"answer:{name}"] = click  # what on_predict stores for a click
        at.run()
        assert not at.button(key="reveal").disabled
        header = _map_header(at)
        assert header["hidden"] is True and header["prediction"] == pytest.approx(list(click))
        box = compute.get_landscape(compute.surface_key(lesson.settings)).box
        side = max(box[1] - box[0], box[3] - box[2])
        assert f"Your prediction: {point(click, side)}" in plain_text(at.info[0].value)
        at.button(key="reveal").click().run()
        assert not at.exception
        judged = at.success if right else at.error
        assert len(judged) == 1, (at.success, at.error)
        text = plain_text(judged[0].value)
        assert text.startswith("Right: " if right else "Not quite: ")
        assert f"ends at {point(end, side)}" in text  # the real end, whatever was clicked
        header = _map_header(at)
        assert not header["hidden"] and header["autoplay"]
        assert header["prediction"] == pytest.approx(list(click))  # still marked while it plays
