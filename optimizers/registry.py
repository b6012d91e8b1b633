"""The records of the optimizer and learning-rate-policy registries (OptimizerSpec, PolicySpec)
and their two parameter shapes (`flag`, `choice`).

The parameter record and its checks (`ParamSpec`, `resolve`, `is_flag`, `lookup`) come from
surfaces.params, which the landscape registry uses too. The registries themselves sit next to
the code they describe: `OPTIMIZERS` / `make_optimizer` at the bottom of rules.py, `POLICIES` /
`make_policy` at the bottom of schedules.py.

Every parameter is a number (a `ParamSpec`), so the app's widgets and the URL round-trip treat
them all alike, except a list of whole numbers (a `ListSpec` of surfaces/params.py: multi-step's
milestones, written 30/60/90 in a link):
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

from surfaces.params import ParamSpec, is_flag, lookup, resolve

from .base import LRPolicy, Optimizer

__all__ = [
    "OptimizerSpec",
    "ParamSpec",
    "PolicySpec",
    "choice",
    "flag",
    "is_flag",
    "lookup",
    "resolve",
]


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
