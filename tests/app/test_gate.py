"""The fair-share gate (app/gate.py): concurrent threads against its limits, a session's second
heavy request cancelling its first, rate limits, bounded caches, snapped inputs sharing one cache
entry, and the waiting message drawn and removed by a real (AppTest) script run.

Every wait is on an event, never on a clock, so these tests hold on a busy machine.
"""

from __future__ import annotations

import threading

import pytest
from streamlit.delta_generator import DeltaGenerator

from app import gate, lab_compute
from app.gate import Cancelled, Gate, RateLimit, Refused, ResultCache

from .conftest import new_app

WAIT = 20  # seconds: only a broken gate ever waits this long


def stopper(started: threading.Event, release: threading.Event, chunks: int = 1000):
    """A job that reports progress chunk by chunk until `release` is set (or it is cancelled)."""

    def fn(on_chunk):
        started.set()
        for i in range(chunks):
            on_chunk(i, chunks)
            if release.wait(0.005):
                return i
        return chunks

    return fn


def test_a_sessions_second_heavy_request_cancels_its_first():
    g = Gate(slots=1, queue=4)
    started, release = threading.Event(), threading.Event()
    first = g.submit("map 407", stopper(started, release), owner="student")
    assert started.wait(WAIT)
    second = g.submit("map 500", lambda on_chunk: "second", owner="student")
    assert first.done.wait(WAIT) and second.done.wait(WAIT)
    with pytest.raises(Cancelled):  # stopped at its next chunk, not run to the end
        first.outcome()
    assert first.cancelled.is_set()
    assert second.outcome() == "second"
    assert g.running == 0


def test_a_queued_job_nobody_waits_for_never_runs():
    g = Gate(slots=1, queue=4)
    started, release = threading.Event(), threading.Event()
    busy = g.submit("busy", stopper(started, release), owner="a")
    assert started.wait(WAIT)
    ran = []
    queued = g.submit("queued", lambda on_chunk: ran.append(1), owner="b")
    assert g.ahead(queued) == 0
    g.submit("other", lambda on_chunk: "b's new request", owner="b")  # b replaces its request
    assert queued.done.is_set()
    with pytest.raises(Cancelled):
        queued.outcome()
    release.set()
    assert busy.done.wait(WAIT)
    assert ran == []


