"""Benchmark the model landscapes (surfaces/models.py) next to Rosenbrock, in one run.

    python bench/models.py [--repeats N] [--steps T] [--quick]

Three measurements, each with its ratio to Rosenbrock measured in the same run (the machine is
shared and noisy: read the ratios, not the seconds):

  cost      one (f, ∇f) on 6 400 points, relative to Himmelblau's, printed next to the
            `Surface.cost` the work budget (app/state/budget.py) charges for it;
  rerun     the explore view's server time of one AppTest rerun after the first racer's rate
            changed (simulate, diagnose, figures and, on a model, the data view);
  basins    a 120 × 120 basin map of GD (`optimizers.lab.basin_map`, T steps), as the basins
            view runs it when the budget allows it.

The data landscapes are measured at their largest size (n = 1000 rows, 700 of them training).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.heap import keep_freed_memory  # noqa: E402
from optimizers.lab.basins import basin_map  # noqa: E402
from optimizers.rules import gd  # noqa: E402
from surfaces import make_surface  # noqa: E402

# name, surface parameters, a rate GD converges with from most starts
LANDSCAPES = (
    ("rosenbrock", {}, 0.001),
    ("logistic", {"n": 1000}, 0.5),
    ("tiny_net", {"n": 1000}, 1.0),
)


def best_s(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def point_cost(surface, himmelblau, repeats: int) -> float:
    """Time of one (f, ∇f) on 6 400 points relative to Himmelblau's."""
    p = np.random.default_rng(0).uniform(-2, 2, (6400, 2))
    return best_s(lambda: surface.value_and_grad(p), repeats) / best_s(
        lambda: himmelblau.value_and_grad(p), repeats
    )


def rerun_s(name: str, params: dict, lr: float, repeats: int) -> float:
    """Best server time of an explore AppTest rerun after a rate change."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
    at.query_params["surface"] = name + "".join(
        (":" if i == 0 else ",") + f"{k}={v}" for i, (k, v) in enumerate(params.items())
    )
    at.query_params["opt"] = f"gd:lr={lr}"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    best = float("inf")
    for i in range(repeats):
        at.number_input(key="r0:lr").set_value(lr * (1.0 + 0.01 * (i + 1)))
        t0 = time.perf_counter()
        at.run()
        best = min(best, time.perf_counter() - t0)
        assert not at.exception, [e.message for e in at.exception]
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=100, help="basin map steps")
    parser.add_argument("--quick", action="store_true", help="20 steps, 1 repeat")
    args = parser.parse_args()
    repeats, steps = (1, 20) if args.quick else (args.repeats, args.steps)
    keep_freed_memory()
    print(f"load average {os.getloadavg()[0]:.2f}; basin map 120 × 120, GD, {steps} steps")
    himmelblau = make_surface("himmelblau")
    rows = []
    for name, params, lr in LANDSCAPES:
        s = make_surface(name, **params)
        cost = point_cost(s, himmelblau, max(repeats, 3))
        rerun = rerun_s(name, params, lr, repeats)
        basins = best_s(lambda s=s, lr=lr: basin_map(s, gd(), lr, n=120, steps=steps), repeats)
        rows.append((name, params, s.cost, cost, rerun, basins))
    base = rows[0]
    print(
        f"{'landscape':24s} {'Surface.cost':>12s} {'measured':>9s} "
        f"{'explore rerun':>14s} {'ratio':>6s} {'basin map':>10s} {'ratio':>7s}"
    )
    for name, params, charged, cost, rerun, basins in rows:
        label = name + "".join(f" {k}={v}" for k, v in params.items())
        print(
            f"{label:24s} {charged:12.3g} {cost:8.3g}× {rerun * 1e3:12.0f}ms "
            f"{rerun / base[4]:5.2f}× {basins:9.2f}s {basins / base[5]:6.1f}×"
        )
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
