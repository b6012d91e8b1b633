"""The learning-rate lab (optimizers/lab/): every experiment against facts worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers.diagnostics import Outcome
from optimizers.lab.basins import DIVERGED, basin_map
from optimizers.lab.grid import DEFAULT_LRS, decade_grid, parse_lr_grid
from optimizers.lab.phase import phase_diagram
from optimizers.lab.race import choose_rate, fair_race
from optimizers.lab.range_test import (
    explain_disagreement,
    exponential_rates,
    lr_range_test,
    smooth_loss,
    valley,
)
from optimizers.lab.sgd import sgd_fan
from optimizers.lab.sweep import lr_sweep
from optimizers.rules import adam, gd, momentum
from optimizers.simulate import simulate
from surfaces import make_surface
from surfaces.data import make_regression_data, regression_surface


@pytest.fixture(scope="module")
def ravine():
    """d2l's f = 0.1x² + 2y²: Hessian diag(0.2, 4), λ_max = 4, GD stable iff lr < 0.5."""
    return make_surface("ravine")


# ----------------------------------------------------------------------------- grids


def test_default_grid_is_the_decades_from_10_down_to_1e_4():
    np.testing.assert_allclose(DEFAULT_LRS, [10, 1, 0.1, 0.01, 1e-3, 1e-4])


def test_one_three_grid():
    np.testing.assert_allclose(decade_grid(1, 1e-3, (1, 3)), [1, 0.3, 0.1, 0.03, 0.01, 3e-3, 1e-3])


def test_parse_lr_grid_accepts_commas_and_spaces_sorted_descending():
    np.testing.assert_allclose(parse_lr_grid("0.1, 1  0.3,1e-3"), [1, 0.3, 0.1, 1e-3])
    np.testing.assert_allclose(parse_lr_grid("0.5,0.5"), [0.5])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one"),
        ("1, abc", "'abc' is not a number"),
        ("0", "between"),
        ("-0.1", "between"),
        ("nan", "between"),
        ("1e9", "between"),
        ("__import__('os')", "not a number"),
        (", ".join(["0.1"] * 100), "at most"),
    ],
)
def test_parse_lr_grid_errors_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_lr_grid(text)


# ----------------------------------------------------------------------------- range test


def fastai_valley(lrs, losses):
    """fastai's `valley`, transcribed loop for loop (the reference for ours)."""
    n = len(losses)
    max_start, max_end = 0, 0
    lds = [1] * n
    for i in range(1, n):
        for j in range(0, i):
            if (losses[i] < losses[j]) and (lds[i] < lds[j] + 1):
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    return float(lrs[idx])


def hand_range_test(lr_min, lr_max, steps, start, beta=0.98, factor=4.0):
    """The range test on f = 0.1x² + 2y² with plain loops: (lrs, losses, smoothed) recorded."""
    x, y = start
    lrs, losses, smoothed = [], [], []
    avg, best = 0.0, math.inf
    for t in range(steps):
        lr = lr_min * (lr_max / lr_min) ** (t / (steps - 1))
        loss = 0.1 * x * x + 2 * y * y  # recorded before the step that uses lr (fastai)
        avg = beta * avg + (1 - beta) * loss
        s = avg / (1 - beta ** (t + 1))
        lrs.append(lr)
        losses.append(loss)
        smoothed.append(s)
        best = min(best, s)
        if s > factor * best:
            break
        x, y = x - lr * 0.2 * x, y - lr * 4 * y
    return np.array(lrs), np.array(losses), np.array(smoothed)


