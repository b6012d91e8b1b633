"""The regression landscape and its mini-batch gradients (surfaces/data.py)."""

from __future__ import annotations

import numpy as np
import pytest

from surfaces.data import (
    batch_gradient,
    least_squares_minimum,
    make_regression_data,
    minibatch_gradient,
    regression_surface,
    sample_rows,
)


@pytest.fixture(scope="module")
def data():
    return make_regression_data(n=60, seed=3, true_w=2.0, true_b=-1.0, noise=0.5)


@pytest.fixture(scope="module")
def surface(data):
    return regression_surface(data)


def direct_loss(data, p):
    """Loss straight from the definition, one point at a time."""
    w, b = p
    return 0.5 * np.mean((w * data.x + b - data.y) ** 2)


def test_loss_matches_definition_on_a_mesh(data, surface):
    pts = np.random.default_rng(0).uniform(-4, 4, (5, 7, 2))
    expected = np.array([[direct_loss(data, p) for p in row] for row in pts])
    np.testing.assert_allclose(surface.f(pts), expected, rtol=1e-12, atol=1e-12)


def test_gradient_and_hessian_match_finite_differences(surface):
    p = np.array([[0.3, -1.7], [3.0, 2.0], [-2.0, 0.5]])
    h = 1e-5
    for axis in range(2):
        e = np.zeros(2)
        e[axis] = h
        fd = (surface.f(p + e) - surface.f(p - e)) / (2 * h)
        np.testing.assert_allclose(surface.grad(p)[:, axis], fd, rtol=1e-7, atol=1e-8)
        fd_hess = (surface.grad(p + e) - surface.grad(p - e)) / (2 * h)
        np.testing.assert_allclose(surface.hess(p)[:, :, axis], fd_hess, rtol=1e-7, atol=1e-8)
    assert surface.hess(np.zeros((4, 3, 2))).shape == (4, 3, 2, 2)


def test_listed_minimum_is_the_least_squares_solution(data, surface):
    design = np.stack([data.x, np.ones_like(data.x)], axis=1)
    (w, b), *_ = np.linalg.lstsq(design, data.y, rcond=None)
    assert surface.global_min.point == pytest.approx((w, b), abs=1e-10)
    assert least_squares_minimum(data) == pytest.approx((w, b), abs=1e-10)
    assert surface.f_min == pytest.approx(direct_loss(data, (w, b)), rel=1e-12)
    np.testing.assert_allclose(surface.grad(np.array([w, b])), 0.0, atol=1e-12)
    (x0, x1), (y0, y1) = surface.domain
    assert x0 < w < x1 and y0 < b < y1
    assert x0 < surface.start[0] < x1 and y0 < surface.start[1] < y1


def test_batch_gradients_over_a_partition_average_to_the_full_gradient(data, surface):
    p = np.array([[0.5, 1.5], [-1.0, 2.0]])
    order = np.random.default_rng(1).permutation(len(data.x))
    batches = order.reshape(6, 10)  # an equal-size partition of the 60 rows
    grads = [batch_gradient(data, p, np.tile(rows, (len(p), 1))) for rows in batches]
    np.testing.assert_allclose(np.mean(grads, axis=0), surface.grad(p), rtol=1e-12, atol=1e-12)


def test_full_size_batch_is_the_exact_gradient(data, surface):
    p = np.random.default_rng(2).normal(size=(8, 2))
    g = minibatch_gradient(data, len(data.x))(p, 0, np.random.default_rng(0))
    np.testing.assert_allclose(g, surface.grad(p), rtol=1e-12, atol=1e-12)


def test_random_minibatch_gradient_is_unbiased(data, surface):
    """Mean of many independent batch gradients at one point -> the full gradient (≤ 5 s.e.)."""
    draws = 20_000
    p = np.tile([[0.0, 0.0]], (draws, 1))
    g = minibatch_gradient(data, 5)(p, 0, np.random.default_rng(4))
    standard_error = g.std(axis=0) / np.sqrt(draws)
    assert (np.abs(g.mean(axis=0) - surface.grad(p[0])) < 5 * standard_error).all()
    assert (g.std(axis=0) > 0).all()  # it really is noisy


def test_each_trajectory_draws_distinct_rows(data):
    rows = sample_rows(60, 500, 7, np.random.default_rng(0))
    assert rows.shape == (500, 7)
    assert all(len(set(r)) == 7 for r in rows.tolist())
    assert len({tuple(sorted(r)) for r in rows.tolist()}) > 450  # rows differ between runs


@pytest.mark.parametrize("size", [0, 61, 2.5])
def test_bad_batch_size_is_refused(data, size):
    with pytest.raises(ValueError, match="batch size"):
        minibatch_gradient(data, size)
