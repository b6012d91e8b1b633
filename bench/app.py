"""App benchmark: server time of one rerun and bytes of figure JSON, default scene and a race.

Two measurements per scene, interleaved and best of `--repeats` (the machine is shared):

  builders  the work of a rerun whose learning rate just changed, without Streamlit: simulate +
            diagnose + describe for every racer, the map component's scene blob (landscape,
            paths, curves, 1-D slice; no scrub batch) and the rate strip's HTML. The
            landscape grid is cached in the app, so it is built once outside the timing.
  rerun     a full AppTest rerun after changing the first racer's learning rate (widget → cached
            calls → figures → protobuf), i.e. the server time a student's click costs (an upper
            bound: it includes AppTest turning the protobuf messages back into elements).

Both are compared with a baseline measured in the same run: the bare `simulate` calls of the
scene (what any visualizer must pay). Targets: ≤ 150 ms per rerun, ≤ 1.5 MB sent.

    python bench/app.py [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.components.map.payload import scene_blob  # noqa: E402
from app.figures.data import Run, sample_landscape  # noqa: E402
from app.figures.rate_strip import rate_strip_html  # noqa: E402
from app.figures.style import colours_for  # noqa: E402
from app.state.settings import LR_MAX, LR_MIN, Settings, make_racer, to_query  # noqa: E402
from optimizers import make_optimizer, make_policy  # noqa: E402
from optimizers.diagnostics import describe, diagnose  # noqa: E402
from optimizers.simulate import simulate  # noqa: E402
from optimizers.stability import analyze  # noqa: E402
from surfaces import make_surface  # noqa: E402

TARGET_MS = 150.0
TARGET_BYTES = 1.5e6

SCENES = {
    "default (ravine, GD, 50 steps)": Settings(),
    "race of 6 (ravine, 50 steps)": Settings(
        racers=tuple(
            make_racer(name, 0.4)
            for name in ("gd", "momentum", "nesterov", "rmsprop", "adam", "adagrad")
        ),
    ),
    "race of 6 (Rosenbrock, 1000 steps)": Settings(
        surface="rosenbrock",
        racers=tuple(
            make_racer(name, lr)
            for name, lr in (
                ("gd", 0.001),
                ("momentum", 0.001),
                ("nesterov", 0.001),
                ("rmsprop", 0.01),
                ("adam", 0.05),
                ("adagrad", 0.5),
            )
        ),
        steps=1000,
    ),
}


def simulate_only(s: Settings, lrs) -> list:
    surface = make_surface(s.surface, **s.surface_values())
    start = np.array([surface.start])
    return [
        simulate(surface, make_optimizer(r.optimizer, **dict(r.hyper)), lr, start, s.steps)
        for r, lr in zip(s.racers, lrs, strict=True)
    ]


def builders(s: Settings, lrs, land) -> int:
    """Everything a rerun computes for scene `s` at rates `lrs`; returns figure JSON bytes."""
    surface = make_surface(s.surface, **s.surface_values())
    start = np.array([surface.start])
    colours = colours_for([r.optimizer for r in s.racers])
    runs = []
    for r, lr, colour in zip(s.racers, lrs, colours, strict=True):
        policy = make_policy(s.policy, lr, s.steps)
        opt = make_optimizer(r.optimizer, **dict(r.hyper))
        traj = simulate(surface, opt, policy, start, s.steps)
        describe(diagnose(surface, traj), 0, surface, traj=traj, lr=traj.lr[:, 0])
        runs.append(
            Run(
                r.optimizer, colour, traj.positions[:, 0], traj.loss[:, 0], traj.lr[:, 0],
                traj.grad_norm[:, 0], int(traj.diverged_at[0]),
            )
        )  # fmt: skip
    stab = analyze(surface, surface.minima[0].point)
    blob = scene_blob(land, runs, surface.start, steps=s.steps, slice_f=surface.f)
    rates = [(r.optimizer, lr, "#000", np.nan) for r, lr in zip(s.racers, lrs, strict=True)]
    strip = rate_strip_html(stab.lr_max_stable, stab.lr_best, rates, LR_MIN, LR_MAX)
    return len(blob) + len(strip.encode())


def apptest_rerun(s: Settings, repeats: int) -> tuple[float, int]:
    """Best server time (ms) of an AppTest rerun after an lr change, and the charts' bytes."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    for key, value in to_query(s).items():
        at.query_params[key] = value
    at.run()
    best = float("inf")
    lr0 = s.racers[0].lr
    for i in range(repeats):
        at.number_input(key="r0:lr").set_value(lr0 * (1.0 + 0.01 * (i + 1)))
        t0 = time.perf_counter()
        at.run()
        best = min(best, (time.perf_counter() - t0) * 1e3)
        assert not at.exception, [e.message for e in at.exception]
    sent = sum(len(el.proto.spec) for el in at.get("plotly_chart"))
    sent += sum(len(el.proto.bytes) for el in at.get("bidi_component"))  # the map's blob
    return best, sent


def best_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(f"{'scene':38s} {'simulate':>9s} {'builders':>9s} {'ratio':>6s} "
          f"{'AppTest rerun':>14s} {'ratio':>6s} {'figure JSON':>12s}  verdict")  # fmt: skip
    for name, s in SCENES.items():
        surface = make_surface(s.surface, **s.surface_values())
        land = sample_landscape(
            surface.f, surface.domain, [m.point for m in surface.minima], surface.saddles,
            surface.f_min,
        )  # fmt: skip
        lrs = [r.lr for r in s.racers]
        sim = best_ms(lambda s=s, lrs=lrs: simulate_only(s, lrs), args.repeats)
        build = best_ms(lambda s=s, lrs=lrs, land=land: builders(s, lrs, land), args.repeats)
        rerun, sent = apptest_rerun(s, args.repeats)
        ok = rerun <= TARGET_MS and sent <= TARGET_BYTES
        print(
            f"{name:38s} {sim:7.1f}ms {build:7.1f}ms {build / sim:5.1f}× {rerun:12.1f}ms "
            f"{rerun / sim:5.1f}× {sent / 1e3:9.0f} kB  {'PASS' if ok else 'FAIL'}"
            f" (targets ≤ {TARGET_MS:.0f} ms, ≤ {TARGET_BYTES / 1e6:.1f} MB)"
        )
    print(json.dumps({"note": "best of repeats; ratios are against bare simulate in this run"}))


if __name__ == "__main__":
    main()
