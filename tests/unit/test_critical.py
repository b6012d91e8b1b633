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
