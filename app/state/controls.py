"""The sidebar: widgets seeded from `Settings`, read back into `Settings`.

Widget values live in `st.session_state` under the keys below. `seed(settings)` writes a whole
scene into them (first visit from a URL, a lesson, leaving presentation mode); the widgets
never get a `value=` argument, so Streamlit has one source of truth. Callbacks keep linked
widgets consistent (a new landscape resets its start and parameters; the log slider and the
exact number of a learning rate follow each other).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import streamlit as st

from app import compute
from app.figures.style import colours_for
from app.lessons import LESSONS
from app.state import settings as cfg
from app.state.settings import FORMULA, MAX_RACERS, Racer, Settings
from optimizers import OPTIMIZERS, POLICIES, is_flag
from optimizers.schedules import WARMUP_START
from optimizers.suggest import suggest
from surfaces import SURFACES, ParamSpec
from surfaces.formula import FORMULA_HELP
from surfaces.params import ListSpec

# Round, readable rates from 1e-4 to 10, 14 per decade (0.4, 0.45, 0.5, 0.6 … as in the lessons).
_MANTISSAS = (1, 1.2, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9)
LR_GRID = tuple(
    float(f"{m * 10.0**e:.6g}") for e in range(-4, 2) for m in _MANTISSAS if m * 10.0**e <= 10
)
SURFACE_NAMES = (*SURFACES, FORMULA)


def surface_label(name: str) -> str:
    return "✎ Your formula" if name == FORMULA else SURFACES[name].title


def optimizer_label(name: str) -> str:
    return OPTIMIZERS[name].label


def nearest_grid_lr(lr: float) -> float:
    """The log-grid rate closest to `lr` (in log distance)."""
    i = bisect.bisect_left(LR_GRID, lr)
    near = LR_GRID[max(i - 1, 0) : i + 1]
    return min(near, key=lambda g: abs(np.log(g / lr)))


def fmt_lr(lr: float) -> str:
    return f"{lr:g}"


# --------------------------------------------------------------------------- untrusted values
#
# Every widget value in st.session_state came from a browser. Streamlit hands back the raw
# string when a select box's label matches no option (labels that changed between reruns, or a
# hostile client), and a number widget returns whatever typed value the client sent. All reads
# go through the valid_* functions below, called before the widget is drawn (and in its
# callbacks): an invalid value is replaced by the default, so the widget and every later read see
# a valid one.


def _put(key: str, value: Any) -> None:
    """Replace a widget's value. The old entry is deleted first: a client value of the wrong
    kind (a number sent for a select box) would otherwise make Streamlit's own re-serialization
    of the old value fail when the widget registers."""
    state = st.session_state
    if key in state:
        del state[key]
    state[key] = value


def _same_value(option: Any, value: Any) -> bool:
    if isinstance(option, bool) or isinstance(value, bool):
        return type(option) is type(value) and option == value
    if isinstance(option, int | float) and isinstance(value, int | float | np.number):
        return bool(option == value)
    return type(option) is type(value) and option == value


def valid_choice(key: str, options: Sequence, default: Any) -> Any:
    """st.session_state[key] if it is one of `options` (else `default`, written back)."""
    state = st.session_state
    value = state.get(key, default)
    match = next((o for o in options if _same_value(o, value)), None)
    if match is None:
        match = default
    if key not in state or type(state[key]) is not type(match) or state[key] != match:
        _put(key, match)
    return match


def valid_number(
    key: str, low: float, high: float, default: float, integer: bool = False
) -> float | int:
    """st.session_state[key] as a finite number in [low, high] (whole if `integer`), else
    `default`; the clean value is written back (an int for a whole-number widget)."""
    state = st.session_state
    value = state.get(key, default)
    ok = (
        isinstance(value, int | float | np.number)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and low <= value <= high
        and (not integer or float(value).is_integer())
    )
    clean = value if ok else default
    clean = int(clean) if integer else float(clean)
    if key not in state or type(state[key]) is not type(clean) or state[key] != clean:
        _put(key, clean)
    return clean


def valid_flag(key: str, default: bool = False) -> bool:
    """st.session_state[key] as a bool (a checkbox or toggle); anything else is `default`."""
    state = st.session_state
    value = state.get(key, default)
    clean = value if isinstance(value, bool) else default
    if state.get(key) is not clean:
        _put(key, clean)
    return clean


def valid_text(key: str, default: str, limit: int) -> str:
    """st.session_state[key] as a string of at most `limit` characters, else `default`."""
    state = st.session_state
    value = state.get(key, default)
    clean = value if isinstance(value, str) and len(value) <= limit else default
    if state.get(key) is not clean:
        _put(key, clean)
    return clean


# --------------------------------------------------------------------------- seeding


def _param_key(prefix: str, owner: str, name: str) -> str:
    return f"{prefix}:{owner}:{name}"


def _seed_params(
    out, prefix: str, owner: str, specs: Sequence[ParamSpec], values: dict, choices=None
) -> None:
    for p in specs:
        out[_param_key(prefix, owner, p.name)] = _widget_value(p, values[p.name], choices)


def _widget_value(spec: ParamSpec | ListSpec, value: Any, choices=None):
    if isinstance(spec, ListSpec):  # a text box: "30, 60, 90"
        return spec.text(value, ", ")
    if choices and spec.name in choices:  # an option's index (a two-option choice is no flag)
        return int(value)
    if is_flag(spec):
        return bool(value)
    return int(value) if spec.integer else float(value)


def _seed_racer(i: int, racer: Racer, out=None) -> None:
    out = st.session_state if out is None else out
    out[f"r{i}:opt"] = racer.optimizer
    out[f"r{i}:lr"] = float(racer.lr)
    out[f"r{i}:lrs"] = nearest_grid_lr(racer.lr)
    spec = OPTIMIZERS[racer.optimizer]
    _seed_params(out, f"r{i}", racer.optimizer, spec.params, racer.hyper_values(), spec.choices)


def widget_values(s: Settings) -> dict[str, Any]:
    """Every widget value of scene `s`, by widget key."""
    out: dict[str, Any] = {"surface": s.surface}
    if s.surface != FORMULA:
        _seed_params(out, "sp", s.surface, SURFACES[s.surface].params, s.surface_values())
    out["formula"] = s.formula
    for key, value in zip(("dom_x0", "dom_x1", "dom_y0", "dom_y1"), s.domain, strict=True):
        out[key] = float(value)
    _seed_start(s.start if s.start is not None else _default_start(s), out)
    out["n_racers"] = len(s.racers)
    for i, racer in enumerate(s.racers):
        _seed_racer(i, racer, out)
    out["policy"] = s.policy
    spec = POLICIES[s.policy]
    _seed_params(out, "pp", s.policy, spec.params, s.policy_values(), spec.choices)
    for key in ("warmup", "steps", "noise", "seed", "map", "present"):
        out[key] = getattr(s, key)
    out["lesson"] = s.lesson
    out["inspecting"] = s.inspect is not None
    out["inspect"] = s.inspect if s.inspect is not None else s.steps
    out["extra"] = s.extra
    return out


def seed(s: Settings) -> None:
    """Write every widget value of scene `s` into the session state."""
    st.session_state.update(widget_values(s))


def restore(s: Settings) -> None:
    """On entering a page: carry every scene widget's value over to this page's widgets
    (Streamlit keeps a widget's value for the page that drew it; `state[k] = state[k]` is its
    documented way to carry it to another page), and give those with no value (dropped when a
    page did not draw them) their value in scene `s`."""
    state = st.session_state
    for key, value in widget_values(s).items():
        state[key] = state.get(key, value)


def _seed_start(point, out=None) -> None:
    out = st.session_state if out is None else out
    out["start_x"] = float(point[0])
    out["start_y"] = float(point[1])


def _default_start(s: Settings) -> tuple[float, float]:
    """The landscape's own start (a broken formula: the middle of its domain)."""
    try:
        return compute.get_surface(compute.surface_key(s)).start
    except ValueError:
        x0, x1, y0, y1 = s.domain
        return ((x0 + x1) / 2, (y0 + y1) / 2)


