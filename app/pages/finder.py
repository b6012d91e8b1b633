"""The LR range test ("LR finder"): one run whose rate grows every step, and the rules that
read a rate off it."""

from __future__ import annotations

import math

import streamlit as st

from app import lab_compute
from app.figures.finder import range_test_figure
from app.pages.lab import (
    chart,
    hyper_words,
    ignored_settings,
    intro,
    landscape_params,
    no_theory,
)
from app.state import controls
from app.state.links import (
    View,
    choice,
    number,
    publish,
    seed_params,
)
from app.state.scene import resolve_surface, run_from_start
from app.state.settings import LR_MAX, LR_MIN, Settings
from app.theory import NO_THEORY
from optimizers import OPTIMIZERS
from optimizers.lab.defaults import FINDER_MAXS, FINDER_MINS, FinderDefaults, finder_defaults
from optimizers.numbers import num

# Every start rate is below every end rate, so no pair of choices (widgets or URL) is empty.
FINDER_PARAMS = (
    choice("lf_min", 1e-7, FINDER_MINS),
    choice("lf_max", 10.0, FINDER_MAXS),
    number("lf_steps", 100, 20, 1000, integer=True),
    choice("lf_beta", 0.98, (0.0, 0.6, 0.9, 0.95, 0.98)),
    choice("lf_stop", 4.0, (2.0, 4.0, 5.0, 10.0)),
)


def send_to_explore(lr: float) -> None:
    """Button callback: the first racer of Explore gets `lr`, and the app goes there."""
    controls.set_racer_lr(0, lr)
    st.session_state["goto"] = "explore"


def finder_controls() -> None:
    c1, c2, c3 = st.columns(3)  # two rows: the stop rule's words fit at 1024 px
    c1.selectbox("Start rate", FINDER_MINS, key="lf_min", format_func=lambda v: f"{v:g}")
    c2.selectbox("End rate", FINDER_MAXS, key="lf_max", format_func=lambda v: f"{v:g}")
    c3.number_input("Steps", min_value=20, max_value=1000, step=10, key="lf_steps")
    c4, c5 = st.columns([2, 3])
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
    key, surface = resolve_surface(s)
    found = FinderDefaults(1e-7, 10.0, 100, "") if no_theory(key) else finder_defaults(surface)
    ends = {"lf_min": found.lr_min, "lf_max": found.lr_max}
    params = landscape_params("finder", FINDER_PARAMS, key, **ends)
    seed_params("finder", params, s)
    finder_controls()
    publish(params)
    state = st.session_state
    if found.note and (state["lf_min"], state["lf_max"]) == (found.lr_min, found.lr_max):
        st.caption(f":material/info: {found.note}")
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
        range_test_figure(
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
    row = st.container(horizontal=True, wrap=True)  # buttons as wide as their label, wrapping
    for rule, lr in rates:
        used = min(max(lr, LR_MIN), LR_MAX)
        note = "" if used == lr else f" (clamped to {used:g})"
        row.button(
            f"{rule}: lr {num(lr)}{note} → Explore",
            key=f"send_{rule}",
            on_click=send_to_explore,
            args=(used,),
            icon=":material/send:",
            width="content",
        )


VIEW = View(
    "finder",
    "LR finder",
    render_finder,
    FINDER_PARAMS,
    frozenset({"racer", "landscape", "noise"}),
    ":material/search:",
)
