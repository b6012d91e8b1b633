"""The class scenario of bench/load.py on a small class: two replicas behind nginx with a real
PostgreSQL, one replica SIGKILLed mid-question. The 100-student figures are in docs/HOSTING.md
(`python bench/load.py class --students 100 [--kill-replica]`)."""

from __future__ import annotations

import argparse
import shutil

import pytest

from bench.class_load import check, run_class
from deploy.postgres import pg_bindir


def _args(**kw) -> argparse.Namespace:
    base = {"students": 8, "window": 6.0, "ramp": 3.0, "timeout": 30.0, "kill_replica": False}
    return argparse.Namespace(**(base | kw))


@pytest.fixture(autouse=True)
def _needs_nginx_and_postgres():
    import os

    missing = [n for n in ("nginx",) if not (shutil.which(n) or os.path.exists(f"/usr/sbin/{n}"))]
    if pg_bindir() is None:
        missing.append("postgresql")
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing} missing (required when CI is set)")
        pytest.skip(f"NOT TESTED: {missing} not installed")


def test_a_class_through_two_replicas_loses_no_acknowledged_answer_when_one_dies():
    result = run_class(_args(kill_replica=True))
    assert check(result) == []
    assert result["joined"] == 8 == result["acknowledged"] == result["stored"]
    assert result["lost"] == 0 and result["errors"] == 0
    assert len(result["sessions_per_upstream"]) == 2  # the class really spans both replicas
    assert result["reconnected"] >= 1  # replica-1's phones moved to replica-2 ...
    assert result["kept_after_reconnect"] == result["answered_before_kill_and_moved"]  # ... kept
    assert result["revealed"] and result["projector_charts_after_reveal"] >= 2
    assert result["phones_that_saw_the_reveal"] == 8
    assert result["healthy_after"]


def test_check_names_a_lost_answer():
    result = {
        "students": 3, "acknowledged": 3, "stored": 2, "lost": 1, "errors": 0,
        "error_samples": [], "answer_latency_s": {"p95": 0.2},
    }  # fmt: skip
    assert check(result) == ["stored 2 != acknowledged 3"]
