"""Rerun storms from one session coalesce instead of queueing.

Streamlit 1.67 with `runner.fastReruns = false` (.streamlit/config.toml) folds every rerun
request a session sends while its script runs into ONE pending rerun (`ScriptRequests`), which
the running script takes at its next Streamlit call; only a request that arrives after the run
has ended starts a new ScriptRunner thread (`AppSession.request_rerun`). (With the default
`fastReruns = true` every request stops the run and starts a new thread, whatever the script
does.) So a session whose runs start faster than a person changes settings — more than `RUNS`
starts within `WINDOW_S` — waits `PAUSE_S` at the top of each run (`time.sleep`: no GIL held,
no work done, no message sent): its requests of that time fold into the waiting run, and one
run draws the last of them. It stays paced until two of its runs start `WINDOW_S` apart.

A person is never paced: a slider sends on release, a click is one run; the app's own
`st.switch_page` adds one run. Per server process and per session (n replicas: n of them).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

RUNS = 4  # run starts a session may have within WINDOW_S before it is paced
WINDOW_S = 1.0
PAUSE_S = 0.3  # a paced run waits this long before doing anything
NOTICE = (
    "Many changes in a row: each run of this page now waits {pause:.1f} s and the changes made "
    "meanwhile run together, so the shared server stays fast for the class."
)


@dataclass(frozen=True)
class Pace:
    """A session's recent run starts (monotonic s, at most RUNS + 1) and whether it is paced."""

    starts: tuple[float, ...] = ()
    paced: bool = False


def on_run_start(pace: Pace, now: float) -> Pace:
    """The pace once a run starts at `now`: paced when more than RUNS runs started within the
    last WINDOW_S (this one included), or when it was paced and its previous run started less
    than WINDOW_S ago."""
    recent = (*(t for t in pace.starts if 0 <= now - t < WINDOW_S), now)
    paced = len(recent) > RUNS or (pace.paced and len(recent) > 1)
    return Pace(recent[-(RUNS + 1) :], paced)


def hold_storm() -> float:
    """Call first in a run: waits PAUSE_S when this session is paced (then says so with a
    toast, which is also where Streamlit takes a rerun that came meanwhile). Returns the wait."""
    state = st.session_state
    pace = on_run_start(state.get("_pace", Pace()), time.monotonic())
    state["_pace"] = pace
    if not pace.paced:
        return 0.0
    time.sleep(PAUSE_S)
    st.toast(NOTICE.format(pause=PAUSE_S), icon=":material/speed:")
    return PAUSE_S
