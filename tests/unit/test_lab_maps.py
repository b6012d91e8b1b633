"""Progress reporting of the chunked lab maps, basin-map starts where the landscape is undefined,
and the SGD runs' own random stream."""

from __future__ import annotations

import numpy as np
import pytest

from optimizers.diagnostics import Outcome, diagnose
from optimizers.lab.basins import UNDEFINED, basin_map, defined_at
from optimizers.lab.chunks import row_chunks
from optimizers.lab.phase import phase_diagram
from optimizers.lab.sgd import runs_seed
from optimizers.rules import gd
from optimizers.simulate import simulate
from surfaces import make_surface
from surfaces.data import make_regression_data, sample_rows
from surfaces.formula import make_formula_surface

BOX = ((-3.0, 3.0), (-3.0, 3.0))  # 12 starts per side: xs = −3 … 3, none at x = 0


class Recorder:
    """An on_chunk callback that keeps every (done, total) it is told."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))


# --------------------------------------------------------------------------- row_chunks


def test_row_chunks_cover_every_row_once_and_report_after_each():
    seen, log = [], []
    on_chunk = Recorder()
    for part in row_chunks(10, 4, on_chunk):
        log.append(list(on_chunk.calls))  # what was reported before this chunk ran
        seen.extend(range(10)[part])
    assert seen == list(range(10))
    assert log == [[(0, 10)], [(0, 10), (4, 10)], [(0, 10), (4, 10), (8, 10)]]
    assert on_chunk.calls == [(0, 10), (4, 10), (8, 10), (10, 10)]


def test_row_chunks_refuse_an_empty_chunk():
    with pytest.raises(ValueError, match="chunk size"):
        list(row_chunks(10, 0))


# --------------------------------------------------------------------------- basin map


def test_basin_map_reports_its_starts_chunk_by_chunk():
    himmelblau = make_surface("himmelblau")
    on_chunk = Recorder()
    watched = basin_map(himmelblau, gd(), 0.01, n=12, steps=100, chunk=50, on_chunk=on_chunk)
    assert on_chunk.calls == [(0, 144), (50, 144), (100, 144), (144, 144)]
    plain = basin_map(himmelblau, gd(), 0.01, n=12, steps=100, chunk=50)
    assert np.array_equal(watched.label, plain.label)
    assert np.array_equal(watched.steps, plain.steps)


def test_defined_at_is_where_f_and_its_gradient_are_finite():
    surface = make_formula_surface("sqrt(x)+y^2", BOX)
    points = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [4.0, -2.0]])
    # √x: undefined for x < 0; at x = 0 the value is 0 but the slope 1/(2√x) is infinite
    assert defined_at(surface, points).tolist() == [True, False, False, True]


def test_basin_map_marks_undefined_starts_and_runs_the_rest():
    """√x + (x − 2)² + y²: no run can start at x < 0 (√x undefined); every other start of the
    grid runs and reaches the one minimum, at x ≈ 1.81."""
    surface = make_formula_surface("sqrt(x)+(x-2)^2+y^2", BOX)
    (minimum,) = surface.minima
    assert minimum.point[0] == pytest.approx(1.8144, abs=1e-3)
    m = basin_map(surface, gd(), 0.1, n=12, steps=300)
    left = np.broadcast_to(m.xs < 0, m.label.shape)  # [i, j] ↔ (xs[j], ys[i])
    assert left.sum() == 72
    assert (m.label[left] == UNDEFINED).all() and (m.kind[left] == UNDEFINED).all()
    assert (m.steps[left] == -1).all()
    assert (m.label[~left] == 0).all() and (m.kind[~left] == Outcome.CONVERGED).all()
    assert (m.steps[~left] > 0).all()


@pytest.mark.parametrize("text", ["sqrt(x)+y^2", "x^y"])
def test_defined_starts_get_the_outcome_they_get_alone(text):
    """x^y and √x + y² are undefined at x < 0 (this grid has no column at x = 0): those
    starts are UNDEFINED, every other start gets exactly the diagnosis of its own run, whatever
    it is (here: some step into x < 0, where f is not defined, the others crawl or stall)."""
    surface = make_formula_surface(text, BOX)
    m = basin_map(surface, gd(), 0.05, n=12, steps=120, chunk=25)
    gx, gy = np.meshgrid(m.xs, m.ys)
    starts = np.stack([gx.ravel(), gy.ravel()], axis=-1)
    ok = starts[:, 0] > 0
    assert ((m.label == UNDEFINED).ravel() == ~ok).all()
    alone = diagnose(surface, simulate(surface, gd(), 0.05, starts[ok], 120))
    np.testing.assert_array_equal(m.kind.ravel()[ok], alone.kind)
    assert set(alone.kind.tolist()) >= {Outcome.UNDEFINED}  # an honest outcome, not a crash


def test_basin_map_progress_counts_the_starts_that_run():
    surface = make_formula_surface("sqrt(x)+y^2", BOX)
    on_chunk = Recorder()
    basin_map(surface, gd(), 0.05, n=12, steps=50, chunk=50, on_chunk=on_chunk)
    assert on_chunk.calls == [(0, 72), (50, 72), (72, 72)]


def test_basin_map_over_a_box_where_nothing_is_defined_runs_nothing():
    surface = make_formula_surface("sqrt(x)+y^2", BOX)
    on_chunk = Recorder()
    nowhere = ((-3.0, -1.0), (-1.0, 1.0))
    m = basin_map(surface, gd(), 0.05, n=5, steps=50, domain=nowhere, on_chunk=on_chunk)
    assert (m.label == UNDEFINED).all() and (m.steps == -1).all()
    assert on_chunk.calls == [(0, 0)]


# --------------------------------------------------------------------------- phase diagram


def test_phase_diagram_in_chunks_is_the_same_diagram():
    ravine = make_surface("ravine")
    lrs, mus = np.geomspace(0.005, 1.2, 9), np.linspace(0.0, 0.95, 7)
    on_chunk = Recorder()
    chunked = phase_diagram(ravine, None, lrs, mus, 300, chunk=10, on_chunk=on_chunk)
    whole = phase_diagram(ravine, None, lrs, mus, 300, chunk=63)
    assert chunked.steps_to_converge.shape == (7, 9)
    assert chunked.diverged.any() and not chunked.diverged.all()  # both kinds of row
    for a, b in zip(chunked, whole, strict=True):
        assert np.array_equal(a, b)
    done = [d for d, _ in on_chunk.calls]
    assert done == [0, 10, 20, 30, 40, 50, 60, 63]
    assert {t for _, t in on_chunk.calls} == {63}


def test_phase_diagram_default_chunks_bound_the_history_memory():
    ravine = make_surface("ravine")
    on_chunk = Recorder()
    lrs, mus = np.geomspace(0.005, 1.2, 40), np.linspace(0.0, 0.95, 40)
    phase_diagram(ravine, None, lrs, mus, 2000, on_chunk=on_chunk)
    # 1 600 rows × 2 001 steps × 32 bytes is ~100 MB at once; 64 MiB chunks split it
    assert len(on_chunk.calls) > 2


# --------------------------------------------------------------------------- SGD seeds


def first_batch_spread(seeds, runs_seed_of) -> float:
    """Mean |x − x̄| of the points in run 0's first mini-batch (4 of 100), over data seeds."""
    spreads = []
    for seed in seeds:
        data = make_regression_data(100, seed)
        rows = sample_rows(100, 20, 4, np.random.default_rng(runs_seed_of(seed)))
        spreads.append(np.abs(data.x - 1.0)[rows[0]].mean())
    return float(np.mean(spreads))


def test_runs_seed_is_a_stable_int_of_its_own():
    assert runs_seed(3) == runs_seed(3)
    assert isinstance(runs_seed(3), int) and runs_seed(3) != 3
    assert len({runs_seed(s) for s in range(100)}) == 100


def test_runs_mini_batches_do_not_follow_the_data_draw():
    # Over 600 data sets, a uniform pick of 4 of the 100 points has mean |x − x̄| ≈ 0.80
    # (± 0.013 for the mean of 600). Seeding the runs with the data's own seed reuses the
    # data's random words: run 0's first batch then favours points near x̄.
    seeds = range(600)
    assert first_batch_spread(seeds, lambda s: s) < 0.65  # the flaw runs_seed avoids
    assert first_batch_spread(seeds, runs_seed) == pytest.approx(0.80, abs=0.05)
