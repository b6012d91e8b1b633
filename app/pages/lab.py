"""The learning-rate lab: one view per textbook answer to "how do I choose the learning rate?".

Each view is `render(settings)` in `LAB_VIEWS` (the format of main.VIEWS). Views share the
sidebar's landscape, start point and first optimizer; their own parameters are widgets whose
values round-trip through the URL as `Settings.extra` keys (`LabParam`): a bad or hostile value
becomes a warning and the default. Figures come from the pure builders in lab_plots.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from app import compute, lab_compute
from app.components.map import clicked_start, map_component
from app.components.map import payload as map_payload
from app.figures import lab_plots, plots
from app.gate import ends_view_when_refused
from app.markup import plain
from app.state import controls
from app.state.budget import affordable_steps, ladder, snap
from app.state.scene import resolve_surface, run_from_start, start_of
from app.state.settings import LR_MAX, LR_MIN, Racer, Settings, fmt
from app.theory import NO_THEORY, theory_at_minimum
from optimizers import OPTIMIZERS, POLICIES
from optimizers.lab import DEFAULT_LRS, decade_grid, parse_lr_grid
from optimizers.lab.basins import UNDEFINED
from optimizers.numbers import num
from optimizers.stability import stable_lr

CONFIG = {"displaylogo": False}

# --------------------------------------------------------------------------- URL parameters


@dataclass(frozen=True)
class LabParam:
    """One view parameter: its URL key (also its widget key), default, parser and encoder."""

    key: str
    default: Any
    parse: Callable[[str], Any]  # raises ValueError with a reason
    encode: Callable[[Any], str] = fmt
    keep: Callable[[Any], bool] | None = None  # widget values to keep as they are (else parse)

    def clean(self, value: Any) -> Any:
        """A widget's value (from the browser: untrusted) as a valid value, else the default."""
        if self.keep is not None:
            return value if self.keep(value) else self.default
        try:
            return self.parse(self.encode(value))
        except (TypeError, ValueError, OverflowError):
            return self.default


def number(key: str, default: float, low: float, high: float, integer: bool = False) -> LabParam:
    def parse(raw: str):
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("not a number") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError(f"must be between {fmt(low)} and {fmt(high)}")
        if integer and not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value) if integer else value

    return LabParam(key, default, parse, fmt if not integer else str)


def choice(key: str, default, options: Sequence) -> LabParam:
    encode = fmt if isinstance(default, float | int) else str
    by_text = {encode(o): o for o in options}

    def parse(raw: str):
        if raw in by_text:
            return by_text[raw]
        if isinstance(default, float | int):
            try:
                value = float(raw)
            except ValueError:
                value = math.nan
            for option in options:
                if math.isclose(value, option, rel_tol=1e-9):
                    return option
        if len(by_text) > 8:
            first, *_, last = by_text
            raise ValueError(f"choose one of the {len(by_text)} values from {first} to {last}")
        raise ValueError(f"choose one of {', '.join(by_text)}")

    return LabParam(key, default, parse, encode)


def rate_list(key: str, default: str) -> LabParam:
    def parse(raw: str) -> str:
        parse_lr_grid(raw)  # ValueError names the bad entry
        return raw

    def keep(value) -> bool:  # typed text stays, even when invalid: the view warns about it
        return isinstance(value, str) and len(value) <= 600

    return LabParam(key, default, parse, str, keep)


def optimizer_list(key: str, default: tuple[str, ...]) -> LabParam:
    def parse(raw: str) -> tuple[str, ...]:
        names = tuple(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))
        bad = [n for n in names if n not in OPTIMIZERS]
        if bad or not names:
            raise ValueError(f"choose optimizers among {', '.join(OPTIMIZERS)}")
        if len(names) > RACE_MAX:
            raise ValueError(f"at most {RACE_MAX} optimizers")
        return names

    def encode(value) -> str:
        if not isinstance(value, list | tuple) or not all(isinstance(n, str) for n in value):
            raise TypeError("not a list of names")
        return ",".join(value)

    return LabParam(key, default, parse, encode)


def seed_params(view: str, params: Sequence[LabParam], s: Settings) -> None:
    """Give every widget of the view its value: kept if it has one, else from the URL (warning
    and default when the URL's value is refused); show the view's URL warnings."""
    state = st.session_state
    extra = dict(s.extra)
    warnings = []
    for p in params:
        if p.key in state:  # the widget's value, from the browser: validate it
            value = p.clean(state[p.key])
            if type(value) is not type(state[p.key]) or value != state[p.key]:
                del state[p.key]  # see controls._put
                state[p.key] = value
            continue
        value, raw = p.default, extra.get(p.key)
        if raw is not None:
            try:
                value = p.parse(raw)
            except ValueError as err:
                shown = raw if len(raw) <= 40 else raw[:40] + "…"
                warnings.append(f"Ignored {p.key}={shown!r}: {err}; using {p.encode(p.default)}.")
        state[p.key] = value
    if warnings:
        state[f"lab_warnings:{view}"] = warnings
    for warning in state.get(f"lab_warnings:{view}", ()):
        st.warning(plain(warning), icon=":material/link_off:")