def test_the_gate_never_admits_more_than_its_limit():
    g = Gate(slots=2, queue=40)
    lock, now, most = threading.Lock(), [0], [0]
    go = threading.Event()

    def job(on_chunk):
        with lock:
            now[0] += 1
            most[0] = max(most[0], now[0])
        go.wait(0.02)
        with lock:
            now[0] -= 1
        return "done"

    results = []

    def student(i: int) -> None:
        j = g.submit(("map", i), job, owner=f"student {i}")
        assert j.done.wait(WAIT)
        results.append(j.outcome())

    threads = [threading.Thread(target=student, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert results == ["done"] * 24
    assert most[0] <= 2 and g.peak_running <= 2


def test_one_key_is_computed_once_for_every_session_that_asks():
    g = Gate(slots=1, queue=4)
    started, release = threading.Event(), threading.Event()
    calls = []

    def fn(on_chunk):
        calls.append(1)
        return stopper(started, release)(on_chunk)

    a = g.submit("the class's map", fn, owner="a")
    b = g.submit("the class's map", fn, owner="b")
    assert a is b
    g.release(a, "a")  # one of them leaves: the other still waits, the job goes on
    assert started.wait(WAIT)
    release.set()
    assert b.done.wait(WAIT) and not b.cancelled.is_set()
    assert calls == [1]


def test_an_abandoned_job_finishes_while_nobody_needs_its_slot():
    """A student who leaves mid-map (or a dropped connection) does not waste the work done so
    far: the job goes on into the cache, and the next request for that map joins it."""
    g = Gate(slots=1, queue=4)
    started, release = threading.Event(), threading.Event()
    job = g.submit("map", stopper(started, release), owner="gone")
    assert started.wait(WAIT)
    g.release(job, "gone")
    assert not job.cancelled.is_set()
    assert g.submit("map", stopper(started, release), owner="next") is job
    release.set()
    assert job.done.wait(WAIT) and job.outcome() < 1000


def test_an_abandoned_job_gives_its_slot_to_a_waiting_one():
    g = Gate(slots=1, queue=4)
    started, release = threading.Event(), threading.Event()
    job = g.submit("map", stopper(started, release), owner="gone")
    assert started.wait(WAIT)
    g.release(job, "gone")
    other = g.submit("another map", lambda on_chunk: "drawn", owner="student")
    assert job.done.wait(WAIT) and other.done.wait(WAIT)
    assert job.cancelled.is_set() and other.outcome() == "drawn"


def test_a_full_queue_refuses():
    g = Gate(slots=1, queue=1)
    started, release = threading.Event(), threading.Event()
    g.submit("running", stopper(started, release), owner="a")
    assert started.wait(WAIT)
    g.submit("waiting", lambda on_chunk: None, owner="b")
    with pytest.raises(Refused):
        g.submit("one too many", lambda on_chunk: None, owner="c")
    release.set()


def test_one_slot_per_core_unless_set():
    assert [gate.default_slots("", cores) for cores in (1, 2, 8)] == [1, 2, 8]
    assert gate.default_slots("3", 2) == 3
    assert gate.default_slots("zero", 2) == gate.default_slots("0", 2) == 2


def test_rate_limit_per_session_per_minute():
    limit = RateLimit(per_minute=3)
    assert [limit.wait_s("a", now=t) for t in (0.0, 1.0, 2.0)] == [0, 0, 0]
    assert limit.wait_s("a", now=3.0) == pytest.approx(57.0)  # until the first is a minute old
    assert limit.wait_s("b", now=3.0) == 0  # another session is not affected
    assert limit.wait_s("a", now=60.5) == 0


def test_result_cache_is_bounded_by_entries_and_bytes():
    import numpy as np

    cache = ResultCache(max_entries=3, max_bytes=10_000)
    for i in range(5):
        cache.put(i, np.zeros(100))  # 800 bytes each
    assert len(cache) == 3 and cache.get(0) is ResultCache.MISSING and cache.get(4) is not None
    cache.put("big", np.zeros(1000))  # 8 000 bytes: evicts the oldest until it fits
    assert cache.bytes <= 10_000 and cache.get("big") is not ResultCache.MISSING
    cache.put("too big", np.zeros(2000))  # larger than the whole cache: not kept
    assert cache.get("too big") is ResultCache.MISSING


# --------------------------------------------------------------------------- in the app


def test_near_identical_step_counts_share_one_cache_entry():
    lab_compute.basins.clear()
    for asked in ("407", "408", "489"):
        at = new_app(view="basins", bm_n="40", bm_steps=asked).run()
        assert not at.exception, [e.message for e in at.exception]
        assert f"Running **500 steps** (asked: {asked})" in "\n".join(c.value for c in at.caption)
        assert at.query_params["bm_steps"] == asked  # the link keeps what was asked
    assert len(lab_compute.basins.cache) == 1


def test_sgd_sizes_snap_and_the_batch_runs_as_asked():
    lab_compute.fan.clear()
    for n, runs in (("37", "23"), ("42", "19")):
        at = new_app(view="sgd", sgd_n=n, sgd_runs=runs, sgd_batch="3").run()
        assert not at.exception, [e.message for e in at.exception]
        text = "\n".join(c.value for c in at.caption)
        assert f"50 data points (asked: {n}), 20 runs (asked: {runs})" in text
        assert at.query_params["sgd_n"] == n and at.query_params["sgd_batch"] == "3"
    assert len(lab_compute.fan.cache) == 2  # the constant and the decaying fan, shared


@pytest.fixture
def one_slot_gate(monkeypatch):
    """The app's gate replaced by a one-slot gate whose slot a test job holds until released."""
    g = Gate(slots=1, queue=4)
    monkeypatch.setattr(gate, "GATE", g)
    started, release = threading.Event(), threading.Event()
    blocker = g.submit("another student's map", stopper(started, release, 10**6), owner="x")
    assert started.wait(WAIT)
    yield release
    release.set()
    assert blocker.done.wait(WAIT)


def test_the_waiting_message_appears_and_disappears(one_slot_gate, monkeypatch):
    release = one_slot_gate
    texts: list[str] = []
    draw = DeltaGenerator.progress

    def spy(self, value, text=None, **kwargs):
        texts.append(text)
        if "waiting for a free slot" in (text or ""):
            release.set()  # the other student's map ends once this page says it waits
        return draw(self, value, text=text, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "progress", spy)
    lab_compute.basins.clear()
    at = new_app(view="basins", bm_n="200", bm_steps="200").run()
    assert not at.exception, [e.message for e in at.exception]
    waiting = "Basin map, 200 steps from each start: waiting for a free slot (next in line)…"
    assert texts[0] == waiting
    assert not at.get("progress")  # gone once the map is drawn
    assert any(el.proto.spec for el in at.get("plotly_chart"))
    assert "200 steps from each of 40,000 starts" in "\n".join(c.value for c in at.caption)


def test_over_the_rate_limit_the_page_says_so_and_draws_no_map(monkeypatch):
    monkeypatch.setattr(gate, "LIMIT", RateLimit(per_minute=0))
    lab_compute.basins.clear()
    at = new_app(view="basins", bm_n="200", bm_steps="100").run()
    assert not at.exception, [e.message for e in at.exception]
    (warning,) = [w.value for w in at.warning]
    assert "large computations in the last minute" in warning
    assert not any("heatmap" in el.proto.spec for el in at.get("plotly_chart"))


def test_a_long_live_scrub_waits_for_the_gate_and_reaches_the_map(one_slot_gate, monkeypatch):
    """The map's rate batch of a long run (97 rates × 3000 steps) is heavy work: it waits for
    the gate's slot with its bar on the page, then the map gets its scrub; a short one runs at
    once (the default scene: no bar at all)."""
    from app import compute

    from .conftest import map_scene

    release = one_slot_gate
    texts: list[str] = []
    draw = DeltaGenerator.progress

    def spy(self, value, text=None, **kwargs):
        texts.append(text)
        if "waiting for a free slot" in (text or ""):
            release.set()
        return draw(self, value, text=text, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "progress", spy)
    compute.scrub_batch.clear()
    at = new_app(steps="3000").run()
    assert not at.exception, [e.message for e in at.exception]
    assert (
        texts[0] == "Live learning rate scrub, 3,000 steps: waiting for a free slot (next in line)…"
    )
    assert not at.get("progress")
    header, _ = map_scene(at)
    assert header["steps"] == 3000 and [s["param"] for s in header["scrubs"]] == ["lr"]
    texts.clear()
    assert not new_app().run().exception and texts == []  # 97 × 50 steps: at once, no bar


def test_a_refused_live_scrub_leaves_the_map_without_it_and_says_why(monkeypatch):
    from app import compute

    from .conftest import map_scene

    monkeypatch.setattr(gate, "LIMIT", RateLimit(per_minute=0))
    compute.scrub_batch.clear()
    at = new_app(steps="3000").run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("large computations in the last minute" in w.value for w in at.warning)
    header, _ = map_scene(at)
    assert header["steps"] == 3000 and header["scrubs"] == [] and header["runs"]
