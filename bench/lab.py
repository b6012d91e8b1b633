"""Benchmark the learning-rate lab's heavy experiments against the engine, side by side.

    python bench/lab.py [--quick]

Prints wall time and trajectory-steps per second (rows × steps / s) of
  - the engine baseline: simulate, Adam on Rosenbrock, B = 10 000, 500 steps;
  - a 200 × 200 basin map (500 steps; GD and Adam on Himmelblau);
  - a 40 × 40 learning-rate × momentum phase diagram (300 steps, ravine);
each with its throughput ratio to the baseline measured in the same run (the machine is shared
and noisy: compare ratios, not seconds), and the peak traced memory of the basin map.
Best of `REPEATS` runs. Each basin map also gets PASS / FAIL against its target: a 200 × 200
map of 500 steps within `BASIN_TARGET_S` seconds of wall time (best of the runs); --quick runs a
smaller map, for which the target does not apply. Like the server (app/shell.py), it first asks
glibc to keep freed heap memory for reuse (app/heap.py); --default-heap measures without that.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.heap import keep_freed_memory
from optimizers.lab.basins import basin_map
from optimizers.lab.chunks import chunk_size
from optimizers.lab.phase import phase_diagram
from optimizers.rules import adam, gd
from optimizers.simulate import simulate
from surfaces import make_surface

REPEATS = 3
BASIN_TARGET_S = 2.0  # a 200 × 200 basin map, 500 steps: ≤ 2 s wall (best of REPEATS)
BASIN_TARGET_SIZE = (200, 500)  # (n, steps) the target is stated for


def basin_verdict(seconds: float, n: int, steps: int) -> str:
    """'PASS' / 'FAIL' (best wall time ≤ BASIN_TARGET_S) at the target's size, else 'n/a'."""
    if (n, steps) != BASIN_TARGET_SIZE:
        return "n/a"
    return "PASS" if seconds <= BASIN_TARGET_S else "FAIL"


def best_time(fn, repeats: int = REPEATS) -> float:
    """Fastest wall time of `repeats` calls."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def peak_bytes(fn) -> int:
    """Peak memory traced by tracemalloc (NumPy reports its buffers to it) during one call."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes for a smoke run")
    parser.add_argument(
        "--default-heap", action="store_true", help="leave glibc's heap trimming as it is"
    )
    args = parser.parse_args()
    heap = "glibc default" if args.default_heap or not keep_freed_memory() else "kept (as the app)"
    print(f"freed heap memory: {heap}")
    n, batch, steps = (60, 2_000, 200) if args.quick else (200, 10_000, 500)
    rosen, himmel, ravine = (make_surface(s) for s in ("rosenbrock", "himmelblau", "ravine"))

    rng = np.random.default_rng(0)
    (x0, x1), (y0, y1) = rosen.domain
    starts = np.column_stack([rng.uniform(x0, x1, batch), rng.uniform(y0, y1, batch)])
    base_t = best_time(lambda: simulate(rosen, adam(), 1e-2, starts, steps))
    base_rate = batch * steps / base_t

    rows = [("engine: simulate Adam Rosenbrock", batch, steps, base_t, "")]
    for name, opt, lr in (("GD", gd(), 0.01), ("Adam", adam(), 0.05)):
        t = best_time(lambda opt=opt, lr=lr: basin_map(himmel, opt, lr, n=n, steps=steps))
        verdict = basin_verdict(t, n, steps)
        rows.append((f"basin map {n}×{n} {name} Himmelblau", n * n, steps, t, verdict))
    lrs, mus = np.geomspace(0.01, 2.0, 40), np.linspace(0.0, 0.95, 40)
    t = best_time(lambda: phase_diagram(ravine, ravine.start, lrs, mus, steps=300))
    rows.append(("phase diagram 40×40 ravine", 1600, 300, t, ""))

    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"NumPy {np.__version__}, load average {os.getloadavg()[0]:.1f}\n"
    )
    head = f"{'experiment':40s} {'rows':>7s} {'steps':>6s} {'time s':>8s} {'traj-steps/s':>13s}"
    print(head, f"ratio  verdict (≤ {BASIN_TARGET_S:g} s at 200×200, 500 steps)")
    for label, b, s, t, verdict in rows:
        rate = b * s / t
        line = f"{label:40s} {b:7d} {s:6d} {t:8.3f} {rate:13.3g} {rate / base_rate:5.2f}  {verdict}"
        print(line.rstrip())

    chunk = chunk_size(steps)
    peak = peak_bytes(lambda: basin_map(himmel, gd(), 0.01, n=n, steps=steps))
    full = (steps + 1) * n * n * 2 * 8
    print(
        f"basin map peak traced memory: {peak / 2**20:.1f} MiB (chunks of {chunk} rows; "
        f"one positions array for all {n * n} starts would be {full / 2**20:.0f} MiB)"
    )
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
