"""Engine benchmark: Adam on Rosenbrock, T = 1000 steps, batches B ∈ {1, 100, 10 000}.

Prints trajectory-steps per second of `simulate` next to two references measured in the same
run: a straightforward pure-Python loop (plain floats, the math module, the same torch Adam
equations, one trajectory at a time, history kept in lists; it runs on at most PY_SUBSET
trajectories and is scaled, its cost being linear in B) and a hand-fused NumPy loop (Adam and
Rosenbrock written out with in-place ufuncs into preallocated buffers: the "careful NumPy" speed
that the engine's generic optimizer/surface interfaces give up a little of; it is also run
without the gradient-norm history, to show what that required output costs). Then the
milliseconds for 1000 steps at B = 1 and pass/fail against the targets (≥ 35 M trajectory-steps/s
at B = 10 000; ≤ 40 ms at B = 1). The machine is shared: engine and references run interleaved,
best of `--repeats`; wall and CPU (process_time) rates are both shown; read the ratios.

    python bench/engine.py [--repeats N]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizers import rules
from optimizers.simulate import simulate
from surfaces import make_surface

STEPS = 1000
LR = 1e-2
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8
BATCHES = (1, 100, 10_000)
PY_SUBSET = 100
TARGET_RATE = 35e6  # trajectory-steps/s at B = 10 000
TARGET_MS = 40.0  # ms for 1000 steps at B = 1


def starts(batch: int) -> np.ndarray:
    """Points scattered around the classic start (−1.5, 2) (none diverges at LR)."""
    return np.array([-1.5, 2.0]) + np.random.default_rng(0).uniform(-0.25, 0.25, (batch, 2))


def python_adam(x: float, y: float, steps: int) -> list[tuple[float, float, float]]:
    """One trajectory, plain floats: Rosenbrock (a=1, b=100) and torch's Adam."""
    m1 = m2 = v1 = v2 = 0.0
    history = [(x, y, (1 - x) ** 2 + 100 * (y - x * x) ** 2)]
    for t in range(1, steps + 1):
        r = y - x * x
        gx, gy = -2 * (1 - x) - 400 * x * r, 200 * r
        m1, m2 = BETA1 * m1 + (1 - BETA1) * gx, BETA1 * m2 + (1 - BETA1) * gy
        v1, v2 = BETA2 * v1 + (1 - BETA2) * gx * gx, BETA2 * v2 + (1 - BETA2) * gy * gy
        c1, c2 = 1 - BETA1**t, 1 - BETA2**t
        x -= LR * (m1 / c1) / (math.sqrt(v1 / c2) + EPS)
        y -= LR * (m2 / c1) / (math.sqrt(v2 / c2) + EPS)
        history.append((x, y, (1 - x) ** 2 + 100 * (y - x * x) ** 2))
    return history


