"""simulate(): batch independence, lr sweeps, noise, divergence freezing, state history."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from optimizers import rules
from optimizers.base import LRPolicy, Optimizer, from_schedule
from optimizers.rules import OPTIMIZERS, make_optimizer
from optimizers.simulate import RUNAWAY_FACTOR, TINY_BATCH, StartError, simulate
from surfaces import make_surface

STARTS = np.array([[-1.5, 2.0], [0.5, -0.5], [-1.0, 1.0], [1.8, 2.5]])


def halve_on_increase(lr0: float) -> LRPolicy:
    """A loss-driven policy: each trajectory halves its own rate when its loss went up."""

    def init(batch):
        return np.full(batch, lr0), np.full(batch, np.inf)

    def lr_at(step, loss, state):
        rate, last = state
        rate = np.where(loss > last, rate / 2, rate)
        return rate, (rate, loss.copy())

    return LRPolicy("halve", init, lr_at)


def grow_on_increase(lr0) -> LRPolicy:
    """A loss-driven policy that does not save a diverging run: +10 % when the loss went up."""

    def init(batch):
        return np.ones(batch) * lr0, np.full(batch, np.inf)

    def lr_at(step, loss, state):
        rate, last = state
        rate = np.where(loss > last, rate * 1.1, rate)
        return rate, (rate, loss.copy())

    return LRPolicy("grow", init, lr_at)


def rows_equal(batched, single, i):
    for field in ("positions", "loss", "lr", "grad_norm"):
        np.testing.assert_array_equal(getattr(batched, field)[:, i], getattr(single, field)[:, 0])
    assert batched.diverged_at[i] == single.diverged_at[0]


def test_shapes_and_first_row(make_quadratic, gd_rule):
    surface = make_quadratic()
    traj = simulate(surface, gd_rule, 0.1, STARTS, 7)
    assert traj.positions.shape == (8, 4, 2)
    assert traj.loss.shape == traj.grad_norm.shape == (8, 4)
    assert traj.lr.shape == (7, 4) and np.all(traj.lr == 0.1)
    np.testing.assert_array_equal(traj.positions[0], STARTS)
    np.testing.assert_allclose(traj.loss, surface.f(traj.positions))
    np.testing.assert_allclose(
        traj.grad_norm, np.linalg.norm(surface.grad(traj.positions), axis=-1)
    )
    # one GD step by hand: x1 = x0 − 0.1·(0.2x, 4y)
    np.testing.assert_allclose(traj.positions[1], STARTS * (1 - 0.1 * np.array([0.2, 4.0])))
    assert traj.states is None and np.all(traj.diverged_at == -1)


def test_single_point_and_zero_steps(make_quadratic, gd_rule):
    traj = simulate(make_quadratic(), gd_rule, 0.1, (1.0, 2.0), 0)
    assert traj.positions.shape == (1, 1, 2) and traj.lr.shape == (0, 1)
    assert traj.loss[0, 0] == pytest.approx(0.5 * (0.2 + 16))


@pytest.mark.parametrize(
    "optimizer",
    [rules.gd(), rules.momentum(0.5), rules.nesterov(0.9), rules.adam(), rules.rmsprop()],
    ids=lambda o: o.name,
)
def test_batched_run_equals_row_by_row(optimizer):
    surface = make_surface("rosenbrock")
    rates = np.array([1e-3, 5e-4, 2e-3, 1e-4])
    batched = simulate(surface, optimizer, rates, STARTS, 60)
    for i in range(len(STARTS)):
        rows_equal(batched, simulate(surface, optimizer, rates[i], STARTS[i], 60), i)


@pytest.mark.parametrize(
    "policy",
    [from_schedule("step", lambda t: 1e-3 * 0.5 ** (t // 10)), halve_on_increase(2e-3)],
    ids=["schedule", "loss-driven"],
)
def test_batched_policy_equals_row_by_row(policy):
    surface = make_surface("rosenbrock")
    batched = simulate(surface, rules.momentum(0.9), policy, STARTS, 50)
    for i in range(len(STARTS)):
        rows_equal(batched, simulate(surface, rules.momentum(0.9), policy, STARTS[i], 50), i)
    if policy.name == "halve":  # the policy really acted, per trajectory
        assert len({tuple(col) for col in batched.lr.T}) > 1


def test_lr_sweep_is_a_batch(make_quadratic, gd_rule):
    surface = make_quadratic()
    rates = np.array([0.05, 0.2, 0.4, 0.45])
    sweep = simulate(surface, gd_rule, rates, np.tile([-5.0, -2.0], (4, 1)), 30)
    for i, rate in enumerate(rates):
        rows_equal(sweep, simulate(surface, gd_rule, float(rate), (-5.0, -2.0), 30), i)


def test_noise_is_reproducible(make_quadratic):
    surface, opt = make_quadratic(), rules.adam()
    a = simulate(surface, opt, 0.1, STARTS, 40, noise=0.5, seed=3)
    b = simulate(surface, opt, 0.1, STARTS, 40, noise=0.5, seed=3)
    c = simulate(surface, opt, 0.1, STARTS, 40, noise=0.5, seed=4)
    quiet = simulate(surface, opt, 0.1, STARTS, 40)
    np.testing.assert_array_equal(a.positions, b.positions)
    assert not np.allclose(a.positions, c.positions)
    assert not np.allclose(a.positions, quiet.positions)
    # the recorded gradient norm is the true one at the visited points, not the noisy one
    np.testing.assert_allclose(a.grad_norm, np.linalg.norm(surface.grad(a.positions), axis=-1))


def test_gradient_override_drives_the_update(make_quadratic, gd_rule):
    surface = make_quadratic()
    calls = []

    def half_gradient(x, step, rng):
        calls.append(step)
        assert isinstance(rng, np.random.Generator)
        return 0.5 * surface.grad(x)

    traj = simulate(surface, gd_rule, 0.1, STARTS, 5, gradient=half_gradient)
    assert calls == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(traj.positions[1], STARTS * (1 - 0.05 * np.array([0.2, 4.0])))
    np.testing.assert_allclose(traj.loss, surface.f(traj.positions))


def test_newton_gets_the_hessian(make_quadratic):
    seen = []

    def update(g, state, lr, x, hess=None):
        seen.append(hess.shape)
        return -lr * np.linalg.solve(hess, g[..., None])[..., 0], state

    newton = Optimizer("newton", lambda x: None, update, needs_hessian=True)
    traj = simulate(make_quadratic(), newton, 1.0, STARTS, 2)
    assert seen == [(4, 2, 2), (4, 2, 2)]
    np.testing.assert_allclose(traj.positions[1], 0.0, atol=1e-12)


def test_divergence_is_frozen_and_flagged(make_quadratic, gd_rule):
    """GD with lr·λ_max = 0.6·4 = 2.4: y_k = −2·(−1.4)^k runs out of the box."""
    surface = make_quadratic()
    (x0, x1), (y0, y1) = surface.domain
    high = max(x1, y1) + RUNAWAY_FACTOR * max(x1 - x0, y1 - y0)
    k = math.ceil(math.log(high / 2) / math.log(1.4))  # first step with |y_k| > high
    starts = np.array([[-5.0, -2.0], [-5.0, -2.0]])
    traj = simulate(surface, gd_rule, np.array([0.6, 0.4]), starts, 80)
    assert traj.diverged_at.tolist() == [k, -1]
    assert np.isfinite(traj.positions).all() and np.isfinite(traj.loss).all()
    np.testing.assert_array_equal(
        traj.positions[k:, 0], np.broadcast_to(traj.positions[k - 1, 0], (81 - k, 2))
    )
    assert np.all(traj.loss[k:, 0] == traj.loss[k - 1, 0])
    assert abs(traj.positions[k - 1, 0, 1]) == pytest.approx(2 * 1.4 ** (k - 1))
    rows_equal(traj, simulate(surface, gd_rule, 0.4, (-5.0, -2.0), 80), 1)


def test_larger_batch_path_matches_small_runs(make_quadratic, gd_rule):
    """Above TINY_BATCH the runaway test uses reductions; rows still equal B = 1 runs."""
    surface, batch = make_quadratic(), TINY_BATCH + 12
    rates = np.linspace(0.05, 0.6, batch)  # the last rows have lr·λ_max > 2 and diverge
    starts = np.tile([-5.0, -2.0], (batch, 1))
    traj = simulate(surface, gd_rule, rates, starts, 60)
    assert (traj.diverged_at[rates > 0.55] > 0).all()
    assert (traj.diverged_at[rates < 0.5] == -1).all()
    for i in (0, batch // 2, batch - 1):
        rows_equal(traj, simulate(surface, gd_rule, rates[i], starts[i], 60), i)


def test_large_but_legal_values_are_not_runaways(make_quadratic, gd_rule):
    """Losses just below RUNAWAY_LOSS are legal: none of those rows is flagged, only the one
    that really runs away."""
    surface, batch = make_quadratic(2e9, 2e9), 100
    rates = np.zeros(batch)
    rates[-1] = 1e-8  # lr·λ = 20 > 2: this row alone diverges
    traj = simulate(surface, gd_rule, rates, np.full((batch, 2), 20.0), 30)
    assert traj.loss[0, 0] == pytest.approx(8e11)
    assert (traj.diverged_at[:-1] == -1).all() and traj.diverged_at[-1] > 0
    rows_equal(traj, simulate(surface, gd_rule, 0.0, (20.0, 20.0), 30), 0)


def test_overflow_is_flagged_not_nan():
    surface = make_surface("rosenbrock")
    traj = simulate(surface, rules.gd(), np.array([10.0, 1e-3]), [[-1.5, 2.0], [-1.5, 2.0]], 50)
    assert traj.diverged_at[0] == 1 and traj.diverged_at[1] == -1
    assert np.isfinite(traj.positions).all() and np.isfinite(traj.loss).all()
    assert np.isfinite(traj.grad_norm).all()
    np.testing.assert_array_equal(traj.positions[:, 0], np.broadcast_to([-1.5, 2.0], (51, 2)))


class _NoGradientLeftOfAxis:
    """The bowl x² + y², whose gradient is NaN where x < 0: a finite loss at a point with no
    gradient, as a typed x^y has for x < 0 (∂/∂y = x^y·ln x)."""

    domain = ((-2.0, 2.0), (-2.0, 2.0))
    hess = None

    def f_and_grad(self, p):
        p = np.asarray(p, dtype=np.float64)
        g = 2.0 * p
        g[p[..., 0] < 0] = np.nan
        return (p * p).sum(axis=-1), g


@pytest.mark.parametrize("batch", [1, 2, TINY_BATCH + 2])
def test_a_point_without_gradient_diverges(gd_rule, batch):
    """GD lr 1.5 from (1, 0.5) lands on (−2, −1), where f = 5 but ∇f is NaN: that step diverges
    (frozen at the start, no NaN recorded); lr 0.25 halves the point each step and converges."""
    rates = np.where(np.arange(batch) % 2 == 0, 1.5, 0.25)
    traj = simulate(_NoGradientLeftOfAxis(), gd_rule, rates, np.tile([1.0, 0.5], (batch, 1)), 5)
    assert traj.diverged_at.tolist() == [1 if r == 1.5 else -1 for r in rates]
    assert np.isfinite(traj.grad_norm).all() and np.isfinite(traj.positions).all()
    np.testing.assert_array_equal(traj.positions[:, 0], np.broadcast_to([1.0, 0.5], (6, 2)))
    if batch > 1:
        np.testing.assert_allclose(traj.positions[5, 1], np.array([1.0, 0.5]) * 0.5**5)


def test_a_start_without_gradient_is_refused(gd_rule):
    with pytest.raises(StartError, match="gradient is not defined"):
        simulate(_NoGradientLeftOfAxis(), gd_rule, 0.1, [[1.0, 0.0], [-1.0, 0.0]], 3)


def test_diverged_state_stays_finite():
    surface = make_surface("rosenbrock")
    traj = simulate(surface, rules.momentum(0.9), [0.01, 1e-4], STARTS[:2], 100, record_state=True)
    assert traj.diverged_at[0] > 0 and traj.diverged_at[1] == -1
    k = traj.diverged_at[0]
    v = traj.states["velocity"]
    assert np.isfinite(v).all()
    np.testing.assert_array_equal(v[k:, 0], np.broadcast_to(v[k - 1, 0], v[k:, 0].shape))


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_is_finite_next_to_a_blow_up(name):
    """Row 0 (tiny rate) is untouched by row 1 (lr 50, overflows for most rules)."""
    surface, opt = make_surface("rosenbrock"), make_optimizer(name)
    traj = simulate(surface, opt, np.array([1e-4, 50.0]), [[-1.5, 2.0]] * 2, 60, record_state=True)
    assert np.isfinite(traj.positions).all() and np.isfinite(traj.loss).all()
    assert all(np.isfinite(h).all() for h in traj.states.values())
    rows_equal(traj, simulate(surface, opt, 1e-4, (-1.5, 2.0), 60), 0)


def test_record_state_history():
    surface = make_surface("rosenbrock")
    traj = simulate(surface, rules.adam(), 1e-2, STARTS, 10, record_state=True)
    assert set(traj.states) == {"exp_avg", "exp_avg_sq", "step"}
    assert traj.states["exp_avg"].shape == (11, 4, 2)
    assert traj.states["step"].shape == (11, 4)
    np.testing.assert_array_equal(traj.states["step"][:, 0], np.arange(11))
    np.testing.assert_array_equal(traj.states["exp_avg"][0], 0.0)
    g0 = surface.grad(STARTS)
    np.testing.assert_allclose(traj.states["exp_avg"][1], 0.1 * g0)
    np.testing.assert_allclose(traj.states["exp_avg_sq"][1], 0.001 * g0**2)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"steps": -1},
        {"steps": 2.5},
        {"starts": np.zeros(3)},
        {"starts": [[np.nan, 0.0]]},
        {"lr": np.array([0.1, 0.2, 0.3])},
        {"lr": -0.1},
        {"noise": -1.0},
    ],
)
def test_bad_arguments(make_quadratic, gd_rule, kwargs):
    args = {"lr": 0.1, "starts": STARTS, "steps": 3} | kwargs
    with pytest.raises(ValueError):
        simulate(make_quadratic(), gd_rule, **args)


@settings(max_examples=25, deadline=None)
@given(
    starts=hnp.arrays(
        np.float64, st.tuples(st.integers(1, 5), st.just(2)), elements=st.floats(-6, 6)
    ),
    log_lr=st.floats(-3, 0.5),
    mu=st.sampled_from([0.0, 0.5, 0.9]),
)
def test_rows_never_interact(starts, log_lr, mu):
    """Property: each row of a batch (some diverging) equals its own run; outputs are finite."""
    surface = make_surface("ravine")
    opt = rules.gd() if mu == 0 else rules.momentum(mu)
    rates = 10.0 ** (log_lr + np.linspace(0, 0.5, len(starts)))
    batched = simulate(surface, opt, rates, starts, 40)
    assert np.isfinite(batched.positions).all() and np.isfinite(batched.loss).all()
    for i in range(len(starts)):
        rows_equal(batched, simulate(surface, opt, rates[i], starts[i], 40), i)


@pytest.mark.parametrize("batch", [1, 3, TINY_BATCH + 4])
@pytest.mark.parametrize("loss_driven", [False, True])
def test_a_fully_diverged_batch_is_written_out_like_the_loop(
    make_quadratic, gd_rule, batch, loss_driven
):
    """Once every row has run away the rest of the run is written at once; it equals the same
    rows run next to a row that never diverges (which keeps the per-step loop going)."""
    surface = make_quadratic()
    rates = np.full(batch, 0.6)
    lr = grow_on_increase(0.6) if loss_driven else rates
    starts = np.tile([[-5.0, -2.0]], (batch, 1))
    alone = simulate(surface, gd_rule, lr, starts, 80)
    assert (alone.diverged_at > 0).all()
    mixed_lr = np.append(rates, 0.01)
    mixed_lr = grow_on_increase(mixed_lr) if loss_driven else mixed_lr
    mixed = simulate(surface, gd_rule, mixed_lr, np.vstack([starts, [[1.0, 1.0]]]), 80)
    assert mixed.diverged_at[-1] == -1
    for name in ("positions", "loss", "grad_norm", "lr"):
        np.testing.assert_array_equal(getattr(alone, name), getattr(mixed, name)[:, :batch])
    np.testing.assert_array_equal(alone.diverged_at, mixed.diverged_at[:batch])


# ----------------------------------------------------------------------------- issue 10


def _formula(text, half=3.0):
    from surfaces.formula import make_formula_surface

    return make_formula_surface(text, ((-half, half), (-half, half)))


@pytest.mark.parametrize("batch", [1, TINY_BATCH + 4])
def test_a_finite_gradient_never_has_an_infinite_norm(batch):
    """exp(400x) at x = 1: ∇f = (400·e⁴⁰⁰, 0) is finite, but g_x² overflows; the norm is
    2.09e176, not inf (nothing non-finite leaves simulate)."""
    surface = _formula("exp(400*x)+y^2")
    traj = simulate(surface, rules.gd(), 1e-200, np.tile([1.0, 0.0], (batch, 1)), 4)
    assert np.isfinite(traj.grad_norm).all()
    assert traj.grad_norm[0, 0] == pytest.approx(400 * math.exp(400))
    assert (traj.diverged_at == -1).all()


@pytest.mark.parametrize("batch", [1, TINY_BATCH + 4])
def test_runaway_is_relative_to_the_landscape(batch):
    """A stable GD run on 1e12·(x² + y²) (lr·λ = 1) is no runaway; neither is x¹⁴ + y¹⁴ over
    ±10 from its own start at a rate it can take (both 'diverged at step 1' before)."""
    huge = _formula("1e12*(x^2+y^2)")
    traj = simulate(huge, rules.gd(), 0.5e-12, np.tile([1.0, 1.0], (batch, 1)), 5)
    assert (traj.diverged_at == -1).all() and traj.loss[1, 0] == 0.0
    steep = _formula("x^14+y^14", half=10.0)
    start = np.tile(steep.start, (batch, 1))
    assert steep.f(start[:1])[0] > 1e12
    traj = simulate(steep, rules.gd(), 1e-14, start, 20)
    assert (traj.diverged_at == -1).all() and traj.loss[-1, 0] < traj.loss[0, 0]
    blown = simulate(steep, rules.gd(), 1.0, start, 20)  # lr·λ ≈ 10¹²: a real runaway
    assert (blown.diverged_at == 1).all() and not blown.undefined.any()


@pytest.mark.parametrize("batch", [1, TINY_BATCH + 4])
def test_stepping_where_f_is_undefined_is_flagged(batch):
    """√x from x = 1 with lr 4: the step lands at x = 0 − … < 0 where f is NaN: undefined, frozen
    at the last point; a finite-f, infinite-slope landing (√x at 0) is undefined too."""
    surface = _formula("sqrt(x)+y^2")
    starts = np.tile([1.0, 1.0], (batch, 1))
    traj = simulate(surface, rules.gd(), np.linspace(4.0, 2.0, batch), starts, 10)
    assert (traj.diverged_at == 1).all() and traj.undefined.all()
    assert np.isfinite(traj.positions).all() and np.isfinite(traj.grad_norm).all()
    fine = simulate(surface, rules.gd(), 0.01, starts, 10)
    assert (fine.diverged_at == -1).all() and not fine.undefined.any()


def test_runaway_band_is_per_row():
    """A row's band depends on its own start only: a high start in the batch does not change
    another row's outcome (the row equals its run alone)."""
    surface = _formula("x^2+y^2")
    starts = np.array([[1.0, 1.0], [2.5, 2.5]])
    traj = simulate(surface, rules.gd(), np.array([1.5, 0.1]), starts, 80)
    rows_equal(traj, simulate(surface, rules.gd(), 1.5, starts[0], 80), 0)
    assert traj.diverged_at[0] > 0 and traj.diverged_at[1] == -1
