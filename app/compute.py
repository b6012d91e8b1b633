"""Cached calls into the core, keyed on primitive arguments only (shared by every view).

Every cache is bounded (`max_entries`) so memory stays flat with 30+ sessions. Objects that
hold functions (surfaces) or are only read (figures) live in `cache_resource`, the rest in
`cache_data`.
"""

from __future__ import annotations

import base64
import json
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from app.figures.data import Landscape, Run, f32, sample_landscape
from app.figures.style import for_projector
from app.state.settings import DEFAULT_DOMAIN, DEFAULT_FORMULA, FORMULA, LR_MAX, LR_MIN, Settings
from optimizers import OPTIMIZERS, make_optimizer, make_policy, suggest
from optimizers.diagnostics import describe, diagnose
from optimizers.rules import sgd
from optimizers.simulate import simulate
from optimizers.stability import NoQuadraticModel, Stability, analyze, stable_lr
from surfaces import Surface, make_surface
from surfaces.formula import make_formula_surface

from . import gate
from .components.map.payload import (
    DENSE_HEAD,
    MAX_BATCH_POINTS,
    ScrubBatch,
    run_steps,
    sampled,
)
from .gate import ResultCache

SurfaceKey = tuple  # (name, params pairs, formula, domain): primitives only
MAP_GRID = 120  # samples per side of the main map's contour


def warm_formula() -> None:
    """Compile the default formula once per process, at import, so the first ✎ formula of a
    class does not pay the formula module's first use (~50 ms of held GIL) during everyone's
    reruns, and its objects are in place before `gc.freeze()`."""
    x0, x1, y0, y1 = DEFAULT_DOMAIN
    make_formula_surface(DEFAULT_FORMULA, ((x0, x1), (y0, y1)))


warm_formula()


def surface_key(s: Settings) -> SurfaceKey:
    if s.surface == FORMULA:
        return (FORMULA, (), s.formula, s.domain)
    return (s.surface, s.surface_params, "", ())


@st.cache_resource(max_entries=64, show_spinner=False)
def get_surface(key: SurfaceKey) -> Surface:
    """The Surface for a key; a user formula may raise FormulaError (a ValueError)."""
    name, params, formula, domain = key
    if name == FORMULA:
        x0, x1, y0, y1 = domain
        return make_formula_surface(formula, ((x0, x1), (y0, y1)))
    return make_surface(name, **dict(params))


@st.cache_resource(max_entries=32, show_spinner=False)
def get_landscape(key: SurfaceKey, n: int = MAP_GRID) -> Landscape:
    """The surface sampled on an n × n plotting grid (once per surface and size)."""
    surface = get_surface(key)
    return sample_landscape(
        surface.f,
        surface.domain,
        minima=[m.point for m in surface.minima],
        saddles=surface.saddles,
        f_min=surface.f_min,
        n=n,
    )


class Outcome(NamedTuple):
    """One racer's run: the trajectory (B = 1) and what happened, in words."""

    positions: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    grad_norm: np.ndarray
    diverged_at: int
    kind: int
    sentence: str
    states: dict[str, np.ndarray]


@st.cache_data(max_entries=256, show_spinner=False)
def run_racer(
    key: SurfaceKey,
    optimizer: str,
    lr: float,
    hyper: tuple,
    policy: str,
    policy_params: tuple,
    warmup: int,
    steps: int,
    start: tuple[float, float],
    noise: float,
    seed: int,
    record: bool = False,
) -> Outcome:
    """Simulate one optimizer from `start` and describe the run (cached per racer).

    `record` keeps the optimizer's state history (for the step inspector; it costs ~15 %).
    """
    surface = get_surface(key)
    opt = make_optimizer(optimizer, **dict(hyper))
    rate = make_policy(policy, lr, steps, warmup_steps=warmup, **dict(policy_params))
    traj = simulate(
        surface,
        opt,
        rate,
        np.array([start], dtype=np.float64),
        steps,
        noise=noise,
        seed=seed,
        record_state=record,
    )
    diag = diagnose(surface, traj)
    sentence = describe(
        diag,
        0,
        surface,
        traj=traj,
        lr=traj.lr[:, 0],
        optimizer=optimizer,
        hyper=dict(hyper),
        noise=noise,
    )
    states = {k: v[:, 0] for k, v in (traj.states or {}).items()}
    return Outcome(
        traj.positions[:, 0],
        traj.loss[:, 0],
        traj.lr[:, 0],
        traj.grad_norm[:, 0],
        int(traj.diverged_at[0]),
        int(diag.kind[0]),
        sentence,
        states,
    )


