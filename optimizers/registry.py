"""Records and parameter handling shared by the optimizer and learning-rate-policy registries.

The registries themselves sit next to the code they describe: `OPTIMIZERS` / `make_optimizer`
at the bottom of rules.py, `POLICIES` / `make_policy` at the bottom of schedules.py.

Every parameter is a number (a `ParamSpec`), so the app's widgets and the URL round-trip treat
them all alike:
- a flag (nesterov, centered, amsgrad, staircase, three_phase) is a whole number in [0, 1]
  (`is_flag`), handed to the factory as a bool;
- a choice between named modes (cyclic mode, one-cycle anneal, plateau threshold mode) is the
  index of the option; the spec's `choices` maps the parameter to its option names, and the
  factory receives the name;
- other whole-number parameters reach the factory as ints, the rest as floats.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from surfaces.base import ParamSpec

from .base import LRPolicy, Optimizer


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer the app offers: `build(**params) -> Optimizer`; default_lr suits a 2-D demo."""

    name: str
    label: str
    params: tuple[ParamSpec, ...]
    build: Callable[..., Optimizer]
    default_lr: float
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class PolicySpec:
    """A learning-rate policy the app offers: `build(lr, total_steps, **params) -> LRPolicy`."""

    name: str
    label: str
    params: tuple[ParamSpec, ...]
    build: Callable[..., LRPolicy]
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def flag(name: str, label: str, help: str = "") -> ParamSpec:
    """An on/off parameter: 0 or 1, off by default."""
    return ParamSpec(name, label, 0, 0, 1, integer=True, help=help)


def choice(name: str, label: str, options: Sequence[str], help: str = "") -> ParamSpec:
    """A pick among named options, stored as the option's index (the first is the default)."""
    listed = ", ".join(f"{i} = {option}" for i, option in enumerate(options))
    return ParamSpec(name, label, 0, 0, len(options) - 1, integer=True, help=f"{help} ({listed})")


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
