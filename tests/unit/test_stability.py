"""Quadratic-model stability: eigen-analysis, step-size limits, and agreement with simulate."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers import rules
from optimizers.diagnostics import Outcome, diagnose
from optimizers.simulate import simulate
from optimizers.stability import analyze, gd_is_stable, momentum_is_stable
from surfaces import make_surface

START = np.array([-5.0, -2.0])


@pytest.fixture
def ravine():
    """d2l's 0.1x² + 2y²: Hessian diag(0.2, 4)."""
    return make_surface("ravine")


def test_known_quadratic(ravine):
    st = analyze(ravine, (1.0, -1.0))
    assert st.eigenvalues == pytest.approx((0.2, 4.0))
    assert st.positive_definite and st.condition == pytest.approx(20.0)
    assert st.lr_max_stable == pytest.approx(0.5)
    assert st.lr_best == pytest.approx(2 / 4.2)
    assert st.momentum_lr == pytest.approx((2 / (2 + math.sqrt(0.2))) ** 2)
    assert st.momentum_mu == pytest.approx(((math.sqrt(20) - 1) / (math.sqrt(20) + 1)) ** 2)
    np.testing.assert_allclose(np.abs(st.eigenvectors), np.eye(2), atol=1e-12)


def test_rotated_ravine_eigenvectors():
    st = analyze(make_surface("ravine", angle=30.0), (0.0, 0.0))
    assert st.eigenvalues == pytest.approx((0.2, 4.0))
    t = math.radians(30.0)  # A = R diag(0.2, 4) Rᵀ: the steep axis is R·(0, 1)
    assert abs(st.eigenvectors[:, 1] @ [-math.sin(t), math.cos(t)]) == pytest.approx(1.0)
    assert abs(st.eigenvectors[:, 0] @ [math.cos(t), math.sin(t)]) == pytest.approx(1.0)


def test_saddle_is_not_positive_definite():
    st = analyze(make_surface("saddle"), (0.0, 0.0))  # f = x² + y⁴/4 − y²/2: H = diag(2, −1)
    assert st.eigenvalues == pytest.approx((-1.0, 2.0))
    assert not st.positive_definite and math.isnan(st.condition)
    assert st.lr_max_stable == pytest.approx(1.0)
    assert math.isnan(st.lr_best) and math.isnan(st.momentum_mu)


def test_stability_predicates():
    assert gd_is_stable(0.4, 4.0) and not gd_is_stable(0.6, 4.0) and not gd_is_stable(0.0, 4.0)
    np.testing.assert_array_equal(gd_is_stable(np.array([0.1, 0.49, 0.51]), 4.0), [1, 1, 0])
    assert momentum_is_stable(0.6, 0.5, 4.0)  # 2.4 < 2 + 2·0.5
    assert not momentum_is_stable(0.8, 0.5, 4.0)  # 3.2 > 3
    assert not momentum_is_stable(0.1, 1.0, 4.0)  # μ = 1 never settles


@pytest.mark.parametrize("factor, expect", [(0.99, Outcome.CONVERGED), (1.01, Outcome.DIVERGED)])
def test_gd_theory_matches_simulator(ravine, factor, expect):
    lr = factor * analyze(ravine, (0.0, 0.0)).lr_max_stable
    traj = simulate(ravine, rules.gd(), lr, START, 800)
    assert diagnose(ravine, traj).kind[0] == expect


@pytest.mark.parametrize("factor, expect", [(0.99, Outcome.CONVERGED), (1.01, Outcome.DIVERGED)])
def test_momentum_theory_matches_simulator(ravine, factor, expect):
    mu, lam_max = 0.5, analyze(ravine, (0.0, 0.0)).eigenvalues[1]
    lr = factor * (2 + 2 * mu) / lam_max
    assert momentum_is_stable(lr, mu, lam_max) == (factor < 1)
    traj = simulate(ravine, rules.momentum(mu), lr, START, 800)
    assert diagnose(ravine, traj).kind[0] == expect


def test_optimal_rates_are_fastest(ravine):
    """Polyak's pair beats the best fixed GD rate, which beats nearby rates."""
    st = analyze(ravine, (0.0, 0.0))
    rates = st.lr_best * np.array([0.8, 1.0, 1.04])  # 1.04·lr_best < 2/λ_max
    gd_steps = diagnose(ravine, simulate(ravine, rules.gd(), rates, np.tile(START, (3, 1)), 400))
    hb = simulate(ravine, rules.momentum(st.momentum_mu), st.momentum_lr, START, 400)
    hb_steps = diagnose(ravine, hb).steps[0]
    assert (gd_steps.kind == Outcome.CONVERGED).all()
    assert gd_steps.steps[1] < gd_steps.steps[0] and gd_steps.steps[1] < gd_steps.steps[2]
    assert 0 < hb_steps < gd_steps.steps[1] / 2
