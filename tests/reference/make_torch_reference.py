"""Write torch_reference.npz: trajectories that torch.optim itself produces, in float64.

tests/unit/test_torch_parity.py replays every case with this project's `simulate` and compares
positions and rates at 1e-9 (relative + absolute), so the comparison runs in CI without torch.
A maintainer reruns this by hand after changing a rule or a schedule, with any Python that has
torch and numpy (it never imports this repository):

    python -m venv /tmp/venv-torch && /tmp/venv-torch/bin/pip install torch numpy
    /tmp/venv-torch/bin/python tests/reference/make_torch_reference.py

Each case runs torch's standard loop from one start for `steps` updates:

    lr_t = the optimizer's rate; loss = f(x); loss.backward(); optimizer.step()
    scheduler.step()            (or scheduler.step(f(x)) for ReduceLROnPlateau)

and records x_0 … x_T and lr_0 … lr_{T−1}. A case names the app's side too (the optimizer and
hyperparameters as in `optimizers.rules.OPTIMIZERS`, the schedule as a factory of
`optimizers.schedules` with its arguments), stored as JSON next to the arrays.

Test functions: a rotated ravine ½pᵀAp (A = R diag(0.2, 4) Rᵀ, R a 30° rotation, built exactly as
surfaces/quadratic.py builds it), Rosenbrock (1 − x)² + 100(y − x²)², and Himmelblau
(x² + y − 11)² + (x + y² − 7)².

Not covered, because torch has no counterpart: the Keras-style inverse-time decay
(`schedules.inverse_time`) and damped Newton (`rules.newton`). Momentum cycling of CyclicLR and
OneCycleLR is off (the app does not cycle momentum). NAdam's decoupled_weight_decay is not offered
by the app.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).with_name("torch_reference.npz")
S = torch.optim.lr_scheduler


def ravine_matrix(lam_min: float = 0.2, kappa: float = 20.0, angle: float = 30.0) -> np.ndarray:
    """A of surfaces.quadratic.ravine, with the same float operations."""
    t = np.deg2rad(angle)
    c, s = np.cos(t), np.sin(t)
    rot = np.array([[c, -s], [s, c]])
    a = rot @ np.diag([lam_min, kappa * lam_min]) @ rot.T
    return 0.5 * (a + a.T)


A = torch.tensor(ravine_matrix(), dtype=torch.float64)

FUNCTIONS = {  # name -> (the app's surface and parameters, torch f, start)
    "ravine30": (
        ["ravine", {"angle": 30.0}],
        lambda p: 0.5 * (p @ (A @ p)),
        (-4.0, 2.5),
    ),
    "rosenbrock": (
        ["rosenbrock", {}],
        lambda p: (1.0 - p[0]) ** 2 + 100.0 * (p[1] - p[0] ** 2) ** 2,
        (-1.2, 1.0),
    ),
    "himmelblau": (
        ["himmelblau", {}],
        lambda p: (p[0] ** 2 + p[1] - 11.0) ** 2 + (p[0] + p[1] ** 2 - 7.0) ** 2,
        (-0.5, -0.5),
    ),
}

# (case, the app's optimizer and hyperparameters, torch class and kwargs, lr per function)
OPTIMIZERS = [
    ("gd", "gd", {}, "SGD", {}),
    ("gd_wd", "gd", {"weight_decay": 0.1}, "SGD", {"weight_decay": 0.1}),
    ("momentum", "momentum", {}, "SGD", {"momentum": 0.9}),
    (
        "momentum_damp_wd",
        "momentum",
        {"momentum": 0.8, "dampening": 0.3, "weight_decay": 0.05},
        "SGD",
        {"momentum": 0.8, "dampening": 0.3, "weight_decay": 0.05},
    ),
    ("nesterov", "nesterov", {}, "SGD", {"momentum": 0.9, "nesterov": True}),
    (
        "nesterov_wd",
        "nesterov",
        {"momentum": 0.7, "weight_decay": 0.05},
        "SGD",
        {"momentum": 0.7, "nesterov": True, "weight_decay": 0.05},
    ),
    ("adagrad", "adagrad", {}, "Adagrad", {}),
    (
        "adagrad_options",
        "adagrad",
        {"lr_decay": 0.05, "initial_accumulator_value": 0.5, "eps": 1e-6, "weight_decay": 0.05},
        "Adagrad",
        {"lr_decay": 0.05, "initial_accumulator_value": 0.5, "eps": 1e-6, "weight_decay": 0.05},
    ),
    ("rmsprop", "rmsprop", {}, "RMSprop", {}),
    (
        "rmsprop_momentum",
        "rmsprop",
        {"alpha": 0.9, "momentum": 0.5, "eps": 1e-6},
        "RMSprop",
        {"alpha": 0.9, "momentum": 0.5, "eps": 1e-6},
    ),
    (
        "rmsprop_centered_wd",
        "rmsprop",
        {"centered": 1, "momentum": 0.3, "weight_decay": 0.05},
        "RMSprop",
        {"centered": True, "momentum": 0.3, "weight_decay": 0.05},
    ),
    ("adam", "adam", {}, "Adam", {}),
    (
        "adam_amsgrad_wd",
        "adam",
        {"beta1": 0.8, "beta2": 0.99, "amsgrad": 1, "weight_decay": 0.05, "eps": 1e-6},
        "Adam",
        {"betas": (0.8, 0.99), "amsgrad": True, "weight_decay": 0.05, "eps": 1e-6},
    ),
    ("adamw", "adamw", {}, "AdamW", {}),
    (
        "adamw_amsgrad",
        "adamw",
        {"amsgrad": 1, "weight_decay": 0.2, "beta1": 0.85, "beta2": 0.95, "eps": 1e-6},
        "AdamW",
        {"amsgrad": True, "weight_decay": 0.2, "betas": (0.85, 0.95), "eps": 1e-6},
    ),
    ("nadam", "nadam", {}, "NAdam", {}),
    (
        "nadam_options",
        "nadam",
        {"momentum_decay": 0.01, "weight_decay": 0.05, "beta1": 0.85, "beta2": 0.99, "eps": 1e-6},
        "NAdam",
        {"momentum_decay": 0.01, "weight_decay": 0.05, "betas": (0.85, 0.99), "eps": 1e-6},
    ),
]
# a rate per optimizer family that converges smoothly on (ravine30, rosenbrock, himmelblau)
FAMILY_LR = {
    "SGD": (0.05, 5e-4, 5e-3),
    "Adagrad": (0.5, 0.1, 0.5),
    "RMSprop": (0.01, 1e-3, 0.01),
    "Adam": (0.1, 0.02, 0.1),
    "AdamW": (0.1, 0.02, 0.1),
    "NAdam": (0.1, 0.02, 0.1),
}
OPTIMIZER_STEPS = 150

# (case, the app's schedule factory and its kwargs without lr, torch scheduler builder, steps);
# every schedule drives SGD with momentum 0.9 at lr 0.05 on the rotated ravine.
SCHEDULE_LR = 0.05
SCHEDULES = [
    ("step", "step_lr", {"step_size": 15, "gamma": 0.5}, lambda o: S.StepLR(o, 15, 0.5), 80),
    (
        "multistep",
        "multistep",
        {"milestones": [10, 25, 25, 60], "gamma": 0.3},
        lambda o: S.MultiStepLR(o, [10, 25, 25, 60], 0.3),
        80,
    ),
    ("exponential", "exponential", {"gamma": 0.97}, lambda o: S.ExponentialLR(o, 0.97), 80),
    (
        "cosine",
        "cosine",
        {"T_max": 30, "eta_min": 0.005},
        lambda o: S.CosineAnnealingLR(o, 30, 0.005),
        90,
    ),
    (
        "cosine_restarts",
        "cosine_warm_restarts",
        {"T_0": 10, "T_mult": 2, "eta_min": 0.001},
        lambda o: S.CosineAnnealingWarmRestarts(o, 10, 2, 0.001),
        90,
    ),
    (
        "cosine_restarts_fixed",
        "cosine_warm_restarts",
        {"T_0": 7},
        lambda o: S.CosineAnnealingWarmRestarts(o, 7),
        60,
    ),
    *[
        (
            f"cyclic_{mode}",
            "cyclic",
            {"max_lr": 0.15, "step_size_up": 8, "step_size_down": 5, "mode": mode, "gamma": 0.97},
            lambda o, mode=mode: S.CyclicLR(
                o, SCHEDULE_LR, 0.15, 8, 5, mode=mode, gamma=0.97, cycle_momentum=False
            ),
            70,
        )
        for mode in ("triangular", "triangular2", "exp_range")
    ],
    *[
        (
            f"one_cycle_{anneal}{'_three' if three else ''}",
            "one_cycle",
            {
                "total_steps": 60,
                "pct_start": 0.25,
                "div_factor": 10.0,
                "final_div_factor": 100.0,
                "anneal": anneal,
                "three_phase": three,
            },
            lambda o, anneal=anneal, three=three: S.OneCycleLR(
                o,
                SCHEDULE_LR,
                60,
                pct_start=0.25,
                div_factor=10.0,
                final_div_factor=100.0,
                anneal_strategy=anneal,
                three_phase=three,
                cycle_momentum=False,
            ),
            60,
        )
        for anneal in ("cos", "linear")
        for three in (False, True)
    ],
    (
        "warmup",
        "warmup",
        {"inner": ["constant", {}], "warmup_steps": 10, "start_factor": 0.1},
        lambda o: S.LinearLR(o, 0.1, 1.0, 10),
        40,
    ),
    (
        "warmup_default_factor",
        "warmup",
        {"inner": ["constant", {}], "warmup_steps": 6},
        lambda o: S.LinearLR(o, total_iters=6),
        30,
    ),
    (  # the app's warm-up in front of a policy is torch's SequentialLR(LinearLR, policy)
        "warmup_cosine",
        "warmup",
        {
            "inner": ["cosine", {"T_max": 40, "eta_min": 0.005}],
            "warmup_steps": 8,
            "start_factor": 0.25,
        },
        lambda o: S.SequentialLR(
            o, [S.LinearLR(o, 0.25, 1.0, 8), S.CosineAnnealingLR(o, 40, 0.005)], [8]
        ),
        60,
    ),
    (
        "warmup_one_cycle",
        "warmup",
        {"inner": ["one_cycle", {"total_steps": 50}], "warmup_steps": 5},
        lambda o: S.SequentialLR(
            o,
            [S.LinearLR(o, total_iters=5), S.OneCycleLR(o, SCHEDULE_LR, 50, cycle_momentum=False)],
            [5],
        ),
        55,
    ),
]

# Reduce-on-plateau on loss curves that stall: Adam on the ravine and on Rosenbrock.
PLATEAUS = [
    ("plateau_rel", {"factor": 0.5, "patience": 5}, "ravine30", 0.2, (0.001, 0.001), 60),
    (
        "plateau_abs_cooldown",
        {
            "factor": 0.3,
            "patience": 3,
            "threshold": 1e-3,
            "threshold_mode": "abs",
            "cooldown": 4,
            "min_lr": 0.01,
        },
        "ravine30",
        0.3,
        (-4.0, 2.5),
        80,
    ),
    (
        "plateau_rel_threshold",
        {"factor": 0.5, "patience": 2, "threshold": 0.05, "cooldown": 1, "min_lr": 1e-3},
        "rosenbrock",
        0.05,
        (-1.2, 1.0),
        120,
    ),
]


def run(fn, start, optimizer, scheduler=None, plateau=False, steps=100):
    """Positions (T+1, 2) and rates (T,) of torch's standard loop."""
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = optimizer([p])
    sched = scheduler(opt) if scheduler is not None else None
    positions, rates = [p.detach().numpy().copy()], []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.zero_grad()
        fn(p).backward()
        opt.step()
        if sched is not None:
            if plateau:
                with torch.no_grad():
                    sched.step(float(fn(p)))
            else:
                sched.step()
        positions.append(p.detach().numpy().copy())
    return np.array(positions), np.array(rates, dtype=np.float64)