def lab_query(params: Sequence[LabParam]) -> dict[str, str]:
    """The view's non-default, valid widget values as URL text."""
    query = {}
    for p in params:
        value = st.session_state.get(p.key, p.default)
        if value == p.default:
            continue
        text = p.encode(value)
        try:
            p.parse(text)
        except ValueError:
            continue  # an invalid entry is warned about in the view, never shared
        query[p.key] = text
    return query


def publish(params: Sequence[LabParam]) -> None:
    """Write the view's parameters into Settings.extra (kept by main.sync_url) and the URL."""
    state = st.session_state
    own = {p.key for p in params}
    mine = lab_query(params)
    old = tuple(state.get("extra", ()))
    new = tuple((k, v) for k, v in old if k not in own) + tuple(mine.items())
    if new != old:
        state["extra"] = new
    for key in own:
        if key in mine:
            if st.query_params.get(key) != mine[key]:
                st.query_params[key] = mine[key]
        elif key in st.query_params:
            del st.query_params[key]


# --------------------------------------------------------------------------- shared pieces


def no_theory(key) -> bool:
    """The landscape has a minimum, but the quadratic theory does not apply there (theory.py)."""
    return compute.get_surface(key).global_min is not None and theory_at_minimum(key) is None


def fitted_warmup(s: Settings, steps: int, what: str) -> int:
    """The sidebar's warm-up, shortened (and said so) when `what` ("this sweep") runs fewer
    steps."""
    warmup = min(s.warmup, steps - 1)
    if warmup != s.warmup:
        st.caption(
            f":warning: The sidebar's warm-up ({s.warmup} steps) is longer than {what} "
            f"({steps} steps): using {warmup}."
        )
    return warmup


def schedule_words(s: Settings, warmup: int) -> str:
    """' under the Cosine annealing schedule after a 5-step warm-up' ('' for a constant rate)."""
    words = "" if s.policy == "constant" else f" under the {POLICIES[s.policy].label} schedule"
    return words + (f" after a {warmup}-step warm-up" if warmup else "")


def ignored_settings(s: Settings, *which: str) -> None:
    """A caption naming the sidebar settings among `which` ("noise", "policy", "warmup") that
    are set but that this view does not use."""
    active = {
        "noise": s.noise > 0 and f"gradient noise σ = {s.noise:g} (and its seed)",
        "policy": s.policy != "constant" and f"{POLICIES[s.policy].label} schedule",
        "warmup": s.warmup > 0 and f"{s.warmup}-step warm-up",
    }
    named = [active[k] for k in which if active[k]]
    if named:
        listed = " and ".join([", ".join(named[:-1]), named[-1]] if len(named) > 1 else named)
        st.caption(f":material/info: This view runs without the sidebar's {listed}.")


def racer_label(s: Settings, i: int = 0) -> str:
    r = s.racers[i]
    return f"{OPTIMIZERS[r.optimizer].label} (lr {r.lr:g})"


def intro(text: str) -> None:
    st.markdown(text)


def chart(spec: dict, key: str) -> None:
    figure = compute.chart_figure(spec, present=controls.valid_flag("present"))
    st.plotly_chart(figure, key=key, config=CONFIG)


STEP_LADDER = ladder(10, 2000)  # the step counts heavy views run (budget.affordable_steps)


# --------------------------------------------------------------------------- sweep

DEFAULT_SWEEP_TEXT = ", ".join(f"{r:g}" for r in DEFAULT_LRS)
SWEEP_PARAMS = (
    rate_list("sweep_lrs", DEFAULT_SWEEP_TEXT),
    number("sweep_steps", 200, 10, 2000, integer=True),
)
ZOOM_FACTORS = (1.5, 1.1, 1.0, 0.9, 0.5, 0.1)


def zoom_to_limit(limit: float) -> None:
    """Button callback: rates around GD's stability limit 2/λ_max."""
    st.session_state["sweep_lrs"] = ", ".join(f"{limit * k:.3g}" for k in ZOOM_FACTORS)  # read back


def reset_sweep() -> None:
    st.session_state["sweep_lrs"] = DEFAULT_SWEEP_TEXT


def sweep_rates() -> np.ndarray:
    text = st.session_state["sweep_lrs"]
    try:
        return parse_lr_grid(text)
    except ValueError as err:
        st.warning(
            f"{plain(err)}. Showing the default grid {DEFAULT_SWEEP_TEXT}.", icon=":material/error:"
        )
        return DEFAULT_LRS


