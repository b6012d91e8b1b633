"""Building blocks shared by the built-in landscapes (pure NumPy).

- `Poly`: a polynomial in x, y with exact coefficient algebra, so a surface is written the way
  it is printed (`(1.5 - X + X * Y) ** 2 + ...`) and its derivatives are derived, not typed.
- `poly_fns` / `lsq_fns`: vectorized f, grad, hess, value_and_grad of a polynomial, or of a sum of
  squared polynomial residuals f = Σ r_k² (∇f = 2Σ r_k∇r_k, ∇²f = 2Σ(∇r_k∇r_kᵀ + r_k∇²r_k)),
  which stays ≥ 0 and is exactly 0 where the residuals vanish.
- `surface`: a Surface whose minima and saddles, unless given, are found by the one
  critical-point finder (surfaces.critical, the one typed formulas use) once when it is built.
- `sym2`: assemble (..., 2, 2) Hessians from their three distinct entries.

Coordinates are on the last axis everywhere: (..., 2) -> (...), (..., 2), (..., 2, 2).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .base import Array, Box, Minimum, Surface
from .critical import find_critical_points

Fns = tuple[Callable, Callable, Callable, Callable]  # f, grad, hess, value_and_grad


def sym2(hxx: Array, hxy: Array, hyy: Array) -> Array:
    """Stack the entries of symmetric 2×2 matrices into an array of shape (..., 2, 2)."""
    hxx, hxy, hyy = np.broadcast_arrays(hxx, hxy, hyy)
    out = np.empty((*hxx.shape, 2, 2))
    out[..., 0, 0] = hxx
    out[..., 0, 1] = hxy
    out[..., 1, 0] = hxy
    out[..., 1, 1] = hyy
    return out


# --------------------------------------------------------------------------------------------
# Polynomials in (x, y)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Poly:
    """p(x, y) = Σ c[i, j] xⁱ yʲ, closed under +, −, × and integer powers."""

    c: np.ndarray

    @staticmethod
    def _lift(other: Poly | float) -> Poly:
        return other if isinstance(other, Poly) else Poly(np.array([[float(other)]]))

    def __add__(self, other: Poly | float) -> Poly:
        o = self._lift(other).c
        shape = np.maximum(self.c.shape, o.shape)
        out = np.zeros(shape)
        out[: self.c.shape[0], : self.c.shape[1]] += self.c
        out[: o.shape[0], : o.shape[1]] += o
        return Poly(out)

    __radd__ = __add__

    def __neg__(self) -> Poly:
        return Poly(-self.c)

    def __sub__(self, other: Poly | float) -> Poly:
        return self + (-self._lift(other))

    def __rsub__(self, other: Poly | float) -> Poly:
        return self._lift(other) - self

    def __mul__(self, other: Poly | float) -> Poly:
        a, b = self.c, self._lift(other).c
        out = np.zeros((a.shape[0] + b.shape[0] - 1, a.shape[1] + b.shape[1] - 1))
        for (i, j), v in np.ndenumerate(a):
            out[i : i + b.shape[0], j : j + b.shape[1]] += v * b
        return Poly(out)

    __rmul__ = __mul__

    def __truediv__(self, k: float) -> Poly:
        return Poly(self.c / k)

    def __pow__(self, n: int) -> Poly:
        out = Poly(np.ones((1, 1)))
        for _ in range(n):
            out = out * self
        return out

    def d(self, axis: int) -> Poly:
        """∂p/∂x (axis 0) or ∂p/∂y (axis 1)."""
        return Poly(np.polynomial.polynomial.polyder(self.c, axis=axis))


X = Poly(np.array([[0.0], [1.0]]))
Y = Poly(np.array([[0.0, 1.0]]))


def _jet(p: Poly) -> tuple[Poly, ...]:
    """(p, p_x, p_y, p_xx, p_xy, p_yy)."""
    px, py = p.d(0), p.d(1)
    return p, px, py, px.d(0), px.d(1), py.d(1)


Value = Array | float  # a polynomial evaluated at N points; a constant one stays a float


class _PolyStack:
    """Evaluate S polynomials at N points: (..., 2) -> S values of shape (N,) plus the batch shape.

    Every monomial xⁱyʲ that some polynomial needs is built once, by one multiply from a smaller
    one; each polynomial is then Σ c·xⁱyʲ, one or two ufunc calls per term (a ±1 coefficient
    needs no multiply) on contiguous (N,) arrays, and a constant polynomial stays a float. For the
    small built-in polynomials that is a dozen calls, with no (S, N) tables and no BLAS product
    (which multithreads, and so slows down badly, on a busy 2-core machine at large N). The
    returned arrays are fresh but may share memory with each other: read them, never write.
    """

    def __init__(self, polys: tuple[Poly, ...]):
        polys_terms = []
        need: set[tuple[int, int]] = set()
        for p in polys:
            terms = [(int(i), int(j), float(c)) for (i, j), c in np.ndenumerate(p.c) if c != 0.0]
            polys_terms.append(terms)
            need.update((i, j) for i, j, _ in terms if i + j)
        todo = list(need)
        while todo:  # close under the two factors each monomial is built from
            prev, axis = _factor_of(*todo.pop())
            for m in (prev, (1, 0) if axis == 0 else (0, 1)):
                if sum(m) and m not in need:
                    need.add(m)
                    todo.append(m)
        order = sorted(need, key=lambda m: (m[1], m[0]))  # factors come first
        at = {m: k for k, m in enumerate(order)}
        # build step k: (input column, None, None) for x and y, else (None, factor, factor)
        self.build = []
        for m in order:
            if m in ((1, 0), (0, 1)):
                self.build.append((m[1], None, None))
            else:
                prev, axis = _factor_of(*m)
                self.build.append((None, at[prev], at[(1, 0) if axis == 0 else (0, 1)]))
        self.plans = [
            (
                [(at[i, j], c) for i, j, c in terms if i + j],
                sum(c for i, j, c in terms if i + j == 0),
            )
            for terms in polys_terms
        ]

    def __call__(self, pts: Array) -> tuple[list[Value], tuple[int, ...]]:
        pts = np.asarray(pts, dtype=np.float64)
        q = pts.reshape(-1, 2)
        mono: list[Array] = []
        for col, a, b in self.build:
            mono.append(q[:, col].copy() if b is None else np.multiply(mono[a], mono[b]))
        values = [
            _add_const(_sum_terms([(mono[k], c) for k, c in terms]), const) if terms else const
            for terms, const in self.plans
        ]
        return values, pts.shape[:-1]


def _factor_of(i: int, j: int) -> tuple[tuple[int, int], int]:
    """xⁱyʲ = (xⁱyʲ⁻¹)·y if j > 0, else (xⁱ⁻¹)·x: the smaller monomial and the axis it takes."""
    return ((i, j - 1), 1) if j else ((i - 1, 0), 0)


def _sum_terms(terms) -> Value:
    """Σ a·b over (a, b) pairs of arrays or floats, with the fewest ufunc calls: a factor 1 costs
    no multiply, a factor 0 drops the term, and the first array term is only copied when a
    second one is added to it (so the result may be one of the inputs: read it, never write)."""
    total: Value = 0.0
    owned = False
    for a, b in terms:
        if not isinstance(a, np.ndarray):
            a, b = b, a
        if not isinstance(a, np.ndarray):  # two constants
            if isinstance(total, float) or not owned:
                total, owned = total + a * b, not isinstance(total, float)
            else:
                total += a * b
            continue
        if not isinstance(b, np.ndarray) and b in (0.0, 1.0):
            if b == 0.0:
                continue
            term, fresh = a, False
        else:
            term, fresh = np.multiply(a, b), True
        if isinstance(total, float):
            total, owned = (_add_const(term, total), True) if total else (term, fresh)
        elif owned:
            total += term
        elif fresh:
            term += total
            total, owned = term, True
        else:
            total, owned = np.add(total, term), True
    return total


def _add_const(value: Value, const: float) -> Value:
    """value + const (a fresh array unless const is 0)."""
    if not const:
        return value
    return value + const


def _full(value: Value, n: int) -> Array:
    """A constant polynomial's float as an (n,) array; arrays pass through."""
    return np.full(n, value) if isinstance(value, float) else value


