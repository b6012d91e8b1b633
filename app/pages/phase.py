"""The phase diagram: heavy-ball momentum over a grid of (lr, μ)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app import lab_compute
from app.figures.phase import phase_figure
from app.figures.ticks import TINY
from app.gate import ends_view_when_refused
from app.pages.lab import (
    STEP_LADDER,
    chart,
    ignored_settings,
    intro,
    no_theory,
)
from app.state.budget import affordable_steps
from app.state.links import (
    View,
    choice,
    number,
    publish,
    seed_params,
)
from app.state.scene import resolve_surface, run_from_start
from app.state.settings import Settings
from app.theory import NO_THEORY
from optimizers.numbers import num
from optimizers.stability import stable_lr

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
    c1, c2, c3 = st.columns([3, 2, 1])  # "steps to converge | final loss" whole at 1024 px
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
        gap = np.maximum(result.final_loss - surface.f_min, TINY)
        value, title = np.log10(gap), "log₁₀(final f − f*)"
    else:
        value = np.where(result.steps_to_converge >= 0, result.steps_to_converge, np.nan)
        title = "steps to converge"
    chart(
        phase_figure(
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


VIEW = View(
    "phase",
    "lr × μ",
    ends_view_when_refused(render_phase),
    PHASE_PARAMS,
    frozenset({"landscape"}),
    ":material/blur_on:",
)
