"""Update rules against values derived by hand from the torch.optim equations.

Gradients are fixed (they do not depend on x) so each step can be worked out on paper:
g1 = (1, −2), g2 = (0.5, 1), g3 = (0, 0); the start point is x0 = (1, 2).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers import rules

G1, G2, G3 = (1.0, -2.0), (0.5, 1.0), (0.0, 0.0)
X0 = (1.0, 2.0)
SQRT5 = math.sqrt(5.0)


def run(opt, grads, lr, x0=X0, hess=None):
    """Deltas of successive updates from x0 with the given gradient sequence (B = 1)."""
    x = np.array([x0], dtype=np.float64)
    state = opt.init(x)
    deltas = []
    for g in grads:
        delta, state = opt.update(np.array([g], dtype=np.float64), state, lr, x, hess)
        deltas.append(delta[0])
        x = x + delta
    return deltas, state


def check(deltas, expected, rtol=1e-12, atol=1e-15):
    assert len(deltas) == len(expected)
    for got, want in zip(deltas, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- SGD family


def test_gd_steps_against_the_gradient():
    # delta = −lr·g = −0.1·(1, −2)
    deltas, state = run(rules.gd(), [G1, G2], lr=0.1)
    check(deltas, [(-0.1, 0.2), (-0.05, -0.1)])
    assert state.step == 2


def test_sgd_weight_decay_adds_l2_gradient():
    # g = g1 + wd·x0 = (1, −2) + 0.5·(1, 2) = (1.5, −1); delta = −0.1·g
    deltas, _ = run(rules.sgd(weight_decay=0.5), [G1], lr=0.1)
    check(deltas, [(-0.15, 0.1)])


def test_momentum_first_step_clones_the_gradient():
    # b1 = g1 = (1, −2)                         -> delta −0.1·b1 = (−0.1, 0.2)
    # b2 = 0.9·(1, −2) + (0.5, 1) = (1.4, −0.8)  -> (−0.14, 0.08)
    # b3 = 0.9·(1.4, −0.8) + (0.5, 1) = (1.76, 0.28)
    deltas, state = run(rules.momentum(0.9), [G1, G2, G2], lr=0.1)
    check(deltas, [(-0.1, 0.2), (-0.14, 0.08), (-0.176, -0.028)])
    np.testing.assert_allclose(state.velocity, [(1.76, 0.28)], rtol=1e-12)


def test_momentum_dampening_skips_the_first_step():
    # b1 = g1 (torch's clone, no dampening) = (1, −2)
    # b2 = 0.9·(1, −2) + (1 − 0.5)·(0.5, 1) = (0.9 + 0.25, −1.8 + 0.5) = (1.15, −1.3)
    deltas, _ = run(rules.momentum(0.9, dampening=0.5), [G1, G2], lr=0.1)
    check(deltas, [(-0.1, 0.2), (-0.115, 0.13)])


def test_nesterov_steps_along_gradient_plus_momentum():
    # b1 = g1;             dir = g1 + 0.9·b1 = (1.9, −3.8)
    # b2 = (1.4, −0.8);    dir = (0.5, 1) + 0.9·(1.4, −0.8) = (1.76, 0.28)
    deltas, _ = run(rules.nesterov(0.9), [G1, G2], lr=0.1)
    check(deltas, [(-0.19, 0.38), (-0.176, -0.028)])


def test_sgd_names():
    assert rules.gd().name == "gd"
    assert rules.momentum().name == "momentum"
    assert rules.nesterov().name == "nesterov"
    assert rules.momentum(0.0).name == "gd"  # μ = 0 is plain gradient descent


# ----------------------------------------------------------------------------- Adagrad


def test_adagrad_lr_decay_and_accumulator():
    # t=1: clr = 0.1;            sum = (1, 4);     delta = −0.1·(1/1, −2/2) = (−0.1, 0.1)
    # t=2: clr = 0.1/(1 + 0.5);  sum = (1.25, 5);  g/√sum = (0.5/√1.25, 1/√5) = (1/√5, 1/√5)
    #      delta = −(1/15)/√5 each = −0.0298142397
    deltas, state = run(rules.adagrad(lr_decay=0.5, eps=0.0), [G1, G2], lr=0.1)
    check(deltas, [(-0.1, 0.1), (-1 / (15 * SQRT5), -1 / (15 * SQRT5))])
    np.testing.assert_allclose(state.sum_sq, [(1.25, 5.0)])


def test_adagrad_initial_accumulator_and_default_eps():
    # sum = 1 + g1² = (2, 5); delta = −0.1·(1/(√2 + 1e-10), −2/(√5 + 1e-10))
    deltas, _ = run(rules.adagrad(initial_accumulator_value=1.0), [G1], lr=0.1)
    check(deltas, [(-0.1 / (math.sqrt(2) + 1e-10), 0.2 / (SQRT5 + 1e-10))])


# ----------------------------------------------------------------------------- RMSprop


def test_rmsprop_plain():
    # v1 = 0.01·(1, 4) = (0.01, 0.04);  delta = −0.01·(1/0.1, −2/0.2) = (−0.1, 0.1)
    # v2 = 0.99·v1 + 0.01·(0.25, 1) = (0.0124, 0.0496) = (1, 4)·0.0124
    #      delta = −0.01·0.5/√0.0124 (both coordinates) = −0.0449013255
    deltas, _ = run(rules.rmsprop(eps=0.0), [G1, G2], lr=0.01)
    check(deltas, [(-0.1, 0.1), (-0.0449013255066937, -0.0449013255066937)])


def test_rmsprop_centered_with_momentum():
    # t=1: v = (0.01, 0.04); ḡ = 0.01·g1 = (0.01, −0.02); ṽ = v − ḡ² = (0.0099, 0.0396)
    #      b = g1/√ṽ = (1/√0.0099, −2/√0.0396) = (10.0503781526, −10.0503781526)
    # t=2: v = (0.0124, 0.0496); ḡ = 0.99·ḡ + 0.01·g2 = (0.0149, −0.0098)
    #      ṽ = (0.0124 − 0.00022201, 0.0496 − 0.00009604) = (0.01217799, 0.04950396)
    #      b = 0.5·b + g2/√ṽ = (5.0251890763 + 4.5308762203, −5.0251890763 + 4.4944859740)
    b1 = 1 / math.sqrt(0.0099)
    b2 = (0.5 * b1 + 0.5 / math.sqrt(0.01217799), -0.5 * b1 + 1 / math.sqrt(0.04950396))
    opt = rules.rmsprop(eps=0.0, momentum=0.5, centered=True)
    deltas, state = run(opt, [G1, G2], lr=0.01)
    check(deltas, [(-0.01 * b1, 0.01 * b1), (-0.01 * b2[0], -0.01 * b2[1])], rtol=1e-10)
    np.testing.assert_allclose(b2, (9.556065296637907, -0.5307031023846251), rtol=1e-12)
    np.testing.assert_allclose(state.grad_avg, [(0.0149, -0.0098)], rtol=1e-12)


# ----------------------------------------------------------------------------- Adam family


def test_adam_bias_correction():
    # t=1: m̂ = g1, v̂ = g1²  -> delta = −0.1·g1/(|g1| + 1e-8) ≈ −0.1·sign(g1)
    # t=2: m = 0.9·(0.1, −0.2) + 0.1·(0.5, 1) = (0.14, −0.08)
    #      v = 0.999·(0.001, 0.004) + 0.001·(0.25, 1) = (0.001249, 0.004996)
    #      delta = −0.1·(m/0.19)/(√(v/0.001999) + 1e-8) = (−0.0932179627, 0.0266337038)
    m2, v2 = np.array([0.14, -0.08]), np.array([0.001249, 0.004996])
    step2 = -0.1 * (m2 / (1 - 0.9**2)) / (np.sqrt(v2 / (1 - 0.999**2)) + 1e-8)
    deltas, state = run(rules.adam(), [G1, G2], lr=0.1)
    check(deltas, [(-0.1 / (1 + 1e-8), 0.1 / (1 + 0.5e-8)), step2], rtol=1e-10)
    np.testing.assert_allclose(step2, (-0.09321796270183899, 0.026633703797568475), rtol=1e-12)
    np.testing.assert_allclose(state.exp_avg, [m2], rtol=1e-12)
    np.testing.assert_allclose(state.exp_avg_sq, [v2], rtol=1e-12)
    assert state.step == 2


def test_amsgrad_keeps_the_largest_second_moment():
    # t=3 with g3 = 0: m3 = 0.9·m2 = (0.126, −0.072); v3 = 0.999·v2 < v2, so AMSGrad divides by
    # √(v2/bc2) instead of √(v3/bc2):  bc1 = 1 − 0.9³ = 0.271, bc2 = 1 − 0.999³ = 0.002997001
    m3 = np.array([0.126, -0.072])
    v2, v3 = np.array([0.001249, 0.004996]), np.array([0.001247751, 0.004991004])
    bc1, bc2 = 1 - 0.9**3, 1 - 0.999**3
    adam_step3 = -0.1 * (m3 / bc1) / (np.sqrt(v3 / bc2) + 1e-8)
    ams_step3 = -0.1 * (m3 / bc1) / (np.sqrt(v2 / bc2) + 1e-8)
    adam_deltas, _ = run(rules.adam(), [G1, G2, G3], lr=0.1)
    ams_deltas, state = run(rules.adam(amsgrad=True), [G1, G2, G3], lr=0.1)
    np.testing.assert_allclose(adam_deltas[2], adam_step3, rtol=1e-10)
    np.testing.assert_allclose(ams_deltas[2], ams_step3, rtol=1e-10)
    np.testing.assert_allclose(ams_step3, (-0.07202171724934772, 0.020577633659191377), rtol=1e-9)
    np.testing.assert_allclose(state.max_exp_avg_sq, [v2], rtol=1e-12)
    check(ams_deltas[:2], adam_deltas[:2])  # v only grew so far: same as Adam


def test_adamw_decouples_weight_decay_but_adam_l2_does_not():
    # AdamW: delta = −lr·wd·x0 + Adam step = −0.1·0.1·(1, 2) + (−0.1, 0.1) = (−0.11, 0.08)
    # Adam + L2: g = g1 + 0.1·x0 = (1.1, −1.8): the first bias-corrected step is −0.1·sign(g)
    #            again, the decay is normalized away: (−0.1, 0.1)
    adamw_deltas, _ = run(rules.adamw(weight_decay=0.1, eps=0.0), [G1], lr=0.1)
    adam_deltas, _ = run(rules.adam(weight_decay=0.1, eps=0.0), [G1], lr=0.1)
    check(adamw_deltas, [(-0.11, 0.08)])
    check(adam_deltas, [(-0.1, 0.1)])


def test_nadam_mu_schedule():
    # μ_t = 0.9·(1 − ½·0.96^(0.004t)): μ1 = 0.4500734736, μ2 = 0.4501469352, μ3 = 0.4502203848
    mu1, mu2, mu3 = (0.9 * (1 - 0.5 * 0.96 ** (0.004 * t)) for t in (1, 2, 3))
    assert mu1 == pytest.approx(0.45007347359129607, rel=1e-14)
    # t=1: Π = μ1, d = √(v/0.001) = |g1| = (1, 2), m = (0.1, −0.2)
    #      delta = −0.1·(1 − μ1)/(1 − μ1)·g1/d − 0.1·μ2/(1 − μ1μ2)·m/d
    #            = −0.1·(1, −1) − 0.1·0.5645177836·(0.1, −0.1)
    c1 = mu2 / (1 - mu1 * mu2)
    step1 = (-0.1 - 0.01 * c1, 0.1 + 0.01 * c1)
    # t=2: Π = μ1μ2, m = (0.14, −0.08), d = √(v/(1 − 0.999²)) = (0.7904507714, 1.5809015328)
    #      delta = −0.1·(1 − μ2)/(1 − Π)·g2/d − 0.1·μ3/(1 − Πμ3)·m/d
    prod = mu1 * mu2
    d2 = np.sqrt(np.array([0.001249, 0.004996]) / (1 - 0.999**2))
    step2 = (
        -0.1 * (1 - mu2) / (1 - prod) * np.array(G2) / d2
        - 0.1 * mu3 / (1 - prod * mu3) * np.array([0.14, -0.08]) / d2
    )
    deltas, state = run(rules.nadam(eps=0.0), [G1, G2], lr=0.1)
    check(deltas, [step1, step2], rtol=1e-10)
    np.testing.assert_allclose(step1, (-0.10564517783553882, 0.10564517783553882), rtol=1e-12)
    np.testing.assert_allclose(step2, (-0.052392329374244706, -0.04111097266391455), rtol=1e-7)
    assert state.mu_product == pytest.approx(prod, rel=1e-14)


# ----------------------------------------------------------------------------- Newton

A = np.array([[2.0, 1.0], [1.0, 4.0]])  # f = ½xᵀAx, minimum at the origin


def test_newton_with_lr_1_lands_on_a_quadratic_minimum():
    # g = A·x0 = (2 + 2, 1 + 8) = (4, 9); (A + δI)⁻¹g → A⁻¹g = x0 as δ → 0: x1 = 0
    g = A @ np.array(X0)
    deltas, state = run(rules.newton(damping=1e-12), [g], lr=1.0, hess=A[None])
    check(deltas, [(-1.0, -2.0)], rtol=1e-9)
    np.testing.assert_allclose(state.shift, [1e-12])


def test_newton_damped_solve():
    # δ = 1 (A is positive definite): M = [[3, 1], [1, 5]], det = 14, M⁻¹ = [[5, −1], [−1, 3]]/14
    # M⁻¹·(4, 9) = (20 − 9, −4 + 27)/14 = (11/14, 23/14);  delta = −0.5·M⁻¹g
    deltas, _ = run(rules.newton(damping=1.0), [(4.0, 9.0)], lr=0.5, hess=A[None])
    check(deltas, [(-0.5 * 11 / 14, -0.5 * 23 / 14)])


def test_newton_escapes_a_saddle_downhill():
    # f = x² − y²: H = diag(2, −2), at (1, 0.5) g = (2, −1); λ_min = −2
    # δ = 1 + 2·2 = 5: M = diag(7, 3); delta = −(2/7, −1/3): y moves away from the saddle
    hess = np.array([[[2.0, 0.0], [0.0, -2.0]]])
    deltas, state = run(rules.newton(damping=1.0), [(2.0, -1.0)], lr=1.0, x0=(1, 0.5), hess=hess)
    check(deltas, [(-2 / 7, 1 / 3)])
    np.testing.assert_allclose(state.shift, [5.0])


def test_newton_requires_the_hessian():
    opt = rules.newton()
    assert opt.needs_hessian
    x = np.zeros((1, 2))
    with pytest.raises(ValueError, match="Hessian"):
        opt.update(np.ones((1, 2)), opt.init(x), 1.0, x)


# ----------------------------------------------------------------------------- batch contract

FACTORIES = {
    "gd": rules.gd,
    "sgd_wd": lambda: rules.sgd(weight_decay=0.1),
    "momentum": rules.momentum,
    "dampened": lambda: rules.momentum(0.9, dampening=0.3),
    "nesterov": rules.nesterov,
    "adagrad": lambda: rules.adagrad(lr_decay=0.1),
    "rmsprop": rules.rmsprop,
    "rmsprop_cm": lambda: rules.rmsprop(momentum=0.5, centered=True),
    "adam": rules.adam,
    "amsgrad": lambda: rules.adam(amsgrad=True, weight_decay=0.1),
    "adamw": rules.adamw,
    "nadam": rules.nadam,
    "newton": rules.newton,
}


def batch_run(opt, x, grads, lr):
    """All deltas of successive updates on a batch; Hessian = a fixed SPD matrix per point."""
    hess = np.broadcast_to(A, (*x.shape, 2)).copy()
    state = opt.init(x)
    deltas = []
    for g in grads:
        delta, state = opt.update(g, state, lr, x, hess)
        deltas.append(delta)
        x = x + delta
    return np.stack(deltas)


@pytest.mark.parametrize("batch", [2, 300])  # 300 exercises the full-size lr operand path
@pytest.mark.parametrize("name", FACTORIES)
def test_per_trajectory_lr_equals_separate_runs(name, batch):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(batch, 2))
    grads = [rng.normal(size=(batch, 2)) for _ in range(3)]
    lrs = np.resize([0.1, 0.01, 0.05], batch)
    together = batch_run(FACTORIES[name](), x, grads, lrs)
    for i in (0, 1, batch - 1):
        alone = batch_run(FACTORIES[name](), x[i : i + 1], [g[i : i + 1] for g in grads], lrs[i])
        np.testing.assert_allclose(together[:, i], alone[:, 0], rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("name", FACTORIES)
def test_update_does_not_mutate_its_inputs(name):
    opt = FACTORIES[name]()
    rng = np.random.default_rng(3)
    x, g, hess = rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), np.tile(A, (3, 1, 1))
    lr = np.array([0.1, 0.2, 0.3])
    state = opt.update(g, opt.init(x), lr, x, hess)[1]  # a state with non-trivial arrays
    before = [np.copy(a) for a in (x, g, hess, lr, *state)]
    delta, new_state = opt.update(g, state, lr, x, hess)
    for original, copy in zip((x, g, hess, lr, *state), before, strict=True):
        np.testing.assert_array_equal(original, copy)
    assert new_state.step == state.step + 1
    for a in (x, g, *(s for s in state if isinstance(s, np.ndarray))):
        assert not np.shares_memory(delta, a)


@pytest.mark.parametrize(
    ("kwargs", "mus"),
    [
        ({}, [0.0, 0.5, 0.9, 0.95]),  # μ = 0 rows are plain GD
        ({"dampening": 0.3}, [0.0, 0.5, 0.9, 0.95]),  # ... which ignores dampening
        ({"nesterov": True}, [0.1, 0.5, 0.9, 0.95]),
        ({"weight_decay": 0.1}, [0.9, 0.0, 0.9, 0.3]),
    ],
)
def test_per_trajectory_momentum_equals_scalar_runs(kwargs, mus):
    """A (B,) μ is a batch of the scalar-μ runs, bit for bit (with a (B,) lr too)."""
    from optimizers.simulate import simulate
    from surfaces import make_surface

    surface = make_surface("rosenbrock")
    starts = np.array([[-1.5, 2.0], [0.5, -0.5], [1.5, 1.0], [-1.0, 0.0]])
    lrs = np.array([1e-4, 2e-4, 5e-4, 1e-3])
    batched = simulate(surface, rules.sgd(np.array(mus), **kwargs), lrs, starts, 60)
    for i, mu in enumerate(mus):
        alone = simulate(surface, rules.sgd(mu, **kwargs), lrs[i], starts[i], 60)
        np.testing.assert_array_equal(batched.positions[:, i], alone.positions[:, 0])
        np.testing.assert_array_equal(batched.loss[:, i], alone.loss[:, 0])
    name = "nesterov" if kwargs.get("nesterov") else "momentum"
    assert rules.sgd(np.array(mus), **kwargs).name == name


def test_per_trajectory_momentum_is_validated():
    assert rules.sgd(np.zeros(3)).name == "gd"
    assert rules.sgd(np.array([0.0, 0.9])).name == "momentum"
    with pytest.raises(ValueError, match=r"Invalid momentum value: -0\.5"):
        rules.sgd(np.array([0.9, -0.5]))
    with pytest.raises(ValueError, match="Invalid momentum value: nan"):
        rules.sgd(np.array([0.9, np.nan]))
    with pytest.raises(ValueError, match="1-D"):
        rules.sgd(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum"):
        rules.sgd(np.array([0.9, 0.0]), nesterov=True)
    for mus in (np.array([0.9, 0.5]), np.zeros(2)):
        with pytest.raises(ValueError, match="one momentum per trajectory"):
            rules.sgd(mus).init(np.zeros((3, 2)))


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("factory", "kwargs", "message"),
    [
        (rules.sgd, {"momentum": -1}, "Invalid momentum value: -1"),
        (rules.sgd, {"weight_decay": -0.1}, "Invalid weight_decay value"),
        (rules.sgd, {"momentum": 0.9, "dampening": 2}, "Invalid dampening value"),
        (rules.sgd, {"nesterov": True}, "Nesterov momentum requires a momentum"),
        (rules.sgd, {"momentum": 0.9, "dampening": 0.1, "nesterov": True}, "zero dampening"),
        (rules.momentum, {"momentum": -0.5}, "Invalid momentum value: -0.5"),
        (rules.nesterov, {"momentum": 0}, "Nesterov momentum requires a momentum"),
        (rules.adagrad, {"lr_decay": -1}, "Invalid lr_decay value"),
        (rules.adagrad, {"initial_accumulator_value": -1}, "initial_accumulator_value"),
        (rules.adagrad, {"eps": float("nan")}, "Invalid epsilon value"),
        (rules.rmsprop, {"alpha": 1.0}, "Invalid alpha value: 1.0"),
        (rules.rmsprop, {"momentum": -0.5}, "Invalid momentum value"),
        (rules.adam, {"beta1": 1.0}, "Invalid beta parameter at index 0: 1.0"),
        (rules.adam, {"beta2": -0.1}, "Invalid beta parameter at index 1"),
        (rules.adamw, {"weight_decay": -1}, "Invalid weight_decay value"),
        (rules.nadam, {"momentum_decay": -1}, "Invalid momentum_decay value"),
        (rules.nadam, {"eps": -1}, "Invalid epsilon value"),
        (rules.newton, {"damping": 0}, "Invalid damping value"),
    ],
)
def test_bad_hyperparameters_raise(factory, kwargs, message):
    with pytest.raises(ValueError, match=message):
        factory(**kwargs)


# ----------------------------------------------------------------------------- registry


def test_registry_lists_every_optimizer_with_defaults_that_build():
    expected = ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "nadam"]
    assert list(rules.OPTIMIZERS) == [*expected, "newton"]
    for name, spec in rules.OPTIMIZERS.items():
        opt = rules.make_optimizer(name)
        assert spec.default_lr > 0
        assert opt.needs_hessian == (name == "newton")
        for p in spec.params:
            assert p.check(p.default) == p.default


def test_make_optimizer_converts_flags_and_applies_hyperparameters():
    # nesterov through the registry, μ = 0.5: first step along g1 + 0.5·g1 = (1.5, −3)
    deltas, _ = run(rules.make_optimizer("nesterov", momentum=0.5), [G1], lr=0.1)
    check(deltas, [(-0.15, 0.3)])
    # amsgrad = 1.0 (a URL float) -> AMSGrad state; centered = 1 -> RMSprop keeps ḡ
    ams = rules.make_optimizer("adam", amsgrad=1.0)
    assert hasattr(ams.init(np.zeros((1, 2))), "max_exp_avg_sq")
    assert rules.make_optimizer("rmsprop", centered=1).init(np.zeros((1, 2))).grad_avg is not None
    # AdamW's registry default weight decay is torch's 1e-2: −0.1·0.01·x0 + (−0.1, 0.1)
    deltas, _ = run(rules.make_optimizer("adamw", eps=1e-12), [G1], lr=0.1)
    check(deltas, [(-0.101, 0.098)], rtol=1e-9)


@pytest.mark.parametrize(
    ("name", "hyper", "message"),
    [
        ("sgdx", {}, "unknown optimizer 'sgdx'; choose one of gd, momentum"),
        ("adam", {"beta3": 0.5}, "has no parameter 'beta3'"),
        ("adam", {"beta1": 1.0}, "between 0 and 0.99"),
        ("adam", {"amsgrad": 0.5}, "whole number"),
        ("nesterov", {"momentum": 0.0}, "between 0.01 and 0.99"),
        ("newton", {"damping": float("nan")}, "Damping"),
    ],
)
def test_make_optimizer_rejects_bad_input(name, hyper, message):
    with pytest.raises(ValueError, match=message):
        rules.make_optimizer(name, **hyper)


# ----------------------------------------------------------------------------- batch exactness
# `simulate` promises that row i of a batch is, bit for bit, the run of starts[i] alone. That
# holds only if every surface and every rule computes each row with the same floating-point
# operations whatever the batch size (no matrix products or reductions across the batch).

BATCH_EXACT_STEPS = 40


def _random_quadratic(seed: int):
    from surfaces._kit import surface as kit_surface
    from surfaces.quadratic import quadratic_fns

    rng = np.random.default_rng(seed)
    m = rng.normal(size=(2, 2))
    a = m @ m.T + 0.1 * np.eye(2)
    a = 0.5 * (a + a.T)
    return kit_surface(
        "random_quadratic",
        "Random quadratic",
        quadratic_fns(a),
        domain=((-3.0, 3.0), (-3.0, 3.0)),
        start=(1.0, 1.0),
        formula="f = ½ pᵀAp",
        lesson="",
        minima=(),
        saddles=(),
    )


def _batch_surfaces():
    from surfaces import SURFACES, make_surface

    cases = [(name, make_surface(name)) for name in SURFACES]
    cases += [(f"ravine_{angle:g}", make_surface("ravine", angle=angle)) for angle in (30, -55.5)]
    cases += [(f"random_quadratic_{seed}", _random_quadratic(seed)) for seed in (0, 1)]
    return cases


def _spread_starts(surface, count: int = 17) -> np.ndarray:
    (x0, x1), (y0, y1) = surface.domain
    rng = np.random.default_rng(7)
    u = rng.uniform(0.1, 0.9, size=(count, 2))
    return np.column_stack([x0 + (x1 - x0) * u[:, 0], y0 + (y1 - y0) * u[:, 1]])


@pytest.mark.parametrize("optimizer", list(rules.OPTIMIZERS))
def test_a_batch_row_is_the_run_alone_bit_for_bit(optimizer):
    from optimizers.simulate import simulate

    spec = rules.OPTIMIZERS[optimizer]
    rule = rules.make_optimizer(optimizer)
    for name, surface in _batch_surfaces():
        starts = _spread_starts(surface)
        lr = spec.default_lr * 0.1
        batched = simulate(surface, rule, lr, starts, BATCH_EXACT_STEPS)
        for i, start in enumerate(starts):
            alone = simulate(surface, rule, lr, start, BATCH_EXACT_STEPS)
            for field in ("positions", "loss", "grad_norm"):
                got, want = getattr(batched, field)[:, i], getattr(alone, field)[:, 0]
                assert np.array_equal(got, want), (name, optimizer, i, field)
            assert batched.diverged_at[i] == alone.diverged_at[0]


@pytest.mark.parametrize("angle", [0.0, 30.0, -55.5, 90.0])
def test_the_rotated_ravine_is_computed_per_coordinate(angle):
    # A BLAS matrix product may fuse or reorder its multiply-adds depending on the batch size (it
    # did: 1e-7 apart after 66 NAdam steps); the gradient must be the plain per-coordinate
    # arithmetic ax + by, bx + cy, which rounds every row the same way whatever B is.
    from surfaces import make_surface

    surface = make_surface("ravine", angle=angle)
    p = np.random.default_rng(3).normal(size=(17, 2)) * 5.0
    a = surface.hess(p[:1])[0]
    x, y = p[:, 0], p[:, 1]
    g = np.stack([a[0, 0] * x + a[1, 0] * y, a[0, 1] * x + a[1, 1] * y], axis=-1)
    f, grad = surface.f_and_grad(p)
    assert np.array_equal(grad, g)
    assert np.array_equal(surface.grad(p), g)
    assert np.array_equal(f, 0.5 * (x * g[:, 0] + y * g[:, 1]))
    assert np.array_equal(surface.f(p), f)
