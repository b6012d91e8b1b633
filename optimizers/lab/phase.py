"""The phase diagram: which (learning rate, momentum) pairs converge from one start, with the
heavy-ball stability limit of the local quadratic at the minimum drawn over it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from surfaces import SurfaceLike

from optimizers.rules import sgd
from optimizers.simulate import simulate
from optimizers.stability import stable_lr

from .chunks import Progress, chunk_size, row_chunks
from .common import as_rates, repeat_start, stability_at_minimum, steps_to_tolerance

Array = np.ndarray


class PhaseDiagram(NamedTuple):
    """Heavy-ball runs from one start over a (μ, lr) grid; cell [i, j] ↔ (mus[i], lrs[j]).

    steps_to_converge (M, L): steps until f − f* < tol for good (−1: never / diverged);
    final_loss (M, L); diverged (M, L) bool; lam_max: largest Hessian eigenvalue at the global
    minimum; boundary_lr (M,) = (2 + 2μ)/λ_max, the heavy-ball stability limit of that local
    quadratic (0 < lr·λ < 2 + 2μ); gd_boundary = 2/λ_max (the μ = 0 limit).
    """

    lrs: Array
    mus: Array
    steps_to_converge: Array
    final_loss: Array
    diverged: Array
    lam_max: float
    boundary_lr: Array
    gd_boundary: float
    tol: float


def phase_diagram(
    surface: SurfaceLike,
    start: Any,
    lrs: Any,
    mus: Any,
    steps: int = 200,
    tol: float = 1e-6,
    chunk: int | None = None,
    on_chunk: Progress | None = None,
) -> PhaseDiagram:
    """Heavy ball (torch SGD with momentum μ, no dampening; μ = 0 is plain GD) from `start`:
    every one of the M × L (μ, lr) pairs is a row with its own μ and lr.

    The rows run in chunks of `chunk` (default `chunk_size(steps)`: bounded history memory; the
    rows never interact, so the answer does not depend on it); `on_chunk(done, total)` is told
    how many of the M × L pairs are done (see `row_chunks`).
    """
    rates = as_rates(lrs)
    momenta = np.atleast_1d(np.asarray(mus, dtype=np.float64))
    if momenta.ndim != 1 or not ((momenta >= 0) & (momenta < 1)).all():
        raise ValueError("momentum values must lie in [0, 1)")
    if surface.global_min is None:
        raise ValueError("a phase diagram needs a landscape with a known global minimum")
    shape = (len(momenta), len(rates))
    x0 = repeat_start(surface.start if start is None else start, momenta.size * rates.size)
    mu_rows, lr_rows = np.repeat(momenta, len(rates)), np.tile(rates, len(momenta))
    steps_k = np.empty(len(x0), dtype=np.int64)
    final = np.empty(len(x0))
    diverged = np.empty(len(x0), dtype=bool)
    rows = chunk_size(steps) if chunk is None else int(chunk)
    for part in row_chunks(len(x0), rows, on_chunk):
        traj = simulate(surface, sgd(momentum=mu_rows[part]), lr_rows[part], x0[part], steps)
        steps_k[part] = steps_to_tolerance(traj.loss, surface.f_min, tol, traj.diverged_at)
        final[part] = traj.loss[-1]
        diverged[part] = traj.diverged_at >= 0
        del traj
    stab = stability_at_minimum(surface)
    lam_max = float(stab.eigenvalues[1]) if stab is not None else float("nan")  # a kink
    gd_limit = float(stable_lr("gd", {}, lam_max))
    boundary = np.array([stable_lr("momentum", {"momentum": m}, lam_max) for m in momenta])
    return PhaseDiagram(
        rates,
        momenta,
        steps_k.reshape(shape),
        final.reshape(shape),
        diverged.reshape(shape),
        lam_max,
        boundary,
        gd_limit,
        float(tol),
    )
