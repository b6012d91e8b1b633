"""What the map component is sent once per scene: one binary blob, a JSON header + float32.

Layout: uint32 little-endian header length n, n bytes of UTF-8 JSON (space-padded to a
multiple of 4), then the float32 arrays the header's "arrays" table points into as
[offset, length] in floats. The browser maps them as Float32Arrays without copying.
No Streamlit here (pure; tested directly).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from app.figures.data import HEIGHT_TITLE, Landscape, Run, as_drawn_on_map, f32, keep_indices
from app.figures.style import LANDSCAPE_SCALE

MAX_RUN_POINTS = 2000  # per racer: every step of a run up to 2 000 steps
MAX_BATCH_POINTS = 200  # per value of a scrub batch
DENSE_HEAD = 100  # the first steps of a batch run are all kept (a diverging run is quick)
CONTOUR_LEVELS = 24
SURFACE_GRID = 60  # nodes per side of the 3-D view's mesh: 60 × 60 float32 = 14.4 kB
MODES = ("contour", "3d")
SLICE_T = (-0.5, 1.5)  # the slice's range of t along the step (0: before it, 1: after it)
SLICE_N = 21  # samples per step, 0.1 apart: t = 0 and t = 1 are samples 5 and 15


@dataclass(frozen=True)
class ScrubBatch:
    """One racer run over a grid of one setting (`param`: "lr" or "momentum") as a batch,
    thinned for drawing: (R, K) arrays over the steps `idx` (K,), NaN where a run has no
    point (off the map / after diverging)."""

    param: str
    racer: int
    values: np.ndarray  # (R,) ascending, the racer's own value among them
    current: int  # index of the racer's own value
    idx: np.ndarray  # (K,) steps
    px: np.ndarray
    py: np.ndarray
    loss: np.ndarray  # f − f*
    lr: np.ndarray
    grad_norm: np.ndarray
    labels: tuple[str, ...]  # what happened, per rate
    diverged_at: np.ndarray  # (R,) step or −1
    mark: float | None  # the stability limit on this control (see compute.scrub_batch)


class Packer:
    """Collects float32 arrays and their [offset, length] entries for the header."""

    def __init__(self) -> None:
        self.chunks: list[np.ndarray] = []
        self.table: dict[str, list[int]] = {}
        self.size = 0

    def add(self, name: str, values) -> None:
        a = f32(values).ravel()
        self.table[name] = [self.size, int(a.size)]
        self.chunks.append(a)
        self.size += int(a.size)

    def blob(self, header: dict) -> bytes:
        header = {**header, "arrays": self.table}
        text = json.dumps(header, separators=(",", ":"), allow_nan=False).encode()
        text += b" " * (-len(text) % 4)
        body = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.float32)
        return struct.pack("<I", len(text)) + text + body.astype("<f4").tobytes()


def unpack(blob: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """The header and the arrays of a blob (the browser's reading, in Python for tests)."""
    (n,) = struct.unpack_from("<I", blob)
    header = json.loads(blob[4 : 4 + n])
    body = np.frombuffer(blob, dtype="<f4", offset=4 + n)
    arrays = {k: body[o : o + size] for k, (o, size) in header["arrays"].items()}
    return header, arrays


def run_steps(total: int, cap: int = MAX_RUN_POINTS, dense: int = 0) -> np.ndarray:
    """The steps kept of a run of `total` steps: all of the first `dense`, then ~cap spread."""
    idx = keep_indices(total, cap)
    if dense:
        idx = np.union1d(idx, np.arange(min(dense, total) + 1))
    return idx


def sampled(run: Run, box, idx: np.ndarray, floor: float) -> dict[str, np.ndarray]:
    """A run's map path and curves at the steps `idx`: NaN past where it is drawn.

    The path is the one the map draws (`as_drawn_on_map`: a diverged run ends where it left
    the map); the first kept step at or past that end shows the end point, so a run that
    leaves the map between two kept steps still reaches the border."""
    drawn = as_drawn_on_map(run, box)
    n_drawn = len(drawn.positions)
    at = np.minimum(idx, n_drawn - 1)
    pos = drawn.positions[at].copy()
    end = np.searchsorted(idx, n_drawn - 1)  # first kept step ≥ the drawn end
    pos[end + 1 :] = np.nan
    steps_lr = np.minimum(idx, len(run.lr) - 1)
    live = idx <= run.last
    upto = np.minimum(idx, run.last)
    loss = np.where(live, np.maximum(run.loss[upto] - floor, 1e-16), np.nan)
    grad = np.where(live, np.maximum(run.grad_norm[upto], 1e-16), np.nan)
    lr = np.where(live & (idx < len(run.lr)), run.lr[steps_lr], np.nan)  # lr: steps 0 … T−1
    return {"px": pos[:, 0], "py": pos[:, 1], "loss": loss, "lr": lr, "gn": grad}


def surface_grid(land: Landscape, n: int = SURFACE_GRID) -> dict[str, np.ndarray]:
    """The 3-D view's mesh: every ~len/n-th node of the landscape grid (its first and last
    kept), x (n,), y (n,) and the drawn height log1p((f − f*)/s) (n, n). (Paths and marks
    are lifted onto the surface in the browser, bilinear on the full grid "z" it already
    has: their heights cost no bytes.)"""
    ix = np.round(np.linspace(0, len(land.xs) - 1, n)).astype(int)
    iy = np.round(np.linspace(0, len(land.ys) - 1, n)).astype(int)
    return {"x3": land.xs[ix], "y3": land.ys[iy], "z3": land.height(land.f[np.ix_(iy, ix)])}


MARKERS = ("circle", "square", "triangle", "diamond", "down", "star")
DASHES = ((), (9, 4), (2, 3), (12, 3, 2, 3), (5, 5), (1, 2))


def racer_header(i: int, run: Run) -> dict:
    """How racer i is drawn and told apart (colour AND marker AND dash), in every component."""
    return {
        "label": run.label,
        "colour": run.colour,
        "marker": MARKERS[i % len(MARKERS)],
        "dash": list(DASHES[i % len(DASHES)]),
        "diverged": int(run.diverged_at),
    }


def slice_samples(
    f: Callable[[np.ndarray], np.ndarray],
    positions: np.ndarray,
    kept_steps: np.ndarray,
    n: int = SLICE_N,
) -> np.ndarray:
    """(K, n) loss along each kept step k's direction: f(x_k + t·d), d = x_{k+1} − x_k, for
    t = linspace(−0.5, 1.5, n) (t = 0 is x_k, t = 1 is x_{k+1}); NaN where the run has no step
    k → k+1 (its last point, or past `positions`) or the value is not finite."""
    pos = np.asarray(positions, dtype=np.float64)
    k = np.asarray(kept_steps, dtype=np.int64)
    has_next = k + 1 < len(pos)
    here = pos[np.minimum(k, len(pos) - 1)]
    step = pos[np.minimum(k + 1, len(pos) - 1)] - here
    t = np.linspace(*SLICE_T, n)
    points = here[:, None, :] + t[None, :, None] * step[:, None, :]
    with np.errstate(all="ignore"):
        values = np.asarray(f(points), dtype=np.float64)
    values[~has_next] = np.nan
    return np.where(np.isfinite(values), values, np.nan)


def scene_blob(
    land: Landscape,
    runs: Sequence[Run],
    start: Sequence[float],
    *,
    steps: int,
    batches: Sequence[ScrubBatch] = (),
    query: str = "",
    title: str = "",
    present: bool = False,
    mode: str = "contour",
    hidden: bool = False,
    predict: bool = False,
    autoplay: bool = False,
    prediction: Sequence[float] | None = None,
    slice_f: Callable[[np.ndarray], np.ndarray] | None = None,
    slice_racer: int = 0,
) -> bytes:
    """The scene as the component draws it (see the module docstring for the format).

    `present`: text sized for a projector. `mode`: the view it opens in, "contour" or "3d"
    (a view the browser chose is kept over it). `hidden` (a lesson before its reveal): only the
    landscape, the start(s) and minima and the racers at step 0; no path, curves, outcome
    or scrub is sent at all. `predict` (a hidden scene asking "where will it end?"): a click
    marks a prediction and comes back as "predict" (else a hidden map ignores clicks).
    `autoplay`: play once from step 0 when the scene first mounts (the reveal). `prediction`:
    a predicted end point to mark. `slice_f` (the surface's f): send the 1-D slice along each
    kept step of racer `slice_racer` (slice_samples)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    box = land.box
    pack = Packer()
    z = land.height(land.f)
    pack.add("z", z)
    idx = np.zeros(1, dtype=np.int64) if hidden else run_steps(steps)
    pack.add("idx", idx)
    header_runs = []
    for i, run in enumerate(runs):
        header = racer_header(i, run)
        if hidden:
            header.pop("diverged")
            pack.add(f"r{i}.px", run.positions[:1, 0])
            pack.add(f"r{i}.py", run.positions[:1, 1])
        else:
            for name, values in sampled(run, box, idx, land.floor).items():
                pack.add(f"r{i}.{name}", values)
            header["note"] = run.note or as_drawn_on_map(run, box).note
        header_runs.append(header)
    mesh = surface_grid(land)
    for name, values in mesh.items():
        pack.add(name, values)
    header = {
        "v": 1,
        "mode": mode,
        "box": list(box),
        "grid": {
            "w": len(land.xs),
            "h": len(land.ys),
            "zmin": float(z.min()),
            "zmax": float(z.max()),
            "levels": CONTOUR_LEVELS,
            "scale": LANDSCAPE_SCALE,
        },
        "surface": {
            "n": SURFACE_GRID,
            "zmin": float(mesh["z3"].min()),
            "zmax": float(mesh["z3"].max()),
            "s": float(land.scale),
            "title": HEIGHT_TITLE,
        },
        "minima": [list(map(float, m)) for m in land.minima],
        "saddles": [list(map(float, s)) for s in land.saddles],
        "start": [float(start[0]), float(start[1])],
        "steps": int(steps),
        "runs": header_runs,
        "query": query,
        "title": title,
        "present": bool(present),
        "hidden": bool(hidden),
        "predict": bool(predict and hidden),
        "autoplay": bool(autoplay and not hidden),
        "prediction": None if prediction is None else [float(v) for v in prediction[:2]],
        "slice": None,
        "scrubs": [],
    }
    if hidden:
        return pack.blob(header)
    if slice_f is not None and 0 <= slice_racer < len(runs):
        run = runs[slice_racer]
        pack.add("slice", slice_samples(slice_f, run.positions[: run.last + 1], idx))
        header["slice"] = {"racer": slice_racer, "t": list(SLICE_T), "n": SLICE_N}
    for j, batch in enumerate(batches):
        prefix = f"s{j}."
        pack.add(prefix + "idx", batch.idx)
        for name in ("px", "py", "loss", "lr", "grad_norm"):
            pack.add(prefix + ("gn" if name == "grad_norm" else name), getattr(batch, name))
        header["scrubs"].append(
            {
                "param": batch.param,
                "prefix": prefix,
                "racer": batch.racer,
                "values": [float(v) for v in batch.values],
                "current": int(batch.current),
                "labels": list(batch.labels),
                "diverged": [int(d) for d in batch.diverged_at],
                "mark": batch.mark,
                "k": len(batch.idx),
            }
        )
    return pack.blob(header)


def round_to_scale(point: Sequence[float], box) -> tuple[float, float]:
    """A clicked point rounded to what the eye can place: 3 significant digits at the domain's
    scale (its largest coordinate, or its width if smaller). On x, y ∈ [−6, 6] that is 0.01:
    (4.18, 2.75)."""
    x0, x1, y0, y1 = box
    span = max(abs(x1 - x0), abs(y1 - y0))
    scale = max(min(max(map(abs, box)), span), 1e-12)
    decimals = 2 - int(np.floor(np.log10(scale)))
    return tuple(round(float(v), decimals) + 0.0 for v in point[:2])  # type: ignore[return-value]
