"""The registry of built-in landscapes: name -> how to build it and which parameters it takes.

Contract used by the rest of the code base (app, simulator, lab):

    SURFACES: dict[str, SurfaceSpec]        # display order
    make_surface(name, **params) -> Surface # unknown name or out-of-range param -> ValueError

Built-in names (filled in by surfaces/builtin.py): "bowl", "ravine" (params lam_min, kappa,
angle; defaults give d2l's 0.1x² + 2y²), "rosenbrock" (a, b), "himmelblau", "wells"
(multi-minima Gaussian wells: small lr trapped in a shallow well, momentum / larger lr escapes),
"rastrigin", "beale", "six_hump_camel", "saddle", "plateau".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .base import ParamSpec, Surface


@dataclass(frozen=True)
class SurfaceSpec:
    name: str
    title: str
    params: tuple[ParamSpec, ...]
    build: Callable[..., Surface]


SURFACES: dict[str, SurfaceSpec] = {}


def register(spec: SurfaceSpec) -> SurfaceSpec:
    SURFACES[spec.name] = spec
    return spec


def make_surface(name: str, **params: float) -> Surface:
    """Build surface `name`; missing params take their defaults, bad ones raise ValueError."""
    if name not in SURFACES:
        raise ValueError(f"unknown surface {name!r}; choose one of {', '.join(SURFACES)}")
    spec = SURFACES[name]
    known = {p.name: p for p in spec.params}
    unknown = set(params) - set(known)
    if unknown:
        raise ValueError(f"surface {name!r} has no parameter {sorted(unknown)[0]!r}")
    values = {p.name: p.check(params.get(p.name, p.default)) for p in spec.params}
    return spec.build(**values)
