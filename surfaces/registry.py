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

from .base import Surface
from .params import ParamSpec, lookup, resolve


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
    spec = lookup("surface", SURFACES, name)
    return spec.build(**resolve("surface", name, spec.params, params, {}))
