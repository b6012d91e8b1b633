"""Contract and reference-fact tests for the built-in surfaces (surfaces/builtin.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from surfaces import SURFACES, Surface, make_surface
from surfaces.critical import canonical_order, find_critical_points
from surfaces.formula import make_formula_surface

# Every registered surface with its defaults, plus non-default parameter sets.
CASES = [(name, {}) for name in SURFACES] + [
    ("bowl", {"s": 3.0}),
    ("ravine", {"lam_min": 0.5, "kappa": 100.0, "angle": 30.0}),
    ("ravine", {"lam_min": 1.0, "kappa": 3.0, "angle": -90.0}),
    ("rosenbrock", {"a": 0.5, "b": 10.0}),
    ("rosenbrock", {"a": 2.0, "b": 1000.0}),
    ("rastrigin", {"A": 10.0}),
    ("plateau", {"sigma": 2.5}),
]
IDS = [name + "".join(f"-{k}={v:g}" for k, v in p.items()) for name, p in CASES]


@pytest.fixture(params=CASES, ids=IDS)
def surf(request) -> Surface:
    name, params = request.param
    return make_surface(name, **params)


def _size(s: Surface) -> float:
    (x0, x1), (y0, y1) = s.domain
    return float(np.hypot(x1 - x0, y1 - y0))


def _points(s: Surface, n: int = 64, seed: int = 0) -> np.ndarray:
    (x0, x1), (y0, y1) = s.domain
    u = np.random.default_rng(seed).uniform(size=(n, 2))
    return np.stack([x0 + u[:, 0] * (x1 - x0), y0 + u[:, 1] * (y1 - y0)], -1)


def _fd(fn, pts: np.ndarray, h: float) -> np.ndarray:
    """4th-order central differences of fn along x and y: shape (n, 2, *fn_shape)."""
    cols = []
    for e in np.eye(2) * h:
        cols.append(
            (-fn(pts + 2 * e) + 8 * fn(pts + e) - 8 * fn(pts - e) + fn(pts - 2 * e)) / (12 * h)
        )
    return np.stack(cols, axis=1)


def _inside(s: Surface, p, margin: float = 0.02) -> bool:
    (x0, x1), (y0, y1) = s.domain
    mx, my = margin * (x1 - x0), margin * (y1 - y0)
    return x0 - mx <= p[0] <= x1 + mx and y0 - my <= p[1] <= y1 + my


# ------------------------------------------------------------------------------------------
# Contract over the whole registry
# ------------------------------------------------------------------------------------------


def test_gradient_matches_finite_differences(surf: Surface) -> None:
    pts = _points(surf)
    g = surf.grad(pts)
    fd = _fd(surf.f, pts, 2e-4 * _size(surf))
    tol = 1e-6 * np.abs(g) + 1e-8 * (1.0 + np.abs(surf.f(pts)))[:, None]
    assert np.all(np.abs(g - fd) <= tol), np.max(np.abs(g - fd) - tol)


def test_hessian_matches_finite_differences_of_gradient(surf: Surface) -> None:
    pts = _points(surf, seed=1)
    h = surf.hess(pts)
    fd = _fd(surf.grad, pts, 2e-4 * _size(surf))  # fd[n, j, i] = ∂g_i/∂x_j
    g = np.linalg.norm(surf.grad(pts), axis=-1)
    tol = 1e-6 * np.abs(h) + 1e-8 * (1.0 + g)[:, None, None]
    assert np.all(np.abs(h - fd) <= tol), np.max(np.abs(h - fd) - tol)
    np.testing.assert_array_equal(h, np.swapaxes(h, -1, -2))


@pytest.mark.parametrize("shape", [(), (7,), (4, 5), (3, 6)], ids=["point", "B", "HxW", "TxB"])
def test_shapes_and_batch_consistency(surf: Surface, shape: tuple[int, ...]) -> None:
    n = int(np.prod(shape, dtype=int))
    pts = _points(surf, n=n, seed=2).reshape(*shape, 2)
    f, g, h = surf.f(pts), surf.grad(pts), surf.hess(pts)
    assert (f.shape, g.shape, h.shape) == (shape, (*shape, 2), (*shape, 2, 2))
    assert f.dtype == g.dtype == h.dtype == np.float64
    flat = pts.reshape(-1, 2)
    np.testing.assert_allclose(f.reshape(-1), surf.f(flat), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(g.reshape(-1, 2), surf.grad(flat), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(h.reshape(-1, 2, 2), surf.hess(flat), rtol=1e-14, atol=1e-14)


def test_float32_and_list_inputs_give_float64(surf: Surface) -> None:
    """Plot code hands in float32 meshes and callers plain lists: the core computes in float64."""
    pts = _points(surf, n=6, seed=4)
    for inp in (pts.astype(np.float32), pts.tolist()):
        f, g, h = surf.f(inp), surf.grad(inp), surf.hess(inp)
        assert f.dtype == g.dtype == h.dtype == np.float64
        np.testing.assert_allclose(g, surf.grad(np.asarray(inp, np.float64)), rtol=1e-12)


def test_value_and_grad_equals_f_and_grad(surf: Surface) -> None:
    assert surf.value_and_grad is not None
    pts = _points(surf, n=50, seed=3).reshape(5, 10, 2)
    v, g = surf.value_and_grad(pts)
    np.testing.assert_allclose(v, surf.f(pts), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(g, surf.grad(pts), rtol=1e-13, atol=1e-13)


def test_minima_are_minima_global_first(surf: Surface) -> None:
    assert surf.minima, "every built-in surface has a minimum"
    pts = np.array([m.point for m in surf.minima])
    vals = np.array([m.value for m in surf.minima])
    scale = 1.0 + np.abs(surf.f(_points(surf))).max()
    assert np.all(np.linalg.norm(surf.grad(pts), axis=-1) <= 1e-9 * scale)
    assert np.all(np.linalg.eigvalsh(surf.hess(pts))[:, 0] > 0)
    np.testing.assert_allclose(surf.f(pts), vals, rtol=1e-12, atol=1e-12)
    assert vals[0] <= vals.min() + 1e-12 * scale
    ties = np.flatnonzero(np.abs(vals - vals[0]) <= 1e-9 * scale)
    np.testing.assert_array_equal(ties, np.arange(len(ties)))  # all global ones first
    assert all(_inside(surf, m.point) for m in surf.minima)
    assert len({m.point for m in surf.minima}) == len(surf.minima)


def _fgh(s: Surface):
    return lambda p: (*s.f_and_grad(p), s.hess(p))


def test_minima_and_saddles_are_the_one_finders_in_its_order(surf: Surface) -> None:
    """Listed by hand or found when built, the critical points are what surfaces.critical (the
    finder typed formulas use) finds, in its one order: by value, ties by x, then y."""
    minima, saddles = find_critical_points(surf.f, _fgh(surf), surf.domain, seeds=61)
    assert len(minima) == len(surf.minima) and len(saddles) == len(surf.saddles)
    np.testing.assert_allclose([m.point for m in surf.minima], [m.point for m in minima], atol=1e-6)
    np.testing.assert_allclose([m.value for m in surf.minima], [m.value for m in minima], atol=1e-9)
    if saddles:
        np.testing.assert_allclose(surf.saddles, saddles, atol=1e-6)
    size = _size(surf)
    vals, pts = [m.value for m in surf.minima], [m.point for m in surf.minima]
    np.testing.assert_array_equal(canonical_order(vals, pts, 1e-9, 1e-9 * size), range(len(vals)))


def test_typed_himmelblau_lists_the_built_ins_minima_in_the_same_order() -> None:
    """Basin colours follow the order of the minima: typed and built-in must agree."""
    built = make_surface("himmelblau")
    typed = make_formula_surface("(x^2+y-11)^2+(x+y^2-7)^2", built.domain)
    np.testing.assert_allclose(
        [m.point for m in typed.minima], [m.point for m in built.minima], atol=1e-6
    )
    np.testing.assert_allclose(typed.saddles, built.saddles, atol=1e-6)


def test_saddles_are_saddles(surf: Surface) -> None:
    if not surf.saddles:
        pytest.skip("no saddles listed")
    pts = np.array(surf.saddles)
    scale = 1.0 + np.abs(surf.f(_points(surf))).max()
    assert np.all(np.linalg.norm(surf.grad(pts), axis=-1) <= 1e-9 * scale)
    eig = np.linalg.eigvalsh(surf.hess(pts))
    assert np.all(eig[:, 0] < 0) and np.all(eig[:, 1] > 0)
    assert all(_inside(surf, p) for p in surf.saddles)


# Surfaces whose minima are found numerically (the others have a unique analytic minimum).
NUMERIC = ["himmelblau", "wells", "rastrigin", "beale", "six_hump_camel", "three_hump_camel"]


@pytest.mark.parametrize(
    ("name", "params"), [("rastrigin", {"A": 10.0})] + [(n, {}) for n in NUMERIC], ids=str
)
def test_no_minimum_is_missing(name: str, params: dict) -> None:
    """L-BFGS-B from a grid (an independent method) only ends at listed minima."""
    s = make_surface(name, **params)
    listed = np.array([m.point for m in s.minima])
    (x0, x1), (y0, y1) = s.domain
    for x in np.linspace(x0, x1, 7)[1:-1]:
        for y in np.linspace(y0, y1, 7)[1:-1]:
            r = minimize(s.f_and_grad, (x, y), jac=True, method="L-BFGS-B", bounds=s.domain)
            eig = np.linalg.eigvalsh(s.hess(r.x))
            stationary = np.linalg.norm(s.grad(r.x)) <= 1e-5 * (1.0 + abs(r.fun))
            if stationary and _inside(s, r.x, margin=-0.01) and eig[0] > 1e-6 * abs(eig[1]):
                d = np.linalg.norm(listed - r.x, axis=-1).min()
                assert d < 1e-3 * _size(s), f"unlisted minimum near {r.x} (from {(x, y)})"


def test_start_and_text(surf: Surface) -> None:
    name = surf.name
    assert _inside(surf, surf.start, margin=0.0)
    assert min(np.hypot(*np.subtract(surf.start, m.point)) for m in surf.minima) > 0.05
    assert surf.formula.strip() and surf.lesson.strip() and surf.title.strip()
    spec = SURFACES[name]
    assert [k for k, _ in surf.params][: len(spec.params)] == [p.name for p in spec.params]


def test_params_record_the_values_used() -> None:
    assert make_surface("ravine").params == (("lam_min", 0.2), ("kappa", 20.0), ("angle", 0.0))
    assert make_surface("rosenbrock", b=10).params == (("a", 1.0), ("b", 10.0))
    assert make_surface("rastrigin", A=4).params == (("A", 4.0),)


# ------------------------------------------------------------------------------------------
# Registry and make_surface
# ------------------------------------------------------------------------------------------


def test_display_order() -> None:
    assert list(SURFACES)[:10] == [
        "bowl",
        "ravine",
        "rosenbrock",
        "himmelblau",
        "wells",
        "rastrigin",
        "beale",
        "six_hump_camel",
        "saddle",
        "plateau",
    ]
    assert all(spec.name == key for key, spec in SURFACES.items())


def test_make_surface_errors() -> None:
    with pytest.raises(ValueError, match=r"unknown surface 'nope'.*bowl"):
        make_surface("nope")
    with pytest.raises(ValueError, match="Condition number κ must be between 1 and 1000"):
        make_surface("ravine", kappa=0.5)
    with pytest.raises(ValueError, match="between"):
        make_surface("rosenbrock", b=float("nan"))
    with pytest.raises(ValueError, match="no parameter 'c'"):
        make_surface("rosenbrock", c=1.0)


def test_param_defaults_are_in_range_and_used() -> None:
    for spec in SURFACES.values():
        for p in spec.params:
            assert p.low <= p.default <= p.high, (spec.name, p.name)
        built = dict(make_surface(spec.name).params)
        assert {p.name: p.default for p in spec.params}.items() <= built.items()


# ------------------------------------------------------------------------------------------
# Reference facts
# ------------------------------------------------------------------------------------------

TEXTBOOK = {
    "rosenbrock": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "himmelblau": lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "beale": lambda x, y: (
        (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2
    ),
    "six_hump_camel": lambda x, y: (
        (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2
    ),
    "three_hump_camel": lambda x, y: 2 * x**2 - 1.05 * x**4 + x**6 / 6 + x * y + y**2,
    "rastrigin": lambda x, y: (
        4 + x**2 - 2 * np.cos(2 * np.pi * x) + y**2 - 2 * np.cos(2 * np.pi * y)
    ),
    "saddle": lambda x, y: x**2 + y**4 / 4 - y**2 / 2,
    "plateau": lambda x, y: 1 - np.exp(-(x**2 + y**2)),
    "bowl": lambda x, y: 0.5 * (x**2 + y**2),
}


@pytest.mark.parametrize("name", sorted(TEXTBOOK))
def test_matches_textbook_formula(name: str) -> None:
    s = make_surface(name)
    pts = _points(s, n=200, seed=4)
    ref = TEXTBOOK[name](pts[:, 0], pts[:, 1])
    np.testing.assert_allclose(s.f(pts), ref, rtol=1e-12, atol=1e-11)


def test_rosenbrock_minimum() -> None:
    s = make_surface("rosenbrock")
    assert s.minima[0].point == (1.0, 1.0) and s.f_min == 0.0
    assert s.domain == ((-2.0, 2.0), (-1.0, 3.0)) and s.start == (-1.5, 2.0)
    for a in (0.5, 1.7):
        s = make_surface("rosenbrock", a=a, b=30)
        assert s.minima[0].point == (a, a * a)
        assert s.f(np.array([a, a * a])) == 0.0
        np.testing.assert_array_equal(s.grad(np.array([a, a * a])), [0.0, 0.0])


def test_himmelblau_four_global_minima() -> None:
    s = make_surface("himmelblau")  # equal values: ordered by x
    ref = [(-3.779310, -3.283186), (-2.805118, 3.131312), (3.0, 2.0), (3.584428, -1.848126)]
    np.testing.assert_allclose([m.point for m in s.minima], ref, atol=1e-6)
    assert all(abs(m.value) < 1e-20 for m in s.minima)
    assert len(s.saddles) == 4


def test_six_hump_camel_minima() -> None:
    s = make_surface("six_hump_camel")
    assert len(s.minima) == 6
    assert s.f_min == pytest.approx(-1.031628453489877, abs=1e-12)
    got = {(round(m.point[0], 6), round(m.point[1], 6)): round(m.value, 6) for m in s.minima}
    assert got == {
        (0.089842, -0.712656): -1.031628,
        (-0.089842, 0.712656): -1.031628,
        (1.703607, -0.796084): -0.215464,
        (-1.703607, 0.796084): -0.215464,
        (1.607105, 0.568651): 2.10425,
        (-1.607105, -0.568651): 2.10425,
    }


def test_three_hump_camel_minima() -> None:
    s = make_surface("three_hump_camel")
    assert s.minima[0].point == pytest.approx((0.0, 0.0), abs=1e-15) and s.f_min == 0.0
    assert [round(m.value, 6) for m in s.minima[1:]] == [0.298638, 0.298638]


def test_beale_minimum_and_saddle() -> None:
    s = make_surface("beale")
    assert [m.point for m in s.minima] == [pytest.approx((3.0, 0.5), abs=1e-12)]
    assert s.f_min == pytest.approx(0.0, abs=1e-25)
    assert any(np.allclose(p, (0.0, 1.0), atol=1e-12) for p in s.saddles)


def test_d2l_ravine() -> None:
    s = make_surface("ravine")
    pts = _points(s, n=100, seed=5)
    x, y = pts[:, 0], pts[:, 1]
    np.testing.assert_allclose(s.f(pts), 0.1 * x**2 + 2 * y**2, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(s.hess(pts[0]), np.diag([0.2, 4.0]))
    assert s.start == (-5.0, -2.0)


@pytest.mark.parametrize("angle", [-90.0, -30.0, 45.0, 73.0])
def test_rotated_ravine_keeps_eigenvalues(angle: float) -> None:
    s = make_surface("ravine", lam_min=0.3, kappa=50, angle=angle)
    np.testing.assert_allclose(np.linalg.eigvalsh(s.hess(np.zeros(2))), [0.3, 15.0], rtol=1e-12)
    t = np.deg2rad(angle)
    u = np.array([np.cos(t), np.sin(t)])  # the flat direction
    np.testing.assert_allclose(s.f(2.0 * u), 0.5 * 0.3 * 4.0, rtol=1e-12)
    np.testing.assert_allclose(s.f(2.0 * u[::-1] * [-1, 1]), 0.5 * 15.0 * 4.0, rtol=1e-12)


def test_bowl_curvature() -> None:
    s = make_surface("bowl", s=2.5)
    np.testing.assert_allclose(s.hess(np.ones((3, 2))), np.broadcast_to(2.5 * np.eye(2), (3, 2, 2)))


@pytest.mark.parametrize(("a", "count"), [(0.0, 1), (2.0, 25), (10.0, 25)])
def test_rastrigin_grid_of_minima(a: float, count: int) -> None:
    s = make_surface("rastrigin", A=a)
    assert len(s.minima) == count
    assert s.minima[0].point == pytest.approx((0.0, 0.0), abs=1e-12) and s.f_min == 0.0


def test_saddle_stable_manifold() -> None:
    """On y = 0 the gradient has no y component: GD started there ends on the saddle."""
    s = make_surface("saddle")
    xs = np.stack([np.linspace(-3, 3, 11), np.zeros(11)], -1)
    np.testing.assert_array_equal(s.grad(xs)[:, 1], 0.0)
    p = np.array([-2.5, 0.0])
    for _ in range(200):
        p = p - 0.1 * s.grad(p)
    np.testing.assert_allclose(p, (0.0, 0.0), atol=1e-12)


def test_plateau_start_is_flat() -> None:
    s = make_surface("plateau")
    assert s.f(np.array(s.start)) > 0.999
    assert np.linalg.norm(s.grad(np.array(s.start))) < 1e-3


def _heavy_ball(s: Surface, lr: float, mu: float, steps: int) -> np.ndarray:
    """torch.optim.SGD: v = μv + g; x -= lr·v."""
    x, v = np.array(s.start), np.zeros(2)
    for _ in range(steps):
        v = mu * v + s.grad(x)
        x = x - lr * v
    return x


@pytest.mark.parametrize(
    ("lr", "mu", "steps", "which"),
    [
        (0.05, 0.0, 300, "trap"),
        (0.1, 0.0, 300, "trap"),
        (0.05, 0.9, 400, "global"),
        (0.1, 0.9, 400, "global"),
        (0.8, 0.0, 100, "global"),
    ],
)
def test_wells_trap_and_escape(lr: float, mu: float, steps: int, which: str) -> None:
    s = make_surface("wells")
    assert len(s.minima) == 3
    trap = min(s.minima[1:], key=lambda m: np.hypot(*np.subtract(m.point, s.start)))
    target = s.minima[0] if which == "global" else trap
    x = _heavy_ball(s, lr, mu, steps)
    np.testing.assert_allclose(x, target.point, atol=1e-6)
