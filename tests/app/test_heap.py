"""The server keeps freed heap memory, so NumPy's temporaries stop faulting pages in."""

from __future__ import annotations

import resource

import numpy as np
import pytest

from app.heap import keep_freed_memory
from surfaces.formula import make_formula_surface


def test_kept_heap_makes_repeated_evaluations_fault_free():
    """A typed Himmelblau on 10 000 points allocates ~30 temporaries of 80 kB per call: with
    glibc's default trimming that was ~260 page faults per call, with the heap kept none."""
    if not keep_freed_memory():
        pytest.skip("not glibc: nothing to tune")
    surface = make_formula_surface("(x^2 + y - 11)^2 + (x + y^2 - 7)^2")
    points = np.random.default_rng(0).uniform(-4, 4, (10_000, 2))
    for _ in range(5):
        surface.f_and_grad(points)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(50):
        surface.f_and_grad(points)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert faults < 50, f"{faults / 50:.1f} page faults per call"
