"""Class mode's pages: the teacher's projector view and the students' phone view.

`?class=K7Q2` is a student's link; `?class=K7Q2&teacher=SECRET` the teacher's private one
(the secret moves into the session and out of the address bar at once, and the projector view
never prints it). Both views poll the store in a fragment (`run_every`), so counts on the
projector and the question on every phone are at most POLL_S behind; when the question or its
reveal changes, the fragment reruns the whole page.
"""

from __future__ import annotations

import numpy as np
import segno
import streamlit as st

from app import compute, narration
from app.components.map import map_component
from app.components.map import payload as map_payload
from app.figures import contour
from app.figures.style import colours_for
from app.markup import plain
from app.state.scene import resolve_surface, run_from_start
from app.state.settings import Settings

from . import questions as qs
from .store import ClassState, Question, Refused, get_store

POLL_S = 1.0
SECRETS = "class_secrets"  # session_state: code -> teacher secret (verified)
TOKEN_KEY = "me"  # query parameter holding a student's token (survives reconnects)


# --------------------------------------------------------------------------- entry points


def page() -> bool:
    """Render the class page if the URL asks for one (`?class=…`); True if it did."""
    if "class" not in st.query_params:
        return False
    code = st.query_params.get("class", "")
    try:
        state = get_store().state(code)
    except Refused as err:
        st.error(plain(err), icon=":material/group_off:")
        st.link_button("Open Descent Lab", "?", icon=":material/landscape:")
        return True
    secret = _teacher_secret(state.code)
    error = st.session_state.pop("class_error", None)
    if error:
        st.error(plain(error))
    if secret is not None:
        teacher_view(state, secret)
    else:
        student_view(state)
    return True


def start_button(s: Settings) -> None:
    """The sidebar's "Start a class": this scene (or its lesson) becomes the first question."""
    with st.sidebar:
        st.button(
            "Start a class",
            key="start_class",
            on_click=_start_class,
            args=(s,),
            icon=":material/co_present:",
            help="Every student predicts on their phone; the projector shows the class's "
            "answers, then the run.",
        )
        error = st.session_state.pop("class_error", None)
        if error:
            st.error(plain(error))


def _start_class(s: Settings) -> None:
    try:
        started = get_store().start(qs.for_scene(s))
    except Refused as err:
        st.session_state["class_error"] = str(err)
        return
    st.session_state.setdefault(SECRETS, {})[started.code] = started.secret
    st.session_state["show_teacher_link"] = True
    st.query_params.from_dict({"class": started.code})


def _teacher_secret(code: str) -> str | None:
    """The verified secret of this class's teacher in this session, or None (a student).

    A `teacher=` link is checked server-side once, kept in the session, and taken out of the
    URL so the projected address bar does not show it."""
    known = st.session_state.get(SECRETS, {})
    offered = st.query_params.get("teacher")
    if offered is not None:
        del st.query_params["teacher"]
        if get_store().is_teacher(code, offered):
            known = st.session_state.setdefault(SECRETS, {})
            known[code] = offered
        else:
            st.error("That teacher link is not valid for this class: you joined as a student.")
    return known.get(code)


def base_url() -> str:
    return (st.context.url or "").split("?")[0]


# --------------------------------------------------------------------------- teacher


def teacher_view(state: ClassState, secret: str) -> None:
    store = get_store()
    join_url = f"{base_url()}?class={state.code}"
    if st.session_state.pop("show_teacher_link", False):
        _teacher_link_dialog(state.code, secret)
    if state.revealed:  # the results need the room: the join line shrinks to a caption
        st.caption(f"Class {state.code} · join at {plain(join_url)}")
    else:
        left, right = st.columns([3, 1], vertical_alignment="center")
        with left:
            st.markdown(
                f"#### Join on your phone: **{plain(join_url)}**  \nor scan the code · class "
                f"code **{state.code}**"
            )
        right.image(qr_svg(join_url), width=150)
    st.markdown(
        f"{'####' if state.revealed else '###'} {state.number}. {plain(state.question.prompt)}"
    )
    if state.question.kind == "choice":
        st.markdown("  \n".join(f"**{k}** — {plain(t)}" for k, t in state.question.choices))
    _live_counts(state.code, state.number, state.revealed)
    reveal, step, link, end = st.columns(4)
    reveal.button(
        "Reveal",
        type="primary",
        disabled=state.revealed,
        on_click=_teacher_act,
        args=("reveal", state.code, secret),
        icon=":material/visibility:",
    )
    step.button(
        "Next question",
        on_click=_teacher_act,
        args=("next", state.code, secret),
        icon=":material/skip_next:",
    )
    if link.button("My teacher link", icon=":material/key:", help="Not on the projector!"):
        _teacher_link_dialog(state.code, secret)
    end.button(
        "End the class",
        on_click=_teacher_act,
        args=("end", state.code, secret),
        icon=":material/logout:",
    )
    if state.revealed:
        render_reveal(state.question, store.tally(state.code, secret))


