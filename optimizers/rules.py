"""Update rules with exact `torch.optim` semantics, vectorized over a batch of points.

Every factory validates its hyperparameters (ValueError worded like torch's, e.g.
"Invalid momentum value: -1") and returns an `Optimizer(name, init, update, needs_hessian)`:

    state        = init(x)                          # x: (B, 2)
    delta, state = update(g, state, lr, x, hess=None)
    x_next       = x + delta

`lr` is a float or a (B,) array (one rate per trajectory). `update` never mutates its inputs:
every array it writes in place is one it has just allocated. States are small NamedTuples whose
field names follow torch's state dict (`momentum_buffer` is called `velocity`); `step` is a Python
int shared by the whole batch (torch's `step` counts updates done, so the first update has t = 1).

Conventions where textbooks differ (we follow PyTorch everywhere):
- heavy-ball momentum accumulates the raw gradient, `b = μb + g` (not the EMA `b = βb + (1−β)g`
  of Andrew Ng's course, which is `dampening = μ` here except at the first step), and the
  learning rate multiplies the buffer: `x -= lr·b`;
- Nesterov is the Sutskever et al. (2013) / torch form: step along `g + μb` evaluated at the
  current point, not at a look-ahead point;
- eps is added OUTSIDE the square root (`g / (√v + eps)`), not inside (`g / √(v + eps)`).

Speed: the simulator calls `update` once per step for B up to 10 000, and also with B = 1, so each
rule does a handful of large ufunc calls, folds all scalar factors (bias corrections, −lr) into a
single Python float before touching arrays and writes into arrays it just allocated. A diverging
run overflows with NumPy's usual warnings: callers wrap their loop in a local `np.errstate`.

The registry (`OPTIMIZERS`, `make_optimizer`) is at the bottom of this module.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np
from surfaces.params import ParamSpec

from .base import Array, Optimizer, lr_column
from .registry import OptimizerSpec, flag, lookup, resolve

# ----------------------------------------------------------------------------- validation


def _check_nonnegative(name: str, value: float) -> float:
    """`value` as a float if it is finite and >= 0, else torch's "Invalid <name> value" error."""
    v = float(value)
    if not (math.isfinite(v) and v >= 0.0):
        raise ValueError(f"Invalid {name} value: {value}")
    return v


def _check_unit_interval(name: str, value: float) -> float:
    """`value` as a float if 0 <= value < 1 (decay rates, betas), else ValueError."""
    v = float(value)
    if not (0.0 <= v < 1.0):
        raise ValueError(f"Invalid {name} value: {value}")
    return v


def _check_betas(beta1: float, beta2: float) -> tuple[float, float]:
    """Both betas in [0, 1), worded like torch ("Invalid beta parameter at index 0: 1.0")."""
    for index, beta in enumerate((beta1, beta2)):
        if not (0.0 <= float(beta) < 1.0):
            raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
    return float(beta1), float(beta2)


# ----------------------------------------------------------------------------- array helpers


_FULL_LR_MIN_BATCH = 256


def _scaled_lr(lr: Any, factor: float, like: Array) -> Any:
    """lr·factor as a float, or per trajectory as a full array shaped like `like` (B, 2).

    For large batches a contiguous (B, 2) operand multiplies several times faster than a
    broadcast (B, 1) column (whose inner loop has length 2), so the column is written out once
    per coordinate; small batches keep the cheaper-to-build column.
    """
    if isinstance(lr, float):
        return lr * factor
    column = lr_column(lr)
    if isinstance(column, float) or len(column) < _FULL_LR_MIN_BATCH:
        return column * factor
    column = column[:, 0] * factor
    out = np.empty(np.shape(like), dtype=np.float64)
    for j in range(out.shape[-1]):
        out[..., j] = column
    return out


def _with_weight_decay(g: Array, x: Array, weight_decay: float) -> Array:
    """L2 penalty folded into the gradient (torch's coupled weight decay): g + wd·x."""
    if weight_decay == 0.0:
        return g
    out = x * weight_decay
    out += g
    return out


