"""The sidebar's scene as every view needs it: its landscape and the start to run from.

A broken formula is reported and the last good landscape kept; a start where the run cannot
begin (f or ∇f not finite there) falls back to the landscape's own start with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from app import compute, narration
from app.markup import plain
from app.state import settings as cfg
from app.state.settings import Settings
from optimizers.simulate import StartError
from surfaces import Surface

T = TypeVar("T")


def resolve_surface(s: Settings) -> tuple[compute.SurfaceKey, Surface]:
    """The scene's landscape; a broken formula is reported and the last good one kept."""
    key = compute.surface_key(s)
    try:
        surface = compute.get_surface(key)
    except ValueError as err:
        st.error(f"**Formula problem:** {plain(err)}. Showing the last formula that worked.")
        key = st.session_state.get("good_formula_key") or compute.surface_key(
            cfg.replace(s, formula=cfg.DEFAULT_FORMULA, domain=cfg.DEFAULT_DOMAIN)
        )
        return key, compute.get_surface(key)
    if key[0] == cfg.FORMULA:
        st.session_state["good_formula_key"] = key
    return key, surface


def start_of(s: Settings, surface: Surface) -> tuple[float, float]:
    return tuple(s.start) if s.start is not None else tuple(surface.start)  # type: ignore[return-value]


def run_from_start(
    s: Settings, surface: Surface, run: Callable[[tuple[float, float]], T]
) -> tuple[tuple[float, float], T] | None:
    """(start, run(start)) from the scene's start, or — if the run cannot begin there (a
    StartError: the loss or gradient is not finite at that point) — from the landscape's own
    start, with a warning naming the point; None, with an error, if that fails too."""
    start = start_of(s, surface)
    try:
        return start, run(start)
    except StartError as err:
        where = narration.point(start)
        if s.start is None:
            st.error(f"Cannot run from {where}: {plain(err)}. Pick another start or formula.")
            return None
        st.warning(
            f"Cannot start at {where}: {plain(err)}. Starting from the landscape's own start."
        )
        return run_from_start(cfg.replace(s, start=None), surface, run)
