"""Classroom load test: N real browser-like sessions drive Descent Lab over its websocket.

Each simulated student does what a browser does: GET / (sticky cookie behind nginx),
GET /_stcore/health (XSRF cookie) and /_stcore/host-config, opens /_stcore/stream with
the subprotocols ["streamlit", <xsrf token>], sends a `rerun_script` BackMsg, and reads
ForwardMsgs until `script_finished`. Widgets are learnt from the deltas; then every
`--interval` seconds the student moves the learning-rate widget (sometimes another one)
and the time until the rerun's `script_finished` is one latency sample.

    python bench/load.py --sessions 30 --duration 60 --interval 3 --json out.json
    python bench/load.py --sessions 30 --duration 60 --replicas 2 --nginx
    python bench/load.py --memory-steps 1,10,30 --duration 30
    python bench/load.py --url http://127.0.0.1:8501 --sessions 5 --duration 15
    python bench/load.py class --students 100 --kill-replica   # class mode (bench/class_load.py)

Without --url the server(s) are started on loopback and stopped at the end. Everything
is bounded in time; the run stops by itself. `--check` exits 1 when a target is missed
(see --help). The first printed line and the JSON's `meta` tie the figures to the code: the
checkout's git commit and its uncommitted changes, Streamlit, Python, the load average at the
start (and at the end).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import random
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import websocket

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import streamlit  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.Slider_pb2 import Slider  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from deploy.replicas import cookie_header, deployment, http_get, is_healthy  # noqa: E402

LR_PATTERN = r"learning.?rate(?!.?policy)|\blr\b|η|step.?size"
AVOID_PATTERN = r"presentation"  # widgets a load test should not touch (hide the controls)
WIDGET_KINDS = ("slider", "selectbox", "radio", "number_input", "checkbox", "button_group")
RUN_DONE = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
}
TARGETS = {"errors": 0, "p95_s": 2.0, "peak_rss_mb": 1536, "late_share": 0.05}
# With --abuse, against the same class without abusers (measured first, or --baseline): the
# class's p95 stays within 1.5× the clean run's and 0.5 s, the peak memory within 1.2×.
ABUSE_TARGETS = {"p95_ratio": 1.5, "p95_s": 0.5, "peak_ratio": 1.2}


# ----------------------------------------------------------------------------- widgets
@dataclass
class Widget:
    """One widget as the server described it in a delta."""

    id: str
    label: str
    kind: str
    proto: Any
    fragment_id: str = ""


def widget_from_element(element: Any, fragment_id: str) -> Widget | None:
    """A Widget for an Element proto, or None when it is no widget we can drive."""
    kind = element.WhichOneof("type")
    if kind not in WIDGET_KINDS:
        return None
    proto = getattr(element, kind)
    return Widget(proto.id, proto.label, kind, proto, fragment_id)


def _option_labels(w: Widget) -> list[str]:
    if w.kind == "button_group":
        return [o.content for o in w.proto.options]
    return list(w.proto.options)


def _is_select_slider(w: Widget) -> bool:
    return w.kind == "slider" and w.proto.type == Slider.SELECT_SLIDER


def default_state(w: Widget) -> WidgetState | None:
    """The state a browser reports for an untouched widget (None: no value)."""
    p, state = w.proto, WidgetState(id=w.id)
    if _is_select_slider(w):
        chosen = list(p.raw_value) if p.set_value else [p.options[int(i)] for i in p.default]
        state.string_array_value.data.extend(chosen)
    elif w.kind == "slider":
        state.double_array_value.data.extend(p.value if p.set_value else p.default)
    elif w.kind in ("selectbox", "radio"):
        if p.set_value:
            state.string_value = p.raw_value
        elif p.HasField("default") and 0 <= p.default < len(p.options):
            state.string_value = p.options[p.default]
        else:
            return None
    elif w.kind == "number_input":
        state.double_value = p.value if p.set_value else p.default
    elif w.kind == "checkbox":
        state.bool_value = p.value if p.set_value else p.default
    else:  # button_group
        labels = _option_labels(w)
        state.string_array_value.data.extend(
            p.raw_values if p.set_value else [labels[i] for i in p.default]
        )
    return state


def _grid_value(rng: random.Random, lo: float, hi: float, step: float) -> float:
    if step <= 0 or hi <= lo:
        return lo
    return lo + step * rng.randint(0, round((hi - lo) / step))


def changed_state(w: Widget, rng: random.Random) -> WidgetState | None:
    """A new random value for w, like a student's drag or click (None: not changeable)."""
    p, state = w.proto, WidgetState(id=w.id)
    if _is_select_slider(w) or w.kind in ("selectbox", "radio", "button_group"):
        labels = _option_labels(w)
        if len(labels) < 2:
            return None
        count = len(p.default) if _is_select_slider(w) else 1
        picked = sorted(rng.sample(range(len(labels)), count))
        if w.kind in ("selectbox", "radio"):
            state.string_value = labels[picked[0]]
        else:
            state.string_array_value.data.extend(labels[i] for i in picked)
    elif w.kind == "slider":
        if p.data_type not in (Slider.INT, Slider.FLOAT):
            return None
        values = sorted(_grid_value(rng, p.min, p.max, p.step) for _ in p.default)
        state.double_array_value.data.extend(values)
    elif w.kind == "number_input":
        if not (p.has_min and p.has_max):
            return None
        state.double_value = _grid_value(rng, p.min, p.max, p.step or 1)
    elif w.kind == "checkbox":
        state.bool_value = not (p.value if p.set_value else p.default)
    return state


GARBAGE = "no such option ✕"


def hostile_states(w: Widget, upstream: bool = False) -> list[WidgetState]:
    """Values no browser would send for w, in the widget's own wire type: an unknown option,
    negative, huge, NaN and fractional numbers.

    With `upstream`, also the values Streamlit 1.67 itself cannot deserialize: another wire
    type (a string for a number box, a number or a list for a select box, a scalar for a
    slider) and NaN for a whole-number box. Its deserializers run in `_call_callbacks`, before
    the app's script starts, and take isfinite() of a string, len() of a float, int() of NaN:
    the app cannot catch those (they cost only that client's own page, the server and the
    other sessions are unaffected), so they are reported separately."""
    numbers = (-7.5, 1e308, float("nan"))
    out: list[WidgetState] = []

    def add(fill) -> None:
        state = WidgetState(id=w.id)
        if isinstance(fill, str):
            state.string_value = fill
        elif isinstance(fill, float):
            state.double_value = fill
        elif all(isinstance(v, str) for v in fill):
            state.string_array_value.data.extend(fill)
        else:
            state.double_array_value.data.extend(fill)
        out.append(state)

    own: list = []
    if _is_select_slider(w) or w.kind == "button_group":
        own, other = [(GARBAGE,)], [GARBAGE, -7.5]
    elif w.kind == "slider":
        own, other = [(v,) * max(1, len(w.proto.default)) for v in numbers], [-7.5]
    elif w.kind in ("selectbox", "radio"):
        own, other = [GARBAGE], [*numbers, (GARBAGE, "1e308")]
    elif w.kind == "number_input":
        whole = w.proto.data_type == w.proto.INT
        own = [-7.5, 1e308, 2.5, *(() if whole else (float("nan"),))]
        other = [GARBAGE, (GARBAGE,), *((float("nan"),) if whole else ())]
    else:
        other = []
    for fill in (*own, *(other if upstream else ())):
        add(fill)
    return out


