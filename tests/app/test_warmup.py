"""Warm-up ≥ steps made make_policy raise (ValueError from compute.run_racer) on every rerun of
that session; now the warm-up is kept shorter than the run, with a visible note."""

from __future__ import annotations

from app.state.settings import from_query, to_query
from tests.app.test_untrusted_widgets import run_planted


def test_the_warm_up_is_kept_shorter_than_the_run():
    """Warm-up ≥ steps made make_policy raise on every rerun; now it is clamped, with a note."""
    at = run_planted({"warmup": 50}, policy="cosine")
    assert not at.error
    assert any("warm-up (50 steps) must be shorter" in c.value for c in at.caption)
    at.number_input(key="steps").set_value(80).run()
    assert not at.exception and not at.error
    assert not any("warm-up" in c.value and "shorter" in c.value for c in at.caption)


def test_a_link_with_warm_up_as_long_as_the_run_warns_and_runs():
    scene, warnings = from_query({"warmup": "50", "steps": "50", "policy": "cosine"})
    assert scene.warmup == 49 and any("warmup=50" in w for w in warnings)
    assert from_query(to_query(scene)) == (scene, [])


def test_the_sweep_clamps_a_warm_up_longer_than_its_own_steps():
    at = run_planted({"sweep_steps": 20}, view="sweep", warmup="100", steps="300", policy="cosine")
    assert not at.error
    assert any("longer than this sweep" in c.value for c in at.caption)