# --------------------------------------------------------------------------- callbacks


def on_surface_change() -> None:
    """A new landscape starts from its own start point with default parameters, runs its own
    step count (the one its tip's claims are measured over) and puts each racer at the
    landscape's suggested rate for its optimizer (optimizers.suggest)."""
    name = surface_name()
    s = _current_formula_settings() if name == FORMULA else Settings(surface=name)
    if name != FORMULA:
        _seed_params(st.session_state, "sp", name, SURFACES[name].params, s.surface_values())
    start = _default_start(s)
    _seed_start(start)
    try:
        surface = compute.get_surface(compute.surface_key(s))
    except ValueError:  # a broken formula: rates and steps stay
        return
    st.session_state["steps"] = min(int(surface.steps), cfg.MAX_STEPS)
    for i in range(racer_count()):
        racer = read_racer(i)
        set_racer_lr(i, suggest(surface, racer.optimizer, racer.hyper_values(), start).lr)


def _current_formula_settings() -> Settings:
    formula = st.session_state.get("formula") or cfg.DEFAULT_FORMULA
    return Settings(surface=FORMULA, formula=formula, domain=domain_values())


def on_optimizer_change(i: int) -> None:
    """A new optimizer in slot i starts from its own default rate and hyperparameters."""
    name = racer_name(i)
    _seed_racer(i, Racer(name, float(OPTIMIZERS[name].default_lr)))