def garbage_widget_values(
    url: str, query: str = "", timeout: float = 30, upstream: bool = False
) -> dict[str, Any]:
    """One client sends every hostile value to every widget of the page, one rerun each.
    Returns the number of reruns and the exceptions that client's page showed (as
    "label = value: message"; there must be none). After an exception the widget's last good
    value is put back, so one failure does not hide the rest."""
    session = Session(url, query, timeout)
    session.open()
    exceptions, reruns, tried = [], 0, set()
    try:
        session.rerun()
        # the view picker last: garbage there switches to the first view
        for w in sorted(session.widgets.values(), key=lambda w: w.label == "View"):
            if re.search(AVOID_PATTERN, w.label, re.I):
                continue
            tried.add(w.label or w.id)
            for state in hostile_states(w, upstream):
                if w.id not in session.widgets:
                    break  # a callback re-seeded the page: this widget is gone
                good = session.states.get(w.id)
                result = session.rerun(session.widgets[w.id], state)
                reruns += 1
                if result.exceptions:
                    exceptions += [f"{describe(w, state)}: {e}"[:200] for e in result.exceptions]
                    if good is not None:
                        session.rerun(w, good)
    finally:
        session.close()
    return {"reruns": reruns, "widgets": len(tried), "exceptions": exceptions}


# ----------------------------------------------------------------------------- session
@dataclass
class RunResult:
    """What one script run sent back."""

    latency: float
    nbytes: int
    exceptions: list[str]
    elements: Counter = field(default_factory=Counter)  # element kinds drawn, e.g. plotly_chart


