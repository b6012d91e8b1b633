"""Classic optimization test functions (Rosenbrock, Himmelblau, Beale, camels, Rastrigin)."""

from __future__ import annotations

import numpy as np

from ._kit import Fns, X, Y, lsq_fns, poly_fns, surface, sym2
from .base import Array, Minimum, Surface

TWO_PI = 2.0 * np.pi


def rosenbrock_fns(a: float, b: float) -> Fns:
    """f = (a − x)² + b(y − x²)²;  ∇f = (2(x − a) − 4bx(y − x²), 2b(y − x²));
    ∇²f = [[2 − 4b(y − x²) + 8bx², −4bx], [−4bx, 2b]]."""

    def f(p: Array) -> Array:
        p = np.asarray(p, dtype=np.float64)
        x, y = p[..., 0], p[..., 1]
        r = y - x * x
        return (x - a) ** 2 + b * r * r

    def value_and_grad(p: Array) -> tuple[Array, Array]:
        # The simulator's hot path: 12 calls on contiguous (N,) columns (a ufunc over a strided
        # column of the interleaved (N, 2) input is ~3× slower per element), so x is copied out
        # once and each gradient column written once; s + s = 2s is exact, so no scalar ×2, ×½.
        p = np.asarray(p, dtype=np.float64)
        q = p if p.ndim == 2 else p.reshape(-1, 2)
        x = q[:, 0].copy()
        r = np.multiply(x, x)
        np.subtract(q[:, 1], r, out=r)  # r = y − x²
        s = np.multiply(r, b)
        g = np.empty(q.shape)
        t = np.add(s, s, out=g[:, 1])  # ∂f/∂y = 2b·r
        dx = np.subtract(x, a)
        np.multiply(x, t, out=x)
        np.subtract(dx, x, out=x)
        np.add(x, x, out=g[:, 0])  # ∂f/∂x = 2(x − a) − 4bx·r
        np.multiply(s, r, out=r)  # b·r²
        np.multiply(dx, dx, out=dx)
        dx += r
        if p.ndim == 2:
            return dx, g
        f = dx.reshape(p.shape[:-1])
        return (f[()] if f.ndim == 0 else f), g.reshape(p.shape)

    def grad(p: Array) -> Array:
        return value_and_grad(p)[1]

    def hess(p: Array) -> Array:
        p = np.asarray(p, dtype=np.float64)
        x, y = p[..., 0], p[..., 1]
        return sym2(2.0 - 4.0 * b * (y - x * x) + 8.0 * b * x * x, -4.0 * b * x, 2.0 * b + 0 * x)

    return f, grad, hess, value_and_grad


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Surface:
    """Rosenbrock's banana; the view scales with a (x = a·u, y = a²·v keeps its shape)."""
    return surface(
        "rosenbrock",
        "Rosenbrock's banana valley",
        rosenbrock_fns(a, b),
        domain=((-2.0 * a, 2.0 * a), (-1.0 * a * a, 3.0 * a * a)),
        start=(-1.5 * a, 2.0 * a * a),
        formula=rf"f(x, y) = ({a:g} - x)^2 + {b:g}\,(y - x^2)^2",
        lesson=(
            "Finding the curved valley is easy; following it to the minimum at "
            f"({a:g}, {a * a:g}) is slow, because the walls are far steeper than the floor."
        ),
        params=(("a", a), ("b", b)),
        minima=(Minimum((a, a * a), 0.0),),
        saddles=(),
    )


def himmelblau() -> Surface:
    """f = (x² + y − 11)² + (x + y² − 7)² (a sum of squares: four minima with f = 0)."""
    return surface(
        "himmelblau",
        "Himmelblau's four minima",
        lsq_fns((X**2 + Y - 11, X + Y**2 - 7)),
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        start=(-0.5, -0.5),
        formula=r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        lesson=(
            "Four equally good minima: which one you reach depends on where you start and how "
            "you move, not on which is best."
        ),
    )


