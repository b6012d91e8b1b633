"""The explore view: the map of one landscape with its racers, what happened, what theory
says, the step inspector, the model's data view and the exports."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app import compute, gate, narration
from app.components.map import clicked_start, map_component, standalone_html
from app.components.map import payload as map_payload
from app.figures.rate_strip import rate_strip_html
from app.figures.style import colours_for
from app.markup import plain
from app.models_view import TRAIN_PARAMS, render_model_panel
from app.state import controls
from app.state import settings as cfg
from app.state.budget import affordable_steps
from app.state.controls import SECTIONS
from app.state.links import View
from app.state.scene import resolve_surface, run_from_start
from app.state.settings import Settings
from optimizers.stability import NoQuadraticModel
from surfaces import Surface


class Scene:
    """Everything the explore view draws, computed once per rerun from cached calls."""

    def __init__(self, s: Settings, key, surface: Surface, start: tuple[float, float]) -> None:
        self.settings, self.key, self.surface, self.start = s, key, surface, start
        self.outcomes = compute.run_race(s, key, self.start, record=s.inspect is not None)
        self.labels = narration.racer_labels(s.racers)
        self.colours = colours_for([r.optimizer for r in s.racers])
        self.runs = [
            compute.as_run(label, colour, out)
            for label, colour, out in zip(self.labels, self.colours, self.outcomes, strict=True)
        ]
        self.landscape = compute.get_landscape(key)


def scrub_racer(s: Settings) -> int:
    """Which racer the map's live learning-rate scrub moves (the first, or the one picked in
    the map's "Live scrub for"; the first again once the picked one is removed)."""
    chosen = st.session_state.get("scrub_racer", 0)
    return chosen if isinstance(chosen, int) and 0 <= chosen < len(s.racers) else 0


def scrub_batches(sc: Scene, i: int) -> list[compute.ScrubBatch]:
    """The live scrubs of racer i: its learning rate, and its momentum μ where it has one."""
    s, r = sc.settings, sc.settings.racers[i]
    params = ["lr", *(["momentum"] if r.optimizer in compute.MOMENTUM_SCRUB else [])]
    scene = (s.policy, s.policy_params, s.warmup, s.steps, tuple(map(float, sc.start)))
    return [
        compute.scrub_batch(sc.key, i, param, r.optimizer, r.lr, r.hyper, *scene, s.noise, s.seed)
        for param in params
    ]


def live_scrubs(sc: Scene, racer: int | None) -> tuple[compute.ScrubBatch, ...]:
    """Racer `racer`'s scrub batches (none for None); none either when the server's gate refuses
    a long one (the page then says why, and the map draws without its live scrub)."""
    if racer is None:
        return ()
    try:
        return tuple(scrub_batches(sc, racer))
    except gate.Refused:
        return ()


def map_blob(
    sc: Scene, scene_key: tuple, racer: int | None, present: bool, mode: str = "contour", **lesson
) -> bytes:
    """What the map component is sent for this scene (the rate batch and the 1-D slice along
    racer `racer`'s steps included; None: neither, as in a lesson), opening in `mode`
    ("contour" | "3d"). `lesson`: scene_blob's hidden / predict / autoplay / prediction (the
    lessons page). The batches are computed here, in the script (a long one waits for the gate
    with its bar on the page), the blob once per scene and batches."""
    batches = live_scrubs(sc, racer)
    return _blob(sc, batches, scene_key, racer, present, mode, len(batches), **lesson)


@st.cache_resource(max_entries=48, show_spinner=False)
def _blob(
    _scene: Scene,
    _batches: tuple,
    scene_key: tuple,
    racer: int | None,
    present: bool,
    mode: str,
    scrubs: int,
    **lesson,
) -> bytes:
    """map_blob's blob, keyed on the scene, the racer and how many batches came (`scrubs`)."""
    sc = _scene
    return map_payload.scene_blob(
        sc.landscape,
        sc.runs,
        sc.start,
        steps=sc.settings.steps,
        batches=_batches,
        query=cfg.share_query_string(sc.settings),
        title=scene_title(sc),
        present=present,
        mode=mode,
        slice_f=None if racer is None else compute.get_surface(sc.key).f,
        slice_racer=racer or 0,
        **lesson,
    )


def scene_key(s: Settings, key) -> tuple:
    """A hashable identity of what the figures show (not which step is inspected etc.)."""
    shown = cfg.replace(s, inspect=None, present=False, lesson="", view="explore", extra=())
    return (key, tuple(sorted(cfg.to_query(shown).items())))