class Session:
    """One browser tab: HTTP warm-up, the websocket, widget states, reruns."""

    def __init__(self, base_url: str, query: str = "", timeout: float = 30):
        self.base_url, self.query, self.timeout = base_url.rstrip("/"), query, timeout
        self.cookies: dict[str, str] = {}
        self.upstream = ""
        self.page_hash = ""
        self.widgets: dict[str, Widget] = {}
        self.states: dict[str, WidgetState] = {}
        self.auto_reruns: dict[str, float] = {}  # fragment id -> seconds between its reruns
        self.ws: websocket.WebSocket | None = None

    def open(self) -> None:
        """Load the page like a browser and open the websocket."""
        status, headers, _ = http_get(self.base_url, "/", self.cookies, self.timeout)
        if status != 200:
            raise ConnectionError(f"GET / answered {status}")
        self.upstream = headers.get("X-Upstream", "")
        if not http_get(self.base_url, "/_stcore/health", self.cookies, self.timeout)[0] == 200:
            raise ConnectionError("/_stcore/health is not 200")
        http_get(self.base_url, "/_stcore/host-config", self.cookies, self.timeout)
        token = self.cookies.get("_streamlit_xsrf", "PLACEHOLDER_AUTH_TOKEN")
        self.ws = websocket.create_connection(
            "ws" + self.base_url[4:] + "/_stcore/stream",
            subprotocols=["streamlit", token],
            cookie=cookie_header(self.cookies),
            timeout=self.timeout,
        )

    def close(self) -> None:
        """Close the websocket (the server keeps the session for its TTL)."""
        if self.ws is not None:
            self.ws.close()
            self.ws = None

    def send_rerun(self, change: Widget | None = None, state: WidgetState | None = None) -> None:
        """Send a rerun_script BackMsg with every widget's state (as the browser does)."""
        msg = BackMsg()
        client = msg.rerun_script
        client.query_string = self.query
        client.page_script_hash = self.page_hash
        if change is not None and state is not None:
            self.states[change.id] = state
            client.fragment_id = change.fragment_id
        client.widget_states.widgets.extend(self.states.values())
        self.ws.send_binary(msg.SerializeToString())

    def rerun(self, change: Widget | None = None, state: WidgetState | None = None) -> RunResult:
        """One timed rerun: send it, read until the script finished."""
        start = time.perf_counter()
        self.send_rerun(change, state)
        nbytes, exceptions, seen, elements = self._read_run(start + self.timeout)
        self._adopt(seen, merge=bool(change is not None and change.fragment_id))
        return RunResult(time.perf_counter() - start, nbytes, exceptions, elements)

    def _read_run(self, deadline: float) -> tuple[int, list[str], dict[str, Widget], Counter]:
        nbytes, exceptions, seen, elements = 0, [], {}, Counter()
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError("no script_finished in time")
            self.ws.settimeout(left)
            data = self.ws.recv()
            nbytes += len(data)
            msg = ForwardMsg.FromString(data)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = msg.new_session.page_script_hash
            elif kind == "page_info_changed":  # the app set st.query_params: the new URL
                self.query = msg.page_info_changed.query_string
            elif kind == "auto_rerun":  # a fragment with run_every: the browser polls it
                self.auto_reruns[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                elements[element.WhichOneof("type")] += 1
                self._on_element(element, msg.delta.fragment_id, seen, exceptions)
            elif kind == "script_finished" and msg.script_finished in RUN_DONE:
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    exceptions.append("script compile error")
                return nbytes, exceptions, seen, elements

    @staticmethod
    def _on_element(element: Any, fragment_id: str, seen: dict, exceptions: list) -> None:
        if element.WhichOneof("type") == "exception":
            exc = element.exception
            exceptions.append(f"{exc.type}: {exc.message}"[:300])
            return
        w = widget_from_element(element, fragment_id)
        if w is not None:
            seen[w.id] = w

    def _adopt(self, seen: dict[str, Widget], merge: bool) -> None:
        """Take the widgets of this run; keep our values for widgets still there."""
        widgets = {**self.widgets, **seen} if merge else seen
        states = {}
        for wid, w in widgets.items():
            keep = wid in self.states and not getattr(w.proto, "set_value", False)
            state = self.states[wid] if keep else default_state(w)
            if state is not None:
                states[wid] = state
        self.widgets, self.states = widgets, states

    def pick_change(
        self, rng: random.Random, target: re.Pattern, mix: float, avoid: re.Pattern | None = None
    ) -> tuple[Widget, WidgetState] | None:
        """The target widget (learning rate) with a new value; another one with p=mix."""
        usable = [w for w in self.widgets.values() if not (avoid and avoid.search(w.label))]
        matches = [w for w in usable if target.search(f"{w.label} {w.id}")]
        others = [w for w in usable if w not in matches]
        pool = others if (others and (not matches or rng.random() < mix)) else matches
        for w in rng.sample(pool, len(pool)):
            state = changed_state(w, rng)
            if state is not None:
                return w, state
        return None


# ----------------------------------------------------------------------------- stats
@dataclass(frozen=True)
class Phases:
    """Alternating windows of `window` s from `start`: clean, abuse, clean, abuse, … A rerun is
    in the window it started in; one that starts within `settle` s after an abuse window ends
    is in neither (the abusers' last work may still be running), nor is one before `start`.
    The class's reruns with and without abusers then share one server, one warm cache and one
    machine load: the sequential clean-then-abused runs followed the shared machine's load."""

    start: float
    window: float
    settle: float = 2.0

    def at(self, t: float) -> str | None:
        """The phase at monotonic time t: "clean", "abuse" or None (not started, settling)."""
        if t < self.start or self.window <= 0:
            return None
        k, into = divmod(t - self.start, self.window)
        if int(k) % 2:
            return "abuse"
        return None if k > 0 and into < self.settle else "clean"

    def abusing(self) -> bool:
        return self.at(time.monotonic()) == "abuse"


@dataclass
class Stats:
    """Thread-safe results of one load phase."""

    first_paint: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    nbytes: list[int] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    upstreams: Counter = field(default_factory=Counter)
    changed: Counter = field(default_factory=Counter)
    by_widget: dict[str, list[float]] = field(default_factory=dict)
    late: int = 0
    phases: Phases | None = None
    by_phase: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_run(
        self, result: RunResult, who: int, first: bool = False, after: str = "", widget: str = ""
    ) -> None:
        with self.lock:
            (self.first_paint if first else self.latencies).append(result.latency)
            if self.phases is not None and not first:
                phase = self.phases.at(time.monotonic() - result.latency)
                if phase is not None:
                    self.by_phase.setdefault(phase, []).append(result.latency)
            if widget:
                self.by_widget.setdefault(widget, []).append(result.latency)
            self.nbytes.append(result.nbytes)
            for text in result.exceptions:
                error = {"session": who, "kind": "app-exception", "detail": text, "after": after}
                self.errors.append(error)

    def add_error(self, who: int, kind: str, detail: str) -> None:
        with self.lock:
            self.errors.append({"session": who, "kind": kind, "detail": detail[:300]})

    def summary(self) -> dict:
        with self.lock:
            kinds = Counter(e["kind"] for e in self.errors)
            phases = {n: distribution(xs) for n, xs in sorted(self.by_phase.items())}
            return {
                **({"phase_latency_s": phases} if self.phases is not None else {}),
                "reruns": len(self.latencies),
                "rerun_latency_s": distribution(self.latencies),
                "first_paint_s": distribution(self.first_paint),
                "median_bytes_per_run": int(percentile(self.nbytes, 50)) if self.nbytes else 0,
                "late_ticks": self.late,
                "errors": len(self.errors),
                "error_kinds": dict(kinds),
                "error_samples": self.errors[:5],
                "sessions_per_upstream": dict(self.upstreams),
                "widgets_changed": dict(self.changed.most_common(8)),
                "latency_by_widget_s": {
                    name: distribution(xs)
                    for name, xs in sorted(self.by_widget.items(), key=lambda kv: -max(kv[1]))
                },
            }


def percentile(values: Iterable[float], q: float) -> float:
    """Linear-interpolated q-th percentile (0..100) of a non-empty sequence."""
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def distribution(values: list[float]) -> dict:
    """p50 / p95 / max / mean (seconds, 3 decimals) of latency samples."""
    if not values:
        return {"n": 0}
    stats = {"p50": percentile(values, 50), "p95": percentile(values, 95), "max": max(values)}
    stats["mean"] = sum(values) / len(values)
    return {"n": len(values), **{k: round(v, 3) for k, v in stats.items()}}


# ----------------------------------------------------------------------------- memory
def tree_processes(pid: int) -> list[psutil.Process]:
    """The process and all its descendants (those still alive)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _sum_over(procs: list[psutil.Process], read: Callable[[psutil.Process], float]) -> float:
    total = 0.0
    for proc in procs:
        try:
            total += read(proc)
        except psutil.NoSuchProcess:
            continue
    return total


def tree_rss_mb(pid: int) -> float:
    """Resident memory (MB) of a process tree."""
    return _sum_over(tree_processes(pid), lambda p: p.memory_info().rss) / 2**20


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process tree."""
    return _sum_over(tree_processes(pid), lambda p: sum(p.cpu_times()[:2]))


def own_cpu_s() -> float:
    """CPU seconds used by this load-test process alone (not the servers it started)."""
    return sum(psutil.Process().cpu_times()[:2])


class MemorySampler:
    """Samples RSS of named process trees in the background; keeps peak and last."""

    def __init__(self, pids: dict[str, int], every: float = 0.25):
        self.pids, self.every = pids, every
        self.peak = dict.fromkeys(pids, 0.0)
        self.last = dict.fromkeys(pids, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def sample(self) -> dict[str, float]:
        """Take one sample now; returns MB by name."""
        now = {name: tree_rss_mb(pid) for name, pid in self.pids.items()}
        for name, mb in now.items():
            self.peak[name] = max(self.peak[name], mb)
            self.last[name] = mb
        return now

    def reset_peak(self) -> None:
        self.peak = self.sample()

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    def __enter__(self) -> MemorySampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sample()

    def report(self) -> dict:
        """Peak and last MB per process tree, and the totals."""
        out = {
            n: {"peak_mb": round(self.peak[n]), "now_mb": round(self.last[n])} for n in self.pids
        }
        out["total"] = {
            "peak_mb": round(sum(self.peak.values())),
            "now_mb": round(sum(self.last.values())),
        }
        return out


# ----------------------------------------------------------------------------- students
@dataclass
class LoadOptions:
    """Knobs shared by every simulated student."""

    interval: float = 3.0
    timeout: float = 30.0
    ramp: float = 10.0
    mix: float = 0.3
    query: str = ""
    target: re.Pattern = field(default_factory=lambda: re.compile(LR_PATTERN, re.I))
    avoid: re.Pattern = field(default_factory=lambda: re.compile(AVOID_PATTERN, re.I))


class Student:
    """A simulated student: joins (first paint), then drags sliders until told to stop."""

    def __init__(self, index: int, base_url: str, opts: LoadOptions):
        self.index, self.opts = index, opts
        self.rng = random.Random(index)
        self.session = Session(base_url, opts.query, opts.timeout)
        self.alive = False

    def join(self, stats: Stats, delay: float = 0.0) -> None:
        """Open the page after `delay` s and time the first full run."""
        time.sleep(delay)
        try:
            self.session.open()
            stats.add_run(self.session.rerun(), self.index, first=True)
            with stats.lock:
                stats.upstreams[self.session.upstream or "direct"] += 1
            self.alive = True
        except Exception as exc:
            stats.add_error(self.index, _error_kind(exc), repr(exc))
            self.session.close()

    def drive(self, until: float, stats: Stats) -> None:
        """Rerun with a changed widget every ~interval s (random phase, ±20 %) until `until`."""
        if not self.alive:
            return
        tick = time.monotonic() + self.rng.uniform(0, self.opts.interval)
        while tick < until:
            time.sleep(max(0.0, tick - time.monotonic()))
            if not self._one_rerun(stats):
                return
            tick += self.opts.interval * self.rng.uniform(0.8, 1.2)
            if tick < time.monotonic():
                tick = time.monotonic()
                with stats.lock:
                    stats.late += 1

    def _one_rerun(self, stats: Stats) -> bool:
        opts = self.opts
        change = self.session.pick_change(self.rng, opts.target, opts.mix, opts.avoid)
        if change is None:
            stats.add_error(self.index, "no-widget", "no changeable widget on the page")
            self.alive = False
            return False
        try:
            label = change[0].label or change[0].kind
            result = self.session.rerun(*change)
            stats.add_run(result, self.index, after=describe(*change), widget=label)
        except Exception as exc:
            stats.add_error(self.index, _error_kind(exc), repr(exc))
            self.leave()
            return False
        with stats.lock:
            stats.changed[change[0].label or change[0].kind] += 1
        return True

    def leave(self) -> None:
        self.alive = False
        self.session.close()


def describe(w: Widget, state: WidgetState) -> str:
    """`label = value` of a widget change, to reproduce an app error by hand."""
    kind = state.WhichOneof("value")
    value = getattr(state, kind)
    shown = list(value.data) if hasattr(value, "data") else value
    return f"{w.label or w.id} = {shown}"


def _error_kind(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | websocket.WebSocketTimeoutException):
        return "timeout"
    if isinstance(exc, websocket.WebSocketConnectionClosedException | ConnectionError):
        return "connection"
    return type(exc).__name__


def in_parallel(calls: list[Callable[[], None]], timeout: float) -> None:
    """Run each call in its own thread; wait at most `timeout` s for all."""
    threads = [threading.Thread(target=c, daemon=True) for c in calls]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))


