"""Numeric parameters and name registries, shared by every registry of the code base: the
landscapes (surfaces.registry), the optimizers and the learning-rate policies (optimizers.registry).

    ParamSpec(name, label, default, low, high, log=False, integer=False, help="")
    resolve(kind, name, specs, given, choices) -> {name: value}   # defaults filled in, checked
    is_flag(spec)                                                 # a whole number in [0, 1]
    lookup(kind, registry, name) -> registry[name]                # else ValueError listing names

It lives in surfaces/, the lowest package of the core, so both registries can use it while the
dependency direction stays app → optimizers → surfaces → numpy (it imports only numpy).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


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