@st.dialog("Your private teacher link")
def _teacher_link_dialog(code: str, secret: str) -> None:
    st.markdown(
        "Keep this link to come back as the teacher (another tab, another device). Anyone "
        "with it can reveal and move the class on, so **do not project it**."
    )
    st.code(f"{base_url()}?class={code}&teacher={secret}", language=None, wrap_lines=True)


def _teacher_act(action: str, code: str, secret: str) -> None:
    store = get_store()
    try:
        if action == "reveal":
            store.reveal(code, secret)
        elif action == "next":
            store.ask(code, secret, qs.next_question(store.state(code).question))
        else:
            store.end(code, secret)
            st.session_state.get(SECRETS, {}).pop(code, None)
            st.query_params.clear()
    except Refused as err:
        st.session_state["class_error"] = str(err)


def qr_svg(url: str) -> str:
    """The join link as an SVG QR code (segno: no network, no image library)."""
    return segno.make(url, error="m").svg_inline(scale=6, border=2, dark="#1f2937")


@st.fragment(run_every=POLL_S)
def _live_counts(code: str, number: int, revealed: bool) -> None:
    """Joined / answered, polled; a question or reveal changed elsewhere reruns the page."""
    try:
        state = get_store().state(code)
    except Refused as err:
        st.error(plain(err))
        return
    if (state.number, state.revealed) != (number, revealed):
        st.rerun(scope="app")
    st.markdown(
        f"<div style='font-size:1.6rem'><b data-count='joined'>{state.joined}</b> joined · "
        f"<b data-count='answered'>{state.answered}</b> answered</div>",
        unsafe_allow_html=True,
    )
    names = get_store().nicknames(code)
    if names:
        st.caption(" · ".join(plain(n) for n in names[:60]))


def render_reveal(question: Question, tally: dict[str, int]) -> None:
    """After Reveal: what the class thought, the run, and why."""
    s, warnings = qs.scene_settings(question)
    for warning in warnings:
        st.warning(plain(warning))
    key, surface = resolve_surface(s)
    ran = run_from_start(s, surface, lambda start: compute.run_race(s, key, start))
    if ran is None:
        return
    start, outs = ran
    labels = narration.racer_labels(s.racers)
    colours = colours_for([r.optimizer for r in s.racers])
    runs = [compute.as_run(*z) for z in zip(labels, colours, outs, strict=True)]
    landscape = compute.get_landscape(key)
    extra: list[dict] = []
    left, right = st.columns([3, 2], gap="medium")
    with right:
        if question.kind == "choice":
            right_key = qs.right_choice(question, outs)
            st.plotly_chart(
                compute.chart_figure(distribution_figure(question, tally, right_key), True),
                key="distribution",
                config={"displayModeBar": False},
            )
            text = dict(question.choices)[right_key]
            st.success(f"**{right_key} — {text}**", icon=":material/check_circle:")
        else:
            end = qs.end_point(outs[0])
            taps = qs.tapped_points(tally)
            extra = tap_traces(taps, end)
            st.success(
                f"The path ended at {narration.point(end)}; {tap_summary(taps, end, surface)}",
                icon=":material/check_circle:",
            )
        st.markdown("##### What happened")
        st.markdown(
            "".join(
                narration.narration_html(label, colour, out.sentence, "1.2rem")
                for label, colour, out in zip(labels, colours, outs, strict=True)
            ),
            unsafe_allow_html=True,
        )
        if question.lesson:
            with st.expander("Why?", expanded=True):
                st.markdown(qs.LESSONS[question.lesson].explanation)
    with left:  # the run plays in the browser; the landscape stays drawn
        blob = map_payload.scene_blob(
            landscape, runs, start, steps=s.steps, title=" vs ".join(labels), present=True
        )
        map_component(blob, key="reveal_map", on_start=_ignore, on_scrub=_ignore)
        if extra:  # a map question: where the class tapped, beside where the path ended
            spec = contour.contour_figure(
                landscape,
                [],
                [start],
                height=contour.map_height(landscape.box, 640),
                static=[*contour.map_layers(landscape, [start]), *extra],
            )
            st.plotly_chart(
                compute.chart_figure(spec, True), key="reveal_taps", config={"displaylogo": False}
            )