def beale() -> Surface:
    """f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²."""
    return surface(
        "beale",
        "Beale's flat valleys",
        lsq_fns((1.5 - X + X * Y, 2.25 - X + X * Y**2, 2.625 - X + X * Y**3)),
        domain=((-4.5, 4.5), (-4.5, 4.5)),
        start=(1.0, 1.5),
        formula=(r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2"),
        lesson=(
            "Gradients span five orders of magnitude: one learning rate is too big on the walls "
            "and too small on the flat floor near (3, 0.5); adaptive methods cope."
        ),
    )


def six_hump_camel() -> Surface:
    """f = (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²."""
    return surface(
        "six_hump_camel",
        "Six-hump camel",
        poly_fns((4 - 2.1 * X**2 + X**4 / 3) * X**2 + X * Y + (-4 + 4 * Y**2) * Y**2),
        domain=((-2.0, 2.0), (-1.0, 1.0)),
        start=(-1.9, -0.9),
        formula=r"f(x, y) = \left(4 - 2.1x^2 + \tfrac{x^4}{3}\right)x^2 + xy + (-4 + 4y^2)\,y^2",
        lesson=(
            "Six valleys, two of them global: GD settles in whichever valley it starts above; "
            "a local minimum can be far worse than the best one."
        ),
    )


def three_hump_camel() -> Surface:
    """f = 2x² − 1.05x⁴ + x⁶/6 + xy + y²."""
    return surface(
        "three_hump_camel",
        "Three-hump camel",
        poly_fns(2 * X**2 - 1.05 * X**4 + X**6 / 6 + X * Y + Y**2),
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        start=(-1.8, -1.0),
        formula=r"f(x, y) = 2x^2 - 1.05x^4 + \tfrac{x^6}{6} + xy + y^2",
        lesson=(
            "One global minimum at the origin flanked by two shallow side valleys that catch "
            "small steps started on the flanks."
        ),
    )


def rastrigin_fns(a: float) -> Fns:
    """Separable f = 2A + Σᵢ (tᵢ² − A cos 2πtᵢ): ∇f = 2t + 2πA sin 2πt (elementwise),
    ∇²f = diag(2 + 4π²A cos 2πt)."""

    def f(p: Array) -> Array:
        p = np.asarray(p, dtype=np.float64)
        return 2.0 * a + np.sum(p * p - a * np.cos(TWO_PI * p), axis=-1)

    def value_and_grad(p: Array) -> tuple[Array, Array]:
        p = np.asarray(p, dtype=np.float64)
        th = TWO_PI * p
        val = 2.0 * a + np.sum(p * p - a * np.cos(th), axis=-1)
        return val, 2.0 * p + (TWO_PI * a) * np.sin(th)

    def grad(p: Array) -> Array:
        p = np.asarray(p, dtype=np.float64)
        return 2.0 * p + (TWO_PI * a) * np.sin(TWO_PI * p)

    def hess(p: Array) -> Array:
        p = np.asarray(p, dtype=np.float64)
        d = 2.0 + (TWO_PI**2 * a) * np.cos(TWO_PI * p)
        return sym2(d[..., 0], 0.0, d[..., 1])

    return f, grad, hess, value_and_grad


def rastrigin(A: float = 2.0) -> Surface:
    """Rastrigin; A = 10 is the benchmark's value, the default A = 2 keeps the bowl visible."""
    return surface(
        "rastrigin",
        "Rastrigin's egg crate",
        rastrigin_fns(A),
        domain=((-2.5, 2.5), (-2.5, 2.5)),
        start=(-2.2, 1.8),
        formula=rf"f(x, y) = {2 * A:g} + x^2 - {A:g}\cos 2\pi x + y^2 - {A:g}\cos 2\pi y",
        lesson=(
            "A grid of local minima on a bowl: GD stops in the nearest dimple; only luck, "
            "momentum or large steps hop the ridges toward the center."
        ),
        params=(("A", A),),
        grid=61,
        cost=2.5,  # 4 trigonometric calls per point: a 200² basin map took 2.6 s, Himmelblau's 1.05
    )
