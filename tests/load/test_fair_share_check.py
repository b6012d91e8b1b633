"""`bench/load.py --abuse --check`: the fair-share limits against the clean run of the same class
(p95 within 1.5× and 0.5 s, peak memory within 1.2×); with --interleave, the class's abuse and
clean windows of one run."""

from __future__ import annotations

import time

from bench import load
from bench.load import (
    ABUSE_TARGETS,
    ABUSES,
    Phases,
    RunResult,
    Stats,
    abuse_pair,
    check_abuse,
    run_abuse_loop,
)


def run(p95: float, peak_mb: int) -> dict:
    return {"rerun_latency_s": {"n": 400, "p95": p95}, "memory": {"total": {"peak_mb": peak_mb}}}


def test_abuse_within_the_limits_passes():
    assert ABUSE_TARGETS == {"p95_ratio": 1.5, "p95_s": 0.5, "peak_ratio": 1.2}
    assert check_abuse(run(0.15, 330), run(0.10, 279)) == []


def test_each_limit_is_checked():
    clean = run(0.10, 279)
    (slower,) = check_abuse(run(0.16, 279), clean)
    assert "1.5 × the clean run's 0.1 s" in slower
    assert len(check_abuse(run(0.74, 279), clean)) == 2  # issue 15's figure: both p95 limits
    assert check_abuse(run(0.55, 279), run(0.40, 279)) == ["p95 with abusers 0.55 s > 0.5 s"]
    (memory,) = check_abuse(run(0.10, 404), clean)
    assert "peak RSS with abusers 404 MB > 1.2 × the clean run's 279 MB" in memory
    assert check_abuse({"rerun_latency_s": {"n": 0}, "memory": clean["memory"]}, clean)


# ----------------------------------------------------------------------------- --interleave
def test_windows_alternate_clean_first_and_a_settling_gap_belongs_to_neither():
    phases = Phases(start=100.0, window=10.0, settle=2.0)
    assert phases.at(99.9) is None  # the class is still joining
    assert [phases.at(t) for t in (100.0, 109.9)] == ["clean", "clean"]
    assert [phases.at(t) for t in (110.0, 119.9)] == ["abuse", "abuse"]
    assert phases.at(121.0) is None  # the abusers' last work may still run
    assert [phases.at(t) for t in (122.0, 129.9, 130.5)] == ["clean", "clean", "abuse"]


def test_a_rerun_counts_in_the_window_it_started_in():
    now = time.monotonic()
    stats = Stats(phases=Phases(start=now - 15, window=10, settle=2))  # abuse window since 5 s
    stats.add_run(RunResult(7.0, 10, []), 0)  # started 7 s ago: in the clean window
    stats.add_run(RunResult(0.2, 10, []), 1)
    stats.add_run(RunResult(0.3, 10, []), 2)
    stats.add_run(RunResult(9.0, 10, []), 3, first=True)  # a first paint is no rerun
    phases = stats.summary()["phase_latency_s"]
    assert phases["clean"]["n"] == 1 and phases["clean"]["max"] == 7.0
    assert phases["abuse"]["n"] == 2 and phases["abuse"]["max"] == 0.3
    assert "phase_latency_s" not in Stats().summary()


def test_interleaved_check_compares_the_windows_and_the_clean_runs_memory():
    abused = run(0.9, 330)
    abused["phase_latency_s"] = {"clean": {"n": 200, "p95": 0.30}, "abuse": {"n": 190, "p95": 0.40}}
    with_abuse, without = abuse_pair(abused, run(0.10, 300))
    assert with_abuse["rerun_latency_s"]["p95"] == 0.40
    assert without["rerun_latency_s"]["p95"] == 0.30
    assert without["memory"]["total"]["peak_mb"] == 300
    assert check_abuse(with_abuse, without) == []  # 0.40 ≤ 1.5 × 0.30 and ≤ 0.5 s
    assert abuse_pair(run(0.9, 330), run(0.1, 300))[0]["rerun_latency_s"]["p95"] == 0.9
    abused["phase_latency_s"] = {"clean": {"n": 200, "p95": 0.30}}  # no abuse window measured
    assert check_abuse(*abuse_pair(abused, run(0.10, 300)))


def test_abusers_start_only_while_their_window_is_open(monkeypatch):
    calls = []
    monkeypatch.setitem(ABUSES, "probe", lambda url: calls.append(url) or "ok")
    monkeypatch.setattr(load, "is_healthy", lambda url: True)
    results: list = []
    until = time.monotonic() + 0.5
    run_abuse_loop("http://x", until, results, ["probe"], active=lambda: False)
    assert calls == [] and results == []
    run_abuse_loop("http://x", time.monotonic() + 0.2, results, ["probe"], active=lambda: True)
    assert calls == ["http://x"] and results[0]["outcome"] == "ok"


# ----------------------------------------------------------------------------- --abuse-cost
def test_cpu_is_read_once_the_server_is_idle(monkeypatch):
    readings = iter([1.0, 1.5, 1.9, 1.905, 9.0])  # busy, busy, then < 10 ms in a quiet period
    monkeypatch.setattr(load, "tree_cpu_s", lambda pid: next(readings))
    assert load.settled_cpu_s([7], quiet=0) == 1.905


def test_abuse_cost_is_the_servers_cpu_per_call_from_idle_to_idle(monkeypatch):
    cpu = [0.0]

    class FakeSession:
        def __init__(self, *args):
            pass

        open = close = lambda self: None

        def rerun(self, *change):
            cpu[0] += 0.03

        def pick_change(self, *args):
            return ("lr", "0.1")

    def storm(url):
        cpu[0] += 0.2
        return "sent"

    monkeypatch.setattr(load, "Session", FakeSession)
    monkeypatch.setitem(ABUSES, "storm", storm)
    monkeypatch.setattr(load, "tree_cpu_s", lambda pid: cpu[0])
    monkeypatch.setattr(load.time, "sleep", lambda s: None)
    cost = load.abuse_cost("http://x", {"replica-1": 1}, ["storm"], 3, load.LoadOptions())
    assert cost["storm"] == {"median_s": 0.2, "min_s": 0.2, "max_s": 0.2}
    assert cost["class rerun"]["median_s"] == 0.03
