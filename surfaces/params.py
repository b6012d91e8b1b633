"""Numeric parameters and name registries, shared by every registry of the code base: the
landscapes (surfaces.registry), the optimizers and the learning-rate policies (optimizers.registry).

    ParamSpec(name, label, default, low, high, log=False, integer=False, help="")
    ListSpec(name, label, low, high, default_text)                # a list of whole numbers
    resolve(kind, name, specs, given, choices) -> {name: value}   # defaults filled in, checked
    is_flag(spec)                                                 # a whole number in [0, 1]
    lookup(kind, registry, name) -> registry[name]                # else ValueError listing names

It lives in surfaces/, the lowest package of the core, so both registries can use it while the
dependency direction stays app → optimizers → surfaces → numpy (it imports only numpy).
"""

from __future__ import annotations

import math
import re
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


@dataclass(frozen=True)
class ListSpec:
    """A parameter that is a list of whole numbers in [low, high] (MultiStepLR's milestones).

    Its value is a sorted tuple of ints; `default` () means "derived from the run" (said by
    `default_text`). As text the items are separated by '/' (a link: `milestones=30/60/90`) or by
    commas or spaces (the sidebar). `check` accepts a sequence of numbers or such a text, and
    raises ValueError naming the bad item. (`integer` and `log` are False so the registries'
    number handling passes the tuple through untouched.)
    """

    name: str
    label: str
    low: int
    high: int
    default_text: str
    max_items: int = 20
    help: str = ""
    default: tuple[int, ...] = ()
    integer: bool = False
    log: bool = False

    def check(self, value: Any) -> tuple[int, ...]:
        if isinstance(value, str):
            items: list[Any] = [v for v in re.split(r"[\s,/]+", value.strip()) if v]
        else:
            items = list(value)
        if len(items) > self.max_items:
            raise ValueError(f"{self.label}: at most {self.max_items} numbers, got {len(items)}")
        out = []
        for item in items:
            try:
                number = float(item)
            except (TypeError, ValueError):
                number = math.nan
            if isinstance(item, bool) or not (
                math.isfinite(number) and number.is_integer() and self.low <= number <= self.high
            ):
                raise ValueError(
                    f"{self.label} must be whole numbers from {self.low} to {self.high} "
                    f"separated by '/', got {str(item)[:20]!r}"
                )
            out.append(int(number))
        return tuple(sorted(out))

    def text(self, value: Sequence[int], sep: str = "/") -> str:
        """`value` as text that `check` reads back."""
        return sep.join(str(int(v)) for v in value)


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
