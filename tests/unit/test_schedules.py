"""Learning-rate policies at chosen steps against values worked out by hand (closed forms)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers import schedules as sch


def rates(policy, steps, losses=None, batch=1):
    """The lr a policy gives at each of `steps` (asked in order 0, 1, 2, ..., max(steps))."""
    state = policy.init(batch)
    out = {}
    for t in range(max(steps) + 1):
        loss = np.zeros(batch) if losses is None else np.asarray(losses[t], dtype=float)
        lr, state = policy.lr_at(t, loss, state)
        out[t] = lr
    return [out[t] for t in steps]


def approx(values, rel=1e-12):
    return pytest.approx(values, rel=rel, abs=1e-15)


def test_constant_scalar_and_per_trajectory():
    assert rates(sch.constant(0.1), [0, 50]) == [0.1, 0.1]
    lr = rates(sch.constant(np.array([0.1, 0.2])), [7])[0]
    np.testing.assert_array_equal(lr, [0.1, 0.2])


def test_step_lr():
    # 0.1·0.5^⌊t/10⌋: t = 0, 9 -> 0.1; t = 10 -> 0.05; t = 25 -> 0.1·0.25
    assert rates(sch.step_lr(0.1, 10, 0.5), [0, 9, 10, 25]) == approx([0.1, 0.1, 0.05, 0.025])


def test_step_lr_per_trajectory_base():
    lr = rates(sch.step_lr(np.array([0.1, 1.0]), 10), [10])[0]  # γ = 0.1 once
    np.testing.assert_allclose(lr, [0.01, 0.1], rtol=1e-15)


def test_multistep_counts_milestones_passed():
    # milestones 3, 7: γ^0 before 3, γ^1 on 3..6, γ^2 from 7
    got = rates(sch.multistep(1.0, [7, 3], 0.1), [0, 2, 3, 6, 7, 100])
    assert got == approx([1.0, 1.0, 0.1, 0.1, 0.01, 0.01])
    # a repeated milestone multiplies twice (torch's Counter semantics)
    assert rates(sch.multistep(1.0, [3, 3], 0.1), [3]) == approx([0.01])


def test_exponential():
    # 0.2·0.5^t: t = 3 -> 0.2/8 = 0.025
    assert rates(sch.exponential(0.2, 0.5), [0, 1, 3]) == approx([0.2, 0.1, 0.025])


def test_inverse_time_smooth_and_staircase():
    # 1/(1 + 0.5·t/2): t = 3 -> 1/1.75; t = 4 -> 1/2
    assert rates(sch.inverse_time(1.0, 0.5, 2), [0, 3, 4]) == approx([1.0, 1 / 1.75, 0.5])
    # staircase: 1/(1 + 0.5·⌊3/2⌋) = 1/1.5
    stair = sch.inverse_time(1.0, 0.5, 2, staircase=True)
    assert rates(stair, [0, 1, 3, 4]) == approx([1.0, 1.0, 1 / 1.5, 0.5])


def test_cosine():
    # 0.1 + 0.9·(1 + cos(πt/10))/2: t = 5 -> 0.1 + 0.45; t = 10 -> η_min; periodic past T_max
    got = rates(sch.cosine(1.0, 10, eta_min=0.1), [0, 5, 10, 15])
    assert got == approx([1.0, 0.55, 0.1, 0.55])
    # T_max = 4, t = 1: (1 + cos(π/4))/2 = 0.8535533906
    assert rates(sch.cosine(1.0, 4), [1]) == approx([(1 + math.sqrt(0.5)) / 2])


def test_cosine_warm_restarts_with_growing_periods():
    # T_0 = 4, T_mult = 2: restarts at t = 4 and 4 + 8 = 12, then 12 + 16 = 28
    # t = 2: (1 + cos(π/2))/2 = 0.5; t = 8: T_cur = 4 of T_i = 8 -> 0.5
    # t = 11: T_cur = 7 of 8 -> (1 + cos(7π/8))/2 = (1 − 0.9238795325)/2 = 0.0380602337
    policy = sch.cosine_warm_restarts(1.0, T_0=4, T_mult=2)
    got = rates(policy, [0, 2, 3, 4, 8, 11, 12, 27, 28])
    late = (1 + math.cos(math.pi * 15 / 16)) / 2  # t = 27: T_cur = 15 of T_i = 16
    want = [1.0, 0.5, (1 + math.cos(3 * math.pi / 4)) / 2, 1.0, 0.5, 0.0380602337443566]
    assert got == approx([*want, 1.0, late, 1.0], rel=1e-10)


def test_cosine_warm_restarts_fixed_period_and_eta_min():
    # T_0 = 4, T_mult = 1: t = 5 is 1 step into the second period
    # 0.2 + 0.8·(1 + cos(π/4))/2 = 0.2 + 0.8·0.8535533906
    got = rates(sch.cosine_warm_restarts(1.0, 4, eta_min=0.2), [4, 5, 8])
    assert got == approx([1.0, 0.2 + 0.8 * (1 + math.sqrt(0.5)) / 2, 1.0])


def test_cyclic_triangular_peaks_and_troughs():
    # base 0.1, max 1.1, up = down = 4: trough at 0, 8, 16; peak at 4, 12; halfway 0.6
    got = rates(sch.cyclic(0.1, 1.1, 4), [0, 2, 4, 6, 8, 12, 16])
    assert got == approx([0.1, 0.6, 1.1, 0.6, 0.1, 1.1, 0.1])


def test_cyclic_triangular2_halves_the_peak_each_cycle():
    # peaks at t = 4, 12, 20: 0.1 + 1.0·(1, 1/2, 1/4)
    got = rates(sch.cyclic(0.1, 1.1, 4, mode="triangular2"), [4, 8, 12, 20])
    assert got == approx([1.1, 0.1, 0.6, 0.35])


def test_cyclic_exp_range_and_asymmetric_cycle():
    # exp_range, γ = 0.9: peak at t = 4 is 0.1 + 1.0·0.9⁴ = 0.7561
    assert rates(sch.cyclic(0.1, 1.1, 4, mode="exp_range", gamma=0.9), [4]) == approx([0.7561])
    # up 4, down 2: cycle of 6; t = 5: x = 5/6 > r = 2/3, s = (5/6 − 1)/(2/3 − 1) = 1/2
    got = rates(sch.cyclic(0.1, 1.1, 4, step_size_down=2), [4, 5, 6])
    assert got == approx([1.1, 0.6, 0.1])


def test_one_cycle_cos():
    # max 1, 100 steps: initial 1/25 = 0.04, final 0.04/1e4 = 4e-6
    # phase 1 ends at 0.3·100 − 1 = 29 (peak); phase 2 spans 29..99: t = 64 is halfway
    # (cos: 4e-6 + (1 − 4e-6)·(1 + cos(π/2))/2 = 0.500002); held after the last step
    got = rates(sch.one_cycle(1.0, 100), [0, 29, 64, 99, 150])
    assert got == approx([0.04, 1.0, 0.500002, 4e-6, 4e-6])


def test_one_cycle_linear_and_three_phase():
    # linear, t = 14: 0.04 + (1 − 0.04)·14/29
    linear = sch.one_cycle(1.0, 100, anneal="linear")
    assert rates(linear, [14, 64]) == approx([0.04 + 0.96 * 14 / 29, 0.500002])
    # three phases end at 29 (peak), 2·30 − 2 = 58 (back to initial), 99 (final)
    three = sch.one_cycle(1.0, 100, three_phase=True)
    assert rates(three, [0, 29, 58, 99]) == approx([0.04, 1.0, 0.04, 4e-6])


def test_warmup_in_front_of_a_constant():
    # 0.3·(1/3 + (2/3)·t/3): t = 0 -> 0.1, t = 1 -> 0.3·5/9, t = 2 -> 0.3·7/9, then 0.3
    got = rates(sch.warmup(sch.constant(0.3), 3), [0, 1, 2, 3, 10])
    assert got == approx([0.1, 0.3 * 5 / 9, 0.3 * 7 / 9, 0.3, 0.3])


def test_warmup_then_inner_policy_starts_from_its_own_step_zero():
    # inner: 1.0·0.5^⌊s/2⌋ at s = t − 2; warmup factor 0.5 + 0.5·t/2 for t < 2
    policy = sch.warmup(sch.step_lr(1.0, 2, 0.5), 2, start_factor=0.5)
    assert policy.name == "warmup+step"
    assert rates(policy, [0, 1, 2, 3, 4, 6]) == approx([0.5, 0.75, 1.0, 1.0, 0.5, 0.25])
    assert sch.warmup(sch.constant(1.0), 0).name == "constant"


def test_reduce_on_plateau_per_trajectory():
    # factor 0.5, patience 2, rel threshold 10%, cooldown 1. Step 0 ignores the start's loss (0).
    # A: 10, 8, then flat at 8 at t = 1, 2, ...  best 8 at t=2; bad = 1, 2, 3 at t = 3, 4, 5 ->
    #    halve at t=5, cooldown swallows t=6's bad step, bad = 1, 2, 3 at t = 7, 8, 9 -> halve.
    # B: 10, 8, 6, 4, then 3.9 (< 10% better than 4: a bad step): bad = 1, 2, 3 at t = 5, 6, 7
    #    -> halve at t=7.
    a = [0, 10, 8, 8, 8, 8, 8, 8, 8, 8]
    b = [0, 10, 8, 6, 4, 3.9, 3.9, 3.9, 3.9, 3.9]
    policy = sch.reduce_on_plateau(1.0, factor=0.5, patience=2, threshold=0.1, cooldown=1)
    got = np.array(rates(policy, range(10), losses=np.array([a, b]).T, batch=2))
    np.testing.assert_array_equal(got[:, 0], [1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25])
    np.testing.assert_array_equal(got[:, 1], [1, 1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5])


def test_reduce_on_plateau_never_sees_the_start_loss():
    # torch calls scheduler.step(loss) after each update with the loss of the point reached: the
    # start's loss (here 1, far below every later one) is never a "best" to beat. patience 0.
    policy = sch.reduce_on_plateau(1.0, factor=0.5, patience=0)
    got = rates(policy, range(4), [[1], [5], [4], [3]])
    assert [float(r[0]) for r in got] == [1, 1, 1, 1]


def test_reduce_on_plateau_in_a_run_halves_when_torch_does():
    # ravine 0.1x² + 2y², Adam lr 0.2 from (0.001, 0.001), factor 0.5, patience 5: the first update
    # raises the loss; torch 2.14 (update, then scheduler.step(f(x))) first halves for update 13,
    # then for 19 and 28 (it used to be update 6: the start's tiny loss counted as the best).
    from optimizers.rules import adam
    from optimizers.simulate import simulate
    from surfaces import make_surface

    policy = sch.reduce_on_plateau(0.2, factor=0.5, patience=5)
    run = simulate(make_surface("ravine"), adam(), policy, np.array([0.001, 0.001]), 30)
    assert run.loss[1, 0] > run.loss[0, 0]
    expected = [0.2] * 13 + [0.1] * 6 + [0.05] * 9 + [0.025] * 2
    np.testing.assert_array_equal(run.lr[:, 0], expected)


def test_reduce_on_plateau_without_cooldown_and_state_fields():
    # A from above with cooldown 0: second halving at t = 8 (bad = 1, 2, 3 at t = 6, 7, 8)
    policy = sch.reduce_on_plateau(np.array([1.0]), factor=0.5, patience=2, threshold=0.1)
    losses = [[0], [10], [8], [8], [8], [8], [8], [8], [8]]
    got = [float(r[0]) for r in rates(policy, range(9), losses)]
    assert got == [1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25]
    state = policy.init(1)
    for t, loss in enumerate([[0], [10], [8], [8]]):
        _, state = policy.lr_at(t, np.array(loss, dtype=float), state)
    assert state.best[0] == 8 and state.num_bad_steps[0] == 1 and state.cooldown_left[0] == 0


def test_reduce_on_plateau_min_lr_eps_abs_threshold_and_nan():
    # patience 0: every non-improving step triggers. 1e-3 -> max(1e-4, 5e-4) = 5e-4, then stuck
    # at min_lr (a drop of 0 is not > eps)
    floor = sch.reduce_on_plateau(1e-3, factor=0.1, patience=0, min_lr=5e-4)
    got = [float(r[0]) for r in rates(floor, range(5), [[1]] * 5)]
    assert got == [1e-3, 1e-3, 5e-4, 5e-4, 5e-4]
    # abs threshold 0.5: 9.6 is not below 10 − 0.5 (bad), 9.4 is (good); NaN is never better
    absolute = sch.reduce_on_plateau(1.0, patience=0, threshold=0.5, threshold_mode="abs")
    got = rates(absolute, range(5), [[0], [10], [9.4], [9.6], [np.nan]])
    assert [float(r[0]) for r in got] == approx([1.0, 1.0, 1.0, 0.1, 0.01])


def test_policies_do_not_mutate_a_per_trajectory_base():
    base = np.array([0.1, 0.2])
    for policy in (sch.constant(base), sch.cosine(base, 10), sch.reduce_on_plateau(base)):
        rates(policy, range(3), batch=2)
    np.testing.assert_array_equal(base, [0.1, 0.2])


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: sch.constant(-0.1), "Invalid lr value"),
        (lambda: sch.constant(np.array([[0.1]])), "1-D array"),
        (lambda: sch.constant(np.array([0.1, np.nan])), "finite"),
        (lambda: sch.step_lr(0.1, 0), "step_size must be a whole number >= 1"),
        (lambda: sch.step_lr(0.1, 2.5), "step_size"),
        (lambda: sch.multistep(0.1, [3, -1]), "milestone"),
        (lambda: sch.exponential(0.1, 0), "Invalid gamma value"),
        (lambda: sch.inverse_time(0.1, -1), "Invalid decay_rate value"),
        (lambda: sch.cosine(0.1, 0), "T_max"),
        (lambda: sch.cosine_warm_restarts(0.1, 10, T_mult=0), "T_mult"),
        (lambda: sch.cyclic(0.1, 1.0, 5, mode="sine"), "mode must be one of"),
        (lambda: sch.one_cycle(1.0, 100, pct_start=1.5), "pct_start"),
        (lambda: sch.one_cycle(1.0, 100, anneal="cosine"), "anneal must be one of"),
        (lambda: sch.one_cycle(1.0, 0), "total_steps"),
        (lambda: sch.warmup(sch.constant(0.1), -1), "warmup_steps"),
        (lambda: sch.warmup(sch.constant(0.1), 5, start_factor=0), "start_factor"),
        (lambda: sch.reduce_on_plateau(0.1, factor=1.0), "Factor should be < 1.0"),
        (lambda: sch.reduce_on_plateau(0.1, threshold_mode="max"), "threshold_mode"),
        (lambda: sch.reduce_on_plateau(0.1, threshold=1.0), "Invalid threshold value"),
        (lambda: sch.reduce_on_plateau(0.1, patience=-1), "patience"),
        (lambda: sch.reduce_on_plateau(np.array([0.1, 0.2])).init(3), "2 rates for a batch of 3"),
    ],
)
def test_bad_parameters_raise(build, message):
    with pytest.raises(ValueError, match=message):
        build()


# ----------------------------------------------------------------------------- registry

POLICY_NAMES = [
    "constant", "step", "multistep", "exponential", "inverse_time",
    "cosine", "cosine_restarts", "cyclic", "one_cycle", "plateau",
]  # fmt: skip


def test_registry_lists_every_policy_and_each_changes_the_rate_in_a_short_run():
    assert list(sch.POLICIES) == POLICY_NAMES
    for name in POLICY_NAMES:
        got = rates(sch.make_policy(name, 0.1, 100), range(100), losses=np.ones((100, 1)))
        distinct = {round(float(np.ravel(r)[0]), 12) for r in got}
        assert (len(distinct) == 1) == (name == "constant"), name


def test_make_policy_derives_periods_from_the_run_length():
    # step: step_size 0 -> 100/4 = 25, registry γ 0.5
    assert rates(sch.make_policy("step", 1.0, 100), [24, 25, 50]) == approx([1.0, 0.5, 0.25])
    # multistep: drops at 50 and 75 of 100 (γ 0.1)
    assert rates(sch.make_policy("multistep", 1.0, 100), [49, 50, 75]) == approx([1, 0.1, 0.01])
    # cosine: T_max = total_steps, so the floor is reached at the end; explicit T_max honoured
    assert rates(sch.make_policy("cosine", 1.0, 40), [20, 40]) == approx([0.5, 0.0])
    assert rates(sch.make_policy("cosine", 1.0, 40, T_max=10), [5]) == approx([0.5])
    # cyclic: peak lr·5 after 100/8 = 12.5 -> 12 steps (round half to even)
    assert rates(sch.make_policy("cyclic", 0.1, 100), [0, 12]) == approx([0.1, 0.5])


def test_make_policy_choices_and_warmup_shrink_the_inner_run():
    # anneal index 1 = linear; one-cycle over 100 − 10 = 90 inner steps: peak at 0.3·90 − 1 = 26
    policy = sch.make_policy("one_cycle", 1.0, 100, warmup_steps=10, anneal=1)
    assert policy.name == "warmup+one_cycle"
    # warmup: 0.04·(1/3 + (2/3)·t/10); inner step 0 at t = 10; peak at t = 36; final at t = 99
    got = rates(policy, [0, 5, 10, 36, 99])
    assert got == approx([0.04 / 3, 0.04 * 2 / 3, 0.04, 1.0, 4e-6])
    plateau = sch.make_policy("plateau", 1.0, 10, threshold_mode=1, threshold=0.5, patience=0)
    got = rates(plateau, range(4), [[0], [10], [9.6], [9.6]])
    assert [float(r[0]) for r in got] == approx([1.0, 1.0, 0.5, 0.25])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "linear"}, "unknown policy 'linear'; choose one of constant"),
        ({"name": "step", "gamma": 2.0}, "between 0.01 and 1"),
        ({"name": "step", "step": 3}, "has no parameter 'step'"),
        ({"name": "cyclic", "mode": 3}, "between 0 and 2"),
        ({"name": "cosine", "total_steps": 0}, "total_steps"),
        ({"name": "cosine", "warmup_steps": 100}, "warmup_steps"),
    ],
)
def test_make_policy_rejects_bad_input(kwargs, message):
    args = {"lr": 0.1, "total_steps": 100, **kwargs}
    with pytest.raises(ValueError, match=message):
        sch.make_policy(**args)


# ----------------------------------------------------------------------------- torch's parameters


def test_make_policy_multistep_takes_any_list_of_milestones():
    # γ 0.5 at 3, 7 and 7 again (torch counts a repeated milestone twice); a text works too
    policy = sch.make_policy("multistep", 1.0, 20, milestones=(7, 3, 7), gamma=0.5)
    assert rates(policy, [2, 3, 6, 7, 19]) == approx([1, 0.5, 0.5, 0.125, 0.125])
    again = sch.make_policy("multistep", 1.0, 20, milestones="3/7/7", gamma=0.5)
    assert rates(again, range(20)) == rates(policy, range(20))
    # empty: the run's 1/2 and 3/4 (10 and 15 of 20)
    default = sch.make_policy("multistep", 1.0, 20, milestones=())
    assert rates(default, [9, 10, 14, 15]) == approx([1, 0.1, 0.1, 0.01])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("30/abc", "got 'abc'"),
        ("0/10", "from 1 to 100000"),
        ("2.5", "got '2.5'"),
        ("nan", "got 'nan'"),
        ((True,), "got 'True'"),
        ("/".join(["5"] * 21), "at most 20"),
    ],
)
def test_milestones_refuse_bad_items(value, message):
    spec = next(p for p in sch.POLICIES["multistep"].params if p.name == "milestones")
    with pytest.raises(ValueError, match=message):
        spec.check(value)
    assert spec.check(" 90, 30 60/") == (30, 60, 90)
    assert spec.text((30, 60, 90)) == "30/60/90"


def test_make_policy_cyclic_base_and_max_rates():
    # torch CyclicLR(base_lr=0.2, max_lr=1.2, step_size_up=4, step_size_down=2)
    policy = sch.make_policy(
        "cyclic", 0.05, 100, base_lr=0.2, max_lr=1.2, step_size_up=4, step_size_down=2
    )
    assert rates(policy, [0, 2, 4, 5, 6, 10]) == approx([0.2, 0.7, 1.2, 0.7, 0.2, 1.2])
    # defaults: from the optimizer's lr to 5·lr, falling as long as rising (12 of 100 steps)
    derived = sch.make_policy("cyclic", 0.1, 100)
    assert rates(derived, [0, 12, 24]) == approx([0.1, 0.5, 0.1])


def test_make_policy_warmup_start_factor():
    # torch LinearLR(start_factor=0.1, total_iters=4) in front of a constant 1.0
    policy = sch.make_policy("constant", 1.0, 20, warmup_steps=4, warmup_start=0.1)
    assert rates(policy, [0, 1, 2, 3, 4, 10]) == approx([0.1, 0.325, 0.55, 0.775, 1.0, 1.0])
    default = sch.make_policy("cosine", 1.0, 20, warmup_steps=3)
    assert rates(default, [0])[0] == approx(1 / 3)
    assert all(spec.params[-1] is sch.WARMUP_START for spec in sch.POLICIES.values())
    with pytest.raises(ValueError, match=r"between 0\.001 and 1"):
        sch.make_policy("constant", 1.0, 20, warmup_steps=4, warmup_start=0)


def test_make_policy_plateau_takes_every_torch_parameter():
    # abs threshold 0.5, patience 0, cooldown 1, min_lr 0.3, eps 0.05; factor 0.5
    policy = sch.make_policy(
        "plateau", 1.0, 10, factor=0.5, patience=0, threshold=0.5, threshold_mode=1,
        cooldown=1, min_lr=0.3, eps=0.05,
    )  # fmt: skip
    got = rates(policy, range(6), [[0], [10], [10], [10], [10], [10]])
    # t=1 sets best 10; t=2: bad -> 0.5, cooldown 1; t=3: cooldown swallows it; t=4: bad ->
    # max(0.25, 0.3) = 0.3; t=5: cooldown again
    assert [float(r[0]) for r in got] == approx([1.0, 1.0, 0.5, 0.5, 0.3, 0.3])
    # a cut smaller than eps is skipped: 1 -> 0.97 is a drop of 0.03 < 0.05
    tiny = sch.make_policy("plateau", 1.0, 10, factor=0.97, patience=0, eps=0.05)
    assert [float(r[0]) for r in rates(tiny, range(4), [[1]] * 4)] == [1.0] * 4