def main() -> None:
    torch.set_default_dtype(torch.float64)  # optimizer scalars (step, NAdam's mu_product)
    arrays, cases = {}, []

    def add(case: str, config: dict, positions: np.ndarray, rates: np.ndarray) -> None:
        if not np.isfinite(positions).all():
            raise RuntimeError(f"{case}: torch's trajectory is not finite; pick another rate")
        arrays[f"{case}__positions"], arrays[f"{case}__lr"] = positions, rates
        cases.append({"case": case, **config})

    for fname, (surface, fn, start) in FUNCTIONS.items():
        for case, ours, hyper, cls, kwargs in OPTIMIZERS:
            lr = FAMILY_LR[cls][list(FUNCTIONS).index(fname)]
            make = getattr(torch.optim, cls)
            positions, rates = run(
                fn,
                start,
                lambda ps, make=make, lr=lr, kwargs=kwargs: make(ps, lr=lr, **kwargs),
                steps=OPTIMIZER_STEPS,
            )
            config = {
                "surface": surface,
                "start": start,
                "lr": lr,
                "steps": OPTIMIZER_STEPS,
                "optimizer": [ours, hyper],
                "schedule": None,
            }
            add(f"{fname}__{case}", config, positions, rates)

    surface, fn, start = FUNCTIONS["ravine30"]
    for case, factory, kwargs, scheduler, steps in SCHEDULES:
        positions, rates = run(
            fn,
            start,
            lambda ps: torch.optim.SGD(ps, lr=SCHEDULE_LR, momentum=0.9),
            scheduler,
            steps=steps,
        )
        config = {
            "surface": surface,
            "start": start,
            "lr": SCHEDULE_LR,
            "steps": steps,
            "optimizer": ["momentum", {}],
            "schedule": [factory, kwargs],
        }
        add(f"schedule__{case}", config, positions, rates)

    for case, kwargs, fname, lr, start, steps in PLATEAUS:
        surface, fn, _ = FUNCTIONS[fname]
        positions, rates = run(
            fn,
            start,
            lambda ps, lr=lr: torch.optim.Adam(ps, lr=lr),
            lambda o, kwargs=kwargs: S.ReduceLROnPlateau(o, **kwargs),
            plateau=True,
            steps=steps,
        )
        if len(set(rates)) < 3:
            raise RuntimeError(f"{case}: the plateau policy barely acted; pick another scene")
        config = {
            "surface": surface,
            "start": start,
            "lr": lr,
            "steps": steps,
            "optimizer": ["adam", {}],
            "schedule": ["reduce_on_plateau", kwargs],
        }
        add(f"schedule__{case}", config, positions, rates)

    meta = {"torch": torch.__version__, "numpy": np.__version__, "cases": cases}
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"{len(cases)} cases, {OUT.stat().st_size} bytes -> {OUT}")


if __name__ == "__main__":
    main()