def run_race(s: Settings, key: SurfaceKey, start, record: bool = False) -> list[Outcome]:
    return [
        run_racer(
            key,
            r.optimizer,
            r.lr,
            r.hyper,
            s.policy,
            s.policy_params,
            s.warmup,
            s.steps,
            tuple(start),
            s.noise,
            s.seed,
            record,
        )
        for r in s.racers
    ]


def as_run(label: str, colour: str, out: Outcome) -> Run:
    return Run(label, colour, out.positions, out.loss, out.lr, out.grad_norm, out.diverged_at)


@st.cache_data(max_entries=64, show_spinner=False)
def landscape_tip(key: SurfaceKey, steps: int | None = None) -> str:
    """The landscape's tip with its claims measured by running them for `steps` steps (the
    scene's; default the landscape's own) ('' without a tip)."""
    return suggest.tip(get_surface(key), steps)


@st.cache_data(max_entries=64, show_spinner=False)
def stability_at(key: SurfaceKey, point: tuple[float, float]) -> Stability | NoQuadraticModel:
    """The quadratic model at a point, or why it does not apply there (a kink: returned, not
    raised, so the cache keeps it too)."""
    try:
        return analyze(get_surface(key), point)
    except NoQuadraticModel as err:
        return err


TYPED = {
    np.dtype(name): code
    for name, code in (
        ("float32", "f4"),
        ("float64", "f8"),
        ("int32", "i4"),
        ("int16", "i2"),
        ("int8", "i1"),
        ("uint8", "u1"),
    )
}
_SCALARS = frozenset((str, int, float, bool, type(None)))


def _encode_array(obj: np.ndarray):
    if obj.dtype == np.int64:
        obj = obj.astype(np.int32)
    code = TYPED.get(obj.dtype)
    if code is None or obj.size == 0:
        return obj.tolist()
    spec = {"dtype": code, "bdata": base64.b64encode(np.ascontiguousarray(obj)).decode()}
    if obj.ndim > 1:
        spec["shape"] = ", ".join(map(str, obj.shape))
    return spec


