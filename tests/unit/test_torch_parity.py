"""Every rule and schedule against torch.optim itself.

Always (no torch needed): tests/reference/torch_reference.npz holds trajectories that torch.optim
produced in float64 (tests/reference/make_torch_reference.py, rerun by hand with torch installed),
for every optimizer option and schedule the app offers; `simulate` must reproduce each one's
positions and rates to 1e-9 (relative + absolute).

Where torch is importable, also live: 300 steps on a batch of points with random gradients
(scaled over several orders of magnitude), the same points driven by torch's optimizer and by
ours; and the rate torch's scheduler sets at every step versus ours.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from optimizers import rules
from optimizers import schedules as sch
from optimizers.simulate import simulate
from surfaces import make_surface

REFERENCE = Path(__file__).parents[1] / "reference" / "torch_reference.npz"
TOLERANCE = 1e-9


def _load_reference():
    with np.load(REFERENCE) as data:
        meta = json.loads(str(data["meta"]))
        arrays = {key: data[key] for key in data.files if key != "meta"}
    return meta, arrays


META, ARRAYS = _load_reference()
CASES = {case["case"]: case for case in META["cases"]}


def _policy(lr: float, schedule):
    """The app's policy for a reference case: a factory of optimizers.schedules and its kwargs."""
    if schedule is None:
        return lr
    factory, kwargs = schedule
    if factory == "warmup":
        kwargs = dict(kwargs)
        inner_factory, inner_kwargs = kwargs.pop("inner")
        return sch.warmup(getattr(sch, inner_factory)(lr, **inner_kwargs), **kwargs)
    return getattr(sch, factory)(lr, **kwargs)


@pytest.mark.parametrize("name", list(CASES))
def test_simulate_reproduces_torch_reference(name):
    case = CASES[name]
    surface_name, surface_params = case["surface"]
    optimizer_name, hyper = case["optimizer"]
    run = simulate(
        make_surface(surface_name, **surface_params),
        rules.make_optimizer(optimizer_name, **hyper),
        _policy(case["lr"], case["schedule"]),
        np.array(case["start"]),
        case["steps"],
    )
    assert (run.diverged_at == -1).all()
    want_x, want_lr = ARRAYS[f"{name}__positions"], ARRAYS[f"{name}__lr"]
    np.testing.assert_allclose(run.lr[:, 0], want_lr, rtol=TOLERANCE, atol=TOLERANCE)
    np.testing.assert_allclose(run.positions[:, 0], want_x, rtol=TOLERANCE, atol=TOLERANCE)
    assert np.abs(want_x[-1] - want_x[0]).max() > 1e-3  # the case really moves


# policy registry name -> the factory its reference cases use (inverse_time is Keras-style: no
# torch counterpart; constant is every optimizer case and the warm-ups' inner policy)
FACTORIES = {"step": "step_lr", "cosine_restarts": "cosine_warm_restarts",
             "plateau": "reduce_on_plateau"}  # fmt: skip
NOT_IN_TORCH = {"optimizers": {"newton"}, "policies": {"inverse_time"}}


def test_the_reference_covers_every_optimizer_option():
    used: dict[str, set[str]] = {}
    for case in CASES.values():
        name, hyper = case["optimizer"]
        spec = rules.OPTIMIZERS[name]
        defaults = {p.name: p.default for p in spec.params}
        used.setdefault(name, set()).update(k for k, v in hyper.items() if v != defaults[k])
    assert set(used) == set(rules.OPTIMIZERS) - NOT_IN_TORCH["optimizers"]
    for name, changed in used.items():
        assert changed == {p.name for p in rules.OPTIMIZERS[name].params}, name