def _interleave(gx: Value, gy: Value, n: int) -> Array:
    """The (n, 2) gradient from its two columns (arrays or constants)."""
    g = np.empty((n, 2))
    g[:, 0] = gx
    g[:, 1] = gy
    return g


def poly_fns(p: Poly) -> Fns:
    """f, grad, hess and value_and_grad of the polynomial p."""
    f0, fx, fy, fxx, fxy, fyy = _jet(p)
    val, vg, hs = _PolyStack((f0,)), _PolyStack((f0, fx, fy)), _PolyStack((fxx, fxy, fyy))

    def f(pts: Array) -> Array:
        (v,), shape = val(pts)
        return _full(v, math.prod(shape)).reshape(shape)

    def value_and_grad(pts: Array) -> tuple[Array, Array]:
        (v, gx, gy), shape = vg(pts)
        n = math.prod(shape)
        return _full(v, n).reshape(shape), _interleave(gx, gy, n).reshape(*shape, 2)

    def grad(pts: Array) -> Array:
        return value_and_grad(pts)[1]

    def hess(pts: Array) -> Array:
        out, shape = hs(pts)
        n = math.prod(shape)
        return sym2(*(_full(h, n) for h in out)).reshape(*shape, 2, 2)

    return f, grad, hess, value_and_grad