# --------------------------------------------------------------------------- explore view


MAP_KEY = "map_view"


def on_map_click(box) -> None:
    """A click on the map sets the start, rounded to what the eye can place there."""
    point = clicked_start(MAP_KEY, box)
    if point is not None:
        controls.set_start(point)


def on_map_scrub(count: int) -> None:
    """Releasing one of the map's scrub controls commits its value to the racer (one rerun):
    {param: "lr" | "momentum", racer, value}, as the control showed it (3 significant digits)."""
    value = getattr(st.session_state.get(MAP_KEY), "scrub", None) or {}
    param, racer, x = value.get("param"), value.get("racer"), value.get("value")
    if not (isinstance(racer, int) and 0 <= racer < count and isinstance(x, int | float)):
        return
    shown = float(f"{x:.3g}")
    if param == "lr":
        controls.set_racer_lr(racer, shown)
    elif param == "momentum":
        controls.set_racer_hyper(racer, "momentum", shown)


def on_map_racer(count: int) -> None:
    """The map's "Live scrub for" picked racer i: its scrub batches are sent (one rerun)."""
    racer = getattr(st.session_state.get(MAP_KEY), "racer", None)
    if isinstance(racer, int) and 0 <= racer < count:
        st.session_state["scrub_racer"] = racer


def render_map(sc: Scene, s: Settings) -> None:
    """The map: the client-side component (contour or 3-D, the link's `map=` opens it; the
    curves, the 1-D slice, the live scrub and its racer picker are drawn inside it)."""
    blob = map_blob(sc, scene_key(s, sc.key), scrub_racer(s), s.present, s.map)
    box = sc.landscape.box
    map_component(
        blob,
        key=MAP_KEY,
        on_start=lambda: on_map_click(box),
        on_scrub=lambda: on_map_scrub(len(s.racers)),
        on_racer=lambda: on_map_racer(len(s.racers)),
    )
    st.caption(
        "▶ Play, ◀ ▶ and the step slider run in your browser (Space: play/pause, ← →: step, "
        "Home/End: jump) · drag the learning rate (or μ) to preview, release to apply · click "
        "the map to start there · 3-D: drag or Shift+← → to turn, ↑ ↓ to tilt"
    )


def render_narration(sc: Scene, big: bool) -> None:
    size = "1.35rem" if big else "1.05rem"
    lines = [
        narration.narration_html(label, colour, out.sentence, size)
        for label, colour, out in zip(sc.labels, sc.colours, sc.outcomes, strict=True)
    ]
    st.markdown("".join(lines), unsafe_allow_html=True)


def render_theory(sc: Scene) -> None:
    """The quadratic model at the minimum (or the start): sentences, the rate strip and each
    racer's verdict from its own `stable_lr`; where the model does not apply, a sentence."""
    minimum = sc.surface.global_min
    where = minimum.point if minimum is not None else sc.start
    stab = compute.stability_at(sc.key, tuple(where))
    span = max(np.ptp(sc.surface.domain[0]), np.ptp(sc.surface.domain[1]))
    lines = narration.theory_sentences(stab, narration.point(where, span), minimum is not None)
    for line in lines:
        st.markdown(line)
    if isinstance(stab, NoQuadraticModel):
        return
    racers = sc.settings.racers
    rates = [
        (label, r.lr, colour, narration.racer_limit(r.optimizer, r.hyper_values(), stab))
        for label, r, colour in zip(sc.labels, racers, sc.colours, strict=True)
    ]
    strip = rate_strip_html(
        stab.lr_max_stable, stab.lr_best, rates, cfg.LR_MIN, cfg.LR_MAX, sc.settings.present
    )
    st.markdown(strip, unsafe_allow_html=True)  # st.html would drop the inline SVG
    near = "near the minimum" if minimum is not None else "near the start"
    for label, r, out in zip(sc.labels, racers, sc.outcomes, strict=True):
        verdict = narration.rate_verdict(r.optimizer, r.lr, r.hyper_values(), stab, near, out.lr)
        st.caption(f"{label}: {verdict}")


def render_inspector(sc: Scene, s: Settings) -> None:
    """Toggle on: where each optimizer is at a chosen step, its gradient, the step it takes
    next and its internal state (velocity, squared-gradient averages …)."""
    if not st.toggle("Inspect a step", key="inspecting"):
        return
    st.session_state.setdefault("inspect", s.steps)
    k = st.slider("Step", 0, s.steps, key="inspect")
    with np.errstate(all="ignore"):  # a user formula may be undefined somewhere
        grads = [
            sc.surface.grad(out.positions[min(k, len(out.positions) - 1)]) for out in sc.outcomes
        ]
    st.dataframe(narration.inspector_rows(sc.labels, sc.outcomes, grads, k), hide_index=True)