def test_the_reference_covers_every_schedule_and_mode():
    schedules = [case["schedule"] for case in CASES.values() if case["schedule"]]
    factories = {factory for factory, _ in schedules} | {"constant"}
    wanted = set(sch.POLICIES) - NOT_IN_TORCH["policies"]
    assert {FACTORIES.get(name, name) for name in wanted} <= factories
    assert "warmup" in factories
    seen = {(factory, key, str(value)) for factory, kw in schedules for key, value in kw.items()}
    for mode in sch.CYCLIC_MODES:
        assert ("cyclic", "mode", mode) in seen
    for anneal in sch.ANNEALS:
        assert ("one_cycle", "anneal", anneal) in seen
    assert ("one_cycle", "three_phase", "True") in seen
    for mode in sch.THRESHOLD_MODES:
        plateau = [kw for f, kw in schedules if f == "reduce_on_plateau"]
        assert any(kw.get("threshold_mode", "rel") == mode for kw in plateau)
    for key in ("cooldown", "min_lr", "threshold"):
        assert any(key in kw for f, kw in schedules if f == "reduce_on_plateau"), key


def test_the_reference_file_is_small():
    assert REFERENCE.stat().st_size < 1_000_000


# ----------------------------------------------------------------------------- live torch

try:
    import torch
except ImportError:  # the reference tests above still run
    torch = None

live = pytest.mark.skipif(torch is None, reason="torch is not installed (the reference tests ran)")


@pytest.fixture
def float64_torch_scalars():
    """torch keeps optimizer scalars (step, NAdam's mu_product) in the default dtype: float64."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


STEPS, BATCH, LR = 300, 6, 0.01
RULES = (
    []
    if torch is None
    else [
        (rules.gd(), torch.optim.SGD, {}),
        (rules.momentum(0.9), torch.optim.SGD, {"momentum": 0.9}),
        (rules.momentum(0.8, 0.3), torch.optim.SGD, {"momentum": 0.8, "dampening": 0.3}),
        (
            rules.sgd(0.9, nesterov=True, weight_decay=0.01),
            torch.optim.SGD,
            {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
        ),
        (rules.adagrad(), torch.optim.Adagrad, {}),
        (
            rules.adagrad(lr_decay=0.1, weight_decay=0.01, initial_accumulator_value=0.5),
            torch.optim.Adagrad,
            {"lr_decay": 0.1, "weight_decay": 0.01, "initial_accumulator_value": 0.5},
        ),
        (rules.rmsprop(), torch.optim.RMSprop, {}),
        (
            rules.rmsprop(alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01),
            torch.optim.RMSprop,
            {"alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.01},
        ),
        (rules.adam(), torch.optim.Adam, {}),
        (
            rules.adam(beta1=0.8, beta2=0.99, amsgrad=True, weight_decay=0.01),
            torch.optim.Adam,
            {"betas": (0.8, 0.99), "amsgrad": True, "weight_decay": 0.01},
        ),
        (rules.adamw(weight_decay=0.1), torch.optim.AdamW, {"weight_decay": 0.1}),
        (
            rules.adamw(amsgrad=True, eps=1e-6),
            torch.optim.AdamW,
            {"amsgrad": True, "eps": 1e-6},
        ),
        (rules.nadam(), torch.optim.NAdam, {}),
        (
            rules.nadam(weight_decay=0.01, momentum_decay=0.01),
            torch.optim.NAdam,
            {"weight_decay": 0.01, "momentum_decay": 0.01},
        ),
    ]
)


@live
@pytest.mark.usefixtures("float64_torch_scalars")
@pytest.mark.parametrize(("ours", "theirs", "kwargs"), RULES, ids=lambda v: getattr(v, "name", ""))
def test_rule_matches_torch(ours, theirs, kwargs):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, 2))
    grads = rng.normal(size=(STEPS, BATCH, 2)) * 10.0 ** rng.uniform(-3, 2, size=(STEPS, 1, 1))
    param = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    optimizer = theirs([param], lr=LR, **kwargs)
    state = ours.init(x)
    for g in grads:
        param.grad = torch.tensor(g, dtype=torch.float64)
        optimizer.step()
        delta, state = ours.update(g, state, LR, x)
        x = x + delta
    np.testing.assert_allclose(x, param.detach().numpy(), rtol=1e-9, atol=1e-12)


def torch_rates(make_scheduler, steps, lr=1.0, losses=None):
    """The lr torch uses for updates 0, 1, ..., steps − 1 in the standard loop (update, then
    scheduler.step(), or scheduler.step(losses[t + 1]): the loss of the point update t reached)."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    scheduler = make_scheduler(optimizer)
    out = []
    for t in range(steps):
        out.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if losses is None:
            scheduler.step()
        elif t + 1 < steps:
            scheduler.step(float(losses[t + 1]))
    return np.array(out)


