"""What the experiments share: a batch of copies of one start, checked rates, "reach and stay"
steps to a tolerance, and the local stability at the global minimum.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from surfaces import SurfaceLike

from optimizers.stability import NoQuadraticModel, Stability, analyze

Array = np.ndarray


def repeat_start(start: Any, batch: int) -> Array:
    """(batch, 2) copies of one start point."""
    return np.tile(np.asarray(start, dtype=np.float64).reshape(1, 2), (batch, 1))


def as_rates(lrs: Any) -> Array:
    """A 1-D float64 array of finite rates > 0 (ValueError otherwise)."""
    rates = np.atleast_1d(np.asarray(lrs, dtype=np.float64))
    if rates.ndim != 1 or rates.size == 0 or not (np.isfinite(rates) & (rates > 0)).all():
        raise ValueError("learning rates must be a non-empty list of finite numbers > 0")
    return rates


def steps_to_tolerance(loss: Array, f_star: float, tol: float, diverged_at: Array) -> Array:
    """(B,) first step k with loss[j] − f* < tol for EVERY j ≥ k up to the end; −1 if none.

    "Reach and stay": a momentum run that dips below tol and swings back out does not count
    until it stays. A diverged trajectory never counts (its frozen last point is not a result).
    """
    inside = (loss - f_star) < tol  # (T+1, B)
    stays = np.logical_and.accumulate(inside[::-1], axis=0)[::-1]
    count = stays.sum(axis=0)  # trailing run length
    steps = np.where(count > 0, len(loss) - count, -1)
    return np.where(diverged_at >= 0, -1, steps)


def stability_at_minimum(surface: SurfaceLike) -> Stability | None:
    """`stability.analyze` at the surface's global minimum; None when it has none or when the
    quadratic model does not apply there (a kink: `NoQuadraticModel`)."""
    if surface.global_min is None:
        return None
    try:
        return analyze(surface, np.asarray(surface.global_min.point, dtype=np.float64))
    except NoQuadraticModel:
        return None