def _lerp(avg: Array, value: Array, weight: float) -> Array:
    """avg + w·(value − avg) = (1 − w)·avg + w·value, as a new array (torch's lerp_).

    The moving averages of the adaptive rules, with w = 1 − β; written as a lerp it needs one
    allocation and no temporaries.
    """
    out = np.subtract(value, avg)
    out *= weight
    out += avg
    return out


def _lerp_square(avg: Array, g: Array, weight: float) -> Array:
    """avg + w·(g² − avg) = (1 − w)·avg + w·g², as a new array (the second-moment average)."""
    out = np.multiply(g, g)
    out -= avg
    out *= weight
    out += avg
    return out


def _over_root(num: Array, v: Array, eps: float, scale: Any = None) -> Array:
    """scale·num/(√v + eps), as a new array: the adaptive step (scale from `_scaled_lr`)."""
    out = np.sqrt(v)
    out += eps
    np.divide(num, out, out=out)
    if scale is not None:
        out *= scale
    return out


# ----------------------------------------------------------------------------- SGD family


class SGDState(NamedTuple):
    step: int


class MomentumState(NamedTuple):
    velocity: Array  # torch's momentum_buffer
    step: int


def sgd(
    momentum: float | Array = 0.0,
    dampening: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
) -> Optimizer:
    """torch.optim.SGD.

        g ← g + wd·x
        if μ ≠ 0:   b ← g at the first step (torch clones the gradient, no dampening),
                    afterwards b ← μb + (1 − τ)g
                    g ← g + μb  (nesterov)   or   g ← b
        x ← x − lr·g

    Heavy ball accumulates raw gradients (no (1 − μ) factor unless dampening τ = μ), so on a
    constant gradient the step grows to lr·g/(1 − μ). Nesterov here is the Sutskever form used by
    torch (gradient at the current point, not at a look-ahead point); it needs μ > 0 and τ = 0.

    `momentum` may also be a (B,) array, one μ per trajectory (broadcast like a (B,) lr), so an
    lr × μ grid is one batch; row i then equals the run with the scalar μ_i (a row with μ_i = 0
    is plain GD, whose torch form ignores dampening). The batch must have B rows.
    """
    mu = np.asarray(momentum, dtype=np.float64)
    per_row = mu.ndim == 1
    if mu.ndim > 1 or (per_row and len(mu) == 0):
        raise ValueError(f"momentum must be a number or a 1-D array, got shape {mu.shape}")
    bad = mu[~(np.isfinite(mu) & (mu >= 0.0))] if per_row else None
    if per_row and len(bad):
        raise ValueError(f"Invalid momentum value: {bad[0]:g}")
    momentum = mu.reshape(-1, 1) if per_row else _check_nonnegative("momentum", momentum)
    dampening = float(dampening)
    if not (0.0 <= dampening <= 1.0):
        raise ValueError(f"Invalid dampening value: {dampening}")
    weight_decay = _check_nonnegative("weight_decay", weight_decay)
    nesterov = bool(nesterov)
    if nesterov and (np.any(mu <= 0.0) or dampening != 0.0):
        raise ValueError("Nesterov momentum requires a momentum and zero dampening")
    name = "nesterov" if nesterov else ("momentum" if np.any(mu) else "gd")

    if not np.any(mu):

        def init_plain(x: Array) -> SGDState:
            _check_rows(momentum, x)
            return SGDState(step=0)

        def update_plain(
            g: Array, state: SGDState, lr: Any, x: Array, hess: Array | None = None
        ) -> tuple[Array, SGDState]:
            g = _with_weight_decay(g, x, weight_decay)
            return g * _scaled_lr(lr, -1.0, g), SGDState(state.step + 1)

        return Optimizer(name, init_plain, update_plain)

    # (1 − τ) multiplies g after the first step; a per-row μ = 0 is GD, which ignores τ
    keep = 1.0 - dampening
    if per_row and dampening != 0.0:
        keep = np.where(momentum > 0.0, keep, 1.0)

    def init(x: Array) -> MomentumState:
        _check_rows(momentum, x)
        return MomentumState(velocity=np.zeros_like(x, dtype=np.float64), step=0)

    def update(
        g: Array, state: MomentumState, lr: Any, x: Array, hess: Array | None = None
    ) -> tuple[Array, MomentumState]:
        g = _with_weight_decay(g, x, weight_decay)
        if state.step == 0:
            velocity = np.array(g, dtype=np.float64)  # torch: buffer = clone(g), undamped
        else:
            velocity = state.velocity * momentum
            velocity += g if dampening == 0.0 else g * keep
        neg_lr = _scaled_lr(lr, -1.0, g)
        if nesterov:
            delta = velocity * momentum
            delta += g
            delta *= neg_lr
        else:
            delta = velocity * neg_lr
        return delta, MomentumState(velocity, state.step + 1)

    return Optimizer(name, init, update)


