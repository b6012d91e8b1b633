"""surfaces.critical on hand-written functions: what counts as a minimum, and bounded work."""

from __future__ import annotations

import numpy as np
import pytest

from surfaces.critical import find_critical_points

HIMMELBLAU_MINIMA = [
    (3.0, 2.0),
    (-2.805118, 3.131312),
    (-3.779310, -3.283186),
    (3.584428, -1.848126),
]
BOX = ((-5.0, 5.0), (-5.0, 5.0))


def himmelblau(X):
    x, y = X[..., 0], X[..., 1]
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


def himmelblau_fgh(X):
    x, y = X[..., 0], X[..., 1]
    a, b = x * x + y - 11, x + y * y - 7
    g = np.stack([4 * a * x + 2 * b, 2 * a + 4 * b * y], -1)
    hxx, hxy, hyy = 12 * x * x + 4 * y - 42, 4 * (x + y), 12 * y * y + 4 * x - 26
    H = np.stack([np.stack([hxx, hxy], -1), np.stack([hxy, hyy], -1)], -2)
    return himmelblau(X), g, H


def counted(fn, calls):
    def wrapper(X):
        calls.append(len(X))
        return fn(X)

    return wrapper


def test_himmelblau_minima_values_and_saddles():
    minima, saddles = find_critical_points(himmelblau, himmelblau_fgh, BOX)
    np.testing.assert_allclose(
        sorted(m.point for m in minima), sorted(HIMMELBLAU_MINIMA), atol=1e-5
    )
    assert all(m.value == pytest.approx(0, abs=1e-10) for m in minima)
    assert len(saddles) == 4


def test_same_input_same_answer():
    assert find_critical_points(himmelblau, himmelblau_fgh, BOX) == find_critical_points(
        himmelblau, himmelblau_fgh, BOX
    )


def test_a_costly_function_gets_fewer_evaluations():
    cheap, costly = [], []
    find_critical_points(counted(himmelblau, cheap), counted(himmelblau_fgh, cheap), BOX)
    f, fgh = counted(himmelblau, costly), counted(himmelblau_fgh, costly)
    find_critical_points(f, fgh, BOX, f_ops=5_000, fgh_ops=20_000)
    assert len(costly) < 20 < len(cheap)  # a few calls: the sample, the starts, a step or two


def test_a_pole_is_not_a_minimum_but_a_cusp_is():
    def pole(X):  # f → -∞ at the origin, like log(x² + y²)
        return np.log(X[..., 0] ** 2 + X[..., 1] ** 2)

    def cusp(X):  # a true minimum with an infinite slope, like √|x| + √|y|
        return np.sqrt(np.abs(X[..., 0])) + np.sqrt(np.abs(X[..., 1]))

    for f, expected in [(pole, 0), (cusp, 1)]:

        def fgh(X, f=f):  # derivatives of no use here: the compass and the ring decide
            n = len(X)
            return f(X), np.full((n, 2), np.nan), np.full((n, 2, 2), np.nan)

        with np.errstate(all="ignore"):
            minima, _ = find_critical_points(f, fgh, ((-1.0, 1.0), (-1.0, 1.0)))
        assert len(minima) == expected


def test_one_order_global_first_then_by_x_then_y():
    minima, saddles = find_critical_points(himmelblau, himmelblau_fgh, BOX)
    np.testing.assert_allclose([m.point for m in minima], sorted(HIMMELBLAU_MINIMA), atol=1e-6)
    saddle_values = list(himmelblau(np.array(saddles)))
    assert saddle_values == sorted(saddle_values)  # distinct values: by value

    def tilted(X):  # unequal minima now: lowest first
        return himmelblau(X) + 0.5 * X[..., 1]

    def tilted_fgh(X):
        _, g, H = himmelblau_fgh(X)
        return tilted(X), g + np.array([0.0, 0.5]), H

    minima, _ = find_critical_points(tilted, tilted_fgh, BOX)
    values = [m.value for m in minima]
    assert values == sorted(values) and len(values) == 4
    assert minima[0].point[1] < -3  # the lowest y wins the tilt


def camel3(X):
    x, y = X[..., 0], X[..., 1]
    return 2 * x**2 - 1.05 * x**4 + x**6 / 6 + x * y + y**2


def camel3_fgh(X):
    x, y = X[..., 0], X[..., 1]
    g = np.stack([4 * x - 4.2 * x**3 + x**5 + y, x + 2 * y], -1)
    hxx = 4 - 12.6 * x**2 + 5 * x**4
    H = np.stack([np.stack([hxx, 0 * x + 1], -1), np.stack([0 * x + 1, 0 * x + 2], -1)], -2)
    return camel3(X), g, H


def test_minima_are_polished_to_the_last_bits():
    """The descent stops ~1e-9 away, where f no longer changes in floats; Newton finishes."""
    minima, _ = find_critical_points(camel3, camel3_fgh, ((-2.0, 2.0), (-2.0, 2.0)))
    assert len(minima) == 3 and minima[0].point == pytest.approx((0, 0), abs=1e-15)
    g = camel3_fgh(np.array([m.point for m in minima]))[1]
    assert np.abs(g).max() < 1e-13


def test_a_shallow_basin_beside_a_deep_one_is_found():
    """Six-hump camel's two highest minima (f = 2.104) lie where the descent's first wide steps
    leave for deeper valleys: Newton's end points there still make them known."""

    def f(X):
        x, y = X[..., 0], X[..., 1]
        return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2

    def fgh(X):
        x, y = X[..., 0], X[..., 1]
        g = np.stack([8 * x - 8.4 * x**3 + 2 * x**5 + y, x - 8 * y + 16 * y**3], -1)
        one = 0 * x + 1
        H = np.stack(
            [np.stack([8 - 25.2 * x**2 + 10 * x**4, one], -1), np.stack([one, -8 + 48 * y**2], -1)],
            -2,
        )
        return f(X), g, H

    minima, _ = find_critical_points(f, fgh, ((-2.0, 2.0), (-1.0, 1.0)))
    assert [round(m.value, 4) for m in minima] == [
        -1.0316,
        -1.0316,
        -0.2155,
        -0.2155,
        2.1043,
        2.1043,
    ]
    assert minima[0].point[0] < 0 < minima[1].point[0]
