"""Mini-batch SGD on a real model: noisy paths under a constant and a decaying rate."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app import lab_compute
from app.figures.sgd import data_figure, sgd_band_figure, sgd_fans_figure
from app.figures.style import INK
from app.gate import ends_view_when_refused
from app.pages.lab import (
    STEP_LADDER,
    chart,
    intro,
)
from app.state import controls
from app.state.budget import affordable_steps, ladder, snap
from app.state.links import (
    View,
    choice,
    number,
    publish,
    seed_params,
)
from app.state.settings import Settings
from optimizers import POLICIES
from optimizers.numbers import num

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
    c1, c2, c3, c4 = st.columns([1, 1, 1, 2])  # "Inverse-time decay (1/t)" whole
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
    # Short names, so that two panel titles and a legend entry fit a phone's width; the
    # decaying rule is named in the caption under the fans.
    titles = {"constant": f"constant lr {lr:g}", decay: f"decaying from {lr:g}"}
    colours = {"constant": CONSTANT_COLOUR, decay: DECAY_COLOUR}
    start = surface.start
    chart(
        sgd_fans_figure(
            land, [(titles[k], colours[k], f.positions) for k, f in fans.items()], start
        ),
        "sgd_fans",
    )
    st.caption(f"**decaying**: the {POLICIES[decay].label} schedule, starting at lr {lr:g}.")
    left, right = st.columns(2, gap="medium")
    with left:
        chart(
            sgd_band_figure(
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
        lines = [("least squares", INK, w_star, b_star)]
        for k, f in fans.items():
            w, b = np.median(f.positions[-1], axis=0)
            lines.append((f"median, {titles[k].split()[0]}", colours[k], float(w), float(b)))
        chart(data_figure(data.x, data.y, lines), "sgd_data")


VIEW = View(
    "sgd",
    "SGD",
    ends_view_when_refused(render_sgd),
    SGD_PARAMS,
    frozenset(),
    ":material/scatter_plot:",
)