def grid_lr(i: int) -> float:
    """Racer i's log-slider rate (validated; follows the exact rate if invalid)."""
    return valid_choice(f"r{i}:lrs", LR_GRID, nearest_grid_lr(racer_lr(i)))


def on_lr_slider(i: int) -> None:
    st.session_state[f"r{i}:lr"] = float(grid_lr(i))


def on_lr_number(i: int) -> None:
    st.session_state[f"r{i}:lrs"] = nearest_grid_lr(racer_lr(i))


def policy_name() -> str:
    return valid_choice("policy", tuple(POLICIES), cfg.DEFAULT.policy)


def on_policy_change() -> None:
    name = policy_name()
    s = Settings(policy=name)
    spec = POLICIES[name]
    _seed_params(st.session_state, "pp", name, spec.params, s.policy_values(), spec.choices)


def add_racer() -> None:
    n = racer_count()
    if n < MAX_RACERS:
        taken = {st.session_state.get(f"r{i}:opt") for i in range(n)}
        name = next(
            (
                o
                for o in ("momentum", "adam", "nesterov", "rmsprop", "adagrad", "gd")
                if o not in taken
            ),
            "gd",
        )
        _seed_racer(n, Racer(name, float(OPTIMIZERS[name].default_lr)))
        st.session_state["n_racers"] = n + 1


def remove_racer(i: int) -> None:
    n = racer_count()
    racers = [read_racer(j) for j in range(n) if j != i]
    for j, racer in enumerate(racers):
        _seed_racer(j, racer)
    st.session_state["n_racers"] = max(n - 1, 1)


def set_start(point: tuple[float, float]) -> None:
    _seed_start(point)


def set_racer_lr(i: int, lr: float) -> None:
    """Give racer i the rate `lr` (clamped to the app's range), its log slider in step."""
    lr = min(max(float(lr), cfg.LR_MIN), cfg.LR_MAX)
    st.session_state[f"r{i}:lr"] = lr
    st.session_state[f"r{i}:lrs"] = nearest_grid_lr(lr)


def set_racer_hyper(i: int, name: str, value: float) -> None:
    """Give racer i's hyperparameter `name` the value (clamped to its range), its widget too."""
    owner = racer_name(i)
    spec = next(p for p in OPTIMIZERS[owner].params if p.name == name)
    value = min(max(float(value), spec.low), spec.high)
    st.session_state[_param_key(f"r{i}", owner, name)] = _widget_value(spec, value)


# --------------------------------------------------------------------------- widgets


def param_value(spec: ParamSpec, key: str, choices=None):
    """The (validated) value of a parameter's widget: see `param_widget`."""
    if choices and spec.name in choices:
        return valid_choice(key, range(len(choices[spec.name])), int(spec.default))
    if is_flag(spec):
        return valid_flag(key, bool(spec.default))
    return valid_number(key, spec.low, spec.high, spec.default, integer=spec.integer)