def _ignore() -> None:
    """The reveal's map is for watching: a click or a rate scrub there changes nothing."""


def distribution_figure(question: Question, tally: dict[str, int], right_key: str) -> dict:
    """One bar per choice: how many chose it; the true one green."""
    keys = [k for k, _ in question.choices]
    counts = [int(tally.get(k, 0)) for k in keys]
    total = sum(counts)
    return {
        "data": [
            {
                "type": "bar",
                "x": keys,
                "y": counts,
                "text": [f"{c} ({100 * c / total:.0f} %)" if total else "0" for c in counts],
                "textposition": "outside",
                "marker": {"color": ["#16a34a" if k == right_key else "#94a3b8" for k in keys]},
                "hovertext": [t for _, t in question.choices],
                "hoverinfo": "text+y",
                "name": "answers",
            }
        ],
        "layout": {
            "title": {"text": f"What the class said ({total} answers)"},
            "height": 320,
            "margin": {"l": 40, "r": 10, "t": 50, "b": 40},
            "yaxis": {"rangemode": "tozero", "dtick": max(1, total // 5 or 1)},
            "showlegend": False,
        },
    }


def tap_traces(taps: np.ndarray, end: tuple[float, float]) -> list[dict]:
    """The class's taps as a density (contour lines of their 2-D histogram) and as points,
    and the true end point as a star."""
    traces: list[dict] = []
    if len(taps):
        traces.append(
            {
                "type": "histogram2dcontour",
                "x": taps[:, 0].astype(np.float32),
                "y": taps[:, 1].astype(np.float32),
                "ncontours": 8,
                "contours": {"coloring": "lines"},
                "colorscale": [[0, "rgba(220,38,38,0)"], [1, "rgba(220,38,38,1)"]],
                "line": {"width": 2},
                "showscale": False,
                "hoverinfo": "skip",
                "name": "class density",
            }
        )
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": taps[:, 0].astype(np.float32),
                "y": taps[:, 1].astype(np.float32),
                "marker": {"size": 8, "color": "rgba(220,38,38,0.55)"},
                "name": "the class's taps",
                "hoverinfo": "skip",
            }
        )
    traces.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": [end[0]],
            "y": [end[1]],
            "marker": {"size": 20, "symbol": "star", "color": "#facc15", "line": {"width": 2}},
            "name": "where it ended",
        }
    )
    return traces


def tap_summary(taps: np.ndarray, end: tuple[float, float], surface) -> str:
    if not len(taps):
        return "nobody tapped."
    (x0, x1), (y0, y1) = surface.domain
    span = float(np.hypot(x1 - x0, y1 - y0))
    dist = np.hypot(taps[:, 0] - end[0], taps[:, 1] - end[1])
    near = int((dist <= 0.1 * span).sum())
    return (
        f"{near} of {len(taps)} taps within a tenth of the map's diagonal; median distance "
        f"{narration.num(float(np.median(dist)))}."
    )


# --------------------------------------------------------------------------- student


