"""The one gate between the quadratic theory (`optimizers.stability.analyze`) and the lab views.

The theory (lr < 2/λ_max, the best fixed rate, the heavy-ball limit) models f near a point by its
second-order Taylor expansion. At a kink — the tip of the cone √(x² + y²), |x|^1.5, √|x − 1| —
there is no such expansion: ∇²f is infinite there, or (at a numerical minimum a hair off the tip)
finite but meaningless ("lr < 2/λ_max = 2.1e-19"). `theory_or_none` says None there, and the
views print `NO_THEORY` instead of a number.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st

from optimizers.stability import Stability, analyze
from surfaces import Surface

from .compute import SurfaceKey, get_surface

NO_THEORY = (
    "The quadratic theory (lr < 2/λ_max) does not apply here: near this minimum f is not shaped "
    "like a quadratic (a kink such as |x| or √(x² + y²), or a flat bottom such as x¹⁴), so it "
    "gives no stable range and no best rate"
)
MODEL_TOLERANCE = 0.1  # relative mismatch of ∇f near the point against ∇²f's prediction


def quadratic_model_holds(surface: Surface, point: np.ndarray, hess: np.ndarray) -> bool:
    """∇f(p + δe_i) − ∇f(p − δe_i) = 2δ·∇²f(p)·e_i within 10 % (δ = 1e-5·(1 + |p|)), as it does
    near any point where f is twice differentiable; across a kink ∇f jumps instead."""
    delta = 1e-5 * (1.0 + float(np.abs(point).max()))
    steps = delta * np.eye(2)
    with np.errstate(all="ignore"):  # huge curvature overflows: then the model is no use
        seen = surface.grad(point + steps) - surface.grad(point - steps)  # row i: along e_i
        predicted = 2.0 * delta * hess.T
        sizes = [np.linalg.norm(a) for a in (seen - predicted, predicted, seen)]
    if not np.isfinite(sizes).all():
        return False
    mismatch, *scale = sizes
    return bool(mismatch <= MODEL_TOLERANCE * max(scale))


def stability_or_none(surface: Surface, point) -> Stability | None:
    """`analyze(surface, point)`, or None where the quadratic model does not apply (see module
    doc). The one place that decides it: when `analyze` signals it itself, only this adapts."""
    p = np.asarray(point, dtype=np.float64)
    try:
        stab = analyze(surface, p)
    except ValueError:  # ∇²f(p) is not a finite matrix
        return None
    with np.errstate(all="ignore"):
        hess = np.asarray(surface.hess(p), dtype=np.float64)
    return stab if quadratic_model_holds(surface, p, hess) else None


@st.cache_data(max_entries=256, show_spinner=False)
def theory_or_none(key: SurfaceKey, point: tuple[float, float]) -> Stability | None:
    """`stability_or_none` on the landscape `key`, cached."""
    return stability_or_none(get_surface(key), point)


def theory_at_minimum(key: SurfaceKey) -> Stability | None:
    """The theory at the global minimum; None without one or where it does not apply."""
    minimum = get_surface(key).global_min
    return None if minimum is None else theory_or_none(key, tuple(map(float, minimum.point)))


def blind_to_curvature(surface: Surface) -> Surface:
    """`surface` whose ∇²f reads 0 at single points (the core's theory asks for one point; a run
    always asks for a batch): the core's lab experiments then finish where `analyze` would raise
    at a kink, and the app replaces their theory numbers by `theory_or_none`'s."""
    hess = surface.hess

    def masked(x):
        return np.zeros((2, 2)) if np.ndim(x) == 1 else hess(x)

    return replace(surface, hess=masked)
