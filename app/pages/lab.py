"""What the learning-rate lab's views share: the intro, a chart, the captions about sidebar
settings a view does not use, the warm-up fitted to a view's run."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from app import compute
from app.state import controls
from app.state.budget import ladder
from app.state.links import LabParam
from app.state.settings import Settings
from app.theory import theory_at_minimum
from optimizers import OPTIMIZERS, POLICIES

# No Plotly toolbar: on hover it covers the legend (top right). Drag still zooms, a
# double-click resets, the scroll wheel zooms the maps.
CONFIG = {"displayModeBar": False}


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


def chart(spec: dict, key: str, width: int | str = "stretch") -> None:
    figure = compute.chart_figure(spec, present=controls.valid_flag("present"))
    st.plotly_chart(figure, key=key, config=CONFIG, width=width)


STEP_LADDER = ladder(10, 2000)  # the step counts heavy views run (budget.affordable_steps)


def hyper_words(hyper: tuple) -> str:
    """' with momentum 0.5, nesterov 1' for non-default hyperparameters, else ''."""
    return f" with {', '.join(f'{k} {v:g}' for k, v in hyper)}" if hyper else ""


def landscape_params(view: str, params: tuple[LabParam, ...], key, **defaults) -> tuple:
    """`params` with this landscape's `defaults` (key -> value). The link's values still win
    (links.seed_params uses a default only for a key the link lacks); when the landscape
    changed since the view last drew, a widget still at the old landscape's default takes the
    new one, one the user set is kept."""
    params = tuple(replace(p, default=defaults[p.key]) if p.key in defaults else p for p in params)
    state, mark = st.session_state, f"lab_defaults:{view}"
    drawn_for, old = state.get(mark, (key, {}))
    if drawn_for != key:
        for p in params:
            if p.key in old and state.get(p.key) == old[p.key]:
                state[p.key] = p.default
    state[mark] = (key, {p.key: p.default for p in params})
    return params
