"""Learning-rate policies with the closed forms of `torch.optim.lr_scheduler`.

Every factory closes over a base rate that is a float or a (B,) array (one rate per trajectory,
so a learning-rate sweep is a batch) and returns an `LRPolicy`:

    pstate     = init(B)
    lr, pstate = lr_at(step, loss, pstate)      # step = 0, 1, 2, ...

`step` counts updates from 0: the rate used for the first update is the step-0 value (torch's
`last_epoch` right after the scheduler is built). Stateless schedules ignore `loss` and are
wrapped by `from_schedule`; reduce-on-plateau keeps per-trajectory state like an optimizer does.
Inverse-time decay follows Keras (torch has no such scheduler). Parameters are validated with
clear ValueErrors. The registry (`POLICIES`, `make_policy`) is at the bottom of this module.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np
from surfaces.params import ListSpec, ParamSpec

from .base import Array, LRPolicy, from_schedule
from .registry import PolicySpec, choice, flag, lookup, resolve

Rate = float | Array  # a float, or a read-only (B,) array: one rate per trajectory

# ----------------------------------------------------------------------------- validation


def _rate(value: Any, name: str = "lr") -> Rate:
    """A learning rate: a finite float >= 0, or a read-only copy of a 1-D array of them."""
    if np.ndim(value) == 0:
        rate = float(value)
        if not (math.isfinite(rate) and rate >= 0.0):
            raise ValueError(f"Invalid {name} value: {value} (must be a finite number >= 0)")
        return rate
    rates = np.array(value, dtype=np.float64)
    if rates.ndim != 1 or rates.size == 0:
        raise ValueError(f"{name} must be a number or a 1-D array (one rate per trajectory)")
    if not np.all(np.isfinite(rates) & (rates >= 0.0)):
        raise ValueError(f"Invalid {name} value: every rate must be a finite number >= 0")
    rates.setflags(write=False)
    return rates


def _positive_int(name: str, value: Any) -> int:
    """`value` as an int if it is a whole number >= 1, else ValueError."""
    if isinstance(value, bool) or not float(value).is_integer() or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    return int(value)


def _nonnegative_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not float(value).is_integer() or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    return int(value)


def _positive(name: str, value: Any) -> float:
    v = float(value)
    if not (math.isfinite(v) and v > 0.0):
        raise ValueError(f"Invalid {name} value: {value} (must be > 0)")
    return v


def _choice(name: str, value: str, options: tuple[str, ...]) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(options)}, got {value!r}")
    return value


# ----------------------------------------------------------------------------- shapes of curves


def _anneal_cos(start: Rate, end: Rate, progress: float) -> Rate:
    """end + (start − end)·(1 + cos(π·progress))/2: start at progress 0, end at progress 1."""
    return end + (start - end) * (0.5 * (1.0 + math.cos(math.pi * progress)))


def _anneal_linear(start: Rate, end: Rate, progress: float) -> Rate:
    """start + (end − start)·progress."""
    return start + (end - start) * progress


def _scaled(name: str, lr: Any, factor_at: Callable[[int], float]) -> LRPolicy:
    """The policy lr·factor(step) for a multiplicative decay."""
    base = _rate(lr)
    return from_schedule(name, lambda step: base * factor_at(step))


# ----------------------------------------------------------------------------- decays


def constant(lr: Any) -> LRPolicy:
    """lr_t = lr."""
    return _scaled("constant", lr, lambda step: 1.0)


def step_lr(lr: Any, step_size: int, gamma: float = 0.1) -> LRPolicy:
    """torch StepLR: lr_t = lr·γ^⌊t / step_size⌋ (the first drop is at t = step_size)."""
    step_size = _positive_int("step_size", step_size)
    gamma = _positive("gamma", gamma)
    return _scaled("step", lr, lambda step: gamma ** (step // step_size))


def multistep(lr: Any, milestones: Iterable[int], gamma: float = 0.1) -> LRPolicy:
    """torch MultiStepLR: lr_t = lr·γ^(number of milestones <= t) (a repeated milestone counts
    twice, as in torch)."""
    marks = sorted(_positive_int("milestone", m) for m in milestones)
    gamma = _positive("gamma", gamma)
    return _scaled("multistep", lr, lambda step: gamma ** bisect.bisect_right(marks, step))


def exponential(lr: Any, gamma: float) -> LRPolicy:
    """torch ExponentialLR: lr_t = lr·γ^t."""
    gamma = _positive("gamma", gamma)
    return _scaled("exponential", lr, lambda step: gamma**step)


def inverse_time(
    lr: Any, decay_rate: float, decay_steps: int = 1, staircase: bool = False
) -> LRPolicy:
    """Keras InverseTimeDecay: lr_t = lr / (1 + decay_rate·p), p = t/decay_steps (⌊p⌋ with
    staircase). With decay_steps = 1 this is the classic 1/t schedule of stochastic approximation.
    """
    decay_rate = float(decay_rate)
    if not (math.isfinite(decay_rate) and decay_rate >= 0.0):
        raise ValueError(f"Invalid decay_rate value: {decay_rate} (must be >= 0)")
    decay_steps = _positive("decay_steps", decay_steps)

    def factor(step: int) -> float:
        progress = step / decay_steps
        return 1.0 / (1.0 + decay_rate * (math.floor(progress) if staircase else progress))

    return _scaled("inverse_time", lr, factor)


def cosine(lr: Any, T_max: int, eta_min: Any = 0.0) -> LRPolicy:
    """torch CosineAnnealingLR closed form: lr_t = η_min + (lr − η_min)·(1 + cos(πt/T_max))/2.

    lr at t = 0, η_min at t = T_max. Like torch's closed form the curve is periodic: past T_max
    it rises again (size T_max to the run length to avoid that).
    """
    base, low = _rate(lr), _rate(eta_min, "eta_min")
    T_max = _positive_int("T_max", T_max)
    return from_schedule("cosine", lambda step: _anneal_cos(base, low, step / T_max))


def _restart_position(step: int, T_0: int, T_mult: int) -> tuple[int, int]:
    """(T_cur, T_i) of SGDR at `step`: steps since the last restart and the current period.

    Integer arithmetic, identical to torch's incremental update (T_cur += 1; at T_i restart and
    T_i *= T_mult), so restarts land exactly on T_0, T_0 + T_0·T_mult, ...
    """
    if T_mult == 1:
        return step % T_0, T_0
    period, position = T_0, step
    while position >= period:
        position -= period
        period *= T_mult
    return position, period


def cosine_warm_restarts(lr: Any, T_0: int, T_mult: int = 1, eta_min: Any = 0.0) -> LRPolicy:
    """torch CosineAnnealingWarmRestarts (SGDR, Loshchilov & Hutter):

        lr_t = η_min + (lr − η_min)·(1 + cos(π·T_cur/T_i))/2

    T_cur counts steps since the last restart; the first period is T_0 steps and each next one
    T_mult times longer. At each restart the rate jumps back to lr.
    """
    base, low = _rate(lr), _rate(eta_min, "eta_min")
    T_0 = _positive_int("T_0", T_0)
    T_mult = _positive_int("T_mult", T_mult)

    def schedule(step: int) -> Rate:
        position, period = _restart_position(step, T_0, T_mult)
        return _anneal_cos(base, low, position / period)

    return from_schedule("cosine_restarts", schedule)


CYCLIC_MODES = ("triangular", "triangular2", "exp_range")


def cyclic(
    base_lr: Any,
    max_lr: Any,
    step_size_up: int,
    step_size_down: int | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
) -> LRPolicy:
    """torch CyclicLR (Smith 2017), without momentum cycling:

        cycle = ⌊1 + t/(up + down)⌋,  x = 1 + t/(up + down) − cycle
        s = x/r if x <= r else (x − 1)/(r − 1),   r = up/(up + down)
        lr_t = base_lr + (max_lr − base_lr)·s·scale

    scale = 1 (triangular), 1/2^(cycle−1) (triangular2: the peak halves every cycle) or γ^t
    (exp_range). base_lr at t = 0, max_lr at t = up, base_lr again at t = up + down.
    """
    low, high = _rate(base_lr, "base_lr"), _rate(max_lr, "max_lr")
    up = _positive_int("step_size_up", step_size_up)
    down = up if step_size_down is None else _positive_int("step_size_down", step_size_down)
    mode = _choice("mode", mode, CYCLIC_MODES)
    gamma = _positive("gamma", gamma)
    total, up_ratio = up + down, up / (up + down)

    def scale(cycle: int, step: int) -> float:
        if mode == "triangular2":
            return 1.0 / 2.0 ** (cycle - 1)
        if mode == "exp_range":
            return gamma**step
        return 1.0

    def schedule(step: int) -> Rate:
        cycle = math.floor(1 + step / total)
        x = 1.0 + step / total - cycle
        rise = x / up_ratio if x <= up_ratio else (x - 1.0) / (up_ratio - 1.0)
        return low + (high - low) * (rise * scale(cycle, step))

    return from_schedule("cyclic", schedule)


ANNEALS = ("cos", "linear")


def one_cycle(
    max_lr: Any,
    total_steps: int,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    anneal: str = "cos",
    three_phase: bool = False,
) -> LRPolicy:
    """torch OneCycleLR (Smith & Topin), without momentum cycling.

    initial = max_lr/div_factor, final = initial/final_div_factor. Two phases: initial → max_lr
    until step pct_start·total_steps − 1, then max_lr → final at step total_steps − 1. Three
    phases: up, back down to initial by step 2·pct_start·total_steps − 2, then initial → final.
    Each phase anneals with cos (start + (end − start)·(1 − cos(π·pct))/2) or linearly. torch
    raises past total_steps; here the final rate is held.
    """
    peak = _rate(max_lr, "max_lr")
    total_steps = _positive_int("total_steps", total_steps)
    pct_start = float(pct_start)
    if not (0.0 <= pct_start <= 1.0):
        raise ValueError(f"pct_start must be between 0 and 1, got {pct_start}")
    initial = peak / _positive("div_factor", div_factor)
    final = initial / _positive("final_div_factor", final_div_factor)
    blend = _anneal_cos if _choice("anneal", anneal, ANNEALS) == "cos" else _anneal_linear
    rise_end = pct_start * total_steps - 1.0
    phases = (  # (last step of the phase, rate at its start, rate at its end)
        [
            (rise_end, initial, peak),
            (2.0 * pct_start * total_steps - 2.0, peak, initial),
            (total_steps - 1.0, initial, final),
        ]
        if three_phase
        else [(rise_end, initial, peak), (total_steps - 1.0, peak, final)]
    )

    def schedule(step: int) -> Rate:
        phase_start = 0.0
        for i, (phase_end, start, end) in enumerate(phases):
            if step <= phase_end or i == len(phases) - 1:
                span = phase_end - phase_start
                progress = min((step - phase_start) / span, 1.0) if span > 0 else 1.0
                return blend(start, end, progress)
            phase_start = phase_end
        raise AssertionError("unreachable: the last phase always matches")

    return from_schedule("one_cycle", schedule)


# ----------------------------------------------------------------------------- combinators


def warmup(policy: LRPolicy, warmup_steps: int, start_factor: float = 1.0 / 3.0) -> LRPolicy:
    """Linear warmup in front of any policy (torch LinearLR, then the policy; like SequentialLR).

        t < W:   lr_t = inner_0·(start_factor + (1 − start_factor)·t/W)
        t >= W:  lr_t = inner_{t−W}

    The factor rises linearly from start_factor to 1 over W = warmup_steps steps, scaling the inner
    policy's step-0 rate; then the inner policy runs from its own step 0, so its shape (a cosine's
    T_max, a one-cycle's total_steps) is not cut short by the warmup. A loss-driven inner policy
    sees no losses during the warmup. warmup_steps = 0 returns `policy` itself.

    This is torch's SequentialLR([LinearLR(start_factor, total_iters=W), policy], [W]) when the
    policy's step-0 rate is the optimizer's lr (every policy the app builds; torch's warm-up
    scales the optimizer's lr even where a CyclicLR's base_lr differs from it).
    """
    warmup_steps = _nonnegative_int("warmup_steps", warmup_steps)
    start_factor = float(start_factor)
    if not (0.0 < start_factor <= 1.0):
        raise ValueError(f"start_factor must be in (0, 1], got {start_factor}")
    if warmup_steps == 0:
        return policy

    def lr_at(step: int, loss: Array, state: Any) -> tuple[Any, Any]:
        if step >= warmup_steps:
            return policy.lr_at(step - warmup_steps, loss, state)
        first_rate, _ = policy.lr_at(0, loss, state)  # peek: the inner state stays fresh
        return first_rate * (start_factor + (1.0 - start_factor) * step / warmup_steps), state

    return LRPolicy(f"warmup+{policy.name}", policy.init, lr_at)


class PlateauState(NamedTuple):
    lr: Array  # (B,) current rate per trajectory
    best: Array  # (B,) best loss seen so far
    num_bad_steps: Array  # (B,) steps since the last improvement (torch's num_bad_epochs)
    cooldown_left: Array  # (B,) steps of cooldown left (torch's cooldown_counter)


THRESHOLD_MODES = ("rel", "abs")


def reduce_on_plateau(
    lr: Any,
    factor: float = 0.1,
    patience: int = 10,
    threshold: float = 1e-4,
    threshold_mode: str = "rel",
    cooldown: int = 0,
    min_lr: Any = 0.0,
    eps: float = 1e-8,
) -> LRPolicy:
    """torch ReduceLROnPlateau, mode "min", run independently for every trajectory.

    The loop it reproduces is torch's standard one: update, then `scheduler.step(loss)` with the
    loss of the point the update reached. So step 0 returns lr and never looks at the start's
    loss; each step t >= 1 first feeds the loss at x_t (the point update t − 1 produced) to the
    scheduler, then returns the rate for update t:

        better = loss < best·(1 − threshold)   (rel)     or   loss < best − threshold   (abs)
        better: best = loss, bad = 0;  else bad += 1;  in cooldown: cooldown −= 1, bad = 0
        bad > patience: lr = max(lr·factor, min_lr) (only if it drops by more than eps),
                        cooldown = `cooldown`, bad = 0

    As in torch, a relative threshold on a negative best loss is a looser test (best·(1 − thr) is
    above best). A NaN loss never counts as better.
    """
    base, floor = _rate(lr), _rate(min_lr, "min_lr")
    factor = float(factor)
    if not (0.0 <= factor < 1.0):
        raise ValueError(f"Factor should be < 1.0 and >= 0, got {factor}")
    patience = _nonnegative_int("patience", patience)
    cooldown = _nonnegative_int("cooldown", cooldown)
    relative = _choice("threshold_mode", threshold_mode, THRESHOLD_MODES) == "rel"
    threshold = float(threshold)
    if not (0.0 <= threshold < (1.0 if relative else math.inf)):
        raise ValueError(f"Invalid threshold value: {threshold}")
    eps = float(eps)
    if not (math.isfinite(eps) and eps >= 0.0):
        raise ValueError(f"Invalid eps value: {eps}")

    def init(batch: int) -> PlateauState:
        if np.ndim(base) and len(base) != batch:
            raise ValueError(f"lr has {len(base)} rates for a batch of {batch}")
        return PlateauState(
            lr=np.broadcast_to(base, (batch,)).astype(np.float64),
            best=np.full(batch, np.inf),
            num_bad_steps=np.zeros(batch, dtype=np.int64),
            cooldown_left=np.zeros(batch, dtype=np.int64),
        )

    def lr_at(step: int, loss: Array, state: PlateauState) -> tuple[Array, PlateauState]:
        if step == 0:  # torch has seen no loss before the first update
            return state.lr, state
        loss = np.asarray(loss, dtype=np.float64)
        bar = state.best * (1.0 - threshold) if relative else state.best - threshold
        better = loss < bar
        best = np.where(better, loss, state.best)
        num_bad = np.where(better, 0, state.num_bad_steps + 1)
        cooling = state.cooldown_left > 0
        cooldown_left = state.cooldown_left - cooling
        num_bad[cooling] = 0
        triggered = num_bad > patience
        reduced = np.maximum(state.lr * factor, floor)
        new_lr = np.where(triggered & (state.lr - reduced > eps), reduced, state.lr)
        cooldown_left[triggered] = cooldown
        num_bad[triggered] = 0
        return new_lr, PlateauState(new_lr, best, num_bad, cooldown_left)

    return LRPolicy("plateau", init, lr_at)


# ----------------------------------------------------------------------------- registry
# Period-like parameters default to 0 = "derived from the run length", so every policy shows its
# shape within a 100–1000-step demo; nonzero values are torch's own parameters, in steps.
# Rates follow the chosen lr unless set (cyclic runs from lr to 5·lr, one-cycle peaks at lr), so a
# learning-rate sweep keeps working. Every policy also carries the warm-up's start factor
# (`WARMUP_START`, torch LinearLR's start_factor), used when the run has warm-up steps.


def _auto(value: int, total_steps: int, fraction: float) -> int:
    """`value`, or (when 0) `fraction` of the run, at least 1 step."""
    return value or max(1, round(total_steps * fraction))


def _steps(name: str, label: str, fraction: float) -> ParamSpec:
    return ParamSpec(
        name, label, 0, 0, 100_000, integer=True, help=f"in steps; 0 = {fraction:g} of the run"
    )


def _default_milestones(total_steps: int) -> list[int]:
    return [_auto(0, total_steps, 0.5), _auto(0, total_steps, 0.75)]


def _build_cyclic(
    lr: Any,
    total_steps: int,
    base_lr: float,
    max_lr: float,
    step_size_up: int,
    step_size_down: int,
    mode: str,
    gamma: float,
) -> LRPolicy:
    """CyclicLR with the app's defaults: base_lr 0 = the optimizer's lr, max_lr 0 = 5 × base."""
    low = base_lr or _rate(lr)
    up = _auto(step_size_up, total_steps, 0.125)
    return cyclic(low, max_lr or low * 5.0, up, step_size_down or up, mode=mode, gamma=gamma)


_GAMMA = ParamSpec("gamma", "Decay factor γ", 0.5, 0.01, 1.0)
_ETA_MIN = ParamSpec("eta_min", "Floor η_min", 0.0, 0.0, 1.0, help="the lowest rate")

WARMUP_START = ParamSpec(
    "warmup_start",
    "Warm-up starts at",
    1.0 / 3.0,
    0.001,
    1.0,
    help="torch LinearLR start_factor: the first rate is this fraction of the policy's",
)

POLICIES: dict[str, PolicySpec] = {
    spec.name: replace(spec, params=(*spec.params, WARMUP_START))
    for spec in (
        PolicySpec("constant", "Constant", (), lambda lr, total_steps: constant(lr)),
        PolicySpec(
            "step",
            "Step decay",
            (_steps("step_size", "Decay every", 0.25), _GAMMA),
            lambda lr, total_steps, step_size, gamma: step_lr(
                lr, _auto(step_size, total_steps, 0.25), gamma
            ),
        ),
        PolicySpec(
            "multistep",
            "Drops at milestones",
            (
                ListSpec(
                    "milestones",
                    "Drops at steps",
                    1,
                    100_000,
                    "at 1/2 and 3/4 of the run",
                    help="steps where the rate is multiplied by γ, e.g. 30, 60, 90; "
                    "empty = 1/2 and 3/4 of the run",
                ),
                replace(_GAMMA, default=0.1),
            ),
            lambda lr, total_steps, milestones, gamma: multistep(
                lr, milestones or _default_milestones(total_steps), gamma
            ),
        ),
        PolicySpec(
            "exponential",
            "Exponential decay",
            (replace(_GAMMA, default=0.99, low=0.5, help="lr·γ^t"),),
            lambda lr, total_steps, gamma: exponential(lr, gamma),
        ),
        PolicySpec(
            "inverse_time",
            "Inverse-time decay (1/t)",
            (
                ParamSpec("decay_rate", "Decay rate", 1.0, 0.0, 100.0, help="lr/(1 + rate·t/T)"),
                _steps("decay_steps", "Decay steps T", 0.1),
                flag("staircase", "Staircase", help="decay in whole steps of T"),
            ),
            lambda lr, total_steps, decay_rate, decay_steps, staircase: inverse_time(
                lr, decay_rate, _auto(decay_steps, total_steps, 0.1), staircase
            ),
        ),
        PolicySpec(
            "cosine",
            "Cosine annealing",
            (_steps("T_max", "Period T_max", 1.0), _ETA_MIN),
            lambda lr, total_steps, T_max, eta_min: cosine(
                lr, _auto(T_max, total_steps, 1.0), eta_min
            ),
        ),
        PolicySpec(
            "cosine_restarts",
            "Cosine with warm restarts (SGDR)",
            (
                _steps("T_0", "First period T_0", 0.25),
                ParamSpec("T_mult", "Period growth", 1, 1, 4, integer=True, help="T_i+1 = m·T_i"),
                _ETA_MIN,
            ),
            lambda lr, total_steps, T_0, T_mult, eta_min: cosine_warm_restarts(
                lr, _auto(T_0, total_steps, 0.25), T_mult, eta_min
            ),
        ),
        PolicySpec(
            "cyclic",
            "Cyclic (triangular)",
            (
                ParamSpec(
                    "base_lr",
                    "Lowest rate",
                    0.0,
                    0.0,
                    10.0,
                    log=True,
                    help="torch base_lr; 0 = the lr",
                ),
                ParamSpec(
                    "max_lr",
                    "Peak rate",
                    0.0,
                    0.0,
                    100.0,
                    log=True,
                    help="torch max_lr; 0 = 5 × lowest",
                ),
                _steps("step_size_up", "Rising half", 0.125),
                ParamSpec(
                    "step_size_down",
                    "Falling half",
                    0,
                    0,
                    100_000,
                    integer=True,
                    help="in steps; 0 = as long as the rise",
                ),
                choice("mode", "Mode", CYCLIC_MODES),
                replace(_GAMMA, default=0.99, low=0.5, help="exp_range: amplitude·γ^t"),
            ),
            _build_cyclic,
            choices={"mode": CYCLIC_MODES},
        ),
        PolicySpec(
            "one_cycle",
            "One cycle (peak = lr)",
            (
                ParamSpec("pct_start", "Rising part", 0.3, 0.0, 1.0),
                ParamSpec("div_factor", "lr / start", 25.0, 1.0, 1e4, log=True),
                ParamSpec("final_div_factor", "start / end", 1e4, 1.0, 1e6, log=True),
                choice("anneal", "Anneal", ANNEALS),
                flag("three_phase", "Three phases", help="come back down to the start rate first"),
            ),
            lambda lr, total_steps, **params: one_cycle(lr, total_steps, **params),
            choices={"anneal": ANNEALS},
        ),
        PolicySpec(
            "plateau",
            "Reduce on plateau",
            (
                replace(_GAMMA, name="factor", label="Factor", default=0.5, low=0.0, high=0.99),
                ParamSpec("patience", "Patience", 10, 0, 1000, integer=True),
                ParamSpec("threshold", "Threshold", 1e-4, 0.0, 0.5, help="needed improvement"),
                choice("threshold_mode", "Threshold is", THRESHOLD_MODES),
                ParamSpec("cooldown", "Cooldown", 0, 0, 1000, integer=True),
                ParamSpec("min_lr", "Minimum lr", 0.0, 0.0, 1.0),
                ParamSpec(
                    "eps", "Smallest change", 1e-8, 0.0, 1.0, help="a smaller cut is skipped"
                ),
            ),
            lambda lr, total_steps, **params: reduce_on_plateau(lr, **params),
            choices={"threshold_mode": THRESHOLD_MODES},
        ),
    )
}


def make_policy(
    name: str, lr: Any, total_steps: int, warmup_steps: int = 0, **params: Any
) -> LRPolicy:
    """Build policy `name` for a run of `total_steps`, after `warmup_steps` of linear warmup
    starting at `warmup_start`·(the policy's first rate).

    The inner policy is built for the steps left after the warmup (it starts at its own step 0
    then). Missing parameters take their defaults; bad names or values raise ValueError.
    """
    spec = lookup("policy", POLICIES, name)
    total_steps = _positive_int("total_steps", total_steps)
    warmup_steps = _nonnegative_int("warmup_steps", warmup_steps)
    if warmup_steps >= total_steps:
        raise ValueError(f"warmup_steps ({warmup_steps}) must be less than total_steps")
    values = resolve("policy", name, spec.params, params, spec.choices)
    start_factor = values.pop(WARMUP_START.name)
    return warmup(spec.build(lr, total_steps - warmup_steps, **values), warmup_steps, start_factor)