def _check_rows(per_row: Any, x: Array) -> None:
    """A per-trajectory hyperparameter column (B, 1) must match the batch of x (B, 2)."""
    if isinstance(per_row, np.ndarray) and len(per_row) != len(np.atleast_2d(x)):
        raise ValueError(f"one momentum per trajectory: got {len(per_row)} for {len(x)} starts")


def gd() -> Optimizer:
    """Plain gradient descent: x ← x − lr·g (torch.optim.SGD with defaults)."""
    return sgd()


def momentum(momentum: float = 0.9, dampening: float = 0.0) -> Optimizer:
    """Heavy ball (torch SGD): b ← μb + (1 − τ)g, b = g at the first step; x ← x − lr·b.

    μ = 0 is plain gradient descent (and is named "gd").
    """
    return sgd(momentum=momentum, dampening=dampening)


def nesterov(momentum: float = 0.9) -> Optimizer:
    """Nesterov momentum, torch/Sutskever form: b ← μb + g; x ← x − lr·(g + μb)."""
    return sgd(momentum=momentum, nesterov=True)


# ----------------------------------------------------------------------------- Adagrad


class AdagradState(NamedTuple):
    sum_sq: Array  # torch's state_sum
    step: int


def adagrad(
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0,
    eps: float = 1e-10,
) -> Optimizer:
    """torch.optim.Adagrad.

        g ← g + wd·x;   clr = lr / (1 + (t − 1)·lr_decay)   (t = 1 at the first update)
        sum ← sum + g²;  x ← x − clr·g / (√sum + eps)

    eps (default 1e-10) is outside the square root; the accumulator starts at
    `initial_accumulator_value`, so with the default 0 the first step moves every coordinate by
    exactly lr (times sign g): Adagrad normalizes away the gradient's scale.
    """
    lr_decay = _check_nonnegative("lr_decay", lr_decay)
    weight_decay = _check_nonnegative("weight_decay", weight_decay)
    initial = _check_nonnegative("initial_accumulator_value", initial_accumulator_value)
    eps = _check_nonnegative("epsilon", eps)

    def init(x: Array) -> AdagradState:
        return AdagradState(sum_sq=np.full(np.shape(x), initial, dtype=np.float64), step=0)

    def update(
        g: Array, state: AdagradState, lr: Any, x: Array, hess: Array | None = None
    ) -> tuple[Array, AdagradState]:
        g = _with_weight_decay(g, x, weight_decay)
        step = state.step + 1
        sum_sq = np.multiply(g, g)
        sum_sq += state.sum_sq
        clr = _scaled_lr(lr, -1.0 / (1.0 + (step - 1) * lr_decay), g)
        delta = _over_root(g, sum_sq, eps, clr)
        return delta, AdagradState(sum_sq, step)

    return Optimizer("adagrad", init, update)


# ----------------------------------------------------------------------------- RMSprop


class RMSpropState(NamedTuple):
    square_avg: Array
    grad_avg: Array | None  # centered only
    velocity: Array | None  # momentum > 0 only (torch's momentum_buffer)
    step: int


