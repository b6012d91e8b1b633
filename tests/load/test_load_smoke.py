"""Small classroom load against the real app, over Streamlit's own websocket protocol.

A few simulated students drag the learning rate for some seconds: no errors, every rerun
finishes, memory and CPU per rerun stay bounded. Hostile clients (garbage bytes, a truncated or
huge message, a text frame, a connection lost during a heavy computation, a rerun storm, garbage
values for every widget) must not hurt the others, and the garbage values must not break even
the sender's own page. The full 30-student measurement is `python bench/load.py` (see
docs/HOSTING.md).
"""

from __future__ import annotations

import shutil
import threading
import time

import pytest

from bench.load import (
    ABUSES,
    LoadOptions,
    Session,
    Stats,
    Student,
    drive_students,
    drop_during_heavy_run,
    garbage_widget_values,
    join_students,
    rerun_storm,
    run_classroom,
)
from deploy.replicas import REPO, deployment, http_get, is_healthy

APP = REPO / "streamlit_app.py"
OPTS = LoadOptions(interval=1.5, timeout=30, ramp=2)
MEMORY_LIMIT_MB = 1024  # one server process with a handful of sessions
# Server CPU per rerun of the 5-student smoke run (first module test, so caches are cold).
# Measured 58–72 ms in 6 runs on the shared 2-core VM at load 1.9–6 (38–42 ms once warm):
# CPU time, not wall time, so a busy box's queueing hardly moves it (the 30-student runs of
# docs/HOSTING.md: 57–68 ms at load 3–5, 62 ms quiet). 150 ms is twice the worst run, and
# more is a real regression: the rule of thumb of docs/HOSTING.md, 0.7 × 1000 / 150 ×
# 3 s, leaves one process only 14 students changing something every 3 s (the cost before the
# rerun fixes was 218 ms).
CPU_MS_PER_RERUN_LIMIT = 150


@pytest.fixture(scope="module")
def server():
    """One real Streamlit server (the repo's config) on a free loopback port."""
    with deployment(APP) as dep:
        yield dep


def test_five_students_for_fifteen_seconds(server):
    result = run_classroom(server.url, server.replica_pids, 5, 15, OPTS)
    assert result["errors"] == 0, result["error_samples"]
    assert result["first_paint_s"]["n"] == 5
    assert result["sessions_alive_at_end"] == 5
    # ~10 ticks each at 1.5 s; even on a busy 2-core machine most of them must happen.
    assert result["reruns"] >= 5 * 4
    assert result["widgets_changed"], "the learning-rate widget was never found"
    assert result["memory"]["total"]["peak_mb"] < MEMORY_LIMIT_MB
    assert result["cpu_ms_per_rerun"] <= CPU_MS_PER_RERUN_LIMIT, result["server_cpu_s"]
    assert result["healthy_after"]


EXPECTED_CLOSE = {
    "garbage-bytes": "closed 1002",  # protocol error, traceback only in the server log
    "truncated-protobuf": "closed 1002",
    "huge-message": "closed 1009",  # message too big: server.maxWidgetStateSize = 1 MB
}


def test_hostile_clients_do_not_hurt_other_sessions(server):
    students = [Student(100 + i, server.url, OPTS) for i in range(3)]
    stats = Stats()
    join_students(students, stats, OPTS.ramp, OPTS.timeout)
    outcomes: dict[str, str] = {}

    def attack() -> None:
        for name, abuse in ABUSES.items():
            outcomes[name] = abuse(server.url)
            time.sleep(0.5)

    garbage: dict[str, dict] = {}

    def send_garbage() -> None:
        """Every widget gets values no browser sends (unknown options, NaN, 1e308 …): the
        sidebar's and the Basins view's (where a stale racer label once raised)."""
        query = "view=basins&bm_n=40"
        garbage[query] = garbage_widget_values(server.url, query)

    attacker = threading.Thread(target=attack, daemon=True)
    attacker.start()
    garbler = threading.Thread(target=send_garbage, daemon=True)
    garbler.start()
    drive_students(students, stats, 15, OPTS.timeout)
    attacker.join(timeout=60)
    garbler.join(timeout=60)
    for s in students:
        s.leave()

    summary = stats.summary()
    assert summary["errors"] == 0, summary["error_samples"]
    assert summary["reruns"] >= 3 * 4
    assert set(outcomes) == set(ABUSES), outcomes
    for name, expected in EXPECTED_CLOSE.items():
        assert outcomes[name] == expected, outcomes
    assert outcomes["text-frame"].startswith("closed"), outcomes
    assert garbage, "the garbage client did not finish"
    for query, result in garbage.items():
        assert result["exceptions"] == [], (query, result["exceptions"])
        # the Basins page's own widgets and its sidebar's (racers, landscape, schedule), each
        # sent at least one hostile value
        assert result["widgets"] >= 15 and result["reruns"] >= result["widgets"], (query, result)
    assert is_healthy(server.url)
    fresh = Session(server.url)
    fresh.open()
    try:
        assert fresh.rerun().exceptions == []
    finally:
        fresh.close()


