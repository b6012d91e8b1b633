"""The basin map: which minimum each start point reaches."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st

from app import compute, lab_compute
from app.figures.basins import basin_figure
from app.gate import ends_view_when_refused
from app.pages.lab import (
    STEP_LADDER,
    chart,
    fitted_warmup,
    ignored_settings,
    intro,
    landscape_params,
    racer_label,
    schedule_words,
)
from app.state import controls
from app.state.budget import WORK_BUDGET, affordable_steps, snap_down
from app.state.links import (
    View,
    choice,
    number,
    publish,
    seed_params,
)
from app.state.scene import resolve_surface, start_of
from app.state.settings import Racer, Settings
from optimizers import OPTIMIZERS
from optimizers.lab.basins import UNDEFINED
from optimizers.lab.defaults import basin_defaults, classic_comparison
from surfaces import make_surface

BASIN_SIZES = (20, 40, 80, 120, 160, 200)
BASIN_STEPS = 200
BASIN_PARAMS = (
    choice("bm_n", 80, BASIN_SIZES),
    number("bm_steps", BASIN_STEPS, 10, 2000, integer=True),
    number("bm_racer", 1, 0, 6, integer=True),  # 0: every racer's map side by side
)
ALL = 0


def wells_example() -> None:
    """Button callback: the Wells landscape with GD and momentum (μ 0.9) at one rate, the
    rate of optimizers.lab.defaults.classic_comparison, both maps side by side."""
    state = st.session_state
    lr = classic_comparison(make_surface("wells")).lr
    controls.seed(
        Settings(
            view="basins",
            surface="wells",
            racers=(Racer("gd", lr), Racer("momentum", lr)),
            extra=tuple(state.get("extra", ())),
        )
    )
    state["bm_racer"] = ALL


def affordable_defaults(cost: float) -> dict:
    """This landscape's default resolution and steps: the largest of BASIN_SIZES (at most 80)
    whose n² starts × BASIN_STEPS fit the work budget, else the smallest with the steps that
    fit (a costly model's loss: 80 × 80 starts would get 10 steps, too few to settle)."""
    work = max(cost, 1.0) * BASIN_STEPS
    fits = [n for n in BASIN_SIZES if n <= 80 and n * n * work <= WORK_BUDGET]
    n = fits[-1] if fits else BASIN_SIZES[0]
    steps = snap_down(int(WORK_BUDGET / (n * n * max(cost, 1.0))), STEP_LADDER)
    return {"bm_n": n, "bm_steps": min(BASIN_STEPS, steps)}


def show_racer(s: Settings, optimizer: str, lr: float) -> None:
    """Button callback: the sidebar's optimizer list becomes this one racer, its map shown."""
    controls.seed(replace(s, racers=(Racer(optimizer, lr),)))
    st.session_state["bm_racer"] = 1


def one_basin_note(s: Settings, key, surface, label: np.ndarray, steps: int) -> None:
    """On a landscape with ≥ 2 minima, a map whose starts reach fewer says so, and offers an
    optimizer and rate that reaches two in as many steps (lab.defaults.basin_defaults)."""
    reached = int(np.unique(label[label >= 0]).size)
    if len(surface.minima) < 2 or reached >= 2:
        return
    first = s.racers[0]
    said = (
        f"In {steps} steps the starts of this map reach {reached} of the {len(surface.minima)} "
        f"minima: {OPTIMIZERS[first.optimizer].label} at lr {first.lr:g} does not settle from "
        "most starts (light grey)."
    )
    found = lab_compute.basin_suggestion(key, steps)
    if found.note or (found.optimizer, found.lr) == (first.optimizer, first.lr):
        st.info(f"{said} {found.note}", icon=":material/info:")
        return
    better = f"{OPTIMIZERS[found.optimizer].label} at lr {found.lr:g}"
    st.info(f"{said} {better} reaches {found.basins} in as many steps.", icon=":material/info:")
    st.button(f"Show it: {better}", on_click=show_racer, args=(s, found.optimizer, found.lr))


def racer_choice(s: Settings, i: int) -> str:
    return "All, side by side" if i == ALL else f"{i}. {racer_label(s, i - 1)}"


def render_basins(s: Settings) -> None:
    intro(
        "**Where does each start end up?** Every point of the map is a start; all of them run "
        "at once with the chosen optimizer and rate, and the point is coloured by the minimum it "
        "ends in (dark: diverged, light grey: did not settle in time). Contour lines show the "
        "landscape. *Try:* on **Wells**, compare plain gradient descent with momentum at the same "
        "rate (add a second optimizer in the sidebar) — momentum carries many starts out of the "
        "shallow wells into the deep one."
    )
    key, surface = resolve_surface(s)
    params = landscape_params("basins", BASIN_PARAMS, key, **affordable_defaults(surface.cost))
    seed_params("basins", params, s)
    st.button(
        "Show the classic: Wells, gradient descent vs momentum",
        on_click=wells_example,
        icon=":material/auto_awesome:",
    )
    start = start_of(s, surface)
    state = st.session_state
    # The labels carry each racer's rate, which changes: a stale label comes back as a raw
    # string, and a removed racer leaves an index out of range. Anything but a valid index → 1.
    asked = state.get("bm_racer")
    choices = (*((ALL,) if len(s.racers) > 1 else ()), *range(1, len(s.racers) + 1))
    if isinstance(asked, int) and not isinstance(asked, bool) and asked not in choices:
        st.warning(
            f"Ignored bm_racer={asked}: the sidebar races {len(s.racers)} optimizer"
            f"{'s' if len(s.racers) > 1 else ''}; using the first.",
            icon=":material/link_off:",
        )
    controls.valid_choice("bm_racer", choices, 1)
    c1, c2, c3 = st.columns([2, 2, 1])
    c1.selectbox(
        "Optimizer and rate (from the sidebar's list)",
        choices,
        key="bm_racer",
        format_func=lambda i: racer_choice(s, i),
    )
    c2.select_slider(
        "Resolution (starts per side)",
        BASIN_SIZES,
        key="bm_n",
        format_func=lambda n: f"{n} × {n}",
        help="200 × 200 = 40 000 runs: a few seconds the first time, then cached.",
    )
    c3.number_input("Steps", min_value=10, max_value=2000, step=50, key="bm_steps")
    publish(params)
    chosen = int(state["bm_racer"])
    racers = s.racers if chosen == ALL else (s.racers[chosen - 1],)
    n, asked = int(state["bm_n"]), int(state["bm_steps"])
    steps = affordable_steps(
        asked,
        surface.cost,
        f"{len(racers)} × {n} × {n} starts × {asked:,} steps",
        "A lower resolution allows more steps.",
        rows=len(racers) * n * n,
        grid=STEP_LADDER,
    )
    warmup = fitted_warmup(s, steps, "this basin map")
    ignored_settings(s, "noise")
    if len(surface.minima) < 2:
        st.caption(f":material/info: {basin_defaults(surface, steps).note}")
    minima = [(m.point, m.value) for m in surface.minima]
    land = compute.get_landscape(key)
    columns = st.columns(min(len(racers), 2)) if len(racers) > 1 else (st.container(),)
    for i, r in enumerate(racers):
        result = lab_compute.basins(
            key, r.optimizer, r.hyper, float(r.lr), n, steps, s.policy, s.policy_params, warmup
        )
        with columns[i % len(columns)]:
            chart(
                basin_figure(land, result.xs, result.ys, result.label, minima, start),
                f"basin_chart_{i}" if len(racers) > 1 else "basin_chart",
            )
            st.caption(
                f"{OPTIMIZERS[r.optimizer].label}, lr {r.lr:g}{schedule_words(s, warmup)}, "
                f"{steps} steps from each of {n * n:,} starts{undefined_note(result.label)}. "
                "○ marks the sidebar's start point, ★ the minima."
            )
        if i == 0:
            one_basin_note(s, key, surface, result.label, steps)


def undefined_note(label: np.ndarray) -> str:
    """'; k of them (…) are undefined here …' for a map with UNDEFINED starts, else ''."""
    count = int((label == UNDEFINED).sum())
    if not count:
        return ""
    return (
        f"; {count:,} of them ({count / label.size:.0%}, blank) {'is' if count == 1 else 'are'} "
        "**undefined here**: f or ∇f is not finite there (√x or log x at x < 0, an overflow …), "
        "so no run can start"
    )


VIEW = View(
    "basins",
    "Basins",
    ends_view_when_refused(render_basins),
    BASIN_PARAMS,
    frozenset({"racers", "landscape", "schedule"}),
    ":material/water:",
)