def rmsprop(
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
) -> Optimizer:
    """torch.optim.RMSprop.

        g ← g + wd·x;  v ← αv + (1 − α)g²
        centered:  ḡ ← αḡ + (1 − α)g;  ṽ = v − ḡ²   (else ṽ = v)
        d = √ṽ + eps
        momentum μ > 0:  b ← μb + g/d;  x ← x − lr·b      else  x ← x − lr·g/d

    No bias correction (unlike Adam): v starts at 0, so the first steps are about
    lr/√(1 − α) = 10·lr per coordinate with α = 0.99. eps is outside the square root (Hinton's
    lecture and Keras put it inside). Centered: ṽ is clamped at 0 against round-off (where torch
    would produce NaN).
    """
    alpha = _check_unit_interval("alpha", alpha)
    eps = _check_nonnegative("epsilon", eps)
    weight_decay = _check_nonnegative("weight_decay", weight_decay)
    momentum = _check_nonnegative("momentum", momentum)
    centered = bool(centered)

    def init(x: Array) -> RMSpropState:
        def zeros() -> Array:
            return np.zeros_like(x, dtype=np.float64)

        return RMSpropState(
            square_avg=zeros(),
            grad_avg=zeros() if centered else None,
            velocity=zeros() if momentum > 0.0 else None,
            step=0,
        )

    def update(
        g: Array, state: RMSpropState, lr: Any, x: Array, hess: Array | None = None
    ) -> tuple[Array, RMSpropState]:
        g = _with_weight_decay(g, x, weight_decay)
        square_avg = _lerp_square(state.square_avg, g, 1.0 - alpha)
        grad_avg, variance = None, square_avg
        if centered:
            grad_avg = _lerp(state.grad_avg, g, 1.0 - alpha)
            variance = np.multiply(grad_avg, grad_avg)
            np.subtract(square_avg, variance, out=variance)
            np.maximum(variance, 0.0, out=variance)
        velocity = None
        if momentum > 0.0:
            velocity = state.velocity * momentum
            velocity += _over_root(g, variance, eps)
            delta = velocity * _scaled_lr(lr, -1.0, g)
        else:
            delta = _over_root(g, variance, eps, _scaled_lr(lr, -1.0, g))
        return delta, RMSpropState(square_avg, grad_avg, velocity, state.step + 1)

    return Optimizer("rmsprop", init, update)


# ----------------------------------------------------------------------------- Adam family


class AdamState(NamedTuple):
    exp_avg: Array
    exp_avg_sq: Array
    step: int


class AMSGradState(NamedTuple):
    exp_avg: Array
    exp_avg_sq: Array
    max_exp_avg_sq: Array
    step: int


def _adam(
    name: str,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    decoupled: bool,
) -> Optimizer:
    """Adam / AdamW: one implementation, the weight decay either in g (L2) or on x (decoupled)."""
    beta1, beta2 = _check_betas(beta1, beta2)
    eps = _check_nonnegative("epsilon", eps)
    weight_decay = _check_nonnegative("weight_decay", weight_decay)
    amsgrad = bool(amsgrad)
    l2_decay = 0.0 if decoupled else weight_decay

    def init(x: Array) -> AdamState | AMSGradState:
        zeros = np.zeros_like(x, dtype=np.float64)
        if amsgrad:
            return AMSGradState(zeros, zeros.copy(), zeros.copy(), 0)
        return AdamState(zeros, zeros.copy(), 0)

    def update(
        g: Array, state: Any, lr: Any, x: Array, hess: Array | None = None
    ) -> tuple[Array, Any]:
        step = state.step + 1
        g = _with_weight_decay(g, x, l2_decay)
        exp_avg = _lerp(state.exp_avg, g, 1.0 - beta1)
        exp_avg_sq = _lerp_square(state.exp_avg_sq, g, 1.0 - beta2)
        if amsgrad:
            max_sq = np.maximum(state.max_exp_avg_sq, exp_avg_sq)
            new_state = AMSGradState(exp_avg, exp_avg_sq, max_sq, step)
        else:
            max_sq = exp_avg_sq
            new_state = AdamState(exp_avg, exp_avg_sq, step)
        # m̂/(√v̂ + eps) = (√bc2/bc1)·m/(√v + eps·√bc2): two scalars, no array-sized correction.
        sqrt_bc2 = math.sqrt(1.0 - beta2**step)
        scale = _scaled_lr(lr, -sqrt_bc2 / (1.0 - beta1**step), g)
        delta = _over_root(exp_avg, max_sq, eps * sqrt_bc2, scale)
        if decoupled and weight_decay:
            delta -= x * _scaled_lr(lr, weight_decay, g)
        return delta, new_state

    return Optimizer(name, init, update)


