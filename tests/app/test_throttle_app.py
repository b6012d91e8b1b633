"""The pacing of a rerun storm, wired at the top of every run (app/shell.py → throttle)."""

from __future__ import annotations

import time

from app.state import throttle
from app.state.throttle import PAUSE_S, RUNS, Pace
from tests.app.conftest import new_app


def test_a_storming_session_waits_and_is_told_a_person_is_not():
    at = new_app().run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.toast
    assert not at.session_state["_pace"].paced

    now = time.monotonic()
    at.session_state["_pace"] = Pace(starts=tuple(now - 0.01 * k for k in range(RUNS)))
    began = time.monotonic()
    at.run()
    took = time.monotonic() - began
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["_pace"].paced
    (toast,) = at.toast
    assert toast.value == throttle.NOTICE.format(pause=PAUSE_S)
    assert took >= PAUSE_S
    assert at.get("plotly_chart") or at.get("bidi_component")  # the page is drawn after the wait

    time.sleep(throttle.WINDOW_S)  # a person's next change, a second later
    at.run()
    assert not at.session_state["_pace"].paced
    assert not at.toast
