"""Landscapes built to show one failure mode each: traps, saddles and plateaus."""

from __future__ import annotations

from ._kit import X, Y, poly_fns, surface, wells_fns
from .base import Minimum, Surface

# Gaussian wells on a gentle bowl: a wide deep well (global), a narrow shallow one in the way
# from the default start, and a third to the north. Tuned so that from (−3, −2) plain GD with
# lr ≤ 0.3 settles in the shallow well, heavy-ball (μ = 0.9, 0.03 ≤ lr ≤ 0.2) reaches the global
# one in ≈ 160 steps and GD with 0.7 ≤ lr ≤ 1.2 in ≤ 25 steps: the shallow well's curvature ≈ 6.4
# makes it unstable for lr > 0.31 (0.4–0.6 bounce around in it), the wide well's ≈ 1.4 holds
# up to lr ≈ 1.4.
WELLS = (
    # center, depth, width
    ((2.0, 1.0), 3.0, 1.5),
    ((-1.0, -0.5), 1.0, 0.4),
    ((-1.0, 2.0), 1.5, 0.6),
)
WELLS_BOWL = 0.1


def _wells_formula() -> str:
    """LaTeX of f with the numbers filled in."""
    terms = "".join(
        rf" - {d:g}\,e^{{-\lVert\mathbf{{p}} - ({mx:g},\,{my:g})\rVert^2 / {2 * w * w:g}}}"
        for (mx, my), d, w in WELLS
    )
    return rf"f(\mathbf{{p}}) = {WELLS_BOWL / 2:g}\,\lVert\mathbf{{p}}\rVert^2" + terms


def wells() -> Surface:
    """f = ½c‖p‖² − Σ d_k exp(−‖p − μ_k‖² / 2w_k²); minima found numerically at build time."""
    centers, depths, widths = zip(*WELLS, strict=True)
    return surface(
        "wells",
        "Wells: a trap before the goal",
        wells_fns(WELLS_BOWL, centers, depths, widths),
        domain=((-4.0, 4.0), (-3.5, 3.5)),
        start=(-3.0, -2.0),
        formula=_wells_formula(),
        lesson=(
            "Small careful steps stop in the first dip they meet; momentum (or a bolder "
            "learning rate) carries the ball over the rim into the deeper well."
        ),
        params=(("c", WELLS_BOWL),),
    )


def saddle() -> Surface:
    """f = x² + y⁴/4 − y²/2: minima (0, ±1) with f = −¼, a saddle at the origin."""
    return surface(
        "saddle",
        "Saddle point",
        poly_fns(X**2 + Y**4 / 4 - Y**2 / 2),
        domain=((-3.0, 3.0), (-2.0, 2.0)),
        start=(-2.5, 0.01),
        formula=r"f(x, y) = x^2 + \tfrac{y^4}{4} - \tfrac{y^2}{2}",
        lesson=(
            "Near a saddle the gradient vanishes: GD slows to a crawl and escapes only as fast "
            "as the tiny sideways offset grows (start at y = 0 exactly and it never leaves)."
        ),
        minima=(Minimum((0.0, -1.0), -0.25), Minimum((0.0, 1.0), -0.25)),
        saddles=((0.0, 0.0),),
    )


def plateau(sigma: float = 1.0) -> Surface:
    """f = 1 − exp(−(x² + y²)/σ²): a hole of width σ in a plain where ∇f ≈ 0."""
    return surface(
        "plateau",
        "Plateau around a hole",
        wells_fns(0.0, ((0.0, 0.0),), (1.0,), (sigma / 2**0.5,), base=1.0),
        domain=((-4.0 * sigma, 4.0 * sigma), (-4.0 * sigma, 4.0 * sigma)),
        start=(-2.4 * sigma, 1.8 * sigma),
        formula=rf"f(x, y) = 1 - e^{{-(x^2 + y^2)/{sigma * sigma:.4g}}}",
        lesson=(
            "On a plateau the gradient is tiny, so plain GD barely moves; Adam divides by the "
            "gradient's size and strides across at a steady pace."
        ),
        params=(("sigma", sigma),),
        minima=(Minimum((0.0, 0.0), 0.0),),
        saddles=(),
    )