def render_sweep(s: Settings) -> None:
    intro(
        "**Try rates on a grid.** The first optimizer in the sidebar runs from the same start "
        "at every rate below. Each small map is one "
        "rate: too big and the path **diverges**, a bit smaller and it **oscillates**, then it "
        "**converges**, and far too small it is **too slow**. The charts below say the same with "
        "numbers; the green band is where theory says gradient descent is stable near the "
        "minimum (lr < 2/λ_max). *Try:* type `0.6, 0.5, 0.45, 0.4` to zoom in on the edge."
    )
    seed_params("sweep", SWEEP_PARAMS, s)
    key, surface = resolve_surface(s)
    limit = lab_compute.gd_limit(key)
    c1, c2, c3, c4 = st.columns([6, 2, 2, 2], vertical_alignment="bottom")
    c1.text_input(
        "Learning rates to try (comma-separated)",
        key="sweep_lrs",
        max_chars=600,
        help="Up to 64 rates, e.g. 1, 0.3, 0.1, 0.03 — or 1e-3 3e-3 1e-2.",
    )
    c2.number_input("Steps", min_value=10, max_value=2000, step=50, key="sweep_steps")
    c3.button(
        "Zoom in on 2/λ_max",
        on_click=zoom_to_limit,
        args=(limit,),
        disabled=not math.isfinite(limit),
        help="Rates from 1.5× down to 0.1× the theoretical limit.",
        width="stretch",
    )
    c4.button("Decades", on_click=reset_sweep, help=DEFAULT_SWEEP_TEXT, width="stretch")
    rates = sweep_rates()
    publish(SWEEP_PARAMS)
    r = s.racers[0]
    st.caption(f"Optimizer: **{racer_label(s)}** — its rate is replaced by each rate of the grid.")
    asked = int(st.session_state["sweep_steps"])
    steps = affordable_steps(
        asked, surface.cost, f"A sweep of {asked:,} steps", "Fewer steps will do it as asked.",
        grid=STEP_LADDER,
    )  # fmt: skip
    warmup = fitted_warmup(s, steps, "this sweep")
    ignored_settings(s, "noise")
    ran = run_from_start(s, surface, lambda start: lab_compute.sweep(
        key, r.optimizer, r.hyper, s.policy, s.policy_params, warmup,
        tuple(float(x) for x in rates), tuple(start), steps,
    ))  # fmt: skip
    if ran is None:
        return
    start, result = ran
    panels = result.panels
    land = compute.get_landscape(key, lab_compute.PANEL_GRID)
    chart(lab_plots.sweep_panels_figure(land, panels, start), "sweep_panels")
    chart(
        lab_plots.sweep_curves_figure(panels, surface.f_min if surface.minima else land.floor,
                                      result.lr_max_stable),
        "sweep_curves",
    )  # fmt: skip
    if math.isfinite(result.lr_max_stable):
        st.caption(
            f"Near the minimum the steepest curvature is λ_max = {num(2 / result.lr_max_stable)}: "
            f"gradient descent is stable only for lr < 2/λ_max = {num(result.lr_max_stable)}; the "
            f"best fixed rate there is 2/(λ_min + λ_max) = {num(result.lr_best)}."
        )
    elif no_theory(key):
        st.caption(f"{NO_THEORY}: no green band.")


# --------------------------------------------------------------------------- LR range test

# Every start rate is below every end rate, so no pair of choices (widgets or URL) is empty.
FINDER_MINS, FINDER_MAXS = (1e-8, 1e-7, 1e-6, 1e-5, 1e-4), (0.1, 1.0, 10.0, 100.0)
FINDER_PARAMS = (
    choice("lf_min", 1e-7, FINDER_MINS),
    choice("lf_max", 10.0, FINDER_MAXS),
    number("lf_steps", 100, 20, 1000, integer=True),
    choice("lf_beta", 0.98, (0.0, 0.6, 0.9, 0.95, 0.98)),
    choice("lf_stop", 4.0, (2.0, 4.0, 5.0, 10.0)),
)


def send_to_explore(lr: float) -> None:
    """Button callback: the first racer of Explore gets `lr`, and the view switches there."""
    controls.set_racer_lr(0, lr)
    st.session_state["view"] = "explore"


def finder_controls() -> None:
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.selectbox("Start rate", FINDER_MINS, key="lf_min", format_func=lambda v: f"{v:g}")
    c2.selectbox("End rate", FINDER_MAXS, key="lf_max", format_func=lambda v: f"{v:g}")
    c3.number_input("Steps", min_value=20, max_value=1000, step=10, key="lf_steps")
    c4.selectbox(
        "Smoothing β",
        (0.0, 0.6, 0.9, 0.95, 0.98),
        key="lf_beta",
        help="fastai averages the loss over ~1/(1 − β) steps (β = 0.98: 50 steps).",
    )
    c5.selectbox(
        "Stop when loss > k × best",
        (2.0, 4.0, 5.0, 10.0),
        key="lf_stop",
        format_func=lambda k: (
            f"k = {k:g}" + {4.0: " (fastai)", 5.0: " (pytorch-lr-finder)"}.get(k, "")
        ),
    )


