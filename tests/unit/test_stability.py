"""Quadratic-model stability: eigen-analysis, step-size limits, and agreement with simulate."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from optimizers import make_optimizer, rules
from optimizers.diagnostics import Outcome, diagnose
from optimizers.simulate import simulate
from optimizers.stability import NoQuadraticModel, analyze, stable_lr
from surfaces import make_surface
from surfaces.formula import make_formula_surface

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


QUADRATICS = {
    "ravine": lambda: make_surface("ravine"),
    "rotated ravine": lambda: make_surface("ravine", angle=30.0, kappa=50.0),
    "random quadratic": lambda: make_formula_surface(
        "1.7*x^2 + 1.3*x*y + 0.6*y^2", ((-6.0, 6.0), (-6.0, 6.0))
    ),
}
BOUND_CASES = [
    ("gd", {}),
    ("gd", {"weight_decay": 0.5}),
    ("momentum", {"momentum": 0.5}),
    ("momentum", {"momentum": 0.9}),
    ("momentum", {"momentum": 0.9, "dampening": 0.5}),
    ("momentum", {"momentum": 0.5, "weight_decay": 0.3}),
    ("nesterov", {"momentum": 0.5}),
    ("nesterov", {"momentum": 0.9}),
    ("nesterov", {"momentum": 0.9, "weight_decay": 0.3}),
    ("newton", {"damping": 1.0}),
    ("newton", {}),
]


@pytest.mark.parametrize("surface_name", list(QUADRATICS))
@pytest.mark.parametrize("optimizer, hyper", BOUND_CASES)
def test_stable_lr_is_the_edge_of_simulate(surface_name, optimizer, hyper):
    """Just below stable_lr (×0.98) the error dies out, just above (×1.02) it grows: per
    optimizer family and option, on diagonal, rotated and general quadratics (min at 0)."""
    surface = QUADRATICS[surface_name]()
    lam_max = analyze(surface, (0.0, 0.0)).eigenvalues[1]
    bound = stable_lr(optimizer, hyper, lam_max)
    rates = bound * np.array([0.98, 1.02])
    start = np.array([[1.5, -1.0], [1.5, -1.0]])
    traj = simulate(surface, make_optimizer(optimizer, **hyper), rates, start, 3000)
    error = np.linalg.norm(traj.positions[-1], axis=-1) / np.linalg.norm(start[0])
    assert traj.diverged_at[0] == -1 and error[0] < 1e-6
    assert traj.diverged_at[1] > 0 or error[1] > 1.0


def test_stable_lr_formulas():
    assert stable_lr("gd", {}, 4.0) == 0.5
    assert stable_lr("gd", {"weight_decay": 1.0}, 4.0) == pytest.approx(0.4)
    assert stable_lr("momentum", {"momentum": 0.5}, 4.0) == pytest.approx(0.75)  # (2 + 2μ)/λ
    assert stable_lr("momentum", {"momentum": 0.5, "dampening": 0.5}, 4.0) == pytest.approx(1.5)
    assert stable_lr("momentum", {"momentum": 0.0, "dampening": 0.5}, 4.0) == 0.5  # GD
    assert stable_lr("momentum", {"momentum": 0.5, "dampening": 1.0}, 4.0) == math.inf
    assert stable_lr("nesterov", {"momentum": 0.5}, 4.0) == pytest.approx(3 / (2 * 4))
    assert stable_lr("nesterov", {}, 1.0) == pytest.approx(3.8 / 2.8)  # registry μ = 0.9
    assert stable_lr("newton", {"damping": 1.0}, 4.0) == pytest.approx(2.5)
    assert stable_lr("momentum", {"momentum": 1.0}, 4.0) == 0.0  # μ = 1 never settles
    assert stable_lr("gd", {}, 0.0) == math.inf and stable_lr("gd", {}, -1.0) == math.inf
    for name in ("adagrad", "rmsprop", "adam", "adamw", "nadam"):
        assert stable_lr(name, {}, 4.0) is None
    with pytest.raises(ValueError):
        stable_lr("sgdx", {}, 4.0)


@pytest.mark.parametrize(
    "formula", ["sqrt(x^2+y^2)", "x^2+y^2+abs(x)^1.5", "sqrt(abs(x-1))+y^2", "abs(x)+y^2"]
)
def test_no_quadratic_model_at_a_kink(formula):
    """At a kink the model does not apply: a NoQuadraticModel (a ValueError), never numbers
    (the cone's minimum used to give 'lr < 2/λ_max = 2.1e-19')."""
    surface = make_formula_surface(formula, ((-3.0, 3.0), (-3.0, 3.0)))
    with pytest.raises(NoQuadraticModel) as err:
        analyze(surface, surface.global_min.point)
    assert err.value.reason and err.value.point == pytest.approx(surface.global_min.point)
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("formula", ["x^4+y^2", "x^2+y^2", "cosh(3*x)+y^4+y^2", "1e12*(x^2+y^2)"])
def test_smooth_minima_keep_their_model(formula):
    surface = make_formula_surface(formula, ((-3.0, 3.0), (-3.0, 3.0)))
    assert analyze(surface, surface.global_min.point).eigenvalues[1] > 0


def test_every_builtin_minimum_is_smooth():
    from surfaces import SURFACES

    for name in SURFACES:
        surface = make_surface(name)
        for m in surface.minima:
            analyze(surface, m.point)


class _Huge:
    """A Hessian whose entries are finite but whose H + Hᵀ overflows."""

    domain = ((-1.0, 1.0), (-1.0, 1.0))

    def hess(self, p):
        return np.array([[1e308, 1e308], [1e308, -1e308]])

    def f(self, p):
        return np.zeros(np.shape(p)[:-1])

    def grad(self, p):
        return np.asarray(p) * 0.0


def test_huge_hessian_does_not_warn():
    st = analyze(_Huge(), (0.0, 0.0))  # pytest turns a RuntimeWarning into an error
    assert st.eigenvalues == pytest.approx((-math.sqrt(2) * 1e308, math.sqrt(2) * 1e308))


def test_round_bowl_has_condition_exactly_one():
    """κ = 1 up to float noise is κ = 1: Polyak's μ is 0, not 1.23e-32."""
    surface = make_formula_surface("sin(x)*cos(y)+0.1*(x^2+y^2)", ((-6.0, 6.0), (-6.0, 6.0)))
    st = analyze(surface, surface.global_min.point)
    assert st.condition == 1.0 and st.momentum_mu == 0.0


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


def test_no_quadratic_model_survives_the_cache():
    """st.cache_data pickles what stability_at returns: the signal must round-trip."""
    import pickle

    err = NoQuadraticModel((1.0, -2.0), "f is not smooth there")
    back = pickle.loads(pickle.dumps(err))
    assert (back.point, back.reason, str(back)) == (err.point, err.reason, str(err))
    assert str(err) == "the quadratic model does not apply at (1, −2): f is not smooth there"


def test_analysis_is_remembered_per_surface_and_point():
    """A scrub batch explains ~100 runs of one landscape: the landscape is sampled once, each
    point analyzed once, and a missing model raises again every time it is asked for."""
    surface = make_surface("ravine")
    calls = []
    counted = dataclasses.replace(surface, f=lambda p: calls.append(1) or surface.f(p))
    first = analyze(counted, (1.0, 0.5))
    sampled = len(calls)
    assert sampled > 0
    assert analyze(counted, (1.0, 0.5)) is first
    analyze(counted, (0.2, -0.3))
    assert len(calls) == sampled, "the landscape was sampled again"
    assert analyze(counted, (1.0, 0.5 + 1e-9)).eigenvalues == pytest.approx(first.eigenvalues)
    kink = make_formula_surface("abs(x) + y^2")
    for _ in range(2):
        with pytest.raises(NoQuadraticModel):
            analyze(kink, (0.0, 0.0))
