"""What each lesson's text claims is what the core computes for its scene (issue 10: every
sentence on screen is true). Lessons 8 and 9 are checked in test_models_app.py."""

from __future__ import annotations

import numpy as np
import pytest

from app.lessons import LESSONS
from optimizers import make_optimizer, make_policy, simulate
from optimizers.diagnostics import Outcome, diagnose
from surfaces import make_surface

C, T, CR, D = Outcome.CONVERGED, Outcome.TRAPPED, Outcome.CRAWLING, Outcome.DIVERGED


def outcomes(name: str) -> list[tuple[Outcome, int, float]]:
    """(outcome, steps, final loss) of every racer of lesson `name`, as the app runs it."""
    s = LESSONS[name].settings
    surface = make_surface(s.surface, **s.surface_values())
    start = np.array([surface.start if s.start is None else s.start])
    out = []
    for r in s.racers:
        rate = make_policy(s.policy, r.lr, s.steps, warmup_steps=s.warmup, **s.policy_values())
        traj = simulate(
            surface, make_optimizer(r.optimizer, **dict(r.hyper)), rate, start, s.steps,
            noise=s.noise, seed=s.seed,
        )  # fmt: skip
        d = diagnose(surface, traj)
        out.append((Outcome(int(d.kind[0])), int(d.steps[0]), float(traj.loss[-1, 0])))
    return out


def test_too_large_0_45_gets_there_0_6_blows_up():
    (small, _, _), (large, _, _) = outcomes("too_large")
    assert (small, large) == (C, D)


def test_too_small_crawls_where_0_4_arrives():
    (crawl, _, _), (fine, _, _) = outcomes("too_small")
    assert crawl is CR and fine is C


def test_trapped_the_small_rate_stays_in_the_local_valley():
    (small, _, f), _ = outcomes("trapped")
    assert small is T and f > 2.0  # "a local minimum (f ≈ 2.1)"


def test_momentum_ends_deeper_than_gd():
    (_, _, f_gd), (_, _, f_momentum) = outcomes("momentum")
    assert f_momentum < f_gd


@pytest.mark.parametrize("name", ["adaptive"])
def test_adaptive_gd_never_gets_there_momentum_and_adam_do(name):
    kinds = [k for k, _, _ in outcomes(name)]
    assert kinds[0] is not C and kinds[1] is C and kinds[2] is C
