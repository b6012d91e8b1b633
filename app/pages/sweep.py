"""Try rates on a grid: one small map per learning rate, with theory's stable band."""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from app import compute, lab_compute
from app.figures.style import PROJECTOR_SCALE
from app.figures.sweep import PANEL_PX, sweep_curves_figures, sweep_panel_figure, title_lines
from app.gate import ends_view_when_refused
from app.markup import plain
from app.pages.lab import (
    STEP_LADDER,
    chart,
    fitted_warmup,
    ignored_settings,
    intro,
    landscape_params,
    no_theory,
    racer_label,
)
from app.state import controls
from app.state.budget import affordable_steps
from app.state.links import (
    View,
    number,
    publish,
    rate_list,
    seed_params,
)
from app.state.scene import resolve_surface, run_from_start
from app.state.settings import Settings
from app.theory import NO_THEORY
from optimizers.lab import DEFAULT_LRS, parse_lr_grid
from optimizers.lab.defaults import sweep_defaults
from optimizers.numbers import num
from optimizers.simulate import StartError

DEFAULT_SWEEP_TEXT = ", ".join(f"{r:g}" for r in DEFAULT_LRS)
SWEEP_PARAMS = (
    rate_list("sweep_lrs", DEFAULT_SWEEP_TEXT),
    number("sweep_steps", 200, 10, 2000, integer=True),
)
ZOOM_FACTORS = (1.5, 1.1, 1.0, 0.9, 0.5, 0.1)


@st.cache_data(max_entries=64, show_spinner=False)
def landscape_sweep(key, optimizer: str, steps: int) -> tuple[str, str]:
    """(rates as text, note): rates that converge, zig-zag and diverge in `steps` on this
    landscape for `optimizer` at its default hyperparameters (lab.defaults.sweep_defaults);
    the decades when the landscape's own start is undefined (the page says so)."""
    try:
        found = sweep_defaults(compute.get_surface(key), optimizer, steps)
    except StartError:
        return DEFAULT_SWEEP_TEXT, ""
    return ", ".join(f"{r:g}" for r in found.lrs), found.note


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
    key, surface = resolve_surface(s)
    r = s.racers[0]
    length = min(int(surface.steps), 2000)  # the landscape's run length, in the widget's range
    rates_text, note = landscape_sweep(key, r.optimizer, length)
    params = landscape_params("sweep", SWEEP_PARAMS, key, sweep_lrs=rates_text, sweep_steps=length)
    seed_params("sweep", params, s)
    limit = lab_compute.gd_limit(key)
    c1, c2, c3, c4 = st.columns([5, 2, 3, 2], vertical_alignment="bottom")
    c1.text_input(
        "Learning rates to try (comma-separated)",
        key="sweep_lrs",
        max_chars=600,
        help="Up to 64 rates, e.g. 1, 0.3, 0.1, 0.03 — or 1e-3 3e-3 1e-2.",
    )
    c2.number_input("Steps", min_value=10, max_value=2000, step=50, key="sweep_steps")
    c3.button(
        "Near 2/λ_max",
        on_click=zoom_to_limit,
        args=(limit,),
        disabled=not math.isfinite(limit),
        help="Rates from 1.5× down to 0.1× the theoretical limit.",
        width="stretch",
    )
    c4.button("Decades", on_click=reset_sweep, help=DEFAULT_SWEEP_TEXT, width="stretch")
    rates = sweep_rates()
    publish(params)
    if note and st.session_state["sweep_lrs"] == rates_text:
        st.caption(f":material/info: {plain(note)}")
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
    render_panels(land, panels, start)
    f_star = surface.f_min if surface.minima else land.floor
    curves = sweep_curves_figures(panels, f_star, result.lr_max_stable)
    for column, spec, name in zip(st.columns(2), curves, ("loss", "steps"), strict=True):
        with column:  # side by side; one under the other on a phone
            chart(spec, f"sweep_curves_{name}")
    if math.isfinite(result.lr_max_stable):
        st.caption(
            f"Near the minimum the steepest curvature is λ_max = {num(2 / result.lr_max_stable)}: "
            f"gradient descent is stable only for lr < 2/λ_max = {num(result.lr_max_stable)}; the "
            f"best fixed rate there is 2/(λ_min + λ_max) = {num(result.lr_best)}."
        )
    elif no_theory(key):
        st.caption(f"{NO_THEORY}: no green band.")


def render_panels(land, panels, start) -> None:
    """The small multiples in a row that wraps: as many a row as the page is wide (four on a
    laptop, two on a phone), each title above its own map, never over its neighbour's."""
    present = controls.valid_flag("present")
    width = round(PANEL_PX * (PROJECTOR_SCALE if present else 1))  # a projector's larger text
    lines = title_lines(panels)
    with st.container(horizontal=True, gap="small", key="sweep_panels"):
        for i, panel in enumerate(panels):
            spec = sweep_panel_figure(land, panel, start, lines, width)
            chart(spec, f"sweep_panel_{i}", width=width)


VIEW = View(
    "sweep",
    "Sweep",
    ends_view_when_refused(render_sweep),
    SWEEP_PARAMS,
    frozenset({"racer", "landscape", "schedule"}),
    ":material/grid_view:",
)