def param_widget(
    spec: ParamSpec, key: str, choices=None, container=st, disabled: bool = False
) -> float:
    """A checkbox for a flag, a select box for named modes, a number box for whole or
    log-scaled values, a slider for the rest (`disabled`: locked by a lesson link)."""
    param_value(spec, key, choices)
    helptext = spec.help or None
    if choices and spec.name in choices:
        options = choices[spec.name]
        return container.selectbox(
            spec.label,
            range(len(options)),
            key=key,
            help=helptext,
            disabled=disabled,
            format_func=lambda i: options[i],
        )
    if is_flag(spec):
        return container.checkbox(spec.label, key=key, help=helptext, disabled=disabled)
    if spec.integer:
        return container.number_input(
            spec.label,
            min_value=int(spec.low),
            max_value=int(spec.high),
            step=1,
            key=key,
            help=helptext,
            disabled=disabled,
        )
    if spec.log:
        return container.number_input(
            spec.label,
            min_value=float(spec.low),
            max_value=float(spec.high),
            format="%g",
            step=float(spec.default) / 10 or 0.1,
            key=key,
            help=helptext,
            disabled=disabled,
        )
    step = float(f"{(spec.high - spec.low) / 200:.1g}")
    return container.slider(
        spec.label,
        min_value=float(spec.low),
        max_value=float(spec.high),
        step=step,
        format="%g",  # β2 = 0.999 must not read "1.00"
        key=key,
        help=helptext,
        disabled=disabled,
    )


def read_params(
    prefix: str, owner: str, specs: Sequence[ParamSpec], choices=None
) -> dict[str, float]:
    return {
        p.name: float(param_value(p, _param_key(prefix, owner, p.name), choices)) for p in specs
    }


def racer_name(i: int) -> str:
    """Racer i's optimizer (validated)."""
    return valid_choice(f"r{i}:opt", tuple(OPTIMIZERS), cfg.DEFAULT.racers[0].optimizer)


def racer_lr(i: int) -> float:
    """Racer i's exact learning rate (validated; if invalid, the log slider's rate, else the
    optimizer's default)."""
    slider = st.session_state.get(f"r{i}:lrs")
    on_grid = next((g for g in LR_GRID if _same_value(g, slider)), None)
    default = on_grid if on_grid is not None else float(OPTIMIZERS[racer_name(i)].default_lr)
    return valid_number(f"r{i}:lr", cfg.LR_MIN, cfg.LR_MAX, default)


def racer_count() -> int:
    return valid_number("n_racers", 1, MAX_RACERS, 1, integer=True)


def read_racer(i: int) -> Racer:
    name = racer_name(i)
    spec = OPTIMIZERS[name]
    values = read_params(f"r{i}", name, spec.params, spec.choices)
    return Racer(name, racer_lr(i), cfg.canonical(spec.params, values))


def surface_name() -> str:
    return valid_choice("surface", SURFACE_NAMES, cfg.DEFAULT.surface)


def domain_values() -> tuple[float, float, float, float]:
    keys = ("dom_x0", "dom_x1", "dom_y0", "dom_y1")
    limit = cfg.DOMAIN_LIMIT
    return tuple(  # type: ignore[return-value]
        valid_number(k, -limit, limit, d) for k, d in zip(keys, cfg.DEFAULT_DOMAIN, strict=True)
    )


