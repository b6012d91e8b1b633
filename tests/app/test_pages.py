"""Views as pages (app/shell.py): old `?view=` links, each page's own link keys, the sidebar of
the controls a page uses, the scene kept across pages."""

from __future__ import annotations

import pytest

from app.shell import HOME, VIEWS
from app.state.controls import SECTIONS

from .conftest import go_to, new_app


def sidebar_labels(at) -> set[str]:
    """The labels of every widget in the sidebar."""
    kinds = ("selectbox", "number_input", "text_input", "select_slider", "toggle", "button")
    return {w.label for kind in kinds for w in at.sidebar.get(kind)}


@pytest.mark.parametrize("view", [v for v in VIEWS if v != "lessons"])  # it opens a lesson
def test_an_old_view_link_opens_its_page_with_the_rest_of_the_scene(view):
    at = new_app(view=view, surface="bowl", bm_n="40", pd_n="15", sgd_runs="4").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["page"] == view
    assert "view" not in at.query_params  # the page's URL path names it now
    assert at.session_state["scene"].surface == "bowl" and at.query_params["surface"] == "bowl"
    assert not at.warning, [w.value for w in at.warning]


def test_a_views_own_keys_leave_the_link_with_it_and_come_back_with_it():
    at = new_app(view="sweep", sweep_lrs="0.6, 0.1", opt="adam:lr=0.2").run()
    assert at.query_params["sweep_lrs"] == "0.6, 0.1"
    go_to(at, "explore")
    assert "sweep_lrs" not in at.query_params
    assert at.query_params["opt"] == "adam:lr=0.2"  # the shared scene stays
    go_to(at, "finder")
    assert "sweep_lrs" not in at.query_params
    go_to(at, "sweep")
    assert at.query_params["sweep_lrs"] == "0.6, 0.1"
    assert at.text_input(key="sweep_lrs").value == "0.6, 0.1"


def test_explores_own_keys_stay_on_explore_and_the_lesson_on_lessons():
    at = new_app(surface="ravine", inspect="3", map="3d").run()
    assert {"inspect", "map"} <= set(at.query_params)
    go_to(at, "race")
    assert not {"lesson", "inspect", "map"} & set(at.query_params)
    go_to(at, "explore")
    assert at.query_params["inspect"] == "3" and at.query_params["map"] == "3d"
    go_to(at, "lessons")
    assert "lesson" in at.query_params and not {"inspect", "map"} & set(at.query_params)
    go_to(at, "explore")
    assert "lesson" not in at.query_params


SIDEBAR = {  # what each section draws (a label only it has)
    "racers": "Add an optimizer to the race",
    "landscape": "Landscape",
    "schedule": "Learning-rate policy",
    "steps": "Steps",
    "noise": "Gradient noise σ",
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_the_sidebar_shows_only_the_controls_the_view_uses(view):
    at = new_app(view=view, bm_n="40", pd_n="15", sgd_runs="4").run()
    labels = sidebar_labels(at)
    uses = VIEWS[view].sidebar
    for section, label in SIDEBAR.items():
        assert (label in labels) == (section in uses), (view, section)
    racer_widgets = [w for w in at.sidebar.selectbox if w.label == "Optimizer"]
    racers = at.session_state["n_racers"] if "racers" in uses else 1
    assert len(racer_widgets) == (racers if uses & {"racer", "racers"} else 0)
    assert "Presentation mode" in labels  # every page


def test_the_sgd_page_draws_no_scene_control():
    at = new_app(view="sgd", sgd_runs="4").run()
    assert sidebar_labels(at) == {"Presentation mode"}


def test_explore_uses_every_section():
    assert VIEWS[HOME].sidebar == SECTIONS


def test_the_scene_a_page_hides_comes_back_on_explore():
    """Streamlit forgets widgets a page does not draw; the scene does not."""
    at = new_app(opt="gd:lr=0.1;adam:lr=0.05", noise="0.5", steps="80", policy="cosine").run()
    before = dict(at.query_params)
    go_to(at, "sgd")
    assert {"opt", "noise", "steps", "policy"} <= set(at.query_params)  # shared, kept
    go_to(at, "explore")
    assert dict(at.query_params) == before
    assert at.number_input(key="noise").value == 0.5 and at.session_state["n_racers"] == 2


def test_a_racer_page_keeps_the_other_racers():
    at = new_app(view="sweep", opt="gd:lr=0.1;adam:lr=0.05").run()
    assert at.query_params["opt"] == "gd:lr=0.1;adam:lr=0.05"
    at.number_input(key="r0:lr").set_value(0.2).run()
    assert at.query_params["opt"] == "gd:lr=0.2;adam:lr=0.05"
    go_to(at, "explore")
    assert at.query_params["opt"] == "gd:lr=0.2;adam:lr=0.05"