def lsq_fns(residuals: tuple[Poly, ...]) -> Fns:
    """f = Σ r_k², ∇f = 2 Σ r_k ∇r_k, ∇²f = 2 Σ (∇r_k ∇r_kᵀ + r_k ∇²r_k) for polynomial r_k."""
    jets = [_jet(r) for r in residuals]
    val = _PolyStack(tuple(j[0] for j in jets))
    first = _PolyStack(tuple(q for j in jets for q in j[:3]))
    full = _PolyStack(tuple(q for j in jets for q in j))

    def squares(r: list[Value], n: int) -> Array:
        return _full(_sum_terms((v, v) for v in r), n)

    def f(pts: Array) -> Array:
        r, shape = val(pts)
        return squares(r, math.prod(shape)).reshape(shape)

    def value_and_grad(pts: Array) -> tuple[Array, Array]:
        out, shape = first(pts)
        n = math.prod(shape)
        r, rx, ry = out[0::3], out[1::3], out[2::3]
        g = np.empty((n, 2))
        for col, dr in ((0, rx), (1, ry)):
            half = _sum_terms(zip(r, dr, strict=True))  # ½ ∂f = Σ r_k ∂r_k
            np.multiply(half, 2.0, out=g[:, col])
        return squares(r, n).reshape(shape), g.reshape(*shape, 2)

    def grad(pts: Array) -> Array:
        return value_and_grad(pts)[1]

    def hess(pts: Array) -> Array:
        out, shape = full(pts)
        n = math.prod(shape)
        r, gx, gy, hxx, hxy, hyy = (out[i::6] for i in range(6))

        def entry(u: list[Value], v: list[Value], h: list[Value]) -> Array:
            half = _sum_terms([*zip(u, v, strict=True), *zip(r, h, strict=True)])
            return _full(np.multiply(half, 2.0), n)

        return sym2(entry(gx, gx, hxx), entry(gx, gy, hxy), entry(gy, gy, hyy)).reshape(
            *shape, 2, 2
        )

    return f, grad, hess, value_and_grad


