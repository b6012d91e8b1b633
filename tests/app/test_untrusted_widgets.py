"""Widget values come from the browser: garbage in session_state never raises, it falls back.

Streamlit hands back the raw string when a select box's value matches no option (labels that
changed between reruns, or a hostile client) and a number widget returns whatever typed value
the client sent. Here such values are planted in session_state just before the page runs;
the page must run without an exception and show a sane fallback. (The same over the real
websocket protocol: tests/load/test_load_smoke.py::test_hostile_widget_values.)
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.state import controls
from surfaces import make_surface


def _planted_app() -> None:
    import streamlit as st

    from app.shell import main

    for key, value in st.session_state.pop("_plant", {}).items():
        st.session_state[key] = value
    main()


def run_planted(plant: dict, **query: str) -> AppTest:
    """Run the page once (from `query`), plant `plant` in session_state, run it again."""
    at = AppTest.from_function(_planted_app, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    at.session_state["_plant"] = plant
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


RAVINE_START = make_surface("ravine").start

EXPLORE_CASES = [
    ("steps", "abc", "number_input", 50),
    ("steps", 99999, "number_input", 50),
    ("steps", float("nan"), "number_input", 50),
    ("steps", 12.5, "number_input", 50),
    ("warmup", "w", "number_input", 0),
    ("noise", "loud", "number_input", 0.0),
    ("seed", -5, "number_input", 0),
    ("r0:lr", "x", "number_input", 0.4),
    ("r0:lr", 1e9, "number_input", 0.4),
    ("r0:lrs", "0.4x", "select_slider", 0.4),
    ("r0:opt", "nope", "selectbox", "gd"),
    ("r0:opt", 3, "selectbox", "gd"),
    ("surface", "Rosenbrock (banana valley)", "selectbox", "ravine"),
    ("policy", None, "selectbox", "constant"),
    ("start_x", "left", "number_input", RAVINE_START[0]),
    ("start_y", float("inf"), "number_input", RAVINE_START[1]),
]


@pytest.mark.parametrize(("key", "garbage", "kind", "fallback"), EXPLORE_CASES)
def test_garbage_in_an_explore_widget_falls_back(key, garbage, kind, fallback):
    at = run_planted({key: garbage})
    widget = getattr(at, kind)(key=key)
    assert (
        widget.value == pytest.approx(fallback)
        if isinstance(fallback, float)
        else (widget.value == fallback)
    ), (key, widget.value)
    assert not at.error


def test_garbage_everywhere_at_once_still_draws_the_map():
    plant = {key: garbage for key, garbage, _, _ in EXPLORE_CASES}
    plant.update(map="hologram", view="nowhere", present="yes", inspecting=1, n_racers="7")
    at = run_planted(plant)
    assert at.get("plotly_chart") or at.get("bidi_component"), "the explore view is drawn"
    assert at.toggle(key="present").value is False
    query = str(dict(at.query_params))
    assert "map=" not in query  # the garbage map mode fell back to the default, contour
    assert "hologram" not in query and "nowhere" not in query  # garbage never reaches the link


def test_a_hyperparameter_of_the_wrong_type_falls_back_to_its_default():
    at = run_planted({"r0:momentum:momentum": "lots"}, opt="momentum:lr=0.1,momentum=0.5")
    assert at.slider(key="r0:momentum:momentum").value == pytest.approx(0.9)


LAB_CASES = [
    ("basins", {"bm_racer": "1. Gradient descent (lr 0.4)", "bm_n": "huge", "bm_steps": "x"}),
    ("basins", {"bm_racer": 7, "bm_n": 81, "bm_steps": 1e308}),
    ("finder", {"lf_min": "abc", "lf_max": [1], "lf_steps": None, "lf_beta": 0.5}),
    ("finder", {"lf_stop": "k = 4 (fastai)"}),
    ("phase", {"pd_colour": 3, "pd_n": "30x", "pd_steps": -1}),
    ("race", {"race_opts": ["nope"], "race_mode": "fast", "race_lr": "big", "race_tol": {}}),
    ("race", {"race_opts": "gd", "race_steps": "many"}),
    ("sweep", {"sweep_lrs": 42, "sweep_steps": "200 steps"}),
    ("sgd", {"sgd_decay": "x", "sgd_lr": "0.2", "sgd_batch": 0, "sgd_n": "n", "sgd_noise": -1}),
]


@pytest.mark.parametrize(("view", "plant"), LAB_CASES)
def test_garbage_in_a_lab_widget_falls_back(view, plant):
    from app.shell import VIEWS
    from optimizers.lab.defaults import finder_defaults, sweep_defaults
    from surfaces import make_surface

    params = {p.key: p for v in VIEWS.values() for p in v.params}
    ravine = make_surface("ravine")  # the default scene's: the lab pages' defaults follow it
    finder = finder_defaults(ravine)
    landscape = {
        "sweep_lrs": ", ".join(f"{r:g}" for r in sweep_defaults(ravine, "gd", 200).lrs),
        "lf_min": finder.lr_min,
        "lf_max": finder.lr_max,
    }
    at = run_planted(plant, view=view, bm_n="40", pd_n="15", sgd_runs="4")
    for key, garbage in plant.items():
        value = at.session_state[key]
        if key in landscape:
            assert value == landscape[key], (key, garbage, value)
        elif key == "bm_racer":
            assert value == 1
        elif key == "sgd_lr":
            assert value == pytest.approx(0.2)  # "0.2" reads as the grid's 0.2
        else:
            assert value == params[key].default, (key, garbage, value)
    drew = at.get("plotly_chart") or at.get("bidi_component")  # the race: the map component
    assert drew or at.info, "the view drew its result"


def test_option_matching_is_strict_about_types():
    assert controls._same_value(0.4, 0.4) and not controls._same_value(1, True)
    assert not controls._same_value("0.4", 0.4) and controls._same_value(2, 2.0)