def test_range_test_matches_a_hand_computed_run(ravine):
    steps = 60
    result = lr_range_test(ravine, gd(), (-5.0, -2.0), lr_min=1e-3, lr_max=10.0, steps=steps)
    lrs, losses, smoothed = hand_range_test(1e-3, 10.0, steps, (-5.0, -2.0))
    assert result.stop_reason.startswith("loss above 4")
    assert result.stopped_at == len(lrs) - 1 < steps - 1
    np.testing.assert_allclose(result.lrs, lrs, rtol=1e-12)
    np.testing.assert_allclose(result.loss, losses, rtol=1e-10)
    np.testing.assert_allclose(result.smoothed, smoothed, rtol=1e-10)
    # fastai lr_find: suggestions on recorder[num_it//10 : -5]
    cut_lrs, cut = lrs[steps // 10 : -5], smoothed[steps // 10 : -5]
    slopes = np.diff(cut) / np.diff(np.log(cut_lrs))
    assert result.suggestions["valley"] == pytest.approx(fastai_valley(cut_lrs, cut))
    assert result.suggestions["steep"] == pytest.approx(cut_lrs[np.argmin(slopes)])
    assert result.suggestions["minimum/10"] == pytest.approx(cut_lrs[np.argmin(cut)] / 10)
    assert result.marks["minimum/10"] == steps // 10 + np.argmin(cut)
    assert result.lr_max_stable == pytest.approx(0.5)


def test_range_test_stops_within_a_decade_after_the_rate_crosses_2_over_lambda_max(ravine):
    """Below 0.5 every component shrinks, so the (convex-combination) smoothed loss only falls:
    no stop. Above it the stiff component grows — but rates near 1/λ_max = 0.25 had nearly
    zeroed it (y ≈ 1e-6), so it needs about ten steps of compounding to show: the stop comes
    within one decade of rate (12.4 steps of this 8-decade, 100-step test)."""
    result = lr_range_test(ravine, gd(), ravine.start)  # fastai defaults: 1e-7 → 10, 100 steps
    crossed = int(np.argmax(result.lrs > 0.5))
    assert result.lrs[crossed - 1] < 0.5 < result.lrs[crossed]
    assert result.stop_reason.startswith("loss above")
    assert crossed <= result.stopped_at
    assert result.lrs[-1] < 10 * 0.5
    assert (np.diff(result.smoothed[:crossed]) <= 0).all()


def test_valley_matches_fastai_on_awkward_curves():
    rng = np.random.default_rng(0)

    for n in (1, 2, 3, 7, 40):
        for _ in range(30):
            losses = rng.integers(0, 6, n).astype(float)  # ties and plateaus included
            lrs = np.geomspace(1e-4, 1, n)
            assert valley(lrs, losses)[0] == fastai_valley(lrs, losses)


def test_smoothing_is_bias_corrected():
    np.testing.assert_allclose(smooth_loss(np.full(5, 3.0)), 3.0)  # a constant stays put
    assert smooth_loss([1.0, 0.0], beta=0.5)[1] == pytest.approx(0.5 * 0.5 / 0.75)


def test_exponential_rates_span_the_range():
    rates = exponential_rates(1e-7, 10.0, 100)
    assert rates[0] == pytest.approx(1e-7) and rates[-1] == pytest.approx(10.0)
    np.testing.assert_allclose(rates[1:] / rates[:-1], (1e8) ** (1 / 99))


def test_range_test_stops_at_divergence_without_warnings(ravine):
    """A runaway step ends the test; the diverged point itself is not recorded."""
    result = lr_range_test(ravine, gd(), ravine.start, lr_min=5.0, lr_max=1e4, steps=50)
    assert result.stopped_at >= 0
    assert np.isfinite(result.loss).all() and np.isfinite(result.smoothed).all()


def test_explanation_names_each_rule_and_the_stability_limit(ravine):
    result = lr_range_test(ravine, gd(), ravine.start)
    text = " ".join(explain_disagreement(result))
    for word in ("valley", "steep", "minimum/10", "2/λ_max", "0.5"):
        assert word in text


# ----------------------------------------------------------------------------- sweep


def test_sweep_on_the_ravine_diverges_exactly_above_2_over_lambda_max(ravine):
    lrs = [1.0, 0.6, 0.51, 0.5, 0.49, 0.45, 0.1, 0.01]
    sweep = lr_sweep(ravine, gd(), lrs, ravine.start, steps=500)
    assert sweep.lr_max_stable == pytest.approx(0.5)
    assert sweep.lr_best == pytest.approx(2 / (0.2 + 4))
    kind = sweep.diagnosis.kind
    diverged = kind == Outcome.DIVERGED
    np.testing.assert_array_equal(diverged, sweep.lrs > 0.5)
    assert (sweep.trajectory.diverged_at[sweep.lrs > 0.5] > 0).all()
    # lr = 0.5 exactly: y ← (1 − 0.5·4)y = −y, a two-cycle forever on the stiff axis.
    at_limit = int(np.flatnonzero(sweep.lrs == 0.5)[0])
    assert kind[at_limit] == Outcome.OSCILLATING
    assert np.abs(sweep.trajectory.positions[-5:, at_limit, 1]).min() == pytest.approx(2.0)
    for lr in (0.49, 0.45, 0.1):
        i = int(np.flatnonzero(sweep.lrs == lr)[0])
        assert kind[i] == Outcome.CONVERGED and sweep.steps_to_converge[i] > 0
    assert sweep.steps_to_converge[sweep.lrs > 0.5].tolist() == [-1, -1, -1]
    np.testing.assert_array_equal(sweep.final_loss, sweep.trajectory.loss[-1])


def test_sweep_with_a_policy_gets_the_grid_as_base_rates(ravine):
    lrs = np.array([0.4, 0.2, 0.02])
    halved = lr_sweep(ravine, gd(), lrs, steps=50, policy=lambda r: lambda t: 0.5 * r)
    direct = lr_sweep(ravine, gd(), lrs / 2, steps=50)
    np.testing.assert_array_equal(halved.trajectory.positions, direct.trajectory.positions)
    np.testing.assert_array_equal(halved.lrs, lrs)


# ----------------------------------------------------------------------------- basin map


@pytest.fixture(scope="module")
def himmelblau():
    return make_surface("himmelblau")


@pytest.fixture(scope="module")
def himmelblau_map(himmelblau):
    """GD at lr 0.01 (below 2/λ_max ≈ 0.024 at every minimum), 101 × 101 starts in chunks of
    1 000 (~0.5 s; the slowest start needs < 100 of the 400 steps)."""
    return basin_map(himmelblau, gd(), 0.01, n=101, steps=400, chunk=1000)


def test_basin_map_sends_every_start_to_one_of_the_four_minima(himmelblau, himmelblau_map):
    """Every one of the 10 201 starts ends in one of the four (global) minima: none diverges,
    none is left short of a minimum, and each minimum has a basin."""
    m = himmelblau_map
    assert m.label.shape == (101, 101) and m.chunk == 1000
    assert set(np.unique(m.label).tolist()) == {0, 1, 2, 3}
    assert (m.kind == Outcome.CONVERGED).all()
    assert (m.steps >= 0).all()  # 0 at the grid point (3, 2), a minimum itself


def test_basin_map_start_next_to_each_minimum_ends_in_it(himmelblau, himmelblau_map):
    m = himmelblau_map
    for index, minimum in enumerate(himmelblau.minima):
        j = int(np.argmin(np.abs(m.xs - minimum.point[0])))
        i = int(np.argmin(np.abs(m.ys - minimum.point[1])))
        assert m.label[i, j] == index


def test_basin_map_cells_match_single_runs(himmelblau, himmelblau_map):
    """Row i ↔ ys[i], column j ↔ xs[j]; chunking changes nothing."""
    m = himmelblau_map
    rng = np.random.default_rng(0)
    cells = rng.integers(0, len(m.xs), (12, 2))
    starts = np.array([[m.xs[j], m.ys[i]] for i, j in cells])
    traj = simulate(himmelblau, gd(), 0.01, starts, 400)
    for (i, j), end in zip(cells, traj.positions[-1], strict=True):
        target = himmelblau.minima[m.label[i, j]].point
        assert np.hypot(*(end - target)) < 1e-2


def test_basin_map_chunking_does_not_change_the_answer(himmelblau):
    small = basin_map(himmelblau, gd(), 0.01, n=12, steps=200, chunk=7)
    whole = basin_map(himmelblau, gd(), 0.01, n=12, steps=200, chunk=144)
    np.testing.assert_array_equal(small.label, whole.label)
    np.testing.assert_array_equal(small.steps, whole.steps)


def test_basin_map_marks_divergence(himmelblau):
    m = basin_map(himmelblau, gd(), 0.05, n=10, steps=100)
    assert (m.label == DIVERGED).any()
    assert (m.kind[m.label == DIVERGED] == Outcome.DIVERGED).all()


# ----------------------------------------------------------------------------- phase diagram


def heavy_ball_contraction(lr, mu, lams=(0.2, 4.0)):
    """Largest root modulus of z² − (1 + μ − lr·λ)z + μ over the ravine's eigenvalues."""
    return max(np.abs(np.roots([1.0, -(1 + mu - lr * lam), mu])).max() for lam in lams)


def test_phase_diagram_follows_the_heavy_ball_stability_boundary(ravine):
    lrs, mus, steps = np.geomspace(0.03, 2.0, 15), np.array([0.0, 0.3, 0.6, 0.9]), 400
    pd = phase_diagram(ravine, ravine.start, lrs, mus, steps=steps, tol=1e-6)
    assert pd.lam_max == pytest.approx(4.0) and pd.gd_boundary == pytest.approx(0.5)
    np.testing.assert_allclose(pd.boundary_lr, (2 + 2 * mus) / 4)
    product = lrs[None, :] * 4.0
    limit = 2 + 2 * mus[:, None]
    # No cell sits on the boundary (the nearest is 1.6 % outside, at μ 0.6): there the stiff
    # mode neither grows nor shrinks, and no finite run can be expected to blow up.
    assert np.abs(product / limit - 1).min() > 0.01
    outside, inside = product > limit, product < limit
    assert outside.sum() >= 10
    np.testing.assert_array_equal(pd.diverged, outside)  # every cell outside, none inside
    rho = np.array([[heavy_ball_contraction(lr, mu) for lr in lrs] for mu in mus])
    fast = steps * np.log(rho) < np.log(1e-8)  # predicted error shrink over the run
    assert (inside & fast).sum() >= 10
    assert (pd.steps_to_converge[inside & fast] > 0).all()
    assert (pd.steps_to_converge[outside] == -1).all()


# ----------------------------------------------------------------------------- fair race


def brute_force_choice(surface, optimizer, rates, start, steps, tol):
    """Run each rate on its own; among rates whose path stays on the map and does not diverge,
    pick by (steps to reach-and-stay, final loss, larger rate)."""
    (x0, x1), (y0, y1) = surface.domain
    keys = []
    for lr in rates:
        traj = simulate(surface, optimizer, float(lr), start, steps)
        loss = traj.loss[:, 0] - surface.f_min
        x, y = traj.positions[:, 0, 0], traj.positions[:, 0, 1]
        on_map = all(x0 <= a <= x1 and y0 <= b <= y1 for a, b in zip(x, y, strict=True))
        eligible = on_map and traj.diverged_at[0] < 0
        reached = [k for k in range(len(loss)) if (loss[k:] < tol).all()]
        first = reached[0] if reached and eligible else math.inf
        keys.append((first, loss[-1] if eligible else math.inf, -lr))
    return rates[min(range(len(rates)), key=keys.__getitem__)]


def test_fair_race_picks_the_best_rate_of_the_grid_for_each_optimizer(ravine):
    grid = decade_grid(1.0, 1e-3, (1, 3))
    specs = ["gd", ("momentum", {"momentum": 0.5}), "adam"]
    race = fair_race(ravine, specs, ravine.start, grid, steps=300, tol=1e-6)
    assert [row.name for row in race.rows] == ["gd", "momentum(momentum=0.5)", "adam"]
    assert race.steps_table.shape == (3, len(grid))
    optimizers = [gd(), momentum(momentum=0.5), adam()]
    for row, optimizer in zip(race.rows, optimizers, strict=True):
        assert row.lr in grid
        expected = brute_force_choice(ravine, optimizer, grid, ravine.start, 300, 1e-6)
        assert row.lr == expected
        traj = race.trajectories[row.name]
        assert traj.positions.shape == (301, 1, 2)
        assert row.final_loss == traj.loss[-1, 0]
        assert row.reached == (row.steps >= 0)
    assert race.rows[0].reached and race.rows[1].steps < race.rows[0].steps


def test_race_distance_is_to_the_global_minimum_not_the_trap():
    """GD at lr 0.1 on the wells stops in the shallow well: it is as far from the goal as the
    shallow well's minimum is from the deep one's (not ~0, its distance to the trap)."""
    wells = make_surface("wells")
    race = fair_race(wells, ["gd", "momentum"], wells.start, [0.1], steps=500)
    trapped, escaped = race.rows
    assert trapped.outcome == Outcome.TRAPPED and not trapped.reached
    trap = np.array(wells.minima[2].point)  # the shallow well in front of the start
    goal = np.array(wells.global_min.point)
    final = race.trajectories["gd"].positions[-1, 0]
    assert np.hypot(*(final - trap)) < 1e-3
    assert trapped.distance == pytest.approx(np.hypot(*(trap - goal)), abs=1e-3)
    assert trapped.distance == pytest.approx(np.hypot(*(final - goal)), rel=1e-12)
    assert escaped.outcome == Outcome.CONVERGED and escaped.distance < 1e-6


def test_race_distance_is_to_the_nearest_of_several_global_minima():
    """Himmelblau's four minima are all global: a run ending at (−2.81, 3.13) is 0 away."""
    himmelblau = make_surface("himmelblau")
    race = fair_race(himmelblau, ["gd"], (-1.0, 1.0), [0.01], steps=300)
    final = race.trajectories["gd"].positions[-1, 0]
    assert final == pytest.approx((-2.805118, 3.131312), abs=1e-3)
    assert race.rows[0].distance < 1e-3


def test_race_at_one_rate_is_a_same_rate_race(ravine):
    race = fair_race(ravine, ["gd", "momentum"], ravine.start, [0.1], steps=100)
    assert [row.lr for row in race.rows] == [0.1, 0.1]


def test_choose_rate_breaks_ties_by_final_loss_then_larger_rate():
    steps = np.array([-1, 40, 40, 40, -1])
    final = np.array([5.0, 1e-9, 1e-10, 1e-10, 0.0])
    eligible = np.array([False, True, True, True, True])
    assert choose_rate(steps, final, eligible) == 2
    assert choose_rate(np.full(3, -1), np.array([3.0, 1.0, 2.0]), np.ones(3, bool)) == 1


# ----------------------------------------------------------------------------- SGD fan


def test_a_decaying_rate_calms_the_minibatch_noise():
    data = make_regression_data(n=200, seed=1, noise=1.0)
    constant = sgd_fan(data, 0.2, batch_size=4, runs=40, steps=400, seed=0)
    decaying = sgd_fan(data, lambda t: 0.2 / (1 + t / 25), batch_size=4, runs=40, steps=400, seed=0)
    assert constant.band.shape == (3, 401) and constant.mean.shape == (401,)
    assert (np.diff(constant.band, axis=0) >= 0).all()  # 10 % ≤ 50 % ≤ 90 %
    assert decaying.final_spread < 0.5 * constant.final_spread
    f_star = regression_surface(data).f_min
    assert decaying.mean[-1] - f_star < constant.mean[-1] - f_star


def test_full_batch_fan_has_no_spread():
    data = make_regression_data(n=30, seed=2)
    fan = sgd_fan(data, 0.1, batch_size=30, runs=5, steps=50)
    assert fan.final_spread == pytest.approx(0.0, abs=1e-12)
