"""The one gate between the quadratic theory (`optimizers.stability.analyze`) and the lab views.

The theory (lr < 2/λ_max, the best fixed rate, the heavy-ball limit) models f near a point by its
second-order Taylor expansion. At a kink — the tip of the cone √(x² + y²), |x|^1.5, √|x − 1| —
there is no such expansion: ∇²f is infinite there, or (at a numerical minimum a hair off the tip)
finite but meaningless ("lr < 2/λ_max = 2.1e-19"). The core detects it (`analyze` raises
`NoQuadraticModel`); `theory_or_none` says None there, and the views print `NO_THEORY`.
"""

from __future__ import annotations

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


def stability_or_none(surface: Surface, point) -> Stability | None:
    """`analyze(surface, point)`, or None where the quadratic model does not apply: the core
    says so (`NoQuadraticModel`, a ValueError: a kink, a cusp, overflowing curvature)."""
    try:
        return analyze(surface, np.asarray(point, dtype=np.float64))
    except ValueError:
        return None


@st.cache_data(max_entries=256, show_spinner=False)
def theory_or_none(key: SurfaceKey, point: tuple[float, float]) -> Stability | None:
    """`stability_or_none` on the landscape `key`, cached."""
    return stability_or_none(get_surface(key), point)


def theory_at_minimum(key: SurfaceKey) -> Stability | None:
    """The theory at the global minimum; None without one or where it does not apply."""
    minimum = get_surface(key).global_min
    return None if minimum is None else theory_or_none(key, tuple(map(float, minimum.point)))