def landscape_controls(locked: bool = False) -> tuple[str, tuple, str, tuple]:
    surface_name()
    st.selectbox(
        "Landscape",
        SURFACE_NAMES,
        key="surface",
        format_func=surface_label,
        on_change=on_surface_change,
        disabled=locked,
    )
    name = st.session_state["surface"]
    if name == FORMULA:
        valid_text("formula", cfg.DEFAULT_FORMULA, cfg.MAX_FORMULA_CHARS)
        domain_values()
        st.text_input(
            "f(x, y) =",
            key="formula",
            max_chars=cfg.MAX_FORMULA_CHARS,
            help=FORMULA_HELP,
            disabled=locked,
        )
        c1, c2 = st.columns(2)
        for column, key, label in zip(
            (c1, c2, c1, c2), ("dom_x0", "dom_x1", "dom_y0", "dom_y1"),
            ("x from", "x to", "y from", "y to"), strict=True,
        ):  # fmt: skip
            column.number_input(label, key=key, format="%g", step=0.5, disabled=locked)
        return name, (), st.session_state["formula"], domain_values()
    specs = SURFACES[name].params
    for p in specs:
        param_widget(p, _param_key("sp", name, p.name), disabled=locked)
    return name, cfg.canonical(specs, read_params("sp", name, specs)), "", cfg.DEFAULT_DOMAIN


def _valid_start(scene: Settings) -> None:
    """Both start coordinates finite and on the map's scale, else the landscape's start."""
    state, limit = st.session_state, cfg.DOMAIN_LIMIT
    if all(
        isinstance(v, int | float) and not isinstance(v, bool) and -limit <= v <= limit
        for v in (state.get("start_x"), state.get("start_y"))
    ):
        return
    _seed_start(_default_start(scene))


def start_controls(scene: Settings, locked: bool = False) -> tuple[float, float]:
    _valid_start(scene)
    st.caption("Start point — type it, or click on the map")
    c1, c2 = st.columns(2)
    c1.number_input("x₀", key="start_x", format="%g", step=0.1, disabled=locked)
    c2.number_input("y₀", key="start_y", format="%g", step=0.1, disabled=locked)
    return float(st.session_state["start_x"]), float(st.session_state["start_y"])


def lr_controls(
    i: int, container=st, label: str = "Learning rate (log scale)", locked: bool = False
) -> None:
    """The learning rate: a log slider for feel plus the exact number."""
    grid_lr(i)
    container.select_slider(
        label,
        LR_GRID,
        key=f"r{i}:lrs",
        format_func=fmt_lr,
        on_change=on_lr_slider,
        args=(i,),
        disabled=locked,
    )
    container.number_input(
        "exact learning rate",
        min_value=cfg.LR_MIN,
        max_value=cfg.LR_MAX,
        key=f"r{i}:lr",
        format="%g",
        step=0.01,
        on_change=on_lr_number,
        args=(i,),
        disabled=locked,
    )


def racer_controls(
    i: int, colour: str, removable: bool, locked: frozenset[str] = frozenset()
) -> Racer:
    """Racer i's expander; `locked`: the lesson link's locked controls (lesson_flow.CONTROLS)."""
    name = racer_name(i)
    title = f":material/circle: {optimizer_label(name)} · lr {fmt_lr(racer_lr(i))}"
    with st.expander(title, expanded=i == 0):
        st.markdown(
            f"<div style='height:5px;border-radius:3px;background:{colour}'></div>",
            unsafe_allow_html=True,
        )
        st.selectbox(
            "Optimizer",
            tuple(OPTIMIZERS),
            key=f"r{i}:opt",
            format_func=optimizer_label,
            on_change=on_optimizer_change,
            args=(i,),
            disabled="optimizer" in locked,
        )
        if not valid_flag("present"):  # else they sit on the stage
            lr_controls(i, locked="lr" in locked)
        for p in OPTIMIZERS[name].params:
            key, choices = _param_key(f"r{i}", name, p.name), OPTIMIZERS[name].choices
            param_widget(p, key, choices, disabled="momentum" in locked)
        if removable and "optimizer" not in locked:
            st.button(
                "Remove",
                key=f"r{i}:remove",
                on_click=remove_racer,
                args=(i,),
                icon=":material/delete:",
            )
    return read_racer(i)


STAGE_NUMBER_PX = 110  # the exact rate beside its slider on the stage


