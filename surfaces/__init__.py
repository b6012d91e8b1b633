"""2-D loss landscapes as data (no UI code here).

`ParamSpec` is re-exported on purpose: a SurfaceSpec's parameters are ParamSpecs, and the app
builds its widgets and URL keys from them.
"""

from . import builtin as _builtin  # noqa: F401  (registers the built-in surfaces)
from .base import Minimum, Surface, SurfaceLike
from .params import ParamSpec
from .registry import SURFACES, SurfaceSpec, make_surface

__all__ = [
    "SURFACES",
    "Minimum",
    "ParamSpec",
    "Surface",
    "SurfaceLike",
    "SurfaceSpec",
    "make_surface",
]