def adam(
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
) -> Optimizer:
    """torch.optim.Adam (weight decay = L2 added to the gradient).

        g ← g + wd·x;  m ← β1m + (1 − β1)g;  v ← β2v + (1 − β2)g²
        amsgrad: v_max ← max(v_max, v) replaces v below
        x ← x − lr/(1 − β1ᵗ) · m / (√v/√(1 − β2ᵗ) + eps)

    eps is added to the bias-corrected √v̂, outside the root (as in Kingma & Ba and torch; TF1
    added eps to the uncorrected √v). Bias correction makes the first step lr·sign(g) per
    coordinate, whatever the gradient's scale.
    """
    return _adam("adam", beta1, beta2, eps, weight_decay, amsgrad, decoupled=False)


def adamw(
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 1e-2,
    amsgrad: bool = False,
) -> Optimizer:
    """torch.optim.AdamW: decoupled weight decay (Loshchilov & Hutter).

        x ← x·(1 − lr·wd), then the Adam step with the raw gradient
        delta = −lr·wd·x − lr/(1 − β1ᵗ) · m / (√v/√(1 − β2ᵗ) + eps)

    Unlike Adam's L2, the decay is not rescaled by the adaptive denominator: every coordinate is
    pulled toward 0 at the same relative rate lr·wd.
    """
    return _adam("adamw", beta1, beta2, eps, weight_decay, amsgrad, decoupled=True)


class NAdamState(NamedTuple):
    exp_avg: Array
    exp_avg_sq: Array
    mu_product: float
    step: int


def nadam(
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum_decay: float = 4e-3,
) -> Optimizer:
    """torch.optim.NAdam (Dozat's Nesterov-accelerated Adam with torch's μ schedule).

        μ_t = β1·(1 − ½·0.96^(t·ψ)),  μ_{t+1} likewise,  Π ← Π·μ_t   (ψ = momentum_decay)
        g ← g + wd·x;  m ← β1m + (1 − β1)g;  v ← β2v + (1 − β2)g²;  d = √(v/(1 − β2ᵗ)) + eps
        x ← x − lr·(1 − μ_t)/(1 − Π)·g/d − lr·μ_{t+1}/(1 − Π·μ_{t+1})·m/d

    The gradient term is the Nesterov look-ahead; the μ warm-up (μ_t rises from ≈ β1/2 toward β1)
    is torch/Dozat's, not the constant-β1 NAdam found in Keras 2.
    """
    beta1, beta2 = _check_betas(beta1, beta2)
    eps = _check_nonnegative("epsilon", eps)
    weight_decay = _check_nonnegative("weight_decay", weight_decay)
    momentum_decay = _check_nonnegative("momentum_decay", momentum_decay)

    def mu(t: int) -> float:
        return beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))

    def init(x: Array) -> NAdamState:
        zeros = np.zeros_like(x, dtype=np.float64)
        return NAdamState(zeros, zeros.copy(), 1.0, 0)

    def update(
        g: Array, state: NAdamState, lr: Any, x: Array, hess: Array | None = None
    ) -> tuple[Array, NAdamState]:
        step = state.step + 1
        g = _with_weight_decay(g, x, weight_decay)
        mu_now, mu_next = mu(step), mu(step + 1)
        mu_product = state.mu_product * mu_now
        exp_avg = _lerp(state.exp_avg, g, 1.0 - beta1)
        exp_avg_sq = _lerp_square(state.exp_avg_sq, g, 1.0 - beta2)
        # √(v/bc2) + eps = (√v + eps·√bc2)/√bc2: fold 1/√bc2 into the two scalar coefficients.
        sqrt_bc2 = math.sqrt(1.0 - beta2**step)
        grad_coef = sqrt_bc2 * (1.0 - mu_now) / (1.0 - mu_product)
        avg_coef = sqrt_bc2 * mu_next / (1.0 - mu_product * mu_next)
        numerator = g * grad_coef
        numerator += exp_avg * avg_coef
        delta = _over_root(numerator, exp_avg_sq, eps * sqrt_bc2, _scaled_lr(lr, -1.0, g))
        return delta, NAdamState(exp_avg, exp_avg_sq, mu_product, step)

    return Optimizer("nadam", init, update)