def render_finder(s: Settings) -> None:
    intro(
        '**The LR range test ("LR finder").** One run whose learning rate grows a little every '
        "step, from tiny to huge, while we record the loss. Early on nothing happens, then the "
        "loss falls, then the rate gets too big and the loss shoots up — the test stops there. "
        "The usual rules read a rate off this curve (fastai's *valley*, *steepest* drop, "
        "*minimum/10*); theory's limit 2/λ_max is marked too. *Try:* send a suggestion to "
        "Explore and watch what that rate really does from the start."
    )
    seed_params("finder", FINDER_PARAMS, s)
    key, surface = resolve_surface(s)
    finder_controls()
    publish(FINDER_PARAMS)
    state = st.session_state
    r = s.racers[0]
    ignored_settings(s, "policy", "warmup")  # the test's rate is its own exponential ramp
    ran = run_from_start(s, surface, lambda start: lab_compute.range_test(
        key, r.optimizer, r.hyper, tuple(start), float(state["lf_min"]), float(state["lf_max"]),
        int(state["lf_steps"]), float(state["lf_beta"]), float(state["lf_stop"]),
        s.noise, s.seed,
    ))  # fmt: skip
    if ran is None:
        return
    result = ran[1]
    noisy = f", gradient noise σ = {s.noise:g} (seed {s.seed})" if s.noise > 0 else ""
    st.caption(
        f"Optimizer: **{OPTIMIZERS[r.optimizer].label}**{hyper_words(r.hyper)} from the "
        f"sidebar's start point{noisy}."
    )
    chart(
        lab_plots.range_test_figure(
            result.lrs, result.loss, result.smoothed, result.suggestions,
            result.stopped_at >= 0, result.stop_reason, result.lr_max_stable,
            surface.f_min if surface.minima else 0.0,
        ),
        "finder_chart",
    )  # fmt: skip
    finder_buttons(result)
    with st.container(border=True):
        st.markdown("**Why don't they agree?**")
        lines = (*explain_lines(result), *([f"{NO_THEORY}."] if no_theory(key) else []))
        st.markdown("\n".join(f"- {line}" for line in lines))


def explain_lines(result) -> tuple[str, ...]:
    from optimizers.lab import explain_disagreement

    return explain_disagreement(result)


def finder_buttons(result) -> None:
    rates = [(rule, v) for rule, v in result.suggestions.items() if math.isfinite(v)]
    if not rates:
        st.info("The curve is too short for the rules: try more steps or a wider range.")
        return
    st.markdown("**One click: run Explore with a suggested rate** (sets the first optimizer's lr)")
    cols = st.columns(len(rates) + 1)
    for col, (rule, lr) in zip(cols, rates, strict=False):
        used = min(max(lr, LR_MIN), LR_MAX)
        note = "" if used == lr else f" (clamped to {used:g})"
        col.button(
            f"{rule}: lr {num(lr)}{note} → Explore",
            key=f"send_{rule}",
            on_click=send_to_explore,
            args=(used,),
            icon=":material/send:",
            width="stretch",
        )


# --------------------------------------------------------------------------- basin map

BASIN_SIZES = (40, 80, 120, 160, 200)
BASIN_PARAMS = (
    choice("bm_n", 80, BASIN_SIZES),
    number("bm_steps", 200, 10, 2000, integer=True),
    number("bm_racer", 1, 1, 6, integer=True),
)


def wells_example() -> None:
    """Button callback: the Wells landscape with GD and momentum (μ 0.9) at lr 0.1."""
    state = st.session_state
    controls.seed(
        Settings(
            view="basins",
            surface="wells",
            racers=(Racer("gd", 0.1), Racer("momentum", 0.1)),
            extra=tuple(state.get("extra", ())),
        )
    )
    state["bm_racer"] = 1


