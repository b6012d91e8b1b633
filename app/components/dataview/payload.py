"""What the data view component is sent once per scene: the map's blob format (a JSON header +
float32 arrays, app/components/map/payload.py), with the rows and each racer's model.

Arrays: "idx" (K,) the kept steps (the map's thinning, `run_steps`); per set ("train", "val")
"{set}.x", "{set}.y" (the drawn coordinates: feature 1 and feature 2, or the label with a fixed
jitter on a one-feature model) and "{set}.c" (the class); per racer i "r{i}.w", "r{i}.v" (its
parameters at each kept step, frozen at the last finite point of a diverged run) and
"r{i}.train_loss", "r{i}.val_loss", "r{i}.train_acc", "r{i}.val_acc" at the same steps.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.components.map.payload import Packer, racer_header, run_steps
from app.figures.data import Run
from app.figures.model_plots import Curves, axis_titles, data_box, plotted_rows


def scene_blob(
    surface,
    runs: Sequence[Run],
    curves: Sequence[Curves],
    *,
    steps: int,
    present: bool = False,
) -> bytes:
    """The data view's scene of a model `surface`: `curves[i]` are racer i's curves at every
    step (curves_at). The view follows the map's playback (contour or 3-D)."""
    model = surface.model
    pack = Packer()
    idx = run_steps(steps)
    pack.add("idx", idx)
    for which, (x, y, c) in plotted_rows(model).items():
        pack.add(f"{which}.x", x)
        pack.add(f"{which}.y", y)
        pack.add(f"{which}.c", c)
    header_runs = []
    for i, (run, curve) in enumerate(zip(runs, curves, strict=True)):
        at = np.minimum(idx, run.last)
        pack.add(f"r{i}.w", run.positions[at, 0])
        pack.add(f"r{i}.v", run.positions[at, 1])
        for name in Curves._fields:
            pack.add(f"r{i}.{name}", getattr(curve, name)[at])
        header_runs.append(racer_header(i, run))
    lo, hi = data_box(model)
    two_d = model.data.x_train.shape[1] > 1
    header = {
        "v": 1,
        "kind": model.kind,
        "box": [float(lo[0]), float(hi[0])]
        + ([float(lo[1]), float(hi[1])] if two_d else [-0.15, 1.15]),
        "axes": list(axis_titles(surface)),
        "steps": int(steps),
        "runs": header_runs,
        "present": bool(present),
    }
    return pack.blob(header)