# --------------------------------------------------------------------------------------------
# Gaussian wells on a bowl
# --------------------------------------------------------------------------------------------


def wells_fns(
    curvature: float,
    centers: tuple[tuple[float, float], ...],
    depths: tuple[float, ...],
    widths: tuple[float, ...],
    base: float = 0.0,
) -> Fns:
    """f = base + ½c‖p‖² − Σ d_k e_k with e_k = exp(−‖p − μ_k‖² / 2w_k²).

    ∇f = c p + Σ d_k e_k (p − μ_k) / w_k²,
    ∇²f = c I + Σ d_k e_k (I − (p − μ_k)(p − μ_k)ᵀ / w_k²) / w_k².
    """
    c = float(curvature)
    wells = [
        (float(mx), float(my), float(d), float(w) ** 2)
        for (mx, my), d, w in zip(centers, depths, widths, strict=True)
    ]

    def terms(p: Array):
        """x, y and per well (dx, dy, d_k e_k / w_k², w_k²)."""
        p = np.asarray(p, dtype=np.float64)
        x, y = p[..., 0], p[..., 1]
        out = []
        for mx, my, d, w2 in wells:
            dx, dy = x - mx, y - my
            s = (d / w2) * np.exp((dx * dx + dy * dy) * (-0.5 / w2))
            out.append((dx, dy, s, w2))
        return x, y, out

    def value(x: Array, y: Array, ws: list) -> Array:
        val = base + (0.5 * c) * (x * x + y * y)
        for _, _, s, w2 in ws:
            val -= s * w2
        return val

    def f(p: Array) -> Array:
        return value(*terms(p))

    def value_and_grad(p: Array) -> tuple[Array, Array]:
        x, y, ws = terms(p)
        g = np.empty((*x.shape, 2))
        gx, gy = g[..., 0], g[..., 1]
        np.multiply(x, c, out=gx)
        np.multiply(y, c, out=gy)
        for dx, dy, s, _ in ws:
            gx += s * dx
            gy += s * dy
        return value(x, y, ws), g

    def grad(p: Array) -> Array:
        return value_and_grad(p)[1]

    def hess(p: Array) -> Array:
        x, _, ws = terms(p)
        hxx, hxy, hyy = np.full(x.shape, c), np.zeros(x.shape), np.full(x.shape, c)
        for dx, dy, s, w2 in ws:
            t = s / w2
            hxx += s - t * dx * dx
            hxy -= t * dx * dy
            hyy += s - t * dy * dy
        return sym2(hxx, hxy, hyy)

    return f, grad, hess, value_and_grad


def surface(
    name: str,
    title: str,
    fns: Fns,
    *,
    domain: Box,
    start: tuple[float, float],
    formula: str,
    lesson: str,
    params: tuple[tuple[str, float], ...] = (),
    minima: tuple[Minimum, ...] | None = None,
    saddles: tuple[tuple[float, float], ...] | None = None,
    grid: int = 41,
    cost: float = 1.0,
) -> Surface:
    """A Surface from (f, grad, hess, value_and_grad); minima and saddles not given are found
    by surfaces.critical, Newton also starting from a `grid` × `grid` grid of seeds."""
    f, grad, hess, value_and_grad = fns
    if minima is None or saddles is None:

        def fgh(p: Array) -> tuple[Array, Array, Array]:
            return (*value_and_grad(p), hess(p))

        found = find_critical_points(f, fgh, domain, seeds=grid)
        minima = found[0] if minima is None else minima
        saddles = found[1] if saddles is None else saddles
    return Surface(
        name=name,
        title=title,
        f=f,
        grad=grad,
        hess=hess,
        domain=domain,
        minima=minima,
        start=start,
        formula=formula,
        lesson=lesson,
        saddles=saddles,
        params=params,
        value_and_grad=value_and_grad,
        cost=cost,
    )