def render_basins(s: Settings) -> None:
    intro(
        "**Where does each start end up?** Every point of the map is a start; all of them run "
        "at once with the chosen optimizer and rate, and the point is coloured by the minimum it "
        "ends in (dark: diverged, light grey: did not settle in time). Contour lines show the "
        "landscape. *Try:* on **Wells**, compare plain gradient descent with momentum at the same "
        "rate (add a second optimizer in the sidebar) — momentum carries many starts out of the "
        "shallow wells into the deep one."
    )
    seed_params("basins", BASIN_PARAMS, s)
    st.button(
        "Show the classic: Wells, gradient descent vs momentum at lr 0.1",
        on_click=wells_example,
        icon=":material/auto_awesome:",
    )
    key, surface = resolve_surface(s)
    start = start_of(s, surface)
    state = st.session_state
    # The labels carry each racer's rate, which changes: a stale label comes back as a raw
    # string, and a removed racer leaves an index out of range. Anything but a valid index → 1.
    asked = state.get("bm_racer")
    if isinstance(asked, int) and not isinstance(asked, bool) and asked > len(s.racers):
        st.warning(
            f"Ignored bm_racer={asked}: the sidebar races {len(s.racers)} optimizer"
            f"{'s' if len(s.racers) > 1 else ''}; using the first.",
            icon=":material/link_off:",
        )
    controls.valid_choice("bm_racer", range(1, len(s.racers) + 1), 1)
    c1, c2, c3 = st.columns([2, 2, 1])
    c1.selectbox(
        "Optimizer and rate (from the sidebar's list)",
        range(1, len(s.racers) + 1),
        key="bm_racer",
        format_func=lambda i: f"{i}. {racer_label(s, i - 1)}",
    )
    c2.select_slider(
        "Resolution (starts per side)",
        BASIN_SIZES,
        key="bm_n",
        format_func=lambda n: f"{n} × {n}",
        help="200 × 200 = 40 000 runs: a few seconds the first time, then cached.",
    )
    c3.number_input("Steps", min_value=10, max_value=2000, step=50, key="bm_steps")
    publish(BASIN_PARAMS)
    r = s.racers[int(state["bm_racer"]) - 1]
    n, asked = int(state["bm_n"]), int(state["bm_steps"])
    steps = affordable_steps(
        asked,
        surface.cost,
        f"{n} × {n} starts × {asked:,} steps",
        "A lower resolution allows more steps.",
        rows=n * n,
        grid=STEP_LADDER,
    )
    warmup = fitted_warmup(s, steps, "this basin map")
    ignored_settings(s, "noise")
    result = lab_compute.basins(
        key, r.optimizer, r.hyper, float(r.lr), n, steps, s.policy, s.policy_params, warmup
    )
    minima = [(m.point, m.value) for m in surface.minima]
    land = compute.get_landscape(key)
    chart(
        lab_plots.basin_figure(land, result.xs, result.ys, result.label, minima, start),
        "basin_chart",
    )
    st.caption(
        f"{OPTIMIZERS[r.optimizer].label}, lr {r.lr:g}{schedule_words(s, warmup)}, {steps} "
        f"steps from each of {n * n:,} "
        f"starts{undefined_note(result.label)}. ○ marks the sidebar's start point, ★ the minima."
    )


def undefined_note(label: np.ndarray) -> str:
    """'; k of them (…) are undefined here …' for a map with UNDEFINED starts, else ''."""
    count = int((label == UNDEFINED).sum())
    if not count:
        return ""
    return (
        f"; {count:,} of them ({count / label.size:.0%}, white) {'is' if count == 1 else 'are'} "
        "**undefined here**: f or ∇f is not finite there (√x or log x at x < 0, an overflow …), "
        "so no run can start"
    )


# --------------------------------------------------------------------------- phase diagram

PHASE_PARAMS = (
    choice("pd_colour", "steps", ("steps", "loss")),
    choice("pd_n", 30, (15, 30, 45, 60)),
    number("pd_steps", 200, 10, 2000, integer=True),
)


def render_phase(s: Settings) -> None:
    intro(
        "**Learning rate × momentum.** Heavy-ball momentum (v ← μv + g, x ← x − lr·v) runs from "
        "the sidebar's start for every pair (lr, μ) of the grid. Each cell is coloured by how many "
        "steps it needs to get (and stay) close to the minimum; orange cells diverged. The dashed "
        "line is theory on the quadratic at the minimum: stable while lr·λ_max < 2 + 2μ — so "
        "momentum lets you use up to twice the rate plain gradient descent (μ = 0, ★) can. "
        "*Try:* the Rosenbrock valley, or colour by final loss."
    )
    seed_params("phase", PHASE_PARAMS, s)
    key, surface = resolve_surface(s)
    state = st.session_state
    c1, c2, c3 = st.columns([2, 2, 1])
    c1.segmented_control(
        "Colour by",
        ("steps", "loss"),
        key="pd_colour",
        required=True,
        format_func=lambda c: {"steps": "steps to converge", "loss": "final loss"}[c],
    )
    c2.select_slider("Grid (cells per side)", (15, 30, 45, 60), key="pd_n")
    c3.number_input("Steps", min_value=10, max_value=2000, step=50, key="pd_steps")
    publish(PHASE_PARAMS)
    n, asked = int(state["pd_n"]), int(state["pd_steps"])
    steps = affordable_steps(
        asked,
        surface.cost,
        f"{n} × {n} (lr, μ) pairs × {asked:,} steps",
        "A coarser grid allows more steps.",
        rows=n * n,
        grid=STEP_LADDER,
    )
    ignored_settings(s, "policy", "warmup", "noise")
    ran = run_from_start(s, surface, lambda start: lab_compute.phase(key, tuple(start), n, steps))
    if ran is None:
        return
    result = ran[1]
    if result is None:
        why = (
            f"{NO_THEORY}, and this diagram is drawn around that range."
            if no_theory(key)
            else "This landscape has no known minimum with positive curvature, so there is no "
            "stability limit to draw."
        )
        st.info(f"{why} Pick another landscape in the sidebar.")
        return
    if state["pd_colour"] == "loss":
        gap = np.maximum(result.final_loss - surface.f_min, lab_plots.TINY)
        value, title = np.log10(gap), "log₁₀(final f − f*)"
    else:
        value = np.where(result.steps_to_converge >= 0, result.steps_to_converge, np.nan)
        title = "steps to converge"
    chart(
        lab_plots.phase_figure(
            result.lrs, result.mus, value, result.diverged, result.boundary_lr,
            result.gd_boundary, title,
        ),
        "phase_chart",
    )  # fmt: skip
    heavy_ball_09 = stable_lr("momentum", {"momentum": 0.9}, result.lam_max)
    st.caption(
        f"λ_max = {num(result.lam_max)} at the minimum: plain GD diverges above 2/λ_max = "
        f"{num(result.gd_boundary)}; with μ = 0.9 the limit is {num(heavy_ball_09)}. "
        f"'Converged' means f − f* < {result.tol:g} and staying there."
    )