def encode_arrays(obj):
    """NumPy arrays -> plotly.js typed-array specs (base64), as plotly itself sends them.

    (plotly's own converter routes every array through narwhals: ~0.2 ms per array, which is
    most of a race's rerun once the figure has ~1500 small arrays.) Exact type checks first:
    a map with its playback frames has ~2,500 nodes, mostly dicts, strings and numbers.
    """
    kind = type(obj)
    if kind in _SCALARS:
        return obj
    if kind is dict:
        return {k: v if type(v) in _SCALARS else encode_arrays(v) for k, v in obj.items()}
    if kind is list or kind is tuple:  # scalars inline: most list items are numbers
        return [v if type(v) in _SCALARS else encode_arrays(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _encode_array(obj)
    if isinstance(obj, dict):
        return {k: encode_arrays(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [encode_arrays(v) for v in obj]
    return obj


def chart_figure(spec: dict, present: bool = False) -> go.Figure:
    """The go.Figure of a figure spec (larger text in presentation mode), built once per
    distinct spec and shared (never mutate it). Building validates every trace (~130 ms for
    a sweep's panels) while `st.plotly_chart` of a built figure only copies and serialises it
    (~1 ms); the spec's JSON (arrays as base64 typed arrays, as plotly sends them) is the
    cache key, cheaper to hash than the nested spec."""
    encoded = encode_arrays(for_projector(spec) if present else spec)
    return _built_figure(json.dumps(encoded, separators=(",", ":"), default=_json_scalar))


@st.cache_resource(max_entries=64, show_spinner=False)
def _built_figure(spec_json: str) -> go.Figure:
    return go.Figure(json.loads(spec_json))


def _json_scalar(value):
    """A NumPy scalar as a Python number (json cannot write np.float32, np.int64, np.bool_)."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")


SCRUB_DECADE = 32  # the live rate scrub's rates: the lattice 10^(k/32), 32 a decade
SCRUB_SPAN = 30.0  # … within lr / 30 … lr × 30 (and the app's range), plus the racer's own
SCRUB_RATES = round(SCRUB_DECADE * 2 * np.log10(SCRUB_SPAN))  # ~94 lattice rates a window
SCRUB_MOMENTA = 64  # evenly spaced μ of the momentum scrub (heavy ball, Nesterov), plus its own
MOMENTUM_SCRUB = frozenset({"momentum", "nesterov"})  # torch's SGD: μ may be a (B,) array


def lattice_window(lr: float, span: float = SCRUB_SPAN) -> range:
    """The lattice indices k (the rate 10^(k/SCRUB_DECADE)) within [lr/span, lr·span] and
    [LR_MIN, LR_MAX]."""
    low, high = max(lr / span, LR_MIN), min(lr * span, LR_MAX)
    k0 = int(np.ceil(np.log10(low) * SCRUB_DECADE - 1e-9))
    k1 = int(np.floor(np.log10(high) * SCRUB_DECADE + 1e-9))
    return range(k0, k1 + 1)


def lattice_rates(ks) -> np.ndarray:
    """The rates 10^(k/SCRUB_DECADE) of lattice indices `ks`."""
    return 10.0 ** (np.asarray(ks, dtype=np.float64) / SCRUB_DECADE)


def scrub_rates(lr: float, span: float = SCRUB_SPAN) -> np.ndarray:
    """The lattice rates within [lr/span, lr·span] ∩ [LR_MIN, LR_MAX], and `lr` itself: rates
    a scene shares with every scene that differs from it only in the racer's rate."""
    return np.union1d(lattice_rates(lattice_window(lr, span)), [lr])


def scrub_momenta(optimizer: str, mu: float, n: int = SCRUB_MOMENTA) -> np.ndarray:
    """n evenly spaced μ over the optimizer's range of μ, and `mu` itself."""
    spec = next(p for p in OPTIMIZERS[optimizer].params if p.name == "momentum")
    return np.union1d(np.linspace(spec.low, spec.high, n), [mu])


def scrub_label(args: dict) -> tuple[str, str]:
    """What the waiting bar says for a rate (or momentum) batch."""
    what = "learning rate" if args["param"] == "lr" else "momentum"
    return f"Live {what} scrub, {args['steps']:,} steps", "steps"


def scrub_work(args: dict) -> float:
    """A scrub batch's rows × steps: its grid's size (plus the racer's own value) × steps."""
    rows = (SCRUB_RATES if args["param"] == "lr" else SCRUB_MOMENTA) + 1
    return rows * args["steps"]


@gate.heavy(max_entries=32, max_bytes=16 * 2**20, label=scrub_label, work=scrub_work)
def scrub_batch(
    key: SurfaceKey,
    racer: int,
    param: str,
    optimizer: str,
    lr: float,
    hyper: tuple,
    policy: str,
    policy_params: tuple,
    warmup: int,
    steps: int,
    start: tuple[float, float],
    noise: float,
    seed: int,
    on_chunk=None,
) -> ScrubBatch:
    """One simulate over a grid of `param` ("lr" or "momentum") around the racer's own value
    (a sweep is a batch), thinned to what the map's live scrub draws, with what happened at
    each value (diagnose, vectorized). Cached as float32 (~0.5 MB), not as float64 histories.

    The mark: for lr, the racer's own stable limit at the global minimum (stability.stable_lr;
    none for adaptive methods or where the quadratic model does not apply); for heavy-ball μ (no
    dampening, constant lr), the least stable μ there, lr·λ_max/2 − 1 (stable iff
    lr·λ_max < 2 + 2μ).

    Heavy work (a long run: rows × steps ≥ gate.LIGHT_WORK) goes through the server's gate
    like the lab's (app/gate.py); `on_chunk` hears 0 and all of the rows."""
    surface = get_surface(key)
    values_of = dict(hyper)
    minimum = surface.global_min
    stab = stability_at(key, tuple(minimum.point)) if minimum is not None else None
    lam_max = stab.eigenvalues[1] if isinstance(stab, Stability) else float("nan")
    limit = 2.0 / lam_max if lam_max > 0 else float("nan")  # GD's 2/λ_max
    report = on_chunk or (lambda done, total: None)
    run = (key, optimizer, hyper, policy, policy_params, warmup, steps, start, noise, seed)
    if param == "lr":
        own, grid = lr, scrub_rates(lr)
        report(0, len(grid))
        rows = rate_rows(run, grid) if noise else lattice_rows(run, lr)  # noisy rows: one batch
        bound = stable_lr(optimizer, values_of, lam_max) if lam_max > 0 else None
        mark = float(bound) if bound is not None and np.isfinite(bound) else float("nan")
    else:
        full = {p.name: p.default for p in OPTIMIZERS[optimizer].params} | values_of
        own = float(full["momentum"])
        grid = scrub_momenta(optimizer, own)
        report(0, len(grid))
        opt = sgd(
            momentum=grid,
            dampening=float(full.get("dampening", 0.0)),
            nesterov=optimizer == "nesterov",
            weight_decay=float(full["weight_decay"]),
        )
        rate = make_policy(policy, lr, steps, warmup_steps=warmup, **dict(policy_params))
        rows = batch_rows(key, opt, rate, grid, steps, start, noise, seed)
        heavy = optimizer == "momentum" and not full.get("dampening") and policy == "constant"
        mark = lr / limit - 1.0 if heavy and limit > 0 else float("nan")  # lr·λ_max/2 − 1
    low, high = float(rows.values[0]), float(rows.values[-1])
    report(len(rows.values), len(rows.values))
    return ScrubBatch(
        param=param,
        racer=racer,
        values=rows.values,
        current=int(np.searchsorted(rows.values, own)),
        idx=rows.idx,
        px=rows.px,
        py=rows.py,
        loss=rows.loss,
        lr=rows.lr,
        grad_norm=rows.grad_norm,
        labels=rows.labels,
        diverged_at=rows.diverged_at,
        mark=mark if np.isfinite(mark) and low <= mark <= high else None,
    )


ARRAYS = ("values", "px", "py", "loss", "lr", "grad_norm", "diverged_at")  # one row per run


class Rows(NamedTuple):
    """Runs of one batch thinned for the map's scrub: per run its value, (K,) arrays over the
    kept steps `idx`, a label and the step it diverged at (or −1)."""

    values: np.ndarray
    idx: np.ndarray
    px: np.ndarray
    py: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    grad_norm: np.ndarray
    labels: tuple[str, ...]
    diverged_at: np.ndarray

    def take(self, order) -> Rows:
        """These runs in `order` (indices)."""
        order = np.asarray(order, dtype=np.intp)
        labels = tuple(self.labels[i] for i in order)
        return self._replace(labels=labels, **{f: getattr(self, f)[order] for f in ARRAYS})

    @staticmethod
    def join(parts: list[Rows]) -> Rows:
        """The runs of `parts` together, sorted by value; of equal values the first part's."""
        arrays = {f: np.concatenate([getattr(r, f) for r in parts]) for f in ARRAYS}
        labels = tuple(label for r in parts for label in r.labels)
        joined = parts[0]._replace(labels=labels, **arrays)
        return joined.take(np.unique(joined.values, return_index=True)[1])


def batch_rows(key: SurfaceKey, opt, rate, values, steps: int, start, noise, seed) -> Rows:
    """One simulate of a run per value from `start` (`opt` and `rate` vectorised over the
    values), thinned to what the map's scrub draws, each with what happened to it."""
    surface, land = get_surface(key), get_landscape(key)
    starts = np.repeat(np.array([start], dtype=np.float64), len(values), axis=0)
    traj = simulate(surface, opt, rate, starts, steps, noise=noise, seed=seed)
    diag = diagnose(surface, traj)
    idx = run_steps(steps, MAX_BATCH_POINTS, dense=DENSE_HEAD)
    cols = {k: [] for k in ("px", "py", "loss", "lr", "gn")}
    labels = []
    for b in range(len(values)):
        run = Run(
            "", "", traj.positions[:, b], traj.loss[:, b], traj.lr[:, b], traj.grad_norm[:, b],
            int(traj.diverged_at[b]),
        )  # fmt: skip
        for name, column in sampled(run, land.box, idx, land.floor).items():
            cols[name].append(column)
        labels.append(describe(diag, b, surface, traj=traj, lr=traj.lr[0]))
    return Rows(
        np.asarray(values, dtype=np.float64), idx,
        *(f32(np.array(cols[k])) for k in ("px", "py", "loss", "lr", "gn")),
        tuple(labels), traj.diverged_at.astype(np.int32),
    )  # fmt: skip


def rate_rows(run: tuple, rates) -> Rows:
    """The racer's runs (`run`: its surface key, optimizer, … seed) at each of `rates`."""
    key, optimizer, hyper, policy, policy_params, warmup, steps, start, noise, seed = run
    grid = np.asarray(rates, dtype=np.float64)
    opt = make_optimizer(optimizer, **dict(hyper))
    rate = make_policy(policy, grid, steps, warmup_steps=warmup, **dict(policy_params))
    return batch_rows(key, opt, rate, grid, steps, start, noise, seed)


LATTICE_ROWS = ResultCache(max_entries=128, max_bytes=24 * 2**20)  # an entry: a decade's runs


def lattice_rows(run: tuple, lr: float) -> Rows:
    """`rate_rows(run, scrub_rates(lr))` for noiseless runs (a run of a batch is the run alone),
    put together from cached decades of the rate lattice and the racer's own rate, in one
    simulate of what is not cached: a new rate inside the decades a scene already covered
    runs once, not ~95 times."""
    window = lattice_window(lr)
    decades = range(window.start // SCRUB_DECADE, (window.stop - 1) // SCRUB_DECADE + 1)
    blocks = {d: LATTICE_ROWS.get((run, d)) for d in decades}
    missing = [d for d, block in blocks.items() if block is ResultCache.MISSING]
    ks = [np.arange(d * SCRUB_DECADE, (d + 1) * SCRUB_DECADE) for d in missing]
    fresh = rate_rows(run, np.concatenate([[lr], *map(lattice_rates, ks)]))
    for i, d in enumerate(missing):  # row 0 is the racer's own rate, then a decade each
        blocks[d] = fresh.take(np.arange(1 + i * SCRUB_DECADE, 1 + (i + 1) * SCRUB_DECADE))
        LATTICE_ROWS.put((run, d), blocks[d])
    parts = [fresh.take([0])]  # first: the racer's own run wins a tie with the lattice's
    for d, block in blocks.items():
        k = np.arange(d * SCRUB_DECADE, (d + 1) * SCRUB_DECADE)
        parts.append(block.take(np.nonzero((k >= window.start) & (k < window.stop))[0]))
    return Rows.join(parts)
