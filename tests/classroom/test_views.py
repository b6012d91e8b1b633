"""Class mode's pages through AppTest (SQLite store under a temporary data dir)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.classroom import questions as qs
from app.classroom.store import get_store
from app.components.map.payload import unpack
from app.lessons import LESSONS

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.delenv("DESCENT_DATABASE_URL", raising=False)
    monkeypatch.setenv("DESCENT_DATA_DIR", str(tmp_path))
    return get_store()


def run(**query: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def shown_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in (*at.error, *at.success, *at.info, *at.code)]
    return "\n".join(map(str, parts))


def test_start_a_class_from_a_lesson_opens_the_projector_view(store):
    at = run(lesson="too_large")
    at.button(key="start_class").click().run()
    assert not at.exception
    code = at.query_params["class"]
    assert list(at.query_params) == ["class"]  # no secret in the address bar
    state = store.state(code)
    assert state.question == qs.for_lesson("too_large")
    assert "Reveal" in [b.label for b in at.button]
    assert LESSONS["too_large"].question.split(" ")[0] in shown_text(at)


def test_the_teacher_link_is_taken_out_of_the_url_and_never_shown(store):
    started = store.start(qs.for_lesson("zigzag"))
    at = run(**{"class": started.code, "teacher": started.secret})
    assert "teacher" not in at.query_params
    assert started.secret not in shown_text(at)
    assert {"Reveal", "Next question"} <= {b.label for b in at.button}
    at.button[0].click().run()  # Reveal
    assert store.state(started.code).revealed
    assert started.secret not in shown_text(at)
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    bars = [t for f in figures for t in f["data"] if t["type"] == "bar"]
    assert bars and bars[0]["x"] == ["A", "B"]
    (scene,) = [  # the run's map: the client-side component, sent the lesson's runs
        unpack(e.proto.bytes)[0]
        for e in at.get("bidi_component")
        if e.proto.component_name == "descent_lab_map"
    ]
    assert len(scene["runs"]) == len(qs.LESSONS["zigzag"].settings.racers)
    right = qs.ASKS["zigzag"].choices[1]  # what the core computes: across the ravine
    assert f"{right[0]} — {right[1]}" in shown_text(at)


def test_a_wrong_teacher_secret_gets_a_student_view(store):
    started = store.start(qs.for_lesson("zigzag"))
    at = run(**{"class": started.code, "teacher": "guessed-" + "x" * 30})
    assert "not valid" in shown_text(at)
    assert "Reveal" not in {b.label for b in at.button}
    assert not store.state(started.code).revealed
    assert store.state(started.code).joined == 1


def test_a_student_joins_answers_and_changes_the_answer(store):
    started = store.start(qs.for_lesson("too_large"))
    at = run(**{"class": started.code})
    token = at.query_params["me"]
    assert store.state(started.code).joined == 1
    assert "Reveal" not in {b.label for b in at.button}
    at.radio[0].set_value("C").run()
    assert store.my_answer(started.code, token, 1) == "C"
    at.radio[0].set_value("D").run()
    assert store.my_answer(started.code, token, 1) == "D"
    assert store.state(started.code).answered == 1
    again = run(**{"class": started.code, "me": token})  # a reload: the same student
    assert again.radio[0].value == "D" and store.state(started.code).joined == 1


def test_a_nickname_with_markup_shows_verbatim_on_the_projector(store):
    started = store.start(qs.for_lesson("too_large"))
    store.join(started.code, nickname="**bold** <i>x</i>")
    at = run(**{"class": started.code, "teacher": started.secret})
    captions = [c.value for c in at.caption]
    assert r"\*\*bold\*\* \<i\>x\</i\>" in captions  # every markdown character escaped


def test_a_scene_becomes_a_map_question_with_the_true_end_point(store):
    at = run(surface="rosenbrock", opt="gd:lr=0.001", steps="30")
    at.button(key="start_class").click().run()
    code = at.query_params["class"]
    question = store.state(code).question
    assert question.kind == "tap" and question.box is not None
    student = run(**{"class": code})
    token = student.query_params["me"]
    store.answer(code, token, 1, "0.5,1")
    secret = at.session_state["class_secrets"][code]
    store.reveal(code, secret)
    at.run()
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    names = {t.get("name") for f in figures for t in f["data"]}
    assert {"class density", "where it ended"} <= names
    assert "The path ended at" in shown_text(at)


def test_an_unknown_class_says_so(store):
    at = run(**{"class": "<b>"})
    assert "No such class" in shown_text(at)
    at = run(**{"class": "ZZZZ"})
    assert "No class ZZZZ" in shown_text(at)


def test_a_pick_restored_without_a_callback_is_stored(store):
    """A phone whose replica died reconnects to a new session and its browser restores the
    radio's value: no on_change fires, yet the pick must be stored and confirmed (the class
    load test found such answers unacknowledged when storing hung on the callback)."""
    started = store.start(qs.for_lesson("too_large"))
    token = store.join(started.code)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["class"] = started.code
    at.query_params["me"] = token
    at.session_state[f"answer-{started.code}-1"] = "C"  # a value the widget did not send
    at.run()
    assert not at.exception
    assert store.my_answer(started.code, token, 1) == "C"
    assert any(s.value.startswith("Saved:") for s in at.success)


def test_a_refused_pick_says_why_and_stores_nothing(store, monkeypatch):
    from app.classroom import store as cs

    monkeypatch.setattr(cs, "ANSWERS_PER_MINUTE", 1)
    started = store.start(qs.for_lesson("too_large"))
    at = run(**{"class": started.code})
    token = at.query_params["me"]
    at.radio[0].set_value("A").run()
    at.radio[0].set_value("B").run()
    assert "at most 1 a minute" in shown_text(at)
    assert store.my_answer(started.code, token, 1) == "A"
