"""Small seeded two-class data sets for the model landscapes, split into train and validation.

    blobs(n, seed, ratio, rho)   -> (x (n, 2), y (n,))   two Gaussian classes, feature 2 in
                                                         units `ratio`× larger than feature 1
    teacher(n, seed)             -> (x (n, 1), y (n,))   two overlapping classes on a line,
                                                         labelled by a noisy tanh teacher
    split(x, y, val, seed)       -> Split                 a seeded train/validation split
    standardize(split)           -> Split                 z-scores with the TRAIN mean and std

Labels are 0/1 (float64). One integer `seed` fixes everything: the data's draws and the split's
shuffle come from two independent children of SeedSequence(seed), so changing the split
fraction never changes the points.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .base import Array


class Split(NamedTuple):
    """Train and validation rows: x (n, d) features, y (n,) labels in {0, 1}."""

    x_train: Array
    y_train: Array
    x_val: Array
    y_val: Array


def _streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """(data, split) generators: independent children of SeedSequence(seed)."""
    data, shuffle = np.random.SeedSequence(int(seed)).spawn(2)
    return np.random.default_rng(data), np.random.default_rng(shuffle)


def _labels(n: int) -> Array:
    """n labels, half 0 and half 1 (the extra one is a 1), in a fixed order."""
    return (np.arange(n) >= n // 2).astype(np.float64)


def _check_n(n: int) -> int:
    if int(n) != n or n < 4:
        raise ValueError(f"n must be a whole number ≥ 4, got {n!r}")
    return int(n)


def blobs(n: int, seed: int = 0, ratio: float = 5.0, rho: float = 0.3) -> tuple[Array, Array]:
    """Two Gaussian classes with means ±(1, 0.5) and covariance [[1, ρ], [ρ, 1]] in latent
    units; feature 1 is the latent coordinate u₁, feature 2 is ratio·u₂ (the same quantity
    in units `ratio` times larger, the unscaled table of the articles). The classes overlap,
    so the logistic loss has a finite minimum."""
    n = _check_n(n)
    if not (np.isfinite(ratio) and ratio > 0 and -1 < rho < 1):
        raise ValueError("ratio must be > 0 and −1 < rho < 1")
    rng, _ = _streams(seed)
    y = _labels(n)
    cov = np.array([[1.0, rho], [rho, 1.0]])
    u = rng.multivariate_normal([0.0, 0.0], cov, n, method="cholesky")
    u += np.where(y[:, None] > 0, 1.0, -1.0) * np.array([1.0, 0.5])
    return u * np.array([1.0, ratio]), y


def teacher(n: int, seed: int = 0, w: float = 1.5, v: float = 3.0, reach: float = 2.0):
    """Two classes on a line, labelled by a noisy teacher network: x ~ U(−reach, reach),
    P(y = 1 | x) = σ(v·tanh(w·x)). The classes overlap (no weight classifies every point) and
    their log-odds saturate, so a tanh unit fits them better than any straight logit."""
    n = _check_n(n)
    rng, _ = _streams(seed)
    x = rng.uniform(-reach, reach, n)
    odds = v * np.tanh(w * x)
    y = (rng.random(n) < 0.5 + 0.5 * np.tanh(0.5 * odds)).astype(np.float64)
    return x[:, None], y


def split(x: Array, y: Array, val: float, seed: int = 0) -> Split:
    """A seeded shuffle, then the last round(val·n) rows (at least 1 each side) validate."""
    n = len(y)
    if not (0 < val < 1):
        raise ValueError(f"the validation fraction must be in (0, 1), got {val!r}")
    _, rng = _streams(seed)
    order = rng.permutation(n)
    k = min(max(1, round(val * n)), n - 1)
    train, valid = order[: n - k], order[n - k :]
    return Split(x[train], y[train], x[valid], y[valid])


def standardize(s: Split) -> Split:
    """(x − mean)/std per feature, with the training rows' mean and std for both sets (what
    sklearn's StandardScaler fitted on the training set does)."""
    mean, std = s.x_train.mean(axis=0), s.x_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return Split((s.x_train - mean) / std, s.y_train, (s.x_val - mean) / std, s.y_val)