def stage_lr_controls(locked: bool = False) -> None:
    """Presentation mode: every racer's learning rate on the stage, in its colour, all in one
    row above the map (a label that wraps keeps the sliders level: bottom-aligned); each
    racer's slider and exact number side by side, on a phone too (a row that does not wrap)."""
    n = racer_count()
    names = [racer_name(i) for i in range(n)]
    columns = st.columns(n, vertical_alignment="bottom")
    for i, (column, colour) in enumerate(zip(columns, colours_for(names), strict=True)):
        grid_lr(i)
        column.markdown(
            f"<b style='color:{colour}'>● {optimizer_label(names[i])}</b>", unsafe_allow_html=True
        )
        row = column.container(horizontal=True, wrap=False, vertical_alignment="bottom")
        row.select_slider(
            "learning rate", LR_GRID, key=f"r{i}:lrs", format_func=fmt_lr,
            on_change=on_lr_slider, args=(i,), label_visibility="collapsed", disabled=locked,
        )  # fmt: skip
        row.number_input(
            "exact learning rate", min_value=cfg.LR_MIN, max_value=cfg.LR_MAX, key=f"r{i}:lr",
            format="%g", step=0.01, on_change=on_lr_number, args=(i,), width=STAGE_NUMBER_PX,
            label_visibility="collapsed", disabled=locked,
        )  # fmt: skip


def race_controls(locked: frozenset[str] = frozenset()) -> tuple[Racer, ...]:
    n = racer_count()
    names = [racer_name(i) for i in range(n)]
    colours = colours_for(names)
    racers = tuple(racer_controls(i, colours[i], n > 1, locked) for i in range(n))
    st.button(
        "Add an optimizer to the race",
        key="add_racer",
        on_click=add_racer,
        disabled=n >= MAX_RACERS or "optimizer" in locked,
        icon=":material/add:",
        width="stretch",
    )
    return racers


def _list_widget(spec: ListSpec, key: str, locked: bool = False) -> tuple[int, ...]:
    """A text box for a list parameter; bad text shows a warning and uses the default."""
    text = valid_text(key, "", cfg.MAX_VALUE_CHARS)
    st.text_input(
        spec.label, key=key, help=spec.help or None, placeholder=spec.default_text,
        disabled=locked,
    )  # fmt: skip
    try:
        return spec.check(text)
    except ValueError as err:
        st.caption(f":warning: {err}; using the default ({spec.default_text}).")
        return spec.default


def schedule_controls(locked: bool = False) -> tuple[str, tuple, int]:
    """The policy, its parameters (torch's own, e.g. milestones as "30, 60, 90") and the warm-up
    (steps, then its start factor)."""
    policy_name()
    st.selectbox(
        "Learning-rate policy",
        tuple(POLICIES),
        key="policy",
        format_func=lambda n: POLICIES[n].label,
        on_change=on_policy_change,
        disabled=locked,
    )
    name = st.session_state["policy"]
    specs, choices = POLICIES[name].params, POLICIES[name].choices
    lists = {p.name: _list_widget(p, _param_key("pp", name, p.name), locked) for p in specs
             if isinstance(p, ListSpec)}  # fmt: skip
    numbers = [p for p in specs if p.name not in lists]
    for p in numbers:
        if p is not WARMUP_START:
            param_widget(p, _param_key("pp", name, p.name), choices, disabled=locked)
    warmup = valid_number("warmup", 0, cfg.MAX_STEPS, cfg.DEFAULT.warmup, integer=True)
    st.number_input(
        "Warm-up steps",
        min_value=0,
        max_value=cfg.MAX_STEPS,
        step=1,
        key="warmup",
        help="Ramp the rate up linearly over the first steps (torch LinearLR).",
        disabled=locked,
    )
    if warmup:
        param_widget(WARMUP_START, _param_key("pp", name, WARMUP_START.name), disabled=locked)
    values = {**read_params("pp", name, numbers, choices), **lists}
    return name, cfg.canonical(specs, values), warmup