def student_view(state: ClassState) -> None:
    store = get_store()
    token = st.query_params.get(TOKEN_KEY)
    joined = st.session_state.setdefault("class_tokens", {})
    if token is None or joined.get(state.code) != token:  # once: later reruns skip the write
        try:
            mine = store.join(state.code, token)
        except Refused as err:
            st.error(plain(err))
            return
        joined[state.code] = mine
        if mine != token:
            st.query_params[TOKEN_KEY] = mine  # a reload or reconnect keeps this student
    mine = joined[state.code]
    st.caption(f"Class {state.code} · question {state.number}")
    name = store.nickname(state.code, mine)
    st.text_input(
        "Nickname (optional)",
        value=name,
        max_chars=20,
        key=f"nick-{state.code}",
        on_change=_set_nickname,
        args=(state.code, mine),
    )
    if name:
        st.caption(f"You are {plain(name)}")
    q = state.question
    st.markdown(f"#### {plain(q.prompt)}")
    _follow(state.code, state.number, state.revealed)
    answer = store.my_answer(state.code, mine, state.number)
    error = st.session_state.pop("answer_error", None)
    if error:
        st.error(error)
    if state.revealed:
        said = dict(q.choices).get(answer, answer) if answer else "nothing"
        st.info(f"Revealed — look at the projector. You said: **{plain(said)}**.")
        return
    if q.kind == "choice":
        keys = [k for k, _ in q.choices]
        pick = st.radio(
            "Your prediction",
            keys,
            index=keys.index(answer) if answer in keys else None,
            format_func=lambda k: f"{k} — {plain(dict(q.choices)[k])}",
            key=f"answer-{state.code}-{state.number}",
        )
    else:
        pick = _tap_map(state, mine, answer)
    if pick is not None and pick != answer:
        # The widget's value is the student's pick, stored here rather than in an on_change
        # callback: a phone that reconnects to a new session (its replica died) restores its
        # widget values without any callback, and that pick must be stored too.
        try:
            answer = store.answer(state.code, mine, state.number, pick)
        except Refused as err:
            st.error(plain(err))
    if answer is not None:
        shown = dict(q.choices).get(answer, answer)
        st.success(f"Saved: {plain(shown)} — you can change it until the reveal.")


def _set_nickname(code: str, token: str) -> None:
    try:
        get_store().join(code, token, st.session_state.get(f"nick-{code}", ""))
    except Refused as err:
        st.session_state["answer_error"] = str(err)


def _tap_map(state: ClassState, token: str, answer: str | None) -> str | None:
    """The map to tap; the tapped point "x,y" (stored at once by the selection callback, so
    this run already marks it), or None."""
    s, _ = qs.scene_settings(state.question)
    key, _surface = resolve_surface(s)
    landscape = compute.get_landscape(key)
    start = tuple(map(float, _surface.start if s.start is None else s.start))
    static = [  # the click grid's hover says what a tap means here
        {**layer, "hovertemplate": "(%{x:.3g}, %{y:.3g})<br>tap: it ends here<extra></extra>"}
        if layer.get("name") == "click to start"
        else layer
        for layer in compute.encode_arrays(contour.map_layers(landscape, [start]))
    ]
    if answer:
        x, y = map(float, answer.split(","))
        static.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [x],
                "y": [y],
                "marker": {"size": 16, "symbol": "x", "color": "#dc2626"},
                "name": "your guess",
            }
        )
    spec = contour.contour_figure(landscape, [], [start], height=380, static=static)
    event = st.plotly_chart(
        compute.chart_figure(spec),
        key=f"tap-{state.code}-{state.number}",
        on_select=lambda: _on_tap(state.code, token, state.number),
        selection_mode="points",
        config={"displayModeBar": False, "scrollZoom": False},
    )
    st.caption("Tap the map where you think the path will end.")
    return tapped(event)


def tapped(event) -> str | None:
    """The first selected point of a chart's selection event as "x,y", or None."""
    points = ((event or {}).get("selection") or {}).get("points") or []
    if not points:
        return None
    return f"{float(points[0]['x']):.4g},{float(points[0]['y']):.4g}"


def _on_tap(code: str, token: str, number: int) -> None:
    point = tapped(st.session_state.get(f"tap-{code}-{number}"))
    if point is not None:
        try:
            get_store().answer(code, token, number, point)
        except Refused as err:
            st.session_state["answer_error"] = str(err)


@st.fragment(run_every=POLL_S * 2)
def _follow(code: str, number: int, revealed: bool) -> None:
    """Poll the class: a new question or the reveal reruns the phone's page."""
    try:
        state = get_store().state(code)
    except Refused:
        st.rerun(scope="app")
    if (state.number, state.revealed) != (number, revealed):
        st.rerun(scope="app")
