"""The Surface record: a 2-D loss landscape as data, and `SurfaceLike`, the protocol the core
(simulate, diagnostics, stability, the lab) reads it through.

Coordinates live on the LAST axis, so one function serves a batch (B, 2), a mesh (H, W, 2)
and a history (T+1, B, 2):

    f(X)    : (..., 2) -> (...)
    grad(X) : (..., 2) -> (..., 2)
    hess(X) : (..., 2) -> (..., 2, 2)

All analytic (never finite differences), float64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

Array = np.ndarray
Box = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class Minimum:
    """A local minimum: where it is and the loss there."""

    point: tuple[float, float]
    value: float


@runtime_checkable
class SurfaceLike(Protocol):
    """What the core needs from a landscape; `Surface` below is the implementation every
    landscape of the app uses (built-ins, typed formulas, the regression model).

    f, grad, hess: the value (...,), gradient (..., 2) and Hessian (..., 2, 2) at (..., 2)
    points, analytic; f_and_grad(x) -> (f, ∇f), fused when `value_and_grad` is given (else None).
    domain: the plot box ((x0, x1), (y0, y1)); start: the default start point.
    minima: every known local minimum, the global one first (may be empty); global_min: the
    first (None without minima); f_min: its value (NaN without minima).
    saddles: known saddle points; cost: one (f, ∇f) per point relative to a typical built-in (1).
    """

    @property
    def name(self) -> str: ...
    @property
    def f(self) -> Callable[[Array], Array]: ...
    @property
    def grad(self) -> Callable[[Array], Array]: ...
    @property
    def hess(self) -> Callable[[Array], Array]: ...
    @property
    def value_and_grad(self) -> Callable[[Array], tuple[Array, Array]] | None: ...
    @property
    def domain(self) -> Box: ...
    @property
    def start(self) -> tuple[float, float]: ...
    @property
    def minima(self) -> tuple[Minimum, ...]: ...
    @property
    def saddles(self) -> tuple[tuple[float, float], ...]: ...
    @property
    def cost(self) -> float: ...
    @property
    def global_min(self) -> Minimum | None: ...
    @property
    def f_min(self) -> float: ...
    def f_and_grad(self, x: Array) -> tuple[Array, Array]: ...


@dataclass(frozen=True, eq=False)
class Surface:
    """A 2-D landscape: value, gradient and Hessian plus everything the UI needs to explain it.

    `minima` lists every known local minimum, the global one first (it may be empty only for a
    user formula with no minimum inside its domain: callers must handle that). `saddles` lists known
    saddle points (where gradient descent can stall). `value_and_grad`, if given, computes
    (f, grad) together sharing intermediate terms (the simulator's fast path). `cost` is what one
    (f, ∇f) per point costs relative to a typical built-in such as Himmelblau (1): shared servers
    scale the work one request may start by it.

    Teaching data (read by optimizers.suggest): `steps`, the run length a demo on it needs (1000 on
    Rosenbrock's long valley); `rate_fractions`, per optimizer name, the fraction of that
    optimizer's rate scale (GD: 2/λ_max on the way to the minimum; adaptive methods: the domain's
    span) to suggest where the default fraction makes a poor demo here; `tip`, one sentence about
    this landscape without numbers, and `tip_rates`, (optimizer name, fraction of its rate scale)
    pairs whose outcomes, measured when the tip is shown, follow it.
    """

    name: str
    title: str
    f: Callable[[Array], Array]
    grad: Callable[[Array], Array]
    hess: Callable[[Array], Array]
    domain: Box
    minima: tuple[Minimum, ...]
    start: tuple[float, float]
    formula: str
    lesson: str
    saddles: tuple[tuple[float, float], ...] = ()
    params: tuple[tuple[str, float], ...] = ()
    value_and_grad: Callable[[Array], tuple[Array, Array]] | None = None
    cost: float = 1.0
    steps: int = 200
    rate_fractions: tuple[tuple[str, float], ...] = ()
    tip: str = ""
    tip_rates: tuple[tuple[str, float], ...] = ()

    @property
    def global_min(self) -> Minimum | None:
        return self.minima[0] if self.minima else None

    @property
    def f_min(self) -> float:
        """Value of the global minimum (NaN when no minimum is known)."""
        return self.minima[0].value if self.minima else float("nan")

    def f_and_grad(self, x: Array) -> tuple[Array, Array]:
        """(f(x), ∇f(x)), using the fused implementation when the surface has one."""
        if self.value_and_grad is not None:
            return self.value_and_grad(x)
        return self.f(x), self.grad(x)
