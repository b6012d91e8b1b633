"""2-D loss landscapes as data (no UI code here)."""

from . import builtin as _builtin  # noqa: F401  (registers the built-in surfaces)
from .base import Minimum, ParamSpec, Surface
from .registry import SURFACES, SurfaceSpec, make_surface

__all__ = ["SURFACES", "Minimum", "ParamSpec", "Surface", "SurfaceSpec", "make_surface"]
