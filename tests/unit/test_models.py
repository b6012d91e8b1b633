"""Contract and reference tests of the model landscapes (surfaces/models.py, surfaces/datasets.py)
and of training with mini-batches (optimizers/lab/train.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize

from optimizers import OPTIMIZERS, POLICIES, make_optimizer, make_policy
from optimizers.lab import train as tr
from optimizers.rules import gd
from optimizers.simulate import simulate
from optimizers.stability import analyze
from surfaces import datasets, make_surface, models
from surfaces.critical import find_critical_points

CASES = [
    ("logistic", {}),
    ("logistic", {"scaled": 1}),
    ("logistic", {"ratio": 20.0, "seed": 7, "n": 150}),
    ("logistic", {"scaled": 1, "ratio": 1.0, "val": 0.5, "seed": 3}),
    ("tiny_net", {}),
    ("tiny_net", {"seed": 3, "n": 400, "val": 0.2}),
    ("tiny_net", {"seed": 11, "n": 100}),
]
IDS = ["-".join([name, *(f"{k}={v:g}" for k, v in p.items())]) for name, p in CASES]


@pytest.fixture(params=CASES, ids=IDS)
def surf(request):
    name, params = request.param
    return make_surface(name, **params)


def points(s, n: int = 200, seed: int = 0) -> np.ndarray:
    (x0, x1), (y0, y1) = s.domain
    u = np.random.default_rng(seed).uniform(size=(n, 2))
    return np.stack([x0 + u[:, 0] * (x1 - x0), y0 + u[:, 1] * (y1 - y0)], -1)


def central(fn, p: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """4th-order central differences along each coordinate: (n, 2, *fn_shape)."""
    cols = [
        (-fn(p + 2 * e) + 8 * fn(p + e) - 8 * fn(p - e) + fn(p - 2 * e)) / (12 * h)
        for e in np.eye(2) * h
    ]
    return np.stack(cols, axis=1)


# --------------------------------------------------------------------------- derivatives


def test_gradient_and_hessian_match_finite_differences(surf):
    p = points(surf)
    g, h = surf.grad(p), surf.hess(p)
    np.testing.assert_allclose(g, central(surf.f, p), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(h, central(surf.grad, p), rtol=1e-7, atol=1e-10)
    np.testing.assert_array_equal(h, np.swapaxes(h, -1, -2))


def per_sample(kind: str, p, x, y) -> tuple[float, list[float], float]:
    """Loss, gradient and accuracy by a plain loop over the rows (math module only)."""
    w1, w2 = float(p[0]), float(p[1])
    loss, grad, hits = 0.0, [0.0, 0.0], 0
    for xi, yi in zip(x.tolist(), y.tolist(), strict=True):
        if kind == "linear":
            z = w1 * xi[0] + w2 * xi[1]
            dz = xi
        else:
            t = math.tanh(w1 * xi[0])
            z = w2 * t
            dz = [w2 * xi[0] * (1 - t * t), t]
        loss += max(z, 0.0) + math.log1p(math.exp(-abs(z))) - yi * z
        s = 1 / (1 + math.exp(-z))
        grad = [grad[0] + (s - yi) * dz[0], grad[1] + (s - yi) * dz[1]]
        hits += (z > 0) == (yi > 0)
    n = len(y)
    return loss / n, [grad[0] / n, grad[1] / n], hits / n


def test_loss_gradient_and_accuracy_equal_a_per_sample_loop(surf):
    model = surf.model
    for p in points(surf, n=5, seed=4):
        for which in ("train", "val"):
            x, y = model.rows(which)
            loss, grad, acc = per_sample(model.kind, p, x, y)
            f, g = model.loss_and_grad(p, which)
            assert f == pytest.approx(loss, rel=1e-12)
            np.testing.assert_allclose(g, grad, rtol=1e-10, atol=1e-14)
            assert model.accuracy(p, which) == acc
        assert surf.f(p) == model.loss(p)


def test_chunks_give_the_same_numbers(surf, monkeypatch):
    p = points(surf, n=37, seed=5).reshape(37, 1, 2)
    whole = [surf.f(p), surf.grad(p), surf.hess(p), surf.model.accuracy(p)]
    monkeypatch.setattr(models, "CHUNK", 50)  # a few points per chunk
    np.testing.assert_allclose(surf.f(p), whole[0], rtol=1e-14)
    np.testing.assert_allclose(surf.grad(p), whole[1], rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(surf.hess(p), whole[2], rtol=1e-13, atol=1e-16)
    np.testing.assert_array_equal(surf.model.accuracy(p), whole[3])
    assert surf.f(np.zeros((0, 2))).shape == (0,)


def test_cost_is_rows_times_operations(surf):
    n = len(surf.model.data.y_train)
    assert surf.cost == n * models.ROW_COST[surf.model.kind]


# --------------------------------------------------------------------------- data


def test_split_is_seeded_and_disjoint():
    x, y = datasets.blobs(200, seed=4)
    a, b = datasets.split(x, y, 0.3, 4), datasets.split(x, y, 0.3, 4)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert len(a.y_val) == 60 and len(a.y_train) == 140
    rows = np.concatenate([a.x_train, a.x_val])
    assert sorted(map(tuple, rows)) == sorted(map(tuple, x))  # a partition of the data
    other = datasets.split(x, y, 0.3, 5)
    assert not np.array_equal(other.y_val, a.y_val)
    # the fraction moves rows between the sets, never changes the points
    np.testing.assert_array_equal(datasets.blobs(200, seed=4)[0], x)


def test_standardize_uses_training_statistics():
    x, y = datasets.blobs(300, seed=1, ratio=8.0)
    s = datasets.standardize(datasets.split(x, y, 0.3, 1))
    np.testing.assert_allclose(s.x_train.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(s.x_train.std(0), 1, atol=1e-12)
    assert abs(s.x_val.mean()) > 1e-6  # validation rows are scaled, not re-centred


def test_labels_are_two_balanced_classes():
    for x, y in (datasets.blobs(201, 0), datasets.teacher(201, 0)):
        assert set(np.unique(y)) <= {0.0, 1.0} and len(x) == len(y) == 201
    assert datasets.blobs(201, 0)[1].sum() == 101
    with pytest.raises(ValueError):
        datasets.split(*datasets.blobs(10, 0), 1.0)


# --------------------------------------------------------------------------- minima


@pytest.mark.parametrize(
    "params", [{}, {"scaled": 1}, {"ratio": 12.0, "seed": 9, "n": 500}], ids=str
)
def test_logistic_minimum_matches_scipy(params):
    s = make_surface("logistic", **params)
    ref = minimize(
        lambda p: float(s.f(p)),
        np.zeros(2),
        jac=lambda p: s.grad(p),
        method="BFGS",
        options={"gtol": 1e-12, "maxiter": 10_000},
    )
    np.testing.assert_allclose(s.minima[0].point, ref.x, atol=1e-6)
    assert s.minima[0].value == pytest.approx(ref.fun, abs=1e-12)
    x, y = s.model.rows("train")
    *_, acc = per_sample("linear", s.minima[0].point, x, y)
    assert s.model.accuracy(np.array(s.minima[0].point)) == acc


def test_scaling_turns_the_ravine_into_a_bowl():
    raw, scaled = make_surface("logistic"), make_surface("logistic", scaled=1)
    kappa = [analyze(s, s.minima[0].point).condition for s in (raw, scaled)]
    assert kappa[0] > 20 and kappa[1] < 3


def test_tiny_net_has_two_mirror_minima_and_a_saddle_at_the_origin():
    s = make_surface("tiny_net")
    (a, b) = (np.array(m.point) for m in s.minima)
    np.testing.assert_allclose(a, -b, atol=1e-9)
    assert s.minima[0].value == pytest.approx(s.minima[1].value, abs=1e-12)
    assert s.saddles == ((0.0, 0.0),) or np.allclose(s.saddles, 0, atol=1e-12)
    lo, hi = np.linalg.eigvalsh(s.hess(np.zeros(2)))
    assert lo < 0 < hi and lo == pytest.approx(-hi)  # [[0, c], [c, 0]]
    assert s.f(np.array([[-4.0, 0.0], [0.0, 0.0], [5.0, 0.0]])) == pytest.approx(math.log(2))
    # the finder, run again with a larger budget, finds nothing else inside the view
    fgh = lambda p: models.evaluate("tanh", p, *s.model.rows("train"), 2)  # noqa: E731
    minima, saddles = find_critical_points(s.f, fgh, s.domain, budget=400_000)
    assert len(minima) == 2 and len(saddles) == 1
    # the plateau around the saddle: f ≈ log 2 and a slope 20× smaller than further out
    near, out = np.linalg.norm(s.grad(np.array([[0.01, 0.01], [1.0, 1.0]])), axis=-1)
    assert near < out / 20 and s.f(np.array([0.01, 0.01])) == pytest.approx(math.log(2), abs=1e-4)


# --------------------------------------------------------------------------- training


def test_minibatches_partition_the_epoch_and_average_to_the_full_gradient(surf):
    model = surf.model
    n = len(model.data.y_train)
    p = points(surf, n=6, seed=6)
    for size in (1, 7, 32, n):
        batches = tr.epoch_batches(n, size, epoch=3, seed=2)
        assert len(batches) == tr.steps_per_epoch(n, size)
        assert sorted(np.concatenate(batches).tolist()) == list(range(n))
        weighted = sum(len(b) * model.batch_grad(p, b) for b in batches) / n
        np.testing.assert_allclose(weighted, surf.grad(p), rtol=1e-10, atol=1e-14)


def test_epochs_reshuffle_and_a_seed_reproduces_a_run():
    s = make_surface("logistic")
    n = len(s.model.data.y_train)
    first, second = tr.epoch_batches(n, 10, 0, 1), tr.epoch_batches(n, 10, 1, 1)
    assert not np.array_equal(first[0], second[0])
    start = np.array([s.start, (0.0, 0.0)])
    runs = [tr.train(s, gd(), 0.5, start, 3, 10, seed=seed) for seed in (1, 1, 2)]
    np.testing.assert_array_equal(runs[0].trajectory.positions, runs[1].trajectory.positions)
    np.testing.assert_array_equal(runs[0].val_acc, runs[1].val_acc)
    assert not np.array_equal(runs[0].trajectory.positions, runs[2].trajectory.positions)
    # one data order for the batch: row 1 is the run of its start alone (to rounding: matrix
    # products of different sizes may round differently)
    alone = tr.train(s, gd(), 0.5, start[1:], 3, 10, seed=1)
    np.testing.assert_allclose(
        alone.trajectory.positions[:, 0], runs[0].trajectory.positions[:, 1], rtol=1e-12
    )


def test_full_batch_training_is_gradient_descent_and_the_curves_are_exact():
    s = make_surface("tiny_net")
    n = len(s.model.data.y_train)
    run = tr.train(s, gd(), 2.0, np.array([s.start]), 40, n)
    plain = simulate(s, gd(), 2.0, np.array([s.start]), 40)
    np.testing.assert_allclose(run.trajectory.positions, plain.positions, rtol=1e-12, atol=1e-14)
    assert run.steps_per_epoch == 1
    x = run.trajectory.positions[17, 0]
    assert run.val_loss[17, 0] == pytest.approx(per_sample("tanh", x, *s.model.rows("val"))[0])
    assert run.train_acc[17, 0] == per_sample("tanh", x, *s.model.rows("train"))[2]
    np.testing.assert_array_equal(run.per_epoch(run.val_loss), run.val_loss)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_trains(name):
    s = make_surface("logistic", scaled=1)
    spec = OPTIMIZERS[name]
    run = tr.train(s, make_optimizer(name), spec.default_lr, np.array([s.start]), 4, 16)
    assert run.trajectory.positions.shape == (4 * run.steps_per_epoch + 1, 1, 2)
    assert run.steps_per_epoch == math.ceil(len(s.model.data.y_train) / 16)
    assert np.isfinite(run.val_loss).all() and np.isfinite(run.train_acc).all()


@pytest.mark.parametrize("name", list(POLICIES))
def test_every_schedule_trains(name):
    s = make_surface("tiny_net")
    per_epoch = tr.steps_per_epoch(len(s.model.data.y_train), 20)
    policy = make_policy(name, 1.0, 5 * per_epoch)
    run = tr.train(s, gd(), policy, np.array([s.start]), 5, 20)
    reference = simulate(
        s,
        gd(),
        make_policy(name, 1.0, 5 * per_epoch),
        np.array([s.start]),
        5 * per_epoch,
        gradient=tr.minibatch_gradient(s.model, 20, 0),
    )
    np.testing.assert_array_equal(run.trajectory.lr, reference.lr)


def test_reduce_on_plateau_of_the_validation_loss_matches_a_plain_loop():
    """GD with mini-batches and torch's ReduceLROnPlateau stepped with the validation loss at
    each epoch's end, written out as the articles' training loop."""
    s = make_surface("logistic")
    model, size, epochs = s.model, 35, 30
    params = {"factor": 0.5, "patience": 2, "threshold": 1e-3}
    run = tr.train(s, gd(), 0.7, np.array([s.start]), epochs, size, seed=5, val_plateau=params)
    n = len(model.data.y_train)
    x, lr, best, bad, rates = np.array(s.start), 0.7, math.inf, 0, []
    for epoch in range(epochs):
        for rows in tr.epoch_batches(n, size, epoch, 5):
            rates.append(lr)
            x = x - lr * model.batch_grad(x[None], rows)[0]
        val = float(model.loss(x, "val"))
        if val < best * (1 - 1e-3):
            best, bad = val, 0
        else:
            bad += 1
        if bad > 2:
            lr, bad = lr * 0.5, 0
    np.testing.assert_allclose(run.trajectory.positions[-1, 0], x, rtol=1e-12)
    np.testing.assert_array_equal(run.trajectory.lr[:, 0], rates)
    assert min(rates) < 0.7  # the plateau was reached and the rate cut


def test_bad_training_arguments_are_refused():
    s = make_surface("logistic")
    with pytest.raises(ValueError, match="batch size"):
        tr.train(s, gd(), 0.1, np.array([s.start]), 2, 0)
    with pytest.raises(ValueError, match="epochs"):
        tr.train(s, gd(), 0.1, np.array([s.start]), 0, 10)