def fused_numpy(
    x0: np.ndarray, steps: int, grad_norm: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Hand-fused batch loop: positions, loss and (if `grad_norm`) ‖∇f‖ histories, no divergence
    handling. Structure of arrays: x and y are contiguous rows (positions are stored (T+1, 2, B)
    and returned as a (T+1, B, 2) view), every ufunc writes in place into a preallocated buffer,
    and g² is computed once for both the norm and Adam's v. The most careful NumPy loop for this
    problem we know; `grad_norm=False` drops the (T+1, B) norm history simulate must return."""
    batch = len(x0)
    pos = np.empty((steps + 1, 2, batch))
    loss = np.empty((steps + 1, batch))
    gnorm = np.empty((steps + 1, batch)) if grad_norm else None
    pos[0] = x0.T
    m, v, g, g2, tmp = (np.zeros((2, batch)) for _ in range(5))
    r, dx = np.empty(batch), np.empty(batch)
    for t in range(steps + 1):
        x, y = pos[t]
        np.multiply(x, x, out=r)
        np.subtract(y, r, out=r)  # r = y − x²
        np.multiply(r, 200.0, out=g[1])  # ∂f/∂y = 200r
        np.subtract(x, 1.0, out=dx)
        np.multiply(x, g[1], out=g[0])
        np.subtract(dx, g[0], out=g[0])
        g[0] *= 2.0  # ∂f/∂x = 2(x − 1) − 400x·r
        np.multiply(dx, dx, out=loss[t])
        np.multiply(r, g[1], out=r)
        r *= 0.5
        loss[t] += r  # (x − 1)² + 100r²
        np.multiply(g, g, out=g2)
        if gnorm is not None:
            np.add(g2[0], g2[1], out=gnorm[t])
            np.sqrt(gnorm[t], out=gnorm[t])
        if t == steps:
            break
        np.subtract(g, m, out=tmp)
        tmp *= 1 - BETA1
        m += tmp  # m ← β₁m + (1 − β₁)g
        g2 -= v
        g2 *= 1 - BETA2
        v += g2  # v ← β₂v + (1 − β₂)g²
        sqrt_bc2 = math.sqrt(1 - BETA2 ** (t + 1))
        np.sqrt(v, out=tmp)
        tmp += EPS * sqrt_bc2
        np.divide(m, tmp, out=tmp)
        tmp *= -LR * sqrt_bc2 / (1 - BETA1 ** (t + 1))
        np.add(pos[t], tmp, out=pos[t + 1])
    return pos.transpose(0, 2, 1), loss, gnorm


def timed(fn) -> tuple[float, float]:
    """(wall, CPU) seconds of one call; CPU (process_time) is less hurt by other processes."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def best_of(fns: dict, repeats: int) -> dict[str, tuple[float, float]]:
    """Fastest (wall, CPU) of each function, calls interleaved, after one warm-up round."""
    best = {name: (math.inf, math.inf) for name in fns}
    for round_ in range(repeats + 1):
        for name, fn in fns.items():
            wall, cpu = timed(fn)
            if round_:
                best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    surface, adam = make_surface("rosenbrock"), rules.adam()
    x0 = starts(PY_SUBSET)
    engine = simulate(surface, adam, LR, x0, STEPS)
    fused = fused_numpy(x0, STEPS)
    for got, want in zip((*engine[:2], engine.grad_norm), fused, strict=True):
        assert np.allclose(got, want, rtol=1e-9, atol=1e-12), "engine and fused loop disagree"
    assert np.allclose(engine.positions[-1, 0], python_adam(*x0[0], STEPS)[-1][:2], rtol=1e-9)

    print(
        f"Adam on Rosenbrock, T = {STEPS}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    print("M trajectory-steps/s, wall (CPU); ratios of wall rates.\n")
    print(
        "| B | simulate | fused NumPy | fused, no ‖∇f‖ history | pure Python | ÷ fused | ÷ Python |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    engine_times = {}
    for batch in BATCHES:
        pts, sub = starts(batch), starts(min(batch, PY_SUBSET))
        best = best_of(
            {
                "simulate": lambda pts=pts: simulate(surface, adam, LR, pts, STEPS),
                "fused": lambda pts=pts: fused_numpy(pts, STEPS),
                "no_norm": lambda pts=pts: fused_numpy(pts, STEPS, grad_norm=False),
            },
            args.repeats if batch < 10_000 else max(2, args.repeats // 2),
        )
        python = {"python": lambda sub=sub: [python_adam(*p, STEPS) for p in sub]}
        best |= best_of(python, 1)
        rows = {"simulate": batch, "fused": batch, "no_norm": batch, "python": len(sub)}
        rate = {k: [rows[k] * STEPS / s / 1e6 for s in best[k]] for k in rows}
        engine_times[batch] = best["simulate"]
        cells = " | ".join(f"{rate[k][0]:.3g} ({rate[k][1]:.3g})" for k in rows)
        ratios = [rate["simulate"][0] / rate[k][0] for k in ("fused", "python")]
        print(f"| {batch:,} | {cells} | {ratios[0]:.2f} | {ratios[1]:.3g}× |")

    ms = [s * 1e3 for s in engine_times[1]]
    rate = [10_000 * STEPS / s for s in engine_times[10_000]]
    print()
    print(
        f"B = 1, 1000 steps: {ms[0]:.1f} ms wall ({ms[1]:.1f} ms CPU), target ≤ {TARGET_MS:.0f} "
        f"ms: {verdict(ms[0] <= TARGET_MS)} (CPU: {verdict(ms[1] <= TARGET_MS)})"
    )
    print(
        f"B = 10 000: {rate[0] / 1e6:.1f} M steps/s wall ({rate[1] / 1e6:.1f} M CPU), target ≥ "
        f"{TARGET_RATE / 1e6:.0f} M: {verdict(rate[0] >= TARGET_RATE)} "
        f"(CPU: {verdict(rate[1] >= TARGET_RATE)})"
    )


if __name__ == "__main__":
    main()
