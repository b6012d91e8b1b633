"""A fair race: each optimizer at its own best rate of one shared grid."""

from __future__ import annotations

import math
from collections.abc import Sequence
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from app import compute, lab_compute
from app.components.map import clicked_start, map_component
from app.components.map import payload as map_payload
from app.figures.data import Landscape, Run
from app.figures.race import race_table
from app.figures.style import colours_for
from app.figures.ticks import power_label
from app.pages.lab import (
    hyper_words,
    ignored_settings,
    intro,
)
from app.state import controls
from app.state.budget import affordable_steps
from app.state.links import (
    View,
    choice,
    number,
    optimizer_list,
    publish,
    seed_params,
)
from app.state.scene import resolve_surface, run_from_start
from app.state.settings import Settings
from optimizers import OPTIMIZERS
from optimizers.lab import decade_grid
from optimizers.numbers import num

RACE_MAX = 6
RACE_GRID = decade_grid(10.0, 1e-4, (1, 2, 5))
RACE_GRID.flags.writeable = False  # a module constant: read-only
RACE_PARAMS = (
    optimizer_list("race_opts", ("gd", "momentum", "adam", "rmsprop"), RACE_MAX),
    choice("race_mode", "tuned", ("tuned", "same")),
    choice("race_lr", 0.1, controls.LR_GRID),
    number("race_steps", 200, 10, 2000, integer=True),
    choice("race_tol", 1e-3, (1e-2, 1e-3, 1e-6, 1e-9)),
)


def tol_label(tol: float) -> str:
    """'10⁻³' for 1e-3: short enough for a narrow select box."""
    return power_label(round(math.log10(tol)))


def race_controls() -> None:
    """The optimizers across the full width (no chip cut), then the rates, the success
    threshold and the steps; Streamlit stacks the columns on a phone."""
    st.multiselect(
        "Optimizers",
        tuple(OPTIMIZERS),
        key="race_opts",
        max_selections=RACE_MAX,
        format_func=lambda n: OPTIMIZERS[n].label,
    )
    mode, rate = st.columns([5, 4], vertical_alignment="bottom")
    mode.segmented_control(
        "Learning rates",
        ("tuned", "same"),
        key="race_mode",
        required=True,
        format_func=lambda m: {"tuned": "each tuned", "same": "all the same"}[m],
    )
    rate.select_slider(
        "The one rate",
        controls.LR_GRID,
        key="race_lr",
        format_func=lambda v: f"{v:g}",
        disabled=st.session_state["race_mode"] != "same",
        help="Used when all optimizers run at the same rate.",
    )
    tol, steps = st.columns(2, vertical_alignment="bottom")
    tol.selectbox(
        "Success: f − f* below",
        (1e-2, 1e-3, 1e-6, 1e-9),
        key="race_tol",
        format_func=tol_label,
        help="Reaching the minimum means getting (and staying) this close to its value.",
    )
    steps.number_input("Steps", min_value=10, max_value=2000, step=50, key="race_steps")


def sidebar_hyper(s: Settings, name: str) -> tuple:
    """The hyperparameters of the sidebar's first `name` racer (torch's defaults without one)."""
    return next((r.hyper for r in s.racers if r.optimizer == name), ())


def race_hyper_caption(names: Sequence[str], hypers: Sequence[tuple]) -> str:
    """What the sidebar's Optimizers section does here: it lends its hyperparameters; its
    rates are not used (the race picks each racer's rate)."""
    own = [
        f"{OPTIMIZERS[n].label}{hyper_words(h)}" for n, h in zip(names, hypers, strict=True) if h
    ]
    unused = "the sidebar's learning rates are not used here"
    if not own:
        return f"Hyperparameters: torch's defaults (the sidebar's optimizers set none); {unused}."
    return (
        f"Hyperparameters from the sidebar: {', '.join(own)}; torch's defaults for the others; "
        f"{unused}."
    )


RACE_MAP = "race_map"


def race_map(land: Landscape, runs: list[Run], start, steps: int) -> None:
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


def race_summary() -> str:
    """The race's settings in one line: the label of the (closed) box that holds them."""
    state = st.session_state
    names = ", ".join(OPTIMIZERS[n].label for n in state["race_opts"]) or "no optimizer yet"
    same = state["race_mode"] == "same"
    rates = f"all at lr {state['race_lr']:g}" if same else "each at its best rate"
    tol = tol_label(float(state["race_tol"]))
    return f"**Race:** {names} · {rates} · f − f* < {tol} · {int(state['race_steps']):,} steps"


def render_race(s: Settings) -> None:
    intro(
        "**A fair race.** Each optimizer runs at every rate of one grid (1, 2, 5 per decade, "
        "10⁻⁴ … 10) from the same start and keeps the rate that reaches the minimum fastest "
        "without leaving the map; *all the same* shows how different the verdict can be."
    )
    seed_params("race", RACE_PARAMS, s)
    key, surface = resolve_surface(s)
    with st.expander(race_summary(), icon=":material/tune:"):  # the map first, in view
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
    ran = run_from_start(s, surface, lambda start: lab_compute.race(
        key, names, hypers, tuple(start), grid, steps, float(state["race_tol"])
    ))  # fmt: skip
    if ran is None:
        return
    start, result = ran
    colours = colours_for(list(names))
    labels = [OPTIMIZERS[n].label for n in names]
    runs = [
        Run(
            f"{label} · lr {row.lr:g}", colour, traj.positions[:, 0], traj.loss[:, 0],
            traj.lr[:, 0], traj.grad_norm[:, 0], int(traj.diverged_at[0]),
        )
        for label, colour, row, traj in zip(
            labels, colours, result.rows, (result.trajectories[n] for n in names), strict=True
        )
    ]  # fmt: skip
    land = compute.get_landscape(key)
    race_map(land, runs, start, steps)  # full width; the table under it (beside it, it was cut)
    # A static table: it wraps long cells ("Momentum (heavy ball)", "5.2 × 10⁻¹³⁹") where a
    # data grid cuts them; numbers at 3 significant digits (optimizers.numbers.num).
    table = pd.DataFrame(race_table(result.rows, labels))
    shown = table.rename(columns={"final loss": "loss", "distance": "dist."})  # phone-narrow
    shown = shown.style.format({"lr": num, "loss": num, "dist.": num})
    st.table(shown, hide_index=True, border="horizontal")
    st.caption(
        "**outcome**: reached in N steps (f − f* < tol from step N on, for good; off the map: "
        "the path left the plotted box); else diverged, left the map, not within tol, trapped "
        "(in a local minimum), oscillating, stalled or too slow; **loss**: the final loss; "
        "**dist.**: from the final point to the nearest global minimum."
    )
    if state["race_mode"] == "same":
        st.caption(f"Every optimizer runs at lr {state['race_lr']:g}.")
    else:
        st.caption(f"**Criterion.** {result.criterion} (tol = {result.tol:g})")
    st.caption(f":material/info: {race_hyper_caption(names, hypers)}")
    ignored_settings(s, "policy", "warmup", "noise")


VIEW = View(
    "race",
    "Race",
    render_race,
    RACE_PARAMS,
    frozenset({"racers", "landscape"}),
    ":material/sports_score:",
)
