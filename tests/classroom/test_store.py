"""The class store against real SQLite and real PostgreSQL: the flow, the rules, the safety."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
import sqlalchemy as sa

from app.classroom import store as cs
from app.classroom.store import Question, Refused, Store

from .conftest import rows

CHOICE = Question("Will lr 0.6 converge?", (("A", "Yes"), ("B", "No, it diverges")))
TAP = Question("Tap where the path will end", box=(-2.0, 2.0, -1.0, 3.0))


def class_with_student(store: Store, question: Question = CHOICE):
    started = store.start(question)
    return started, store.join(started.code)


# --------------------------------------------------------------------------- the flow


def test_a_class_round_trip(store):
    started, token = class_with_student(store)
    assert len(started.code) == 4 and set(started.code) <= set(cs.CODE_ALPHABET)
    state = store.state(started.code.lower() + " ")  # typed codes are normalised
    assert (state.number, state.joined, state.answered, state.revealed) == (1, 1, 0, False)
    assert state.question == CHOICE
    assert store.answer(started.code, token, 1, "A") == "A"
    assert store.answer(started.code, token, 1, "B") == "B"  # changeable until the reveal
    assert store.state(started.code).answered == 1  # one answer per student per question
    assert store.tally(started.code, started.secret) == {"B": 1}
    store.reveal(started.code, started.secret)
    assert store.state(started.code).revealed
    with pytest.raises(Refused, match="revealed"):
        store.answer(started.code, token, 1, "A")
    assert store.my_answer(started.code, token, 1) == "B"
    assert store.ask(started.code, started.secret, TAP) == 2
    state = store.state(started.code)
    assert (state.number, state.answered, state.revealed) == (2, 0, False)
    assert state.question.kind == "tap"
    with pytest.raises(Refused, match="moved on"):
        store.answer(started.code, token, 1, "A")
    assert store.answer(started.code, token, 2, "0.5,-0.25") == "0.5,-0.25"
    assert store.count_answers(started.code) == 2


def test_a_reconnecting_student_keeps_the_token_and_a_second_replica_sees_everything(
    store, db_url, clock
):
    started, token = class_with_student(store)
    store.answer(started.code, token, 1, "A")
    other = Store(db_url, clock=clock)  # another replica: its own engine, same database
    try:
        assert other.join(started.code, token) == token
        assert other.state(started.code).joined == 1
        assert other.my_answer(started.code, token, 1) == "A"
        other.reveal(started.code, started.secret)
        assert store.state(started.code).revealed
    finally:
        other.engine.dispose()
    assert store.join(started.code, "unknown-token-of-16+chars") != "unknown-token-of-16+chars"


def test_concurrent_answers_are_all_stored(store):
    started = store.start(CHOICE)
    tokens = [store.join(started.code) for _ in range(24)]
    acked, errors = [], []

    def answer(token, value):
        try:
            acked.append(store.answer(started.code, token, 1, value))
        except Exception as err:
            errors.append(err)

    threads = [threading.Thread(target=answer, args=(t, "AB"[i % 2])) for i, t in enumerate(tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(acked) == 24 == store.count_answers(started.code)
    assert store.tally(started.code, started.secret) == {"A": 12, "B": 12}


def test_an_acknowledged_answer_survives_the_process_dying_right_after(store, db_url):
    started, token = class_with_student(store)
    child = (
        "import os, sys; from app.classroom.store import Store\n"
        "s = Store(sys.argv[1]); s.answer(sys.argv[2], sys.argv[3], 1, 'B')\n"
        "print('ack', flush=True); os._exit(9)  # no clean shutdown, no close\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", child, db_url, started.code, token],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.strip() == "ack" and out.returncode == 9, out.stderr
    assert store.my_answer(started.code, token, 1) == "B"


# --------------------------------------------------------------------------- schema


def test_the_schema_is_versioned_and_reopening_migrates_nothing(store, db_url):
    assert store.schema_version() == cs.SCHEMA_VERSION
    started = store.start(CHOICE)
    again = Store(db_url)
    try:
        assert again.migrate() == cs.SCHEMA_VERSION
        assert again.state(started.code).question == CHOICE
    finally:
        again.engine.dispose()


def test_a_database_from_newer_code_is_refused(store, db_url):
    with store.engine.begin() as conn:
        conn.execute(cs.meta.update().values(value=str(cs.SCHEMA_VERSION + 1)))
    with pytest.raises(RuntimeError, match="newer"):
        Store(db_url)


# --------------------------------------------------------------------------- security


@pytest.mark.parametrize("action", ["reveal", "ask", "end", "tally"])
def test_a_student_token_or_a_guessed_code_cannot_administer(store, action):
    started, token = class_with_student(store)
    store.answer(started.code, token, 1, "A")
    other = store.start(CHOICE)  # a real secret, of ANOTHER class
    near = started.secret[:-1] + ("y" if started.secret.endswith("x") else "x")  # one char off
    for secret in (token, "", None, 12345, other.secret, near):
        args = (TAP,) if action == "ask" else ()
        with pytest.raises(Refused, match="Only the class's teacher"):
            getattr(store, action)(started.code, secret, *args)
        assert not store.is_teacher(started.code, secret)
    state = store.state(started.code)
    assert (state.number, state.revealed, state.answered) == (1, False, 1)
    assert store.is_teacher(started.code, started.secret)


def test_neither_the_secret_nor_any_token_is_stored(store):
    started, token = class_with_student(store)
    dumped = repr(rows(store, cs.classes) + rows(store, cs.students))
    assert started.secret not in dumped and token not in dumped
    assert cs.digest(started.secret) in dumped and cs.digest(token) in dumped
    assert len(started.secret) >= 32  # token_urlsafe(24): 192 random bits


def test_a_nickname_with_markup_is_kept_verbatim(store):
    started = store.start(CHOICE)
    nasty = "<b>x</b>&amp;<img>"
    token = store.join(started.code, nickname=nasty)
    assert store.nickname(started.code, token) == nasty
    assert store.nicknames(started.code) == [nasty]
    with pytest.raises(Refused, match="at most 20"):
        store.join(started.code, nickname="x" * 21)
    with pytest.raises(Refused, match="control"):
        store.join(started.code, nickname="a\x00b")
    assert store.state(started.code).joined == 1


@pytest.mark.parametrize(
    ("question", "value", "message"),
    [
        (CHOICE, "C", "not one of"),
        (CHOICE, "", "not one of"),
        (CHOICE, "A" * 65, "too long"),
        (CHOICE, "A" * 10_000, "too long"),
        (CHOICE, None, "must be text"),
        (CHOICE, ["A"], "must be text"),
        (TAP, "1", "point 'x,y'"),
        (TAP, "nan,1", "point 'x,y'"),
        (TAP, "inf,0", "point 'x,y'"),
        (TAP, "1,2,3", "point 'x,y'"),
        (TAP, "__import__('os'),1", "point 'x,y'"),
        (TAP, "5,0", "outside the map"),
    ],
)
def test_malformed_answers_are_refused_and_store_nothing(store, question, value, message):
    started, token = class_with_student(store, question)
    with pytest.raises(Refused, match=message):
        store.answer(started.code, token, 1, value)
    assert store.count_answers(started.code) == 0


def test_answers_need_a_joined_token_and_the_current_question(store):
    started, token = class_with_student(store)
    for bad_number in (2, 0, True, "1", None):
        with pytest.raises(Refused):
            store.answer(started.code, token, bad_number, "A")
    for bad_token in (None, "", "x" * 65, "not-a-member-token-1234"):
        with pytest.raises(Refused, match="Join the class"):
            store.answer(started.code, bad_token, 1, "A")
    other = store.start(CHOICE)
    with pytest.raises(Refused, match="Join the class"):  # a token of another class
        store.answer(other.code, token, 1, "A")
    for code in ("", "K7Q", "<script>", "ZZZZ" if started.code != "ZZZZ" else "YYYY"):
        with pytest.raises(Refused, match="class"):
            store.answer(code, token, 1, "A")
    assert store.count_answers(started.code) == 0


def test_question_shapes_are_checked():
    with pytest.raises(Refused):
        Question("", (("A", "a"), ("B", "b"))).check()
    with pytest.raises(Refused):
        Question("q", (("A", "a"),)).check()
    with pytest.raises(Refused):
        Question("q", (("A", "a"), ("A", "b"))).check()
    with pytest.raises(Refused):
        Question("q", box=(1.0, 0.0, 0.0, 1.0)).check()
    assert TAP.parse_answer("-2,3") == "-2,3"


# --------------------------------------------------------------------------- limits


def test_answers_per_minute_are_capped(store, clock, monkeypatch):
    monkeypatch.setattr(cs, "ANSWERS_PER_MINUTE", 3)
    started, token = class_with_student(store)
    for value in "ABA":
        store.answer(started.code, token, 1, value)
    with pytest.raises(Refused, match="at most 3 a minute"):
        store.answer(started.code, token, 1, "B")
    assert store.my_answer(started.code, token, 1) == "A"
    clock.now += 60
    assert store.answer(started.code, token, 1, "B") == "B"


def test_a_class_is_capped_at_its_students(store, monkeypatch):
    monkeypatch.setattr(cs, "MAX_STUDENTS", 3)
    started = store.start(CHOICE)
    tokens = [store.join(started.code) for _ in range(3)]
    with pytest.raises(Refused, match="full"):
        store.join(started.code)
    assert store.join(started.code, tokens[0]) == tokens[0]  # a reconnect still gets in
    assert store.state(started.code).joined == 3


def test_a_server_is_capped_at_its_classes(store, monkeypatch):
    monkeypatch.setattr(cs, "MAX_CLASSES", 2)
    store.start(CHOICE)
    store.start(CHOICE)
    with pytest.raises(Refused, match="as many classes"):
        store.start(CHOICE)


def test_classes_expire_with_everything_they_hold(store, clock):
    started, token = class_with_student(store)
    store.answer(started.code, token, 1, "A")
    kept = store.start(CHOICE)
    clock.now += cs.CLASS_TTL_S - 1
    assert store.state(started.code).answered == 1
    clock.now += 2
    with pytest.raises(Refused, match="No class"):
        store.state(started.code)
    with pytest.raises(Refused):
        store.reveal(started.code, started.secret)
    fresh = store.start(CHOICE)  # starting a class purges the expired ones
    assert {r.code for r in rows(store, cs.classes)} == {fresh.code}  # `kept` expired too
    assert kept.code != fresh.code
    assert rows(store, cs.answers) == [] and rows(store, cs.students) == []
    assert [r.class_id for r in rows(store, cs.questions)] == [rows(store, cs.classes)[0].id]


def test_ending_a_class_deletes_it(store):
    started, token = class_with_student(store)
    store.answer(started.code, token, 1, "A")
    store.end(started.code, started.secret)
    for table in (cs.classes, cs.questions, cs.students, cs.answers):
        assert rows(store, table) == []


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    s.engine.dispose()


def test_the_default_database_is_created_under_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("DESCENT_DATABASE_URL", raising=False)
    monkeypatch.setenv("DESCENT_DATA_DIR", str(tmp_path / "new" / "dir"))
    url = cs.database_url()
    assert url == f"sqlite:///{tmp_path / 'new' / 'dir' / 'classes.sqlite3'}"
    s = Store(url)
    assert (tmp_path / "new" / "dir" / "classes.sqlite3").exists()
    assert sa.inspect(s.engine).has_table("dl_answers")
    s.engine.dispose()