# ----------------------------------------------------------------------------- damped Newton


class NewtonState(NamedTuple):
    shift: Array  # (B,) the δ added to the Hessian's diagonal at the last step
    step: int


def newton(damping: float = 1e-3) -> Optimizer:
    """Damped Newton: what curvature buys you (needs the Hessian; not in torch.optim).

        delta = −lr·(H + δI)⁻¹·g,   δ = damping + max(0, −2·λ_min(H))   per point

    On a convex quadratic with lr = 1 (and damping → 0) this is the pure Newton step and lands on
    the minimum in one step, however ill-conditioned. Where H is indefinite (a saddle, a ridge)
    the shift makes H + δI positive definite and mirrors the most negative curvature λ_min to
    |λ_min| + damping, so the step goes downhill along that direction at a sensible size (the
    minimal shift δ = damping − λ_min would divide that gradient component by `damping` and jump
    off the map). The 2×2 system is solved in closed form for the whole batch; H is assumed
    symmetric (analytic Hessians are). The shift per point is kept in the state.
    """
    damping = float(damping)
    if not (math.isfinite(damping) and damping > 0.0):
        raise ValueError(f"Invalid damping value: {damping} (must be > 0)")

    def init(x: Array) -> NewtonState:
        return NewtonState(shift=np.zeros(np.shape(x)[:-1], dtype=np.float64), step=0)

    def update(
        g: Array, state: NewtonState, lr: Any, x: Array, hess: Array | None = None
    ) -> tuple[Array, NewtonState]:
        if hess is None:
            raise ValueError("newton needs the Hessian: call update(g, state, lr, x, hess)")
        h11, h12, h22 = hess[..., 0, 0], hess[..., 0, 1], hess[..., 1, 1]
        half_trace = 0.5 * (h11 + h22)
        radius = np.hypot(0.5 * (h11 - h22), h12)
        lambda_min = half_trace - radius
        shift = damping + 2.0 * np.maximum(-lambda_min, 0.0)
        a, c = h11 + shift, h22 + shift
        det = a * c - h12 * h12
        scale = -np.asarray(lr, dtype=np.float64) / det  # −lr/det, per point
        g1, g2 = g[..., 0], g[..., 1]
        delta = np.stack([(c * g1 - h12 * g2) * scale, (a * g2 - h12 * g1) * scale], axis=-1)
        return delta, NewtonState(shift, state.step + 1)

    return Optimizer("newton", init, update, needs_hessian=True)


# ----------------------------------------------------------------------------- registry
# Default learning rates for a 2-D demo whose domain is a few units wide: plain GD 0.1 (stable on
# curvature up to 20); heavy ball / Nesterov 0.05 (μ = 0.9 multiplies the effective rate by
# 1/(1 − μ) = 10); Adagrad 0.5 (its first step moves each coordinate by lr, then shrinks like
# 1/√t); RMSprop 0.01 (without bias correction its first steps are lr/√(1 − α) = 10·lr); the Adam
# family 0.1 (steps of about lr per coordinate); Newton 1 (the pure Newton step).

