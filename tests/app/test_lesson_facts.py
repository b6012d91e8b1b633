"""What each lesson's text claims is what the core computes for its scene (issue 10: every
sentence on screen is true). Lessons 8 and 9 are checked in test_models_app.py."""

from __future__ import annotations

import numpy as np
import pytest

from app.lessons import LESSONS
from optimizers import make_optimizer, make_policy, simulate
from optimizers.diagnostics import Outcome, diagnose
from optimizers.numbers import num
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


def rates(name: str) -> np.ndarray:
    """The learning rate at every step of lesson `name`'s schedule (its first racer)."""
    s = LESSONS[name].settings
    policy = make_policy(s.policy, s.racers[0].lr, s.steps, warmup_steps=s.warmup)
    state = policy.init(1)
    return np.array([float(policy.lr_at(t, np.zeros(1), state)[0]) for t in range(s.steps)])


def test_one_cycle_tames_lesson_ones_diverging_rate_with_the_numbers_it_states():
    s = LESSONS["one_cycle"].settings
    assert s.racers[0].lr == LESSONS["too_large"].settings.racers[1].lr == 0.6
    assert s.surface == LESSONS["too_large"].settings.surface == "ravine"
    assert [k for k, _, _ in outcomes("one_cycle")] == [C]
    lr = rates("one_cycle")
    assert lr[0] == pytest.approx(0.024) and int(np.argmax(lr)) == 29 and lr.max() == 0.6
    above = np.flatnonzero(lr > 0.5)  # 2/λ_max with λ_max = 4
    assert (len(above), above[0], above[-1]) == (26, 22, 47)
    assert np.all(np.diff(above) == 1)  # one stretch
    across = np.abs(1 - 4 * lr)  # the distance across the ravine is multiplied by this
    assert f"{np.prod(across[above]):.3g}" == "448"
    assert num(1 / np.prod(across[: above[0]])) == "2.85 × 10⁷"  # the 22 warm-up steps
    assert np.prod(across[above[-1] + 1 :]) < 1 / np.prod(across[: above[0]])


def test_noise_hovers_at_the_stated_distance_the_smaller_rate_closer():
    s = LESSONS["noise"].settings
    surface = make_surface(s.surface, **s.surface_values())
    curvature = surface.hess(np.zeros(2))[0, 0]
    start = np.array([surface.start])
    stated = {0.5: 0.408, 0.05: 0.113}
    for r in s.racers:
        theory = np.sqrt(2 * r.lr * s.noise**2 / (curvature * (2 - r.lr * curvature)))
        assert f"{theory:.3g}" == f"{stated[r.lr]:.3g}"
        traj = simulate(surface, make_optimizer("gd"), r.lr, start, s.steps, noise=s.noise)
        late = traj.positions[s.steps // 2 :, 0]
        measured = np.sqrt((late**2).sum(axis=1).mean())
        assert measured == pytest.approx(theory, rel=0.15)
    assert all(k is CR for k, _, _ in outcomes("noise"))  # jitters: never converges