# --------------------------------------------------------------------------- fair race

RACE_MAX = 6
RACE_GRID = decade_grid(10.0, 1e-4, (1, 2, 5))
RACE_GRID.flags.writeable = False  # a module constant: read-only
RACE_PARAMS = (
    optimizer_list("race_opts", ("gd", "momentum", "adam", "rmsprop")),
    choice("race_mode", "tuned", ("tuned", "same")),
    choice("race_lr", 0.1, controls.LR_GRID),
    number("race_steps", 200, 10, 2000, integer=True),
    choice("race_tol", 1e-3, (1e-2, 1e-3, 1e-6, 1e-9)),
)


def race_controls() -> None:
    c1, c2, c3, c4, c5 = st.columns([4, 3, 2, 2, 2])
    c1.multiselect(
        "Optimizers",
        tuple(OPTIMIZERS),
        key="race_opts",
        max_selections=RACE_MAX,
        format_func=lambda n: OPTIMIZERS[n].label,
    )
    c2.segmented_control(
        "Learning rates",
        ("tuned", "same"),
        key="race_mode",
        required=True,
        format_func=lambda m: {"tuned": "each tuned", "same": "all the same"}[m],
    )
    c3.select_slider(
        "The one rate",
        controls.LR_GRID,
        key="race_lr",
        format_func=lambda v: f"{v:g}",
        disabled=st.session_state["race_mode"] != "same",
        help="Used when all optimizers run at the same rate.",
    )
    c4.selectbox(
        "Success: f − f* <",
        (1e-2, 1e-3, 1e-6, 1e-9),
        key="race_tol",
        format_func=lambda v: f"{v:g}",
        help="Reaching the minimum means getting (and staying) this close to its value.",
    )
    c5.number_input("Steps", min_value=10, max_value=2000, step=50, key="race_steps")


def sidebar_hyper(s: Settings, name: str) -> tuple:
    """The hyperparameters of the sidebar's first `name` racer (torch's defaults without one)."""
    return next((r.hyper for r in s.racers if r.optimizer == name), ())


def hyper_words(hyper: tuple) -> str:
    """' with momentum 0.5, nesterov 1' for non-default hyperparameters, else ''."""
    return f" with {', '.join(f'{k} {v:g}' for k, v in hyper)}" if hyper else ""


def race_hyper_caption(names: Sequence[str], hypers: Sequence[tuple]) -> str:
    own = [
        f"{OPTIMIZERS[n].label}{hyper_words(h)}" for n, h in zip(names, hypers, strict=True) if h
    ]
    if not own:
        return "Hyperparameters: torch's defaults (the sidebar's optimizers set none)."
    return f"Hyperparameters from the sidebar: {', '.join(own)}; torch's defaults for the others."


RACE_MAP = "race_map"


def race_map(land: plots.Landscape, runs: list[plots.Run], start, steps: int) -> None:
    """The race on the client-side map: playback in the browser (the landscape stays drawn),
    no rate scrub (no single racer to scrub); a click sets the start, as in explore."""
    query = urlencode(st.query_params.to_dict(), safe=":,;=*")
    present = controls.valid_flag("present")
    blob = map_payload.scene_blob(
        land, runs, start, steps=steps, query=query, title="A fair race", present=present
    )
    box = land.box

    def on_start() -> None:
        point = clicked_start(RACE_MAP, box)
        if point is not None:
            controls.set_start(point)

    map_component(blob, key=RACE_MAP, on_start=on_start)


