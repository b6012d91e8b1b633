"""The lessons page: the sequence of lessons, each a prediction committed before the reveal.

Before Reveal the map is hidden (payload.scene_blob(hidden=True): the landscape and the start
only, no path, outcome or curves sent) and the page shows no narration, theory or verdict; the
student picks one of the lesson's choices (app/classroom/questions.ASKS) or, in a lesson whose
question is where a run ends (`Lesson.where`), clicks the map there (the click is marked and
shown in the prompt). Reveal plays the run from step 0 and judges the prediction
(app/lesson_flow.judge) in one sentence. "Try this next" applies the lesson's one change and
plays it at once, revealed: its text already states the claim, so the round shows the claim
checked by the run (a prediction would have nothing left to guess).

An edited scene is no longer the lesson: the page says so, offers the way back and goes on as
explore does. A link may lock controls (`lock=` / `free=` / `lock=lesson`, lesson_flow).
"""

from __future__ import annotations

import streamlit as st

from app import lesson_flow
from app.classroom import questions
from app.classroom import views as classroom
from app.components.map import clicked_prediction, map_component
from app.lessons import LESSONS, NAMES, next_lesson, previous_lesson, progress
from app.markup import plain
from app.pages import explore
from app.pages.explore import MAP_KEY, Scene, affordable_scene, build_scene, map_blob, scene_key
from app.state import controls
from app.state import settings as cfg
from app.state.controls import SECTIONS
from app.state.links import LabParam, View
from app.state.scene import resolve_surface
from app.state.settings import Settings
from optimizers.numbers import point

ROUND = "lesson_round"  # session state: the round on the page (see `Round`)
ON_PAGE = "lesson_on_page"  # the page's lesson, kept while the scene is edited
PICKER_WIDTH = 400  # px: the longest "k · title" uncut in presentation mode


def _lock_text(raw: str) -> str:
    if len(raw) > lesson_flow.MAX_LOCK_CHARS:
        raise ValueError("too long")
    return raw


LOCK_PARAMS = (LabParam("lock", "", _lock_text, str), LabParam("free", "", _lock_text, str))


# --------------------------------------------------------------------------- the round


def start_round(name: str, trying: bool = False) -> None:
    """Put lesson `name`'s scene (or its try-this-next scene) into the widgets, unrevealed."""
    lesson = LESSONS[name]
    base = lesson.try_next.settings if trying else lesson.settings
    state = st.session_state
    present, extra = state.get("present", False), state.get("extra", ())
    controls.seed(cfg.replace(base, present=present, extra=extra))
    state[ON_PAGE] = name
    state[ROUND] = {"lesson": name, "trying": trying, "revealed": trying}
    state.pop(_answer_key(name), None)


def enter(entering: bool) -> None:
    """Before the sidebar on this page: on entering it, the lesson of the link (`?lesson=`),
    else the page's last one, else the first, unrevealed."""
    state = st.session_state
    if entering or state.get(ON_PAGE) not in LESSONS:
        name = next(
            (n for n in (state.get("lesson"), state.get(ON_PAGE)) if n in LESSONS), NAMES[0]
        )
        start_round(name)


def locks(scene: Settings) -> tuple[frozenset[str], list[str]]:
    """The controls the page's link locks, and its warnings (lesson_flow.parse_lock)."""
    lesson = LESSONS.get(st.session_state.get(ON_PAGE) or scene.lesson)
    return lesson_flow.parse_lock(dict(scene.extra), lesson)


def _answer_key(name: str) -> str:
    return f"answer:{name}"


def round_scene(rnd: dict) -> Settings:
    lesson = LESSONS[rnd["lesson"]]
    return lesson.try_next.settings if rnd["trying"] else lesson.settings


def answer(rnd: dict) -> str | tuple[float, float] | None:
    """The committed prediction: the key of the chosen answer, or the map point clicked for
    "where will it end?" (None before either)."""
    return st.session_state.get(_answer_key(rnd["lesson"]))


def on_predict(name: str, box) -> None:
    """A click on the hidden map of a "where will it end?" lesson is its prediction."""
    at = clicked_prediction(MAP_KEY, box)
    if at is not None:
        st.session_state[_answer_key(name)] = at


def edited(s: Settings, rnd: dict) -> bool:
    """Whether the scene on screen is no longer the round's (a control was changed)."""
    return bool(lesson_flow.changed_controls(round_scene(rnd), s))


def reveal() -> None:
    st.session_state[ROUND]["revealed"] = True


def go(name: str | None) -> None:
    if name is not None:
        start_round(name)


def on_pick() -> None:
    go(st.session_state.get("lesson_pick"))


# --------------------------------------------------------------------------- drawing


def render_header(name: str) -> None:
    """Lesson k of n with its title, Previous / Next and the picker in one row that wraps
    where it must (a phone: three rows); the picker is wide enough for every title."""
    row = st.container(horizontal=True, vertical_alignment="center")
    row.markdown(f"**Lesson {progress(name)} · {LESSONS[name].title}**")
    for label, key, target, icon in (
        ("Previous", "lesson_prev", previous_lesson(name), "arrow_back"),
        ("Next", "lesson_next", next_lesson(name), "arrow_forward"),
    ):
        row.button(
            label,
            key=key,
            on_click=go,
            args=(target,),
            disabled=target is None,
            icon=f":material/{icon}:",
        )
    st.session_state["lesson_pick"] = name
    row.selectbox(
        "Lesson",
        NAMES,
        key="lesson_pick",
        on_change=on_pick,
        format_func=lambda n: f"{NAMES.index(n) + 1} · {LESSONS[n].title}",
        label_visibility="collapsed",
        width=PICKER_WIDTH,
    )