_WEIGHT_DECAY = ParamSpec(
    "weight_decay", "Weight decay", 0.0, 0.0, 1.0, help="L2 pull toward the origin: g + wd·x"
)
_MOMENTUM = ParamSpec("momentum", "Momentum μ", 0.9, 0.0, 0.99, help="b ← μb + g")
_BETA1 = ParamSpec("beta1", "β1 (gradient average)", 0.9, 0.0, 0.99)
_BETA2 = ParamSpec("beta2", "β2 (squared-gradient average)", 0.999, 0.9, 0.9999)
_ADAM_EPS = ParamSpec("eps", "ε", 1e-8, 1e-12, 1.0, log=True, help="added outside the √")
_AMSGRAD = flag("amsgrad", "AMSGrad", help="divide by the largest second moment seen so far")
_ADAM_PARAMS = (_BETA1, _BETA2, _ADAM_EPS, _WEIGHT_DECAY, _AMSGRAD)

OPTIMIZERS: dict[str, OptimizerSpec] = {
    spec.name: spec
    for spec in (
        OptimizerSpec("gd", "Gradient descent", (_WEIGHT_DECAY,), sgd, 0.1),
        OptimizerSpec(
            "momentum",
            "Momentum (heavy ball)",
            (
                _MOMENTUM,
                ParamSpec("dampening", "Dampening τ", 0.0, 0.0, 1.0, help="b ← μb + (1 − τ)g"),
                _WEIGHT_DECAY,
            ),
            sgd,
            0.05,
        ),
        OptimizerSpec(
            "nesterov",
            "Nesterov momentum",
            (replace(_MOMENTUM, low=0.01, help="b ← μb + g; step along g + μb"), _WEIGHT_DECAY),
            lambda **hyper: sgd(nesterov=True, **hyper),
            0.05,
        ),
        OptimizerSpec(
            "adagrad",
            "Adagrad",
            (
                ParamSpec("lr_decay", "lr decay", 0.0, 0.0, 1.0, help="lr/(1 + (t − 1)·decay)"),
                ParamSpec("initial_accumulator_value", "Initial accumulator", 0.0, 0.0, 10.0),
                replace(_ADAM_EPS, default=1e-10),
                _WEIGHT_DECAY,
            ),
            adagrad,
            0.5,
        ),
        OptimizerSpec(
            "rmsprop",
            "RMSprop",
            (
                ParamSpec("alpha", "α (squared-gradient average)", 0.99, 0.5, 0.9999),
                _ADAM_EPS,
                replace(_MOMENTUM, default=0.0),
                flag("centered", "Centered", help="divide by the gradient's variance instead"),
                _WEIGHT_DECAY,
            ),
            rmsprop,
            0.01,
        ),
        OptimizerSpec("adam", "Adam", _ADAM_PARAMS, adam, 0.1),
        OptimizerSpec(
            "adamw",
            "AdamW (decoupled weight decay)",
            tuple(
                replace(p, default=1e-2, help="x ← x·(1 − lr·wd) before the Adam step")
                if p is _WEIGHT_DECAY
                else p
                for p in _ADAM_PARAMS
            ),
            adamw,
            0.1,
        ),
        OptimizerSpec(
            "nadam",
            "NAdam",
            (
                _BETA1,
                _BETA2,
                _ADAM_EPS,
                _WEIGHT_DECAY,
                ParamSpec("momentum_decay", "Momentum decay ψ", 4e-3, 0.0, 0.1),
            ),
            nadam,
            0.1,
        ),
        OptimizerSpec(
            "newton",
            "Damped Newton (uses curvature)",
            (ParamSpec("damping", "Damping δ", 1e-3, 1e-8, 10.0, log=True, help="H + δI"),),
            newton,
            1.0,
        ),
    )
}


def make_optimizer(name: str, **hyper: float) -> Optimizer:
    """Build optimizer `name`; missing hyperparameters take their defaults, bad ones ValueError."""
    spec = lookup("optimizer", OPTIMIZERS, name)
    return spec.build(**resolve("optimizer", name, spec.params, hyper, spec.choices))