def render_race(s: Settings) -> None:
    intro(
        "**A fair race.** Comparing optimizers at one shared rate is unfair: every method has its "
        "own good range. Here each optimizer runs at every rate of the same grid (1, 2, 5 per "
        "decade from 10⁻⁴ to 10) from the same start, and keeps the rate that reaches the minimum "
        "fastest without leaving the map — the rule is stated under the table. Switch to *all "
        "the same* to see how different the verdict can be."
    )
    seed_params("race", RACE_PARAMS, s)
    key, surface = resolve_surface(s)
    race_controls()
    publish(RACE_PARAMS)
    state = st.session_state
    names = tuple(state["race_opts"])
    if not names:
        st.info("Pick at least one optimizer.")
        return
    if not surface.minima:
        st.info("A race needs a landscape with a known minimum: pick another in the sidebar.")
        return
    grid = (
        (float(state["race_lr"]),) if state["race_mode"] == "same" else tuple(map(float, RACE_GRID))
    )
    asked = int(state["race_steps"])
    steps = affordable_steps(
        asked,
        surface.cost,
        f"{len(names)} optimizers × {asked:,} steps",
        "Fewer optimizers or steps will do it as asked.",
        rows=len(names) * len(grid),
        runs=len(names),
    )
    hypers = tuple(sidebar_hyper(s, name) for name in names)
    ignored_settings(s, "policy", "warmup", "noise")
    ran = run_from_start(s, surface, lambda start: lab_compute.race(
        key, names, hypers, tuple(start), grid, steps, float(state["race_tol"])
    ))  # fmt: skip
    if ran is None:
        return
    start, result = ran
    colours = plots.colours_for(list(names))
    labels = [OPTIMIZERS[n].label for n in names]
    runs = [
        plots.Run(
            f"{label} · lr {row.lr:g}", colour, traj.positions[:, 0], traj.loss[:, 0],
            traj.lr[:, 0], traj.grad_norm[:, 0], int(traj.diverged_at[0]),
        )
        for label, colour, row, traj in zip(
            labels, colours, result.rows, (result.trajectories[n] for n in names), strict=True
        )
    ]  # fmt: skip
    land = compute.get_landscape(key)
    left, right = st.columns([5, 6], gap="medium")
    with left:
        race_map(land, runs, start, steps)
    with right:
        number = st.column_config.NumberColumn
        st.dataframe(
            lab_plots.race_table(result.rows, labels),
            hide_index=True,
            column_config={  # narrow columns: all six fit beside the map on a 1280-px projector
                "optimizer": st.column_config.TextColumn(width=140),
                "lr": number("lr", format="%g", width=48, help="The chosen learning rate."),
                "steps": st.column_config.TextColumn(
                    "steps",
                    width=58,
                    help=f"Steps until f − f* < tol for good ({lab_plots.NOT_REACHED}: never).",
                ),
                "final loss": number("loss", format="%.3g", width=62, help="The final loss."),
                "distance": number(
                    "dist.",
                    format="%.3g",
                    width=66,
                    help="From the final point to the nearest global minimum.",
                ),
                "outcome": st.column_config.TextColumn(
                    width=110,
                    help="reached tol (and stayed); else diverged, left the map (the "
                    "path went off the plotted box), not within tol, trapped (in a local "
                    "minimum), oscillating, stalled or too slow.",
                ),
            },
            key="race_table",
        )
        if state["race_mode"] == "same":
            st.caption(f"Every optimizer runs at lr {state['race_lr']:g}.")
        else:
            st.caption(f"**Criterion.** {result.criterion} (tol = {result.tol:g})")
        st.caption(race_hyper_caption(names, hypers))


# --------------------------------------------------------------------------- mini-batch SGD

DECAYS = ("inverse_time", "cosine", "exponential", "step")
SGD_PARAMS = (
    number("sgd_n", 100, 10, 2000, integer=True),
    number("sgd_noise", 0.5, 0.0, 5.0),
    number("sgd_seed", 0, 0, 10_000, integer=True),
    number("sgd_batch", 4, 1, 2000, integer=True),
    choice("sgd_lr", 0.2, controls.LR_GRID),
    number("sgd_runs", 20, 2, 100, integer=True),
    number("sgd_steps", 200, 10, 2000, integer=True),
    choice("sgd_decay", "inverse_time", DECAYS),
)
CONSTANT_COLOUR, DECAY_COLOUR = "#D55E00", "#0072B2"


def sgd_controls() -> None:
    c1, c2, c3, c4 = st.columns(4)
    c1.number_input("Data points n", min_value=10, max_value=2000, step=10, key="sgd_n")
    c1.number_input(
        "Label noise σ", min_value=0.0, max_value=5.0, step=0.1, format="%g", key="sgd_noise"
    )
    c2.number_input("Mini-batch size", min_value=1, max_value=2000, step=1, key="sgd_batch")
    c2.select_slider(
        "Learning rate", controls.LR_GRID, key="sgd_lr", format_func=lambda v: f"{v:g}"
    )
    c3.number_input("Seeded runs", min_value=2, max_value=100, step=5, key="sgd_runs")
    c3.number_input("Steps", min_value=10, max_value=2000, step=50, key="sgd_steps")
    c4.selectbox("Decaying rate", DECAYS, key="sgd_decay", format_func=lambda n: POLICIES[n].label)
    c4.number_input("Data seed", min_value=0, max_value=10_000, step=1, key="sgd_seed")


SGD_SIZES = {"data points": ladder(10, 2000), "runs": ladder(2, 100)}