def test_a_client_lost_during_a_heavy_computation_does_not_hurt_the_others(server):
    """Twice a student opens the basin view with a cold 200 × 200 map (40 000 runs: seconds of
    CPU) and their connection dies while the server computes it: an RST, then a FIN, never a
    close frame. The other students keep working through it, the server answers its health
    check while the orphaned run computes, and afterwards it serves new sessions, that map
    included."""
    students = [Student(200 + i, server.url, OPTS) for i in range(3)]
    stats = Stats()
    join_students(students, stats, OPTS.ramp, OPTS.timeout)
    drops: list[dict] = []
    healthy_while_orphaned: list[bool] = []

    def lose_connections() -> None:
        for reset, lr in ((True, 0.0131), (False, 0.0133)):  # rates no other test asks for
            drops.append(drop_during_heavy_run(server.url, reset=reset, lr=lr))
            healthy_while_orphaned.append(is_healthy(server.url))

    attacker = threading.Thread(target=lose_connections, daemon=True)
    attacker.start()
    drive_students(students, stats, 10, OPTS.timeout)
    attacker.join(timeout=60)
    for s in students:
        s.leave()

    assert [d["dropped"] for d in drops] == [True, True], drops  # mid-computation, both
    assert healthy_while_orphaned == [True, True]
    summary = stats.summary()
    assert summary["errors"] == 0, summary["error_samples"]
    assert summary["reruns"] >= 3 * 3, summary  # ~7 ticks each at 1.5 s over 10 s
    assert is_healthy(server.url)
    # the explore map is the map component (Custom Components v2); the basin map a Plotly chart
    charts = (
        ("", "bidi_component", "the explore map"),
        (drops[0]["query"], "plotly_chart", "the basin map"),
    )
    for query, kind, chart in charts:
        fresh = Session(server.url, query)
        fresh.open()
        try:
            result = fresh.rerun()
        finally:
            fresh.close()
        assert result.exceptions == [], (query, result.exceptions)
        assert result.elements[kind] >= 1, f"no {chart} for a new session"


def test_a_rerun_storm_coalesces_and_a_person_is_never_paced(server):
    """50 reruns back to back, then 50 at 25 a second: one session's storm is folded into a few
    script runs and threads (Streamlit 1.67 with `runner.fastReruns = true` started a thread per
    rerun: 49 and 23–25 measured), the paced flood is told why; a person's reruns (one every
    0.6 s) are not paced: no toast."""
    (pid,) = server.replica_pids.values()
    storm = rerun_storm(server.url, 50, pid=pid)
    assert 1 <= storm["runs"] <= 6 and storm["threads"] <= 3, storm
    flood = rerun_storm(server.url, 50, every=0.04, pid=pid)
    assert flood["threads"] <= 10 and 1 <= flood["finished"] <= 6, flood
    assert flood["toasts"] >= 1, flood  # the paced session's last run says why it waited
    person = Session(server.url)
    person.open()
    try:
        person.rerun()
        runs = []
        for _ in range(6):
            time.sleep(0.6)
            runs.append(person.rerun())
    finally:
        person.close()
    assert not any(r.elements["toast"] for r in runs), [r.elements for r in runs]
    assert all(r.exceptions == [] for r in runs)


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_two_replicas_behind_nginx_spread_and_stick():
    with deployment(APP, replicas=2, nginx=True) as dep:
        first_visits = {http_get(dep.url, "/", {})[1]["X-Upstream"] for _ in range(16)}
        assert len(first_visits) == 2, "cookie hashing should spread new browsers"
        jar: dict[str, str] = {}
        visits = {http_get(dep.url, "/", jar)[1]["X-Upstream"] for _ in range(8)}
        assert len(visits) == 1 and "dl_sticky" in jar, "one browser must stay on one replica"
        result = run_classroom(dep.url, dep.replica_pids, 4, 8, OPTS)
        assert result["errors"] == 0, result["error_samples"]
        assert result["reruns"] >= 4 * 2
