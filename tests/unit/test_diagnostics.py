"""diagnose()/describe(): the reference facts, read back as outcomes and sentences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers import rules
from optimizers.diagnostics import TOL, Outcome, describe, diagnose
from optimizers.simulate import simulate
from surfaces import make_surface
from surfaces.base import Surface


def run(name, optimizer, lr, starts, steps, **params):
    """Simulate and diagnose on a built-in surface (starts None: the surface's default start)."""
    surface = make_surface(name, **params)
    starts = surface.start if starts is None else starts
    traj = simulate(surface, optimizer, lr, np.atleast_2d(starts), steps)
    return surface, traj, diagnose(surface, traj)


# ----------------------------------------------------------------------------- d2l's ravine


def test_d2l_gd_04_zigzags_and_converges():
    surface, _traj, d = run("ravine", rules.gd(), 0.4, (-5.0, -2.0), 150)
    assert d.kind[0] == Outcome.CONVERGED and d.zigzag[0]
    # x_k = −5·0.92^k dominates: first k with |x_k| ≤ r (y has died out long before)
    radius = TOL * 12.0
    assert d.steps[0] == math.ceil(math.log(radius / 5) / math.log(0.92))
    text = describe(d, 0, surface)
    assert text == f"Zig-zags across the valley but converges to (0, 0) in {d.steps[0]} steps."


def test_d2l_gd_06_diverges_and_says_why():
    surface, traj, d = run("ravine", rules.gd(), 0.6, (-5.0, -2.0), 150)
    assert d.kind[0] == Outcome.DIVERGED and d.steps[0] == traj.diverged_at[0] > 0
    assert d.minimum[0] == -1
    text = describe(d, 0, surface, traj=traj)
    assert text.startswith(f"Diverged at step {d.steps[0]}: every step overshoots further")
    assert "lr·λ_max = 0.6 × 4 = 2.4 > 2 at the start" in text
    assert describe(d, 0, surface, traj=traj, lr=np.array([0.6])) == text
    assert (
        describe(d, 0, surface) == f"Diverged at step {d.steps[0]}: every step overshoots further."
    )


def test_d2l_heavy_ball_converges():
    _surface, _traj, d = run("ravine", rules.momentum(0.5), 0.6, (-5.0, -2.0), 150)
    assert d.kind[0] == Outcome.CONVERGED and 0 < d.steps[0] < 73  # faster than GD at 0.4
    assert d.distance[0] <= TOL * 12.0


def test_gd_at_the_edge_oscillates():
    """lr·λ_max = 2 exactly: the steep coordinate flips ±2 forever, the loss stops falling."""
    surface, _traj, d = run("ravine", rules.gd(), 0.5, (-5.0, -2.0), 150)
    assert d.kind[0] == Outcome.OSCILLATING and d.steps[0] == -1
    assert d.distance[0] == pytest.approx(2.0, abs=1e-3)
    assert describe(d, 0, surface).startswith("Bounces without settling: after 150 steps")


def test_tiny_rate_crawls():
    surface, traj, d = run("ravine", rules.gd(), 1e-3, (-5.0, -2.0), 1000)
    assert d.kind[0] == Outcome.CRAWLING and not d.zigzag[0]
    text = describe(d, 0, surface)
    assert text.startswith("Still crawling after 1 000 steps (f = ")
    assert text.endswith("falling) — try a larger rate.")
    assert d.final_loss[0] == pytest.approx(traj.loss[-1, 0])


def test_steps_to_converge_on_a_bowl():
    """f = ½(x² + y²), GD lr 0.1: ‖x_k‖ = 0.9^k‖x_0‖ enters radius r at a known step."""
    surface, _traj, d = run("bowl", rules.gd(), 0.1, (-2.5, 2.0), 200)
    radius = TOL * max(hi - lo for lo, hi in surface.domain)
    assert d.kind[0] == Outcome.CONVERGED and not d.zigzag[0]
    assert d.steps[0] == math.ceil(math.log(radius / math.hypot(2.5, 2.0)) / math.log(0.9))
    assert (
        describe(d, 0, surface) == f"Converged to the global minimum (0, 0) in {d.steps[0]} steps."
    )


def test_one_step_is_singular():
    """f = ½‖p‖², GD at lr 1 lands on the minimum in one step."""
    surface, _traj, d = run("bowl", rules.gd(), 1.0, (-2.5, 2.0), 10)
    assert d.kind[0] == Outcome.CONVERGED and d.steps[0] == 1
    assert describe(d, 0, surface) == "Converged to the global minimum (0, 0) in 1 step."


# ----------------------------------------------------------------------------- several minima


def test_wells_trapped_vs_escape():
    surface = make_surface("wells")
    starts = np.tile(surface.start, (2, 1))
    gd = diagnose(surface, simulate(surface, rules.gd(), 0.1, starts, 500))
    hb = diagnose(surface, simulate(surface, rules.momentum(0.9), 0.1, starts, 500))
    assert (gd.kind == Outcome.TRAPPED).all() and (gd.minimum > 0).all()
    assert (hb.kind == Outcome.CONVERGED).all() and (hb.minimum == 0).all()
    trapped = surface.minima[gd.minimum[0]]
    assert gd.final_loss[0] == pytest.approx(trapped.value, abs=1e-4)
    text = describe(gd, 0, surface)
    assert text.startswith("Trapped in a local minimum at (")
    assert f"vs the global {surface.f_min:.3g}".replace("-", "−") in text


def test_six_hump_camel_trapped_and_global():
    surface, _traj, d = run("six_hump_camel", rules.gd(), 0.01, [[2.0, -1.0], [0.5, -0.5]], 1000)
    assert d.kind.tolist() == [Outcome.TRAPPED, Outcome.CONVERGED]
    assert surface.minima[d.minimum[0]].point == pytest.approx((1.7036, -0.7961), abs=1e-4)
    assert surface.minima[d.minimum[1]].value == pytest.approx(-1.0316, abs=1e-4)
    assert describe(d, 0, surface).startswith("Trapped in a local minimum at (1.7, −0.796)")


def test_himmelblau_has_four_global_minima():
    _surface, _traj, d = run(
        "himmelblau", rules.gd(), 0.01, [[1, 1], [-1, 1], [-1, -1], [1, -1]], 300
    )
    assert (d.kind == Outcome.CONVERGED).all()
    assert sorted(d.minimum.tolist()) == [0, 1, 2, 3]


def test_basin_map_is_vectorized_and_row_consistent():
    surface = make_surface("himmelblau")
    axis = np.linspace(-4.5, 4.5, 60)
    starts = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    traj = simulate(surface, rules.gd(), 0.01, starts, 200)
    d = diagnose(surface, traj)
    assert len(d.kind) == 3600 and set(np.unique(d.minimum[d.kind == Outcome.CONVERGED])) == {
        0,
        1,
        2,
        3,
    }
    for i in (0, 1234, 3599):
        single = diagnose(surface, simulate(surface, rules.gd(), 0.01, starts[i], 200))
        for field in d._fields:
            np.testing.assert_array_equal(getattr(d, field)[i], getattr(single, field)[0])


# ----------------------------------------------------------------------------- flat places


def test_stalls_at_the_saddle():
    surface, _traj, d = run("saddle", rules.gd(), 0.1, [[-2.5, 0.0], [-2.5, 0.01]], 200)
    assert d.kind.tolist() == [Outcome.STALLED, Outcome.CONVERGED]
    assert d.saddle.tolist() == [0, -1]
    text = describe(d, 0, surface)
    assert text.startswith("Stalled near the saddle point (0, 0): the gradient is almost zero")


def test_stalls_on_the_plateau_adam_crosses():
    surface = make_surface("plateau")
    starts = np.array([[-3.5, 2.5]])
    gd = diagnose(surface, simulate(surface, rules.gd(), 0.1, starts, 300))
    adam = diagnose(surface, simulate(surface, rules.adam(), 0.1, starts, 300))
    assert gd.kind[0] == Outcome.STALLED and gd.saddle[0] == -1 and gd.grad_norm[0] < 1e-3
    assert describe(gd, 0, surface).startswith("Stalled on a plateau")
    assert adam.kind[0] == Outcome.CONVERGED


# ----------------------------------------------------------------------------- thrown out


def outside(surface, point):
    (x0, x1), (y0, y1) = surface.domain
    return not (x0 <= point[0] <= x1 and y0 <= point[1] <= y1)


@pytest.mark.parametrize("steps", [199, 200])
def test_wells_lr_10_is_thrown_out_not_too_slow(steps):
    """lr·c = 1 for the wells' bowl: every other step lands far beyond the box (x > 4, e.g.
    (7.3, 3.7) at step 200), on ground higher than the start; the others land near the centre.
    Either parity of the budget gets the same outcome (was: 'still crawling — try a larger
    rate')."""
    surface, traj, d = run("wells", rules.gd(), 10.0, None, steps)
    assert d.kind[0] == Outcome.THROWN_OUT and d.steps[0] == -1 and traj.diverged_at[0] == -1
    tail = traj.positions[-20:, 0]
    assert sum(outside(surface, p) for p in tail) == 10  # out and back, every other step
    assert outside(surface, traj.positions[-1, 0]) == (steps % 2 == 0)
    assert describe(d, 0, surface) == (
        f"Thrown out of the landscape: after {steps} steps its steps still overshoot past the "
        "edge of the plotted area, higher than where it started — the rate is too large: try a "
        "smaller one."
    )


def test_plateau_lr_10_is_thrown_out_not_stalled():
    """The first step flings GD from (−2.4, 1.8) to (−4.41, 3.31), past the edge x = −4, onto the
    flat rim (f = 1 − e^(−30), above the start's 1 − e^(−9)), where ∇f ≈ 7e−13 holds it."""
    surface, traj, d = run("plateau", rules.gd(), 10.0, None, 200)
    assert d.kind[0] == Outcome.THROWN_OUT and d.saddle[0] == -1
    assert traj.positions[-1, 0] == pytest.approx((-4.413, 3.310), abs=1e-3)
    assert outside(surface, traj.positions[-1, 0])
    assert traj.loss[-1, 0] > traj.loss[0, 0] and d.grad_norm[0] < 1e-12


def test_a_small_rate_crawling_inside_the_box_stays_crawling():
    surface, traj, d = run("wells", rules.gd(), 0.01, None, 200)
    assert not any(outside(surface, p) for p in traj.positions[:, 0])
    assert d.kind[0] == Outcome.CRAWLING


def test_walking_out_of_the_box_downhill_is_not_thrown_out():
    """Rosenbrock's valley y = x² runs on above the plot's top edge y = 3: GD at lr 1e-4 from
    (−2, 3) follows it out of the box, always downhill, and is still crawling (rightly told to
    take a larger rate, not a smaller one)."""
    surface, traj, d = run("rosenbrock", rules.gd(), 1e-4, (-2.0, 3.0), 300)
    assert outside(surface, traj.positions[-1, 0])
    assert (np.diff(traj.loss[:, 0]) < 0).all()
    assert d.kind[0] == Outcome.CRAWLING


def test_surface_without_minima():
    known = make_surface("ravine")
    custom = Surface(
        "custom", "custom", known.f, known.grad, known.hess, known.domain, (), (0.0, 0.0), "", ""
    )
    starts = np.array([[-5.0, -2.0]] * 3)
    traj = simulate(custom, rules.gd(), np.array([0.4, 0.6, 1e-3]), starts, 300)
    d = diagnose(custom, traj)
    assert d.kind.tolist() == [Outcome.STALLED, Outcome.DIVERGED, Outcome.CRAWLING]
    assert (d.minimum == -1).all() and np.isnan(d.distance).all()
    assert all(describe(d, i, custom) for i in range(3))


def test_describe_without_steps():
    surface, _traj, d = run("bowl", rules.gd(), 0.1, (1.0, 1.0), 0)
    assert d.kind[0] == Outcome.STALLED
    assert describe(d, 0, surface) == "Stalled: after 0 steps it has barely moved (f = 1)."


# ----------------------------------------------------------------------------- issue 10


def _formula(text, half=3.0):
    from surfaces.formula import make_formula_surface

    return make_formula_surface(text, ((-half, half), (-half, half)))


def _scene(surface, name, lr, steps, start=None, noise=0.0, policy="constant", **hyper):
    from optimizers import make_optimizer, make_policy

    rate = make_policy(policy, lr, steps)
    start = surface.start if start is None else start
    opt = make_optimizer(name, **hyper)
    traj = simulate(surface, opt, rate, np.atleast_2d(start), steps, noise=noise)
    d = diagnose(surface, traj)
    return describe(d, 0, surface, traj=traj, optimizer=name, hyper=hyper, noise=noise), d


def test_overflowing_product_is_a_sentence_not_an_overflow_error():
    """cosh(1000x) from (0.695, 0) at lr 10: lr·λ_max overflows (it raised round(inf))."""
    text, d = _scene(_formula("cosh(1000*x)+y^2"), "gd", 10.0, 20, start=(0.695, 0.0))
    assert d.kind[0] == Outcome.DIVERGED and text.startswith("Diverged at step 1")
    assert "nan" not in text.lower() and "inf" not in text


def test_huge_lambda_is_three_digits():
    """exp(400x)'s λ_max at x = 1 printed with 174 digits."""
    text, _ = _scene(_formula("exp(400*x)+y^2"), "gd", 0.1, 5, start=(1.0, 0.0))
    assert "× 10¹⁷⁸" in text and len(text) < 140


def test_undefined_step_has_its_own_sentence():
    text, d = _scene(_formula("sqrt(x)+y^2"), "gd", 2.0, 10, start=(1.0, 1.0))
    assert d.kind[0] == Outcome.UNDEFINED and d.steps[0] == 1
    assert text.startswith("Stepped where f is not defined") and "overshoots" not in text


def test_momentum_divergence_is_explained_by_its_own_bound():
    """Heavy ball μ = 0.5 at lr 0.8 on the ravine: lr·λ = 3.2 > 2 + 2μ = 3 (GD's 2 is not it)."""
    text, d = _scene(make_surface("ravine"), "momentum", 0.8, 200, start=(-5.0, -2.0), momentum=0.5)
    assert d.kind[0] == Outcome.DIVERGED
    assert "lr = 0.8 > (2 + 2μ)/λ_max = 0.75 for λ_max = 4 at the start" in text
    adam, _ = _scene(make_surface("ravine"), "adam", 50.0, 100, start=(-5.0, -2.0))
    assert "λ_max" not in adam  # adaptive: no fixed bound is claimed


def test_lesson_7_momentum_is_almost_there_not_crawling():
    """Rosenbrock, momentum lr 0.001 μ 0.9, 1000 steps: f = 5.7e−05 is almost at (1, 1)."""
    surface = make_surface("rosenbrock")
    text, d = _scene(surface, "momentum", 0.001, 1000, momentum=0.9)
    assert d.kind[0] == Outcome.CRAWLING
    assert text.startswith("Almost there: after 1 000 steps it is 0.0168 from the minimum (1, 1)")
    assert "larger rate" not in text


def test_decay_lesson_jitters_around_the_minimum():
    """Bowl, GD 0.3, cosine decay, noise σ = 2: the lesson's point is the jitter, not a rate."""
    text, _ = _scene(make_surface("bowl"), "gd", 0.3, 150, noise=2.0, policy="cosine")
    assert text.startswith("Jitters around the minimum (0, 0)") and "larger rate" not in text


def test_crawling_far_from_the_minimum_still_asks_for_a_larger_rate():
    text, _ = _scene(make_surface("ravine"), "gd", 0.02, 150, start=(-5.0, -2.0))
    assert text.startswith("Still crawling after 150 steps") and "larger rate" in text


def test_crawling_at_the_stable_limit_does_not_ask_for_a_larger_rate():
    """λ = (0.01, 4): GD at 0.9·2/λ_max crawls along the floor; a larger rate would diverge."""
    surface = make_surface("ravine", lam_min=0.01, kappa=400.0)
    text, d = _scene(surface, "gd", 0.9 * 2 / 4.0, 60, start=(-5.0, 0.0))
    assert d.kind[0] == Outcome.CRAWLING, text
    assert "larger rate would not" in text and "try a larger rate" not in text


def test_a_zigzagging_momentum_run_is_not_told_to_add_momentum():
    text, _ = _scene(make_surface("ravine"), "nesterov", 0.3, 50, start=(-5.0, -2.0))
    assert text.startswith("Zig-zags across the valley") and "momentum damps" not in text
    gd, _ = _scene(make_surface("ravine"), "gd", 0.45, 40, start=(-5.0, -2.0))
    assert gd.endswith("momentum damps the zig-zag.")