def run_controls(steps: bool, noise: bool, locked: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The steps, and the gradient noise with its seed: those asked for, as Settings fields."""
    out: dict[str, Any] = {}
    if steps:
        out["steps"] = valid_number("steps", 1, cfg.MAX_STEPS, cfg.DEFAULT.steps, integer=True)
        st.number_input(
            "Steps", min_value=1, max_value=cfg.MAX_STEPS, step=10, key="steps",
            disabled="steps" in locked,
        )  # fmt: skip
    if noise:
        out["noise"] = valid_number("noise", 0.0, cfg.MAX_NOISE, cfg.DEFAULT.noise)
        out["seed"] = valid_number("seed", 0, cfg.MAX_SEED, cfg.DEFAULT.seed, integer=True)
        c1, c2 = st.columns(2)
        c1.number_input(
            "Gradient noise σ",
            min_value=0.0,
            max_value=cfg.MAX_NOISE,
            step=0.1,
            format="%g",
            key="noise",
            help="Adds σ·N(0, I) to every gradient (SGD).",
            disabled="noise" in locked,
        )
        c2.number_input(
            "Seed", min_value=0, max_value=cfg.MAX_SEED, step=1, key="seed",
            disabled="seed" in locked,
        )  # fmt: skip
    return out


SECTIONS = frozenset({"inspect", "racers", "racer", "landscape", "schedule", "steps", "noise"})
"""The sidebar's sections: every racer ("racers") or only the first ("racer"), the landscape
and start, the schedule and warm-up, the steps, the noise and seed; "inspect" (explore's own:
the inspected step and the map's mode) and "lesson" (the lessons page's: the lesson on the
page, app/pages/lessons.py) draw nothing there but are read into the scene."""


def sidebar(
    uses: frozenset[str], scene: Settings, locked: frozenset[str] = frozenset()
) -> Settings:
    """Draw the sidebar sections a view `uses` (SECTIONS) and return the scene they describe;
    what the view does not use stays as in `scene` (the last page's). `locked`: controls
    (lesson_flow.CONTROLS) a lesson link locks, drawn disabled."""
    s = scene
    with st.sidebar:
        if uses & {"racers", "racer"}:
            st.subheader("Optimizers" if "racers" in uses else "Optimizer", divider="gray")
            if "racers" in uses:
                s = cfg.replace(s, racers=race_controls(locked))
            else:
                colour = colours_for([racer_name(0)])[0]
                first = racer_controls(0, colour, removable=False, locked=locked)
                s = cfg.replace(s, racers=(first, *scene.racers[1:]))
        if "landscape" in uses:
            st.subheader("Landscape", divider="gray")
            surface, params, formula, domain = landscape_controls("landscape" in locked)
            land = Settings(surface=surface, surface_params=params, domain=domain)  # type: ignore[arg-type]
            s = cfg.replace(
                s,
                surface=surface,
                surface_params=params,
                formula=formula if surface == FORMULA else cfg.DEFAULT_FORMULA,
                domain=domain,
                start=start_controls(land, "start" in locked),
            )
        if uses & {"schedule", "steps", "noise"}:
            st.subheader("Schedule & run" if "schedule" in uses else "Run", divider="gray")
        if "schedule" in uses:
            policy, policy_params, warmup = schedule_controls("schedule" in locked)
            s = cfg.replace(s, policy=policy, policy_params=policy_params, warmup=warmup)
        if uses & {"steps", "noise"}:
            wanted = {"steps": "steps" in uses, "noise": "noise" in uses}
            s = cfg.replace(s, **run_controls(**wanted, locked=locked))
        if s.warmup >= s.steps and "schedule" in uses:
            st.caption(
                f":warning: The warm-up ({s.warmup} steps) must be shorter than the run "
                f"({s.steps} steps): using {s.steps - 1}."
            )
        valid_flag("present")
        st.toggle("Presentation mode", key="present", help="Hide the controls for a projector.")
    state = st.session_state
    if "inspect" in uses:  # explore's own: the inspected step, the map's mode
        inspecting = valid_flag("inspecting")
        inspect = valid_number("inspect", 0, s.steps, s.steps, integer=True) if inspecting else None
        s = cfg.replace(s, inspect=inspect, map=valid_choice("map", cfg.MAP_MODES, cfg.DEFAULT.map))
    s = cfg.replace(
        s, lesson=valid_choice("lesson", ("", *LESSONS), "") if "lesson" in uses else ""
    )
    return cfg.clamp(cfg.replace(s, present=valid_flag("present"), extra=state.get("extra", ())))
