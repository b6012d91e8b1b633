"""`bench/load.py --abuse --check`: the fair-share limits against the clean run of the same class
(p95 within 1.5× and 0.5 s, peak memory within 1.2×)."""

from __future__ import annotations

from bench.load import ABUSE_TARGETS, check_abuse


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
