"""The Surface record: a 2-D loss landscape as data.

Coordinates live on the LAST axis, so one function serves a batch (B, 2), a mesh (H, W, 2)
and a history (T+1, B, 2):

    f(X)    : (..., 2) -> (...)
    grad(X) : (..., 2) -> (..., 2)
    hess(X) : (..., 2) -> (..., 2, 2)

All analytic (never finite differences), float64.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Array = np.ndarray
Box = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class Minimum:
    """A local minimum: where it is and the loss there."""

    point: tuple[float, float]
    value: float


@dataclass(frozen=True)
class ParamSpec:
    """One numeric parameter of a surface or optimizer factory, with its valid range."""

    name: str
    label: str
    default: float
    low: float
    high: float
    log: bool = False
    integer: bool = False
    help: str = ""

    def check(self, value: float) -> float:
        """`value` as a float if in [low, high] (and whole if required), else ValueError."""
        v = float(value)
        if not np.isfinite(v) or not (self.low <= v <= self.high):
            raise ValueError(
                f"{self.label} must be between {self.low:g} and {self.high:g}, got {value!r}"
            )
        if self.integer and v != int(v):
            raise ValueError(f"{self.label} must be a whole number, got {value!r}")
        return v


def is_flag(spec: ParamSpec) -> bool:
    """True for an on/off parameter (a whole number in [0, 1])."""
    return spec.integer and spec.low == 0 and spec.high == 1


def resolve(
    kind: str,
    name: str,
    specs: Sequence[ParamSpec],
    given: Mapping[str, Any],
    choices: Mapping[str, tuple[str, ...]],
) -> dict[str, Any]:
    """Every parameter of `specs`, defaults filled in, checked, in the type its factory expects.

    Unknown names or out-of-range values raise ValueError (via ParamSpec.check).
    """
    known = {p.name for p in specs}
    unknown = sorted(set(given) - known)
    if unknown:
        raise ValueError(f"{kind} {name!r} has no parameter {unknown[0]!r}")
    values: dict[str, Any] = {}
    for p in specs:
        value = p.check(given.get(p.name, p.default))
        if p.name in choices:
            values[p.name] = choices[p.name][int(value)]
        elif is_flag(p):
            values[p.name] = bool(value)
        elif p.integer:
            values[p.name] = int(value)
        else:
            values[p.name] = value
    return values


def lookup(kind: str, registry: Mapping[str, Any], name: str) -> Any:
    """registry[name], or a ValueError that lists the valid names."""
    if name not in registry:
        raise ValueError(f"unknown {kind} {name!r}; choose one of {', '.join(registry)}")
    return registry[name]


@dataclass(frozen=True, eq=False)
class Surface:
    """A 2-D landscape: value, gradient and Hessian plus everything the UI needs to explain it.

    `minima` lists every known local minimum, the global one first (it may be empty only for a
    user formula with no minimum inside its domain: callers must handle that). `saddles` lists known
    saddle points (where gradient descent can stall). `value_and_grad`, if given, computes
    (f, grad) together sharing intermediate terms (the simulator's fast path). `cost` is what one
    (f, ∇f) per point costs relative to a typical built-in such as Himmelblau (1): shared servers
    scale the work one request may start by it.
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