def join_students(students: list[Student], stats: Stats, ramp: float, timeout: float) -> None:
    """Let students open the page, spread evenly over `ramp` seconds."""
    step = ramp / max(1, len(students))
    calls = [lambda s=s, i=i: s.join(stats, i * step) for i, s in enumerate(students)]
    in_parallel(calls, ramp + 2 * timeout)


def drive_students(students: list[Student], stats: Stats, duration: float, timeout: float):
    """Everyone drags sliders for `duration` seconds."""
    until = time.monotonic() + duration
    in_parallel([lambda s=s: s.drive(until, stats) for s in students], duration + 2 * timeout)


# ----------------------------------------------------------------------------- scenarios
def run_classroom(
    url: str,
    pids: dict[str, int],
    sessions: int,
    duration: float,
    opts: LoadOptions,
    phases: Phases | None = None,
) -> dict:
    """The whole class joins within `ramp` s, then reruns every `interval` s for `duration`
    (with `phases`, its rerun latencies are also reported per phase)."""
    students = [Student(i, url, opts) for i in range(sessions)]
    stats = Stats(phases=phases)
    with MemorySampler(pids) as mem:
        baseline = mem.sample()
        join_students(students, stats, opts.ramp, opts.timeout)
        cpu0 = {n: tree_cpu_s(p) for n, p in pids.items()}
        client0 = own_cpu_s()
        t0 = time.monotonic()
        drive_students(students, stats, duration, opts.timeout)
        wall = time.monotonic() - t0
        cpu = {n: round(tree_cpu_s(p) - cpu0[n], 1) for n, p in pids.items()}
        cpu["load-client"] = round(own_cpu_s() - client0, 1)
        alive = sum(s.alive for s in students)
        for s in students:
            s.leave()
    result = stats.summary()
    result["sessions"] = sessions
    result["sessions_alive_at_end"] = alive
    result["memory"] = {"baseline_mb": {n: round(v) for n, v in baseline.items()}, **mem.report()}
    result["server_cpu_s"] = cpu
    servers = {n: p for n, p in pids.items() if n != "nginx"}
    per_rerun = 1000 * sum(cpu[n] for n in servers) / max(1, result["reruns"])
    read = servers and all(tree_processes(p) for p in servers.values())
    result["cpu_ms_per_rerun"] = round(per_rerun, 1) if read else None  # None: no/dead --pid
    result["drive_wall_s"] = round(wall, 1)
    result["healthy_after"] = is_healthy(url)
    return result


def run_memory_steps(
    url: str, pids: dict[str, int], steps: list[int], duration: float, opts: LoadOptions
) -> list[dict]:
    """Grow the class step by step (e.g. 1, 10, 30): RSS idle, then RSS while active."""
    students: list[Student] = []
    out = []
    with MemorySampler(pids) as mem:
        for n in steps:
            stats = Stats()
            new = [Student(i, url, opts) for i in range(len(students), n)]
            join_students(new, stats, opts.ramp, opts.timeout)
            students += new
            time.sleep(2)
            idle = mem.sample()
            mem.reset_peak()
            drive_students(students, stats, duration, opts.timeout)
            summary = stats.summary()
            out.append(
                {
                    "sessions": n,
                    "idle_mb": round(sum(idle.values())),
                    "active_peak_mb": round(sum(mem.peak.values())),
                    "reruns": summary["reruns"],
                    "rerun_latency_s": summary["rerun_latency_s"],
                    "errors": summary["errors"],
                    "error_samples": summary["error_samples"],
                }
            )
        for s in students:
            s.leave()
    return out


# ----------------------------------------------------------------------------- abuse
def _raw_socket(url: str) -> websocket.WebSocket:
    """A websocket opened like the browser does, with no run yet."""
    session = Session(url, timeout=10)
    session.open()
    return session.ws