def sgd_sizes(n: int, noise: float, seed: int, batch: int, runs: int) -> tuple:
    """(n, noise, seed, batch, runs) as the view runs them: the sizes a fan's cost grows with
    (data points, runs) snapped to 1–2–5 values and the noise to 0.1 (the widget's step), so
    near-identical requests share one result; a caption says so when that differs from what
    was asked. The batch size is the lesson itself and costs nothing: it runs as asked."""
    asked = {"data points": n, "runs": runs}
    ran = {k: snap(v, SGD_SIZES[k]) for k, v in asked.items()}
    snapped_noise = round(noise, 1)
    changed = [f"{ran[k]:,} {k} (asked: {asked[k]:,})" for k in asked if ran[k] != asked[k]]
    if snapped_noise != noise:
        changed.append(f"noise σ {snapped_noise:g} (asked: {noise:g})")
    if changed:
        st.caption(
            f"Running with {', '.join(changed)}: this view runs sizes of 1, 2, 5, 10, 20, 50 … "
            "so that near-identical requests share one result on this shared server."
        )
    return ran["data points"], snapped_noise, seed, batch, ran["runs"]


def render_sgd(s: Settings) -> None:
    intro(
        "**Mini-batch SGD on a real model.** Fit a line y = w·x + b to the data. The map is the "
        "full-batch loss over (w, b); each step, though, only sees a small random batch, so its "
        "gradient is noisy and every seeded run takes its own path. With a **constant** rate the "
        "runs never settle: they keep bouncing around the minimum. A **decaying** rate calms "
        "the noise as it shrinks. *Try:* a batch of 1, then of n (the exact gradient)."
    )
    seed_params("sgd", SGD_PARAMS, s)
    sgd_controls()
    publish(SGD_PARAMS)
    st_ = st.session_state
    n, noise, seed, batch, runs = sgd_sizes(
        int(st_["sgd_n"]),
        float(st_["sgd_noise"]),
        int(st_["sgd_seed"]),
        int(st_["sgd_batch"]),
        int(st_["sgd_runs"]),
    )
    if batch > n:
        st.warning(f"The batch ({batch}) cannot be larger than the data ({n}); using {n}.")
        batch = n
    lr, asked, decay = float(st_["sgd_lr"]), int(st_["sgd_steps"]), st_["sgd_decay"]
    # Each step of each run draws its batch from all n points: a fan costs runs × n × steps.
    steps = affordable_steps(
        asked,
        1.0,
        f"{runs} runs × {n:,} data points × {asked:,} steps",
        "Fewer runs or data points allow more steps.",
        rows=runs * n,
        grid=STEP_LADDER,
    )
    surface, land = lab_compute.regression(n, noise, seed)
    fans = {
        name: lab_compute.fan(n, noise, seed, lr, batch, runs, steps, name)
        for name in ("constant", decay)
    }
    titles = {"constant": f"constant rate {lr:g}", decay: f"{POLICIES[decay].label} from {lr:g}"}
    colours = {"constant": CONSTANT_COLOUR, decay: DECAY_COLOUR}
    start = surface.start
    chart(
        lab_plots.sgd_fans_figure(
            land, [(titles[k], colours[k], f.positions) for k, f in fans.items()], start
        ),
        "sgd_fans",
    )
    left, right = st.columns(2, gap="medium")
    with left:
        chart(
            lab_plots.sgd_band_figure(
                [(titles[k], colours[k], f.band) for k, f in fans.items()], surface.f_min
            ),
            "sgd_band",
        )
        spread = {k: f.final_spread for k, f in fans.items()}
        st.caption(
            "Spread of the final loss across runs (90 % − 10 %): "
            f"constant {num(spread['constant'])}, decaying {num(spread[decay])}."
        )
    with right:
        data = lab_compute.regression_data(n, noise, seed)
        w_star, b_star = surface.minima[0].point
        lines = [("least squares", "#111111", w_star, b_star)]
        for k, f in fans.items():
            w, b = np.median(f.positions[-1], axis=0)
            lines.append((f"median of {titles[k]}", colours[k], float(w), float(b)))
        chart(lab_plots.data_figure(data.x, data.y, lines), "sgd_data")


LAB_VIEWS: dict[str, tuple[str, Callable[[Settings], None]]] = {
    "sweep": ("Sweep", ends_view_when_refused(render_sweep)),
    "finder": ("LR finder", render_finder),
    "basins": ("Basins", ends_view_when_refused(render_basins)),
    "phase": ("lr × μ", ends_view_when_refused(render_phase)),
    "race": ("Race", render_race),
    "sgd": ("SGD", ends_view_when_refused(render_sgd)),
}
LAB_PARAMS: dict[str, tuple[LabParam, ...]] = {  # each view's own URL keys
    "sweep": SWEEP_PARAMS,
    "finder": FINDER_PARAMS,
    "basins": BASIN_PARAMS,
    "phase": PHASE_PARAMS,
    "race": RACE_PARAMS,
    "sgd": SGD_PARAMS,
}
