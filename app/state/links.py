"""Link parameters of the views (`LabParam`): each view's own widgets, whose values round-trip
through the URL as `Settings.extra` keys; a bad or hostile value becomes a warning and the
default."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from app.markup import plain
from app.state.settings import Settings, fmt
from optimizers import OPTIMIZERS
from optimizers.lab import parse_lr_grid


@dataclass(frozen=True)
class LabParam:
    """One view parameter: its URL key (also its widget key), default, parser and encoder."""

    key: str
    default: Any
    parse: Callable[[str], Any]  # raises ValueError with a reason
    encode: Callable[[Any], str] = fmt
    keep: Callable[[Any], bool] | None = None  # widget values to keep as they are (else parse)

    def clean(self, value: Any) -> Any:
        """A widget's value (from the browser: untrusted) as a valid value, else the default."""
        if self.keep is not None:
            return value if self.keep(value) else self.default
        try:
            return self.parse(self.encode(value))
        except (TypeError, ValueError, OverflowError):
            return self.default


def number(key: str, default: float, low: float, high: float, integer: bool = False) -> LabParam:
    def parse(raw: str):
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("not a number") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError(f"must be between {fmt(low)} and {fmt(high)}")
        if integer and not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value) if integer else value

    return LabParam(key, default, parse, fmt if not integer else str)


def choice(key: str, default, options: Sequence) -> LabParam:
    encode = fmt if isinstance(default, float | int) else str
    by_text = {encode(o): o for o in options}

    def parse(raw: str):
        if raw in by_text:
            return by_text[raw]
        if isinstance(default, float | int):
            try:
                value = float(raw)
            except ValueError:
                value = math.nan
            for option in options:
                if math.isclose(value, option, rel_tol=1e-9):
                    return option
        if len(by_text) > 8:
            first, *_, last = by_text
            raise ValueError(f"choose one of the {len(by_text)} values from {first} to {last}")
        raise ValueError(f"choose one of {', '.join(by_text)}")

    return LabParam(key, default, parse, encode)


def rate_list(key: str, default: str) -> LabParam:
    def parse(raw: str) -> str:
        parse_lr_grid(raw)  # ValueError names the bad entry
        return raw

    def keep(value) -> bool:  # typed text stays, even when invalid: the view warns about it
        return isinstance(value, str) and len(value) <= 600

    return LabParam(key, default, parse, str, keep)


def optimizer_list(key: str, default: tuple[str, ...], most: int) -> LabParam:
    def parse(raw: str) -> tuple[str, ...]:
        names = tuple(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))
        bad = [n for n in names if n not in OPTIMIZERS]
        if bad or not names:
            raise ValueError(f"choose optimizers among {', '.join(OPTIMIZERS)}")
        if len(names) > most:
            raise ValueError(f"at most {most} optimizers")
        return names

    def encode(value) -> str:
        if not isinstance(value, list | tuple) or not all(isinstance(n, str) for n in value):
            raise TypeError("not a list of names")
        return ",".join(value)

    return LabParam(key, default, parse, encode)


def seed_params(view: str, params: Sequence[LabParam], s: Settings) -> None:
    """Give every widget of the view its value: kept if it has one, else from the URL (warning
    and default when the URL's value is refused); show the view's URL warnings."""
    state = st.session_state
    extra = dict(s.extra)
    warnings = []
    for p in params:
        if p.key in state:  # the widget's value, from the browser: validate it
            value = p.clean(state[p.key])
            if type(value) is not type(state[p.key]) or value != state[p.key]:
                del state[p.key]  # see controls._put
            state[p.key] = value  # also carries it over when the page was left and reopened
            continue
        value, raw = p.default, extra.get(p.key)
        if raw is not None:
            try:
                value = p.parse(raw)
            except ValueError as err:
                shown = raw if len(raw) <= 40 else raw[:40] + "…"
                warnings.append(f"Ignored {p.key}={shown!r}: {err}; using {p.encode(p.default)}.")
        state[p.key] = value
    if warnings:
        state[f"lab_warnings:{view}"] = warnings
    for warning in state.get(f"lab_warnings:{view}", ()):
        st.warning(plain(warning), icon=":material/link_off:")


def lab_query(params: Sequence[LabParam]) -> dict[str, str]:
    """The view's non-default, valid widget values as URL text."""
    query = {}
    for p in params:
        value = st.session_state.get(p.key, p.default)
        if value == p.default:
            continue
        text = p.encode(value)
        try:
            p.parse(text)
        except ValueError:
            continue  # an invalid entry is warned about in the view, never shared
        query[p.key] = text
    return query


def publish(params: Sequence[LabParam]) -> None:
    """Write the view's parameters into Settings.extra (the shell keeps them) and the URL."""
    state = st.session_state
    own = {p.key for p in params}
    mine = lab_query(params)
    old = tuple(state.get("extra", ()))
    new = tuple((k, v) for k, v in old if k not in own) + tuple(mine.items())
    if new != old:
        state["extra"] = new
    for key in own:
        if key in mine:
            if st.query_params.get(key) != mine[key]:
                st.query_params[key] = mine[key]
        elif key in st.query_params:
            del st.query_params[key]


@dataclass(frozen=True)
class View:
    """One page of the app: its name (its URL path, and `Settings.view`), its title in the
    navigation, what it draws from the scene, its own link keys and the sidebar sections it
    uses (controls.SECTIONS): the sidebar shows only those, the link only its own keys."""

    name: str
    title: str
    render: Callable[[Settings], None]
    params: tuple[LabParam, ...] = ()
    sidebar: frozenset[str] = frozenset()
    icon: str | None = None