def _close_code(ws: websocket.WebSocket, wait: float = 5) -> str:
    """Read until the server closes; its close code, or what happened instead."""
    ws.settimeout(wait)
    try:
        while True:
            opcode, frame = ws.recv_data_frame(True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                code = struct.unpack("!H", frame.data[:2])[0] if len(frame.data) >= 2 else None
                return f"closed {code}"
    except websocket.WebSocketConnectionClosedException:
        return "closed"
    except websocket.WebSocketTimeoutException:
        return "still open"
    except OSError as exc:
        return f"reset ({type(exc).__name__})"
    finally:
        ws.close()


def _valid_rerun_bytes() -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.widget_states.widgets.add(id="x" * 64).double_array_value.data.extend(
        [0.5] * 32
    )
    return msg.SerializeToString()


def abuse_garbage(url: str) -> str:
    ws = _raw_socket(url)
    ws.send_binary(os.urandom(4096))
    return _close_code(ws)


def abuse_truncated(url: str) -> str:
    ws = _raw_socket(url)
    data = _valid_rerun_bytes()
    ws.send_binary(data[: len(data) // 2])
    return _close_code(ws)


def abuse_text_frame(url: str) -> str:
    ws = _raw_socket(url)
    ws.send("hello, I am not a protobuf")
    return _close_code(ws)


def abuse_huge(url: str, megabytes: float = 4) -> str:
    ws = _raw_socket(url)
    try:
        ws.send_binary(b"\0" * int(megabytes * 2**20))
    except OSError as exc:
        return f"send failed ({type(exc).__name__})"
    return _close_code(ws)


HEAVY_VIEW = "view=basins&bm_n=200&bm_steps={steps}"  # 40 000 starts × steps
_cold = itertools.count(random.randrange(100))


def cold_basin_steps() -> int:
    """A step count (400–499) this process has not asked for in its last 100 calls: the
    cache-busting client of issue 15. Before the app snapped step counts, each made the 200 ×
    200 basin map of HEAVY_VIEW a cache miss (16–20 M trajectory-steps, ~1 s of CPU on the
    default landscape); now all of them run 500 steps, one cache entry."""
    return 400 + next(_cold) % 100


def shows_work_under_way(msg: ForwardMsg) -> bool:
    """True for a ForwardMsg that draws an st.spinner or st.progress: the page says a
    computation is running. (Streamlit sends a spinner only once its block has run 0.5 s.)"""
    return (
        msg.WhichOneof("type") == "delta"
        and msg.delta.WhichOneof("type") == "new_element"
        and msg.delta.new_element.WhichOneof("type") in ("spinner", "progress")
    )


def is_run_end(msg: ForwardMsg) -> bool:
    """True for the ForwardMsg that ends a script run."""
    return msg.WhichOneof("type") == "script_finished" and msg.script_finished in RUN_DONE


def drop_during_heavy_run(
    url: str,
    steps: int | None = None,
    reset: bool = True,
    timeout: float = 30,
    lr: float | None = None,
) -> dict:
    """Open the basin view with a 200 × 200 map, wait until its spinner or progress bar shows
    (the map is being computed), then drop the TCP connection without a websocket close frame:
    with `reset` an RST (SO_LINGER 0, like a network failure), else a plain FIN. The server's
    script thread is left computing for a session nobody reads. The step count changes with
    every call, as a cache-busting client would (the app snaps it: 400–499 steps are one map);
    a gradient-descent rate `lr` no other request used makes the map really cold. Returns the
    query, whether the drop came mid-computation (`dropped`; False: the run ended first) and
    after how many seconds."""
    query = HEAVY_VIEW.format(steps=steps or cold_basin_steps())
    if lr is not None:
        query += f"&opt=gd:lr={lr:g}"
    session = Session(url, query, timeout)
    session.open()
    start = time.perf_counter()
    session.send_rerun()
    dropped = False
    while (left := timeout - (time.perf_counter() - start)) > 0:
        session.ws.settimeout(left)
        msg = ForwardMsg.FromString(session.ws.recv())
        if shows_work_under_way(msg):
            dropped = True
            break
        if is_run_end(msg):
            break
    after = round(time.perf_counter() - start, 2)
    sock, session.ws = session.ws.sock, None
    if reset:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    return {"query": query, "dropped": dropped, "after_s": after}


def abuse_disconnect_mid_run(url: str) -> str:
    """A student opens a heavy view (a cold 200 × 200 basin map) and their connection dies
    while the server computes it."""
    out = drop_during_heavy_run(url)
    if not out["dropped"]:
        return f"not dropped: the run finished in {out['after_s']} s ({out['query']})"
    return f"reset {out['after_s']} s into a cold 200 × 200 basin map ({out['query']})"


class ThreadWatch:
    """The threads a process started while this context was open, at least: its thread ids
    (/proc/PID/task) sampled every 0.5 ms; a thread that lived shorter may be missed."""

    def __init__(self, pid: int | None):
        self.pid, self.seen, self.new = pid, set(), 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def tids(self) -> set[str]:
        try:
            return set(os.listdir(f"/proc/{self.pid}/task")) if self.pid else set()
        except OSError:
            return set()

    def _loop(self) -> None:
        while not self._stop.wait(0.0005):
            self.seen |= self.tids()

    def __enter__(self) -> ThreadWatch:
        self._before = self.tids()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.new = len(self.seen - self._before - {str(self._thread.native_id)})


def rerun_storm(
    url: str,
    count: int = 50,
    every: float = 0.0,
    quiet: float = 1.0,
    timeout: float = 20,
    pid: int | None = None,
) -> dict:
    """One client sends `count` reruns `every` s apart (0: back to back) without waiting, then
    reads until a run has ended and the server has been silent for `quiet` s. Returns how many
    script runs the server started for them (`runs`: a `new_session` ForwardMsg opens every
    run), how many ran to the end (`finished`; the others were cut short by a newer rerun) and
    the seconds from the first send to the last message (`span_s`); with the server's `pid`,
    how many threads it started meanwhile (`threads`, ThreadWatch). A storm that coalesces
    starts few runs."""
    session = Session(url, timeout=timeout)
    session.open()
    counts = Counter()
    last = [time.perf_counter()]

    def read() -> None:
        session.ws.settimeout(timeout)  # a busy server may take seconds for the first run
        try:
            while True:
                msg = ForwardMsg.FromString(session.ws.recv())
                last[0] = time.perf_counter()
                counts["run end" if is_run_end(msg) else msg.WhichOneof("type")] += 1
                if is_run_end(msg):
                    session.ws.settimeout(quiet)
                if msg.WhichOneof("type") == "delta" and msg.delta.HasField("new_element"):
                    counts[msg.delta.new_element.WhichOneof("type")] += 1
        except (websocket.WebSocketException, OSError):
            return  # silent for `quiet` s (or closed)

    start = time.perf_counter()
    with ThreadWatch(pid) as threads:
        try:
            for i in range(count):
                session.send_rerun()
                if every > 0 and i + 1 < count:
                    time.sleep(every)
            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            reader.join(timeout)
        finally:
            session.close()
    return {
        "sent": count,
        "runs": counts["new_session"],
        "finished": counts["run end"],
        "toasts": counts["toast"],
        "span_s": round(last[0] - start, 2),
        **({"threads": threads.new} if pid else {}),
    }


def _storm_outcome(out: dict) -> str:
    return (
        f"sent {out['sent']} reruns: the server started {out['runs']} runs, finished "
        f"{out['finished']} ({out['span_s']} s)"
    )


def abuse_rerun_storm(url: str, count: int = 50) -> str:
    """One client fires `count` reruns without waiting (a frantic slider drag, a script)."""
    return _storm_outcome(rerun_storm(url, count))


def abuse_rerun_flood(url: str, count: int = 50, every: float = 0.04) -> str:
    """One client sends a rerun every `every` s (25 a second for 2 s): most arrive after the
    previous run has ended, so each would start a new run and ScriptRunner thread, unless the
    session is paced (app/state/throttle.py)."""
    return _storm_outcome(rerun_storm(url, count, every))


def abuse_clear_cache(url: str) -> str:
    """BackMsg clear_cache: Streamlit clears the GLOBAL caches for every user."""
    ws = _raw_socket(url)
    msg = BackMsg()
    msg.clear_cache = True
    ws.send_binary(msg.SerializeToString())
    return _close_code(ws, wait=1)


ABUSES: dict[str, Callable[[str], str]] = {
    "garbage-bytes": abuse_garbage,
    "truncated-protobuf": abuse_truncated,
    "text-frame": abuse_text_frame,
    "huge-message": abuse_huge,
    "disconnect-mid-run": abuse_disconnect_mid_run,
    "rerun-storm": abuse_rerun_storm,
    "rerun-flood": abuse_rerun_flood,
}


def run_abuse_loop(
    url: str,
    until: float,
    results: list,
    names: list[str],
    active: Callable[[], bool] = lambda: True,
) -> None:
    """Cycle through the abuse clients until `until`, each started only while `active()`;
    record what the server did."""
    i = 0
    while time.monotonic() < until:
        if not active():
            time.sleep(0.1)
            continue
        name = names[i % len(names)]
        try:
            outcome = ABUSES[name](url)
        except Exception as exc:
            outcome = f"client error {exc!r}"[:200]
        results.append({"abuse": name, "outcome": outcome, "healthy": is_healthy(url)})
        i += 1
        time.sleep(1.0)


def settled_cpu_s(pids: Iterable[int], quiet: float = 0.3, most: float = 30.0) -> float:
    """The process trees' CPU seconds once they used < 10 ms in `quiet` s (at most `most` s)."""
    pids = list(pids)
    last = sum(tree_cpu_s(p) for p in pids)
    end = time.monotonic() + most
    while time.monotonic() < end:
        time.sleep(quiet)
        now = sum(tree_cpu_s(p) for p in pids)
        if now - last < 0.01:
            return now
        last = now
    return last


def abuse_cost(
    url: str, pids: dict[str, int], names: list[str], calls: int, opts: LoadOptions
) -> dict:
    """Server CPU seconds per call of each abuse client alone on an idle server (from idle to
    idle: what the call's work costs, whenever it runs), next to one class rerun's (a change of
    the main widget). Medians and ranges of `calls` calls each; the machine's load barely
    moves CPU seconds, unlike latencies."""
    servers = [p for n, p in pids.items() if n != "nginx"]

    def cost(call: Callable[[], Any]) -> float:
        before = settled_cpu_s(servers)
        call()
        return settled_cpu_s(servers) - before

    rng = random.Random(0)
    student = Session(url, opts.query, opts.timeout)
    student.open()
    student.rerun()
    out = {"class rerun": [cost(lambda: student.rerun(*student.pick_change(rng, opts.target, 0)))
                           for _ in range(calls)]}  # fmt: skip
    student.close()
    for name in names:
        out[name] = [cost(lambda name=name: ABUSES[name](url)) for _ in range(calls)]
    return {
        name: {"median_s": round(percentile(xs, 50), 3), "min_s": round(min(xs), 3),
               "max_s": round(max(xs), 3)}
        for name, xs in out.items()
    }  # fmt: skip


# ----------------------------------------------------------------------------- CLI
def _git(repo: Path, *args: str) -> str | None:
    """stdout of `git -C repo ARGS`, or None without git or outside a checkout."""
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout


def changed_paths(porcelain: str) -> list[str]:
    """The paths of `git status --porcelain` output (a rename counts by its new path)."""
    return [line[3:].split(" -> ")[-1] for line in porcelain.splitlines() if line.strip()]


def git_revision(repo: Path = REPO) -> dict:
    """The checkout's commit (`git rev-parse --short HEAD`) and whether tracked files differ
    from it (`dirty`, with the first 20 such paths). None for both when `repo` is not the top
    of a git checkout or git is missing: the load test must run from an exported tree too."""
    top = _git(repo, "rev-parse", "--show-toplevel")
    commit = _git(repo, "rev-parse", "--short", "HEAD")
    status = _git(repo, "status", "--porcelain", "--untracked-files=no")
    if top is None or Path(top.strip()).resolve() != repo.resolve() or not commit or status is None:
        return {"commit": None, "dirty": None, "dirty_paths": []}
    paths = changed_paths(status)
    return {"commit": commit.strip(), "dirty": bool(paths), "dirty_paths": paths[:20]}


def run_meta(args: argparse.Namespace) -> dict:
    """Where, when and on which code this is measured. Taken at the start: others may commit
    while a run lasts, and a spawned server runs the code of its start. With --url the server's
    code and Streamlit may differ from this checkout's (`server_code` says so)."""
    git = git_revision()
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "git_commit": git["commit"],
        "git_dirty": git["dirty"],
        "git_dirty_paths": git["dirty_paths"],
        "server_code": "unknown (--url)" if args.url else "this checkout (spawned)",
        "cpus": os.cpu_count(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
        "args": {k: v for k, v in vars(args).items() if k != "json"},
    }


def header(meta: dict) -> str:
    """One line that ties the printed figures to a commit, a Streamlit and a machine state."""
    commit = meta["git_commit"] or "unknown (not a git checkout)"
    if meta["git_dirty"]:
        paths = meta["git_dirty_paths"]
        shown = ", ".join(paths[:3]) + (", …" if len(paths) > 3 else "")
        commit += f" + uncommitted changes ({shown})"
    elif meta["git_dirty"] is False:
        commit += " (clean)"
    if meta["server_code"] != "this checkout (spawned)":
        commit += f" [server code: {meta['server_code']}]"
    return (
        f"{meta['date']}  commit {commit}  Streamlit {meta['streamlit']}  Python "
        f"{meta['python']}  {meta['cpus']} CPUs  load average (1 min) at start "
        f"{meta['loadavg_1m_at_start']}"
    )


def memory_measured(memory: dict) -> list[str]:
    """Why the memory figures of a result cannot be trusted (empty: every process was read).
    A process that was never read (no --pid, a wrong pid, a server that died) reads 0 MB."""
    names = [n for n in memory if n not in ("total", "baseline_mb")]
    if not names:
        return ["memory not measured: no server process (with --url, give --pid)"]
    unread = [n for n in names if memory[n]["peak_mb"] <= 0]
    return [f"memory not measured for {', '.join(unread)} (process not found)"] if unread else []


def check_targets(result: dict) -> list[str]:
    """Which classroom targets a classroom result misses (see --help)."""
    missed = []
    if result["errors"] > TARGETS["errors"]:
        missed.append(f"errors {result['errors']} > 0")
    p95 = result["rerun_latency_s"].get("p95", float("inf"))
    if p95 > TARGETS["p95_s"]:
        missed.append(f"p95 {p95} s > {TARGETS['p95_s']} s")
    late, reruns = result["late_ticks"], result["reruns"]
    if late > TARGETS["late_share"] * reruns:
        missed.append(
            f"schedule not kept: {late} of {reruns} reruns came due while the previous one "
            f"was still running (> {TARGETS['late_share']:.0%})"
        )
    unmeasured = memory_measured(result["memory"])
    missed += unmeasured
    peak = result["memory"]["total"]["peak_mb"]
    if not unmeasured and peak > TARGETS["peak_rss_mb"]:
        missed.append(f"peak RSS {peak} MB > {TARGETS['peak_rss_mb']} MB")
    if not result.get("healthy_after", False):
        missed.append("server not healthy (/_stcore/health) after the run")
    return missed


def check_abuse(result: dict, clean: dict) -> list[str]:
    """Which fair-share targets a run with --abuse misses against the clean run `clean`."""
    missed = []
    p95 = result["rerun_latency_s"].get("p95", float("inf"))
    clean_p95 = clean["rerun_latency_s"].get("p95", 0.0)
    if p95 > ABUSE_TARGETS["p95_s"]:
        missed.append(f"p95 with abusers {p95} s > {ABUSE_TARGETS['p95_s']} s")
    if p95 > ABUSE_TARGETS["p95_ratio"] * clean_p95:
        missed.append(
            f"p95 with abusers {p95} s > {ABUSE_TARGETS['p95_ratio']} × the clean run's "
            f"{clean_p95} s"
        )
    peak, clean_peak = result["memory"]["total"]["peak_mb"], clean["memory"]["total"]["peak_mb"]
    if peak > ABUSE_TARGETS["peak_ratio"] * clean_peak:
        missed.append(
            f"peak RSS with abusers {peak} MB > {ABUSE_TARGETS['peak_ratio']} × the clean "
            f"run's {clean_peak} MB"
        )
    return missed


def abuse_pair(result: dict, clean: dict) -> tuple[dict, dict]:
    """What --check compares: (with abusers, without). With --interleave the class's latencies
    in the abuse windows and in the clean windows of the same run; the peak memory always from
    the separate clean run (caches filled in an abuse window stay for the next clean one)."""
    phases = result.get("phase_latency_s")
    if phases is None:
        return result, clean
    absent = {"n": 0}
    return (
        {**result, "rerun_latency_s": phases.get("abuse", absent)},
        {**clean, "rerun_latency_s": phases.get("clean", absent)},
    )


_A = ABUSE_TARGETS
CHECK_HELP = f"""\
exit 1 when a classroom target is missed:
  errors > {TARGETS["errors"]}; rerun p95 > {TARGETS["p95_s"]} s;
  late ticks > {TARGETS["late_share"]:.0%} of reruns (a student's next change came
    due while their previous rerun still ran: the class got fewer reruns
    than asked for, so the figures describe a lighter load);
  peak RSS > {TARGETS["peak_rss_mb"]} MB, or memory not measured (--url needs --pid);
  /_stcore/health not ok after the run.
With --abuse, also against the same class without abusers (run first, on
its own fresh server unless --url, or read from --baseline): the class's
p95 with the abusers > {_A["p95_ratio"]}× the clean run's or > {_A["p95_s"]} s, or its
peak RSS > {_A["peak_ratio"]}× the clean run's. With --interleave, the p95s
compared are the class's in the abuse windows and in the clean windows of
the abused run (the peak RSS is still the clean run's).
--memory-steps runs are not checked.""".replace("%", "%%")  # argparse formats help with %


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--url", help="drive an already running server (no spawn)")
    where.add_argument("--spawn", action="store_true", help="start the server(s) (default)")
    ap.add_argument("--app", type=Path, default=REPO / "streamlit_app.py")
    ap.add_argument("--replicas", type=int, default=1)
    ap.add_argument("--nginx", action="store_true", help="put nginx (deploy/nginx.conf) in front")
    ap.add_argument(
        "--pid",
        type=int,
        action="append",
        default=[],
        help="with --url: a server's pid (repeat per replica), for its memory and CPU",
    )
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--duration", type=float, default=60, help="active seconds (per step)")
    ap.add_argument("--interval", type=float, default=3, help="seconds between reruns")
    ap.add_argument("--ramp", type=float, default=10, help="seconds over which sessions join")
    ap.add_argument("--timeout", type=float, default=30, help="max seconds for one rerun")
    ap.add_argument("--mix", type=float, default=0.3, help="share of reruns on other widgets")
    ap.add_argument("--widget", default=LR_PATTERN, help="regex for the main widget's label/key")
    ap.add_argument("--avoid", default=AVOID_PATTERN, help="regex: labels never to touch")
    ap.add_argument("--query", default="", help="query string of the page, e.g. surface=ravine")
    ap.add_argument("--memory-steps", help="e.g. 1,10,30: memory at growing class sizes")
    ap.add_argument(
        "--abuse",
        nargs="?",
        const=",".join(ABUSES),
        help="hostile clients run alongside (all, or a comma list of: " + ", ".join(ABUSES) + ")",
    )
    ap.add_argument(
        "--abuse-cost",
        type=int,
        default=0,
        metavar="N",
        help="no class: the server CPU of N calls of each abuse client (--abuse, default all)\n"
        "and of N class reruns, each from idle to idle (not checked)",
    )
    ap.add_argument(
        "--interleave",
        type=float,
        default=0,
        metavar="S",
        help="with --abuse: the abusers run only in every other S-second window (clean first);\n"
        "the class's latency is also reported per window kind, and --check compares\n"
        "the class's p95 in abuse windows with its p95 in clean windows of the same run",
    )
    ap.add_argument(
        "--baseline",
        type=Path,
        help="with --abuse --check: the --json of a clean run to compare with (default: run one)",
    )
    ap.add_argument("--json", type=Path, help="write the full result here")
    ap.add_argument("--logs", type=Path, help="keep the servers' logs in this directory")
    ap.add_argument("--check", action="store_true", help=CHECK_HELP)
    args = ap.parse_args(argv)
    if args.check and args.url and not args.pid and not args.memory_steps:
        ap.error("--check with --url needs --pid: memory and CPU are read from the server process")
    return args


def measure(
    args: argparse.Namespace, url: str, pids: dict[str, int], abuse_names: str | None = ""
) -> dict:
    """Run the chosen scenario against url (`abuse_names`: the abusers, default args.abuse;
    None: none); the result dict."""
    abuse_names = args.abuse if abuse_names == "" else abuse_names
    opts = LoadOptions(
        interval=args.interval,
        timeout=args.timeout,
        ramp=args.ramp,
        mix=args.mix,
        query=args.query,
        target=re.compile(args.widget, re.I),
        avoid=re.compile(args.avoid, re.I),
    )
    if args.memory_steps:
        steps = [int(n) for n in args.memory_steps.split(",")]
        return {"memory_steps": run_memory_steps(url, pids, steps, args.duration, opts)}
    if args.abuse_cost:
        names = (args.abuse or ",".join(ABUSES)).split(",")
        return {"abuse_cost": abuse_cost(url, pids, names, args.abuse_cost, opts)}
    abuse: list[dict] = []
    abuser = phases = None
    if abuse_names:
        until = time.monotonic() + opts.ramp + args.duration
        active = lambda: True  # noqa: E731
        if args.interleave > 0:
            phases = Phases(time.monotonic() + opts.ramp, args.interleave)
            active = phases.abusing
        abuser = threading.Thread(
            target=run_abuse_loop,
            args=(url, until, abuse, abuse_names.split(","), active),
            daemon=True,
        )
        abuser.start()
    result = run_classroom(url, pids, args.sessions, args.duration, opts, phases)
    if abuser is not None:
        abuser.join(timeout=30)
        result["abuse"] = abuse
    return result


def print_summary(result: dict) -> None:
    """A few human lines; the JSON has everything."""
    if "abuse_cost" in result:
        for name, c in result["abuse_cost"].items():
            print(f"{name:>20}: server CPU {c['median_s']} s per call ({c['min_s']}–{c['max_s']})")
        return
    if "memory_steps" in result:
        for step in result["memory_steps"]:
            lat = step["rerun_latency_s"]
            print(
                f"{step['sessions']:>3} sessions: idle {step['idle_mb']} MB, active peak "
                f"{step['active_peak_mb']} MB, {step['reruns']} reruns, p50 {lat.get('p50')} s, "
                f"p95 {lat.get('p95')} s, errors {step['errors']}"
            )
        return
    lat, fp = result["rerun_latency_s"], result["first_paint_s"]
    print(
        f"{result['sessions']} sessions, {result['reruns']} reruns, errors {result['errors']} "
        f"{result['error_kinds']}\n"
        f"rerun latency p50 {lat.get('p50')} s  p95 {lat.get('p95')} s  max {lat.get('max')} s\n"
        f"first paint   p50 {fp.get('p50')} s  p95 {fp.get('p95')} s  max {fp.get('max')} s\n"
        f"server CPU {result['server_cpu_s']} s -> {result['cpu_ms_per_rerun']} ms/rerun; "
        f"{result['median_bytes_per_run']} bytes/run; late ticks {result['late_ticks']}\n"
        f"memory {result['memory']}\nsessions per upstream {result['sessions_per_upstream']}"
    )
    for line in memory_measured(result["memory"]):
        print("WARNING:", line)
    slow = list(result.get("latency_by_widget_s", {}).items())[:6]
    print("slowest changes: " + "; ".join(
        f"{name} ×{d['n']} p50 {d['p50']} max {d['max']} s" for name, d in slow
    ))  # fmt: skip
    for item in result.get("abuse", []):
        print(f"abuse {item['abuse']}: {item['outcome']} (healthy: {item['healthy']})")


def run_scenario(args: argparse.Namespace, abuse_names: str | None = "") -> dict:
    """measure() against --url, or against fresh server(s) started for this run alone."""
    if args.url:
        return measure(args, args.url, {f"pid-{p}": p for p in args.pid}, abuse_names)
    with deployment(args.app.resolve(), args.replicas, args.nginx, args.logs) as dep:
        pids = {name: proc.pid for name, proc in dep.processes.items()}
        return measure(args, dep.url, pids, abuse_names)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["class"]:  # class mode: `python bench/load.py class --help`
        from bench.class_load import main as class_main

        return class_main(argv[1:])
    args = parse_args(argv)
    meta = run_meta(args)
    print(header(meta), flush=True)
    clean = None
    if args.abuse and args.check and not (args.memory_steps or args.abuse_cost):
        if args.baseline:
            clean = json.loads(args.baseline.read_text())
        else:
            print("the clean run first (no abusers), for --check:", flush=True)
            clean = run_scenario(args, None)
            print_summary(clean)
            print("then the same class with the abusers:", flush=True)
    result = run_scenario(args)
    meta["loadavg_1m_at_end"] = round(os.getloadavg()[0], 2)
    result = {"meta": meta, **result}
    if clean is not None:
        result["clean"] = {k: v for k, v in clean.items() if k != "abuse"}
    print_summary(result)
    print(
        f"load average (1 min): {meta['loadavg_1m_at_start']} at start, "
        f"{meta['loadavg_1m_at_end']} at end"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    measured = "memory_steps" not in result and "abuse_cost" not in result
    missed = check_targets(result) if args.check and measured else []
    if clean is not None:
        lat, clean_lat = result["rerun_latency_s"], clean["rerun_latency_s"]
        print(
            f"with abusers / clean run: p95 {lat.get('p95')} / {clean_lat.get('p95')} s, peak "
            f"{result['memory']['total']['peak_mb']} / {clean['memory']['total']['peak_mb']} MB"
        )
        abused, clean = abuse_pair(result, clean)
        if "phase_latency_s" in result:
            lat, clean_lat = abused["rerun_latency_s"], clean["rerun_latency_s"]
            print(
                f"interleaved, same run: abuse windows p95 {lat.get('p95')} s ({lat['n']} "
                f"reruns) / clean windows p95 {clean_lat.get('p95')} s ({clean_lat['n']} reruns)"
            )
        missed += check_abuse(abused, clean)
    for line in missed:
        print("MISSED:", line)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
