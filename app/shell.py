"""Descent Lab's house: one Streamlit page per view (`st.navigation`), the sidebar of the
controls that view uses, the scene ⇄ the link; class mode (`?class=…`) before all of it.

The scene (`Settings`) persists across pages in the session; each page's link carries the
shared scene and only that page's own keys (`View.params`). Old links `?view=sweep&…` open
their page with the rest of the scene.
"""

from __future__ import annotations

import gc

import numpy as np
import streamlit as st

from app import compute, heap
from app.classroom import views as classroom
from app.lessons import LESSONS
from app.markup import plain
from app.pages import basins, explore, finder, lessons, phase, race, sgd, sweep
from app.state import controls, throttle
from app.state import settings as cfg
from app.state.links import View
from app.state.settings import Settings
from surfaces import Surface

heap.keep_freed_memory()  # NumPy's temporaries reuse freed heap instead of faulting pages in

# Everything imported by now (Streamlit, NumPy, Plotly, pandas, the warmed-up formula compiler:
# ~150 000 objects) lives as long as the process. Moving it into the collector's
# permanent generation makes the full collections Python starts every few reruns skip it: 92 ms
# → under 1 ms each, a pause that otherwise lands inside some student's rerun.
gc.freeze()

VIEWS: dict[str, View] = {
    v.name: v for v in (explore.VIEW, lessons.VIEW, sweep.VIEW, finder.VIEW, basins.VIEW,
                        phase.VIEW, race.VIEW, sgd.VIEW)
}  # fmt: skip
HOME = explore.VIEW.name  # the page at the app's root URL

PAGE_CSS = """
<style>
  /* the content starts under Streamlit's header bar (75 px with the top navigation) */
  .block-container {padding: 88px 2rem 1rem 2rem;}
  h1 {font-size: 1.7rem !important; padding: 0 !important;}
  @media (max-width: 1100px) {  /* beside the sidebar the map needs the width */
    .block-container {padding-left: 1rem; padding-right: 1rem;}
  }
  @media (max-width: 640px) {  /* a phone: the map gets the width, not the margins; its header
                                  bar holds only the drawer button (the page links are in it) */
    .block-container {padding: 60px 0.35rem 1rem 0.35rem !important;}
    h1 {font-size: 1.2rem !important;}
  }
</style>
"""
PRESENT_CSS = """
<style>
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stExpandSidebarButton"] {display: none !important;}
  html, body, [data-testid="stAppViewContainer"] {font-size: 20px;}
  .block-container {max-width: 100% !important; padding-left: 2rem; padding-right: 2rem;}
  /* "Exit" sits in the header bar (right of the page links; a phone's is empty): the stage
     keeps its height */
  @media (min-width: 1000px), (max-width: 640px) {
    .st-key-exit_present {position: fixed; top: 14px; right: 24px; width: auto !important;
                          z-index: 1000000;}
  }
  @media (max-width: 640px) {  /* a phone in present mode: the usual text, the width to the map */
    html, body, [data-testid="stAppViewContainer"] {font-size: 16px;}
    .block-container {padding-left: 0.35rem !important; padding-right: 0.35rem !important;}
  }
</style>
"""


def load_scene_from_url() -> None:
    """On a session's first run, the URL sets the scene; bad values become warnings. An old
    link's `view=` is kept to open its page."""
    state = st.session_state
    if state.get("seeded"):
        return
    query = {key: st.query_params.get_all(key) for key in st.query_params}
    scene, warnings = cfg.from_query(query, views=tuple(VIEWS), lessons=LESSONS)
    controls.seed(scene)
    state.update(seeded=True, url_warnings=warnings, scene=scene)
    if scene.view != HOME:
        state["goto"] = scene.view
    elif scene.lesson:  # an old link `/?lesson=too_large` opens the lessons page on it
        state["goto"] = lessons.VIEW.name


def normalise_start(s: Settings, surface: Surface | None) -> Settings:
    """Drop the start from the URL when it is the landscape's own."""
    if surface is not None and s.start is not None and np.allclose(s.start, surface.start):
        return cfg.replace(s, start=None)
    return s


def page_query(s: Settings, view: View) -> dict[str, str]:
    """The link of scene `s` on page `view` (whose URL path names the view): the shared scene
    and this view's own keys; explore's own (inspected step, map mode) only there, the lesson
    only on the lessons page."""
    own = {p.key for p in view.params}
    extra = tuple((k, v) for k, v in s.extra if k in own)
    shown = cfg.replace(s, view=HOME, extra=extra)
    if view.name != HOME:
        shown = cfg.replace(shown, inspect=None, map=cfg.DEFAULT.map)
    if view.name != lessons.VIEW.name:
        shown = cfg.replace(shown, lesson="")
    return cfg.to_query(shown)


def header(s: Settings, url_warnings: bool) -> None:
    """The title (not in presentation mode: the map gets the room), the link's warnings and,
    presenting, "Exit" (in the header bar at a projector's width, PRESENT_CSS)."""
    if s.present:
        st.button(
            "Exit",
            key="exit_present",
            on_click=lambda: st.session_state.update(present=False),
            icon=":material/close_fullscreen:",
            help="Leave presentation mode: the sidebar and its controls come back",
        )
    else:
        st.markdown("# Descent Lab")
    for warning in st.session_state.get("url_warnings", []) if url_warnings else []:
        st.warning(plain(warning), icon=":material/link_off:")


def run_view(view: View) -> None:
    """One page: its sidebar, the header, the link, then the view itself."""
    state = st.session_state
    entering = state.get("page") != view.name
    if entering:  # the widgets the last page hid get values
        controls.restore(state["scene"])
        state["page"] = view.name
    locked = frozenset()
    if view.name == lessons.VIEW.name:
        lessons.enter(entering)  # the page's lesson in the widgets before the sidebar draws them
        locked = lessons.locks(state["scene"])[0]
    s = controls.sidebar(view.sidebar, state["scene"], locked)
    s = normalise_start(cfg.replace(s, view=view.name), _surface_or_none(s))
    state["scene"] = s
    query = page_query(s, view)
    first = state.setdefault("first_query", query)
    st.markdown(PAGE_CSS + (PRESENT_CSS if s.present else ""), unsafe_allow_html=True)
    header(s, url_warnings=query == first)  # the link's problems, until the scene changes
    if view.name == HOME:
        classroom.start_button(s)  # the sidebar's "Start a class": a class runs explore scenes
    if query != st.query_params.to_dict():
        st.query_params.from_dict(query)
    view.render(s)


def main() -> None:
    st.set_page_config(page_title="Descent Lab", page_icon=":material/landscape:", layout="wide")
    throttle.hold_storm()  # a session rerunning faster than a person waits, its reruns coalesce
    if classroom.page():  # ?class=K7Q2: a class's projector or phone view instead of the lab
        return
    load_scene_from_url()
    pages = {
        name: st.Page(
            lambda v=v: run_view(v), title=v.title, icon=v.icon, url_path=name, default=name == HOME
        )
        for name, v in VIEWS.items()
    }
    page = st.navigation(list(pages.values()), position="top")
    goto = st.session_state.pop("goto", None)  # an old link's view, or a "→ Explore" button
    if goto in pages and goto != (page.url_path or HOME):
        st.switch_page(pages[goto])
    page.run()


def _surface_or_none(s: Settings) -> Surface | None:
    try:
        return compute.get_surface(compute.surface_key(s))
    except ValueError:
        return None