def our_rates(policy, steps, losses=None):
    state = policy.init(1)
    out = []
    for t in range(steps):
        loss = np.zeros(1) if losses is None else np.array([losses[t]])
        lr, state = policy.lr_at(t, loss, state)
        out.append(float(np.ravel(lr)[0]))
    return np.array(out)


S = torch.optim.lr_scheduler if torch is not None else None
SCHEDULES = (
    []
    if torch is None
    else [
        ("step", sch.step_lr(1.0, 7, 0.5), lambda o: S.StepLR(o, 7, 0.5), 60),
        ("multistep", sch.multistep(1.0, [5, 20, 20]), lambda o: S.MultiStepLR(o, [5, 20, 20]), 40),
        ("exponential", sch.exponential(1.0, 0.95), lambda o: S.ExponentialLR(o, 0.95), 60),
        ("cosine", sch.cosine(1.0, 25, 0.05), lambda o: S.CosineAnnealingLR(o, 25, 0.05), 60),
        (
            "restarts",
            sch.cosine_warm_restarts(1.0, 5, 2, 0.01),
            lambda o: S.CosineAnnealingWarmRestarts(o, 5, 2, 0.01),
            80,
        ),
        (
            "restarts_fixed",
            sch.cosine_warm_restarts(1.0, 6),
            lambda o: S.CosineAnnealingWarmRestarts(o, 6),
            40,
        ),
        *[
            (
                f"cyclic_{mode}",
                sch.cyclic(0.1, 1.0, 5, 3, mode=mode, gamma=0.97),
                lambda o, mode=mode: S.CyclicLR(
                    o, 0.1, 1.0, 5, 3, mode=mode, gamma=0.97, cycle_momentum=False
                ),
                50,
            )
            for mode in sch.CYCLIC_MODES
        ],
        *[
            (
                f"one_cycle_{anneal}_{three}",
                sch.one_cycle(1.0, 50, 0.25, anneal=anneal, three_phase=three),
                lambda o, anneal=anneal, three=three: S.OneCycleLR(
                    o,
                    1.0,
                    50,
                    pct_start=0.25,
                    anneal_strategy=anneal,
                    three_phase=three,
                    cycle_momentum=False,
                ),
                50,
            )
            for anneal in sch.ANNEALS
            for three in (False, True)
        ],
        ("warmup", sch.warmup(sch.constant(1.0), 8, 0.2), lambda o: S.LinearLR(o, 0.2, 1.0, 8), 20),
    ]
)


@live
@pytest.mark.parametrize(("name", "ours", "theirs", "steps"), SCHEDULES, ids=lambda v: v)
def test_schedule_matches_torch(name, ours, theirs, steps):
    np.testing.assert_allclose(our_rates(ours, steps), torch_rates(theirs, steps), rtol=1e-10)


@live
def test_plateau_matches_torch_per_trajectory():
    rng = np.random.default_rng(1)
    # noisy decay with long flat stretches, one trajectory per column
    steps, batch = 200, 4
    drops = rng.uniform(size=(steps, batch)) < 0.15
    losses = 10.0 * np.cumprod(np.where(drops, 0.9, 1.0), axis=0) + rng.normal(
        0, 1e-3, size=(steps, batch)
    )
    kwargs = {"factor": 0.5, "patience": 4, "threshold": 1e-3, "cooldown": 2, "min_lr": 1e-3}
    policy = sch.reduce_on_plateau(0.5, **kwargs)
    state = policy.init(batch)
    ours = []
    for t in range(steps):
        lr, state = policy.lr_at(t, losses[t], state)
        ours.append(lr)
    ours = np.array(ours)
    for b in range(batch):
        theirs = torch_rates(
            lambda o: S.ReduceLROnPlateau(o, **kwargs), steps, lr=0.5, losses=losses[:, b]
        )
        np.testing.assert_allclose(ours[:, b], theirs, rtol=1e-12)
    assert len({tuple(ours[:, b]) for b in range(batch)}) > 1  # trajectories differ