def render_prompt(name: str, trying: bool) -> None:
    """The question (for "where will it end?", with the point clicked; above the map before
    the reveal, beside it after), or the try-this-next claim being run."""
    lesson = LESSONS[name]
    if trying:
        st.info(f"**Try this next:** {plain(lesson.try_next.text)}", icon=":material/science:")
    elif lesson.where is None:
        st.info(plain(questions.for_lesson(name).prompt), icon=":material/psychology:")
    else:
        at = st.session_state.get(_answer_key(name))
        side = lesson_flow.tap_radius(lesson.settings)[1]
        mark = f" **Your prediction: {point(at, side)}.**" if at else ""
        st.info(plain(lesson_flow.map_prompt(lesson)) + mark, icon=":material/ads_click:")


def render_answer(name: str) -> None:
    """Beside the map before the reveal: the choices (or where to click) and Reveal, enabled
    once the student has predicted."""
    choices = dict(questions.ASKS[name].choices)
    if LESSONS[name].where is None:
        st.radio(
            "Your prediction",
            list(choices),
            index=None,
            key=_answer_key(name),
            format_func=choices.get,
            horizontal=True,
        )
    st.button(
        "Reveal",
        key="reveal",
        on_click=reveal,
        disabled=st.session_state.get(_answer_key(name)) is None,
        type="primary",
        icon=":material/visibility:",
    )
    how = (
        "choose"
        if LESSONS[name].where is None
        else "click the map where you think it ends (keyboard: focus the map, arrows, Enter)"
    )
    st.caption(f"The run is hidden until you {how} and press Reveal.")


def render_revealed(sc: Scene, rnd: dict) -> None:
    """The judgement in one sentence, the narration, the theory, the why and what to try."""
    lesson = LESSONS[rnd["lesson"]]
    if not rnd["trying"]:
        right, sentence = lesson_flow.judge(lesson, answer(rnd), sc.outcomes)
        (st.success if right else st.error)(plain(sentence))
    st.markdown("##### What happened")
    explore.render_narration(sc, sc.settings.present)
    with st.expander("Why", expanded=not sc.settings.present):
        st.markdown(lesson.explanation)
    st.markdown("##### What theory says")
    explore.render_theory(sc)
    if not rnd["trying"]:
        st.markdown(f"**Try this next:** {plain(lesson.try_next.text)}")
        st.button(
            "Try it",
            key="try_next",
            on_click=start_round,
            args=(lesson.name, True),
            icon=":material/science:",
        )
    elif next_lesson(lesson.name) is not None:
        st.button(
            "Next lesson",
            key="next_after_try",
            on_click=go,
            args=(next_lesson(lesson.name),),
            icon=":material/arrow_forward:",
        )


def render_lessons(s: Settings) -> None:
    state = st.session_state
    rnd = state[ROUND]  # set by enter(), which the shell runs before the sidebar
    name = rnd["lesson"]
    render_header(name)
    classroom.start_button(s)  # a class runs lesson scenes too
    locked, warnings = locks(s)
    for warning in warnings:
        st.warning(plain(warning), icon=":material/lock_open:")
    if locked:
        st.caption(f":material/lock: Locked by the link: {', '.join(sorted(locked))}.")
    if edited(s, rnd):
        if state.get("lesson"):  # the link and the scene no longer name the lesson
            state["lesson"] = ""
            st.rerun()
        st.info("You changed the scene: this is free exploration now.", icon=":material/explore:")
        st.button(
            "Back to the lesson",
            key="back_to_lesson",
            on_click=start_round,
            args=(name, rnd["trying"]),
            icon=":material/undo:",
        )
        explore.render_explore(s)
        return
    key, surface = resolve_surface(s)
    s = affordable_scene(s, surface)
    sc = build_scene(s, key, surface)
    if sc is None:
        return
    hidden = not rnd["revealed"]
    if s.present and "lr" not in locked and not hidden:
        controls.stage_lr_controls()
    if hidden:  # the question first (on a phone too), the map under it
        render_prompt(name, trying=False)
    left, right = st.columns([3, 2], gap="small")  # on a phone: the choices right under the map
    lesson, picked = LESSONS[name], answer(rnd)
    asks_map = hidden and lesson.where is not None
    blob = map_blob(
        sc,
        scene_key(s, key),
        None,
        s.present,
        hidden=hidden,
        predict=asks_map,
        autoplay=not hidden,
        prediction=picked if isinstance(picked, tuple) else None,
    )
    box = sc.landscape.box
    with left:
        map_component(
            blob,
            key=MAP_KEY,
            on_start=lambda: explore.on_map_click(box),
            on_predict=(lambda: on_predict(name, box)) if asks_map else None,
        )
    with right:
        if hidden:  # beside the map (under it on a phone): all in a projector's first screen
            render_answer(name)
        else:  # the staged rates took the room above the map: the question beside it
            render_prompt(name, rnd["trying"])
            render_revealed(sc, rnd)


VIEW = View(
    "lessons",
    "Lessons",
    render_lessons,
    LOCK_PARAMS,
    (SECTIONS - {"inspect"}) | {"lesson"},
    ":material/school:",
)