def scene_title(sc: Scene) -> str:
    return " vs ".join(sc.labels) + f" on {sc.surface.title}"


def map_html(sc: Scene) -> str:
    """The map with its playback as one offline page (the component's code inlined)."""
    blob = map_blob(sc, scene_key(sc.settings, sc.key), scrub_racer(sc.settings), False)
    return standalone_html(blob, scene_title(sc))


def render_exports(sc: Scene, s: Settings) -> None:
    c1, c2, c3 = st.columns([1, 1, 2])
    c1.download_button(
        "Trajectories (CSV)",
        lambda: narration.trajectories_csv(sc.labels, sc.outcomes),
        file_name="descent-lab-trajectories.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
    c2.download_button(
        "Map (interactive HTML)",
        lambda: map_html(sc),  # built only when clicked
        file_name="descent-lab-map.html",
        mime="text/html",
        icon=":material/download:",
        on_click="ignore",
    )
    base = (st.context.url or "").split("?")[0]
    # in a popover: st.code's syntax-highlighter chunk (1.5 MB, ~0.2 s of the browser's main
    # thread) then loads when it is opened, not while a new tab draws its first map
    with c3.popover("Link to this scene", icon=":material/link:"):
        st.code(f"{base}?{cfg.share_query_string(s)}", language=None, wrap_lines=True)


def try_this(sc: Scene) -> str:
    """'Try it: …' with the landscape's tip (optimizers.suggest.tip), its claims measured in
    runs of the scene's step count from the landscape's own start at a constant rate without
    noise; the sentence says which of these the scene on screen does differently. A landscape
    without a tip (a typed formula) gets advice without numbers."""
    s = sc.settings
    tip = compute.landscape_tip(sc.key, s.steps)
    if not tip:
        return (
            "Try it: move the learning rate in the sidebar until the path overshoots, then "
            "until it crawls; add momentum to the race — or pick a lesson."
        )
    differs = [
        (not np.allclose(sc.start, sc.surface.start), "from the landscape’s own start"),
        (s.policy != cfg.DEFAULT.policy or s.warmup > 0, "at a constant rate"),
        (s.noise > 0, "without gradient noise"),
    ]
    said = ", ".join(words for differ, words in differs if differ)
    return f"Try it{f' ({said})' if said else ''}: {plain(tip)}"


def build_scene(s: Settings, key, surface: Surface) -> Scene | None:
    """The scene from the chosen start, or from the landscape's own (see run_from_start)."""
    ran = run_from_start(s, surface, lambda start: Scene(s, key, surface, start))
    return None if ran is None else ran[1]


def affordable_scene(s: Settings, surface: Surface) -> Settings:
    """`s`, or `s` with fewer steps (and a warning) when its racers would cost more than one
    request may (app/state/budget.py): only typed formulas far costlier than the built-ins get
    there. The link keeps the steps asked for."""
    n = len(s.racers)
    steps = affordable_steps(
        s.steps,
        surface.cost,
        f"{n} optimizer{'s' if n > 1 else ''} × {s.steps:,} steps",
        "Fewer optimizers or steps will do it as asked.",
        rows=n,
        runs=n,
    )
    if steps == s.steps:
        return s
    inspect = None if s.inspect is None else min(s.inspect, steps)
    return cfg.replace(s, steps=steps, warmup=min(s.warmup, steps - 1), inspect=inspect)


def render_explore(s: Settings) -> None:
    key, surface = resolve_surface(s)
    s = affordable_scene(s, surface)
    sc = build_scene(s, key, surface)
    if sc is None:
        return
    if not s.present:
        st.caption(f":material/touch_app: {try_this(sc)}")
    if s.present:
        controls.stage_lr_controls()
    render_map(sc, s)  # map first, the page's whole width: narration and theory under it
    left, right = st.columns(2, gap="medium")
    with left:
        st.markdown("##### What happened")
        render_narration(sc, s.present)
    with right:
        st.markdown("##### What theory says")
        render_theory(sc)
    render_inspector(sc, s)
    render_model_panel(sc, scene_key(s, key))  # a model landscape's data view (models_view.py)
    if not s.present:
        render_exports(sc, s)


VIEW = View("explore", "Explore", render_explore, TRAIN_PARAMS, SECTIONS, ":material/landscape:")
