"""Class-mode load: N phones join one class through two replicas behind nginx with PostgreSQL.

    python bench/load.py class --students 100                  # (= python bench/class_load.py)
    python bench/load.py class --students 100 --kill-replica   # SIGKILL replica-1 mid-question

A throwaway PostgreSQL cluster (deploy/postgres.py), two Streamlit replicas and nginx are
started on loopback. The teacher starts a class (lesson 1) and opens the projector through the
private teacher link. Every student is a browser-like websocket session (bench/load.py's
Session): it opens `?class=CODE` (the app joins it and writes its token into the URL, which
the client keeps, as a browser does), polls the page's fragment every 2 s like the browser's
`run_every`, and answers once at a random moment within `--window` seconds. An answer is
acknowledged when the rerun that sent it shows "Saved: …" (the store commits before that).
With --kill-replica, replica-1 is SIGKILLed halfway through the window: its students reconnect
through nginx to the other replica with their token, check that their saved answer is still
there, and answer if they had not. Then the teacher presses Reveal on the projector.

Reported: p50/p95 answer latency, errors, reconnects, and stored == acknowledged (0 lost:
every acknowledged answer is in the database with the value acknowledged).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import parse_qs

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from bench.load import Session, distribution, git_revision, in_parallel  # noqa: E402
from deploy.postgres import cluster  # noqa: E402
from deploy.replicas import deployment, is_healthy  # noqa: E402

POLL_S = 2.0  # the phone view's fragment interval (app/classroom/views.py: POLL_S * 2)


class Page(Session):
    """A Session that also remembers the page's alerts and buttons (text and ids)."""

    def __init__(self, base_url: str, query: str, timeout: float) -> None:
        super().__init__(base_url, query, timeout)
        self.alerts: list[str] = []
        self.buttons: dict[str, str] = {}  # label -> widget id

    def _on_element(self, element, fragment_id, seen, exceptions) -> None:
        super()._on_element(element, fragment_id, seen, exceptions)
        kind = element.WhichOneof("type")
        if kind == "alert":
            self.alerts.append(element.alert.body)
        elif kind == "button":
            self.buttons[element.button.label] = element.button.id

    def run(self, change=None, state=None):
        self.alerts = []
        return self.rerun(change, state)

    def poll(self):
        """Rerun the page's polling fragment, as the browser's run_every timer does."""
        if not self.auto_reruns:
            return self.run()
        self.alerts = []
        start = time.perf_counter()
        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_script_hash = self.page_hash
        msg.rerun_script.fragment_id = next(iter(self.auto_reruns))
        msg.rerun_script.widget_states.widgets.extend(self.states.values())
        self.ws.send_binary(msg.SerializeToString())
        _, exceptions, seen, _ = self._read_run(start + self.timeout)
        self._adopt(seen, merge=True)
        return exceptions

    def click(self, label: str):
        state = WidgetState(id=self.buttons[label], trigger_value=True)
        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_script_hash = self.page_hash
        msg.rerun_script.widget_states.widgets.extend([*self.states.values(), state])
        self.alerts = []
        start = time.perf_counter()
        self.ws.send_binary(msg.SerializeToString())
        result = self._read_run(start + self.timeout)
        self._adopt(result[2], merge=False)
        return result


class Phone:
    """One student: join, poll, answer once, survive a replica dying."""

    def __init__(self, index: int, url: str, code: str, timeout: float) -> None:
        self.index, self.url = index, url
        self.rng = random.Random(index)
        self.page = Page(url, f"class={code}", timeout)
        self.acked: str | None = None  # the choice key the app confirmed as saved
        self.done = False  # answered (or gave up)
        self.errors: list[str] = []
        self.latencies: list[float] = []
        self.reconnects = 0
        self.kept_after_reconnect: bool | None = None
        self.saw_reveal = False

    @property
    def token(self) -> str:
        return (parse_qs(self.page.query).get("me") or [""])[0]

    def connect(self) -> float:
        start = time.perf_counter()
        self.page.open()
        result = self.page.run()
        self.errors += result.exceptions
        return time.perf_counter() - start

    def radio(self):
        return next((w for w in self.page.widgets.values() if w.kind == "radio"), None)

    def answer(self) -> None:
        radio = self.radio()
        if radio is None:
            self.errors.append("no answer choices on the page")
            self.done = True  # gives up (an error) instead of retrying in a loop
            return
        label = self.rng.choice(list(radio.proto.options))
        start = time.perf_counter()
        result = self.page.run(radio, WidgetState(id=radio.id, string_value=label))
        self.latencies.append(time.perf_counter() - start)
        self.errors += result.exceptions
        self.done = True
        if any(a.startswith("Saved:") for a in self.page.alerts):
            self.acked = label.split(" — ")[0]
        else:
            drawn = dict(result.elements)
            self.errors.append(
                f"not acknowledged: alerts {self.page.alerts[:2]}, drawn {drawn}, "
                f"sent {label!r}, reconnects {self.reconnects}, radio default "
                f"{radio.proto.default if radio.proto.HasField('default') else None}, "
                f"in {self.latencies[-1]:.3f} s"
            )

    def reconnect(self) -> None:
        """The browser's reconnect: a new websocket (nginx moves it to a live replica), the
        same URL (with the token), so the same student."""
        self.page.close()
        for attempt in range(10):
            try:
                self.connect()
                self.reconnects += 1
                if self.acked is not None:
                    radio = self.radio()
                    shown = (
                        radio
                        and radio.proto.HasField("default")
                        and radio.proto.options[radio.proto.default].split(" — ")[0]
                    )
                    self.kept_after_reconnect = shown == self.acked
                return
            except Exception:  # retried like a browser, reported if it never works
                self.page.close()
                time.sleep(0.3 * (attempt + 1))
        self.errors.append("could not reconnect")

    def live(self, answer_at: float, until: float) -> None:
        """Poll every POLL_S, answer at `answer_at`, until the reveal is seen or `until`."""
        next_poll = time.monotonic() + self.rng.uniform(0, POLL_S)
        while time.monotonic() < until:
            due = min(next_poll, answer_at if not self.done else until)
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                if not self.done and time.monotonic() >= answer_at:
                    self.answer()
                    continue
                if time.monotonic() >= next_poll:
                    self.errors += self.page.poll()
                    next_poll += POLL_S
                    if any(a.startswith("Revealed") for a in self.page.alerts):
                        self.saw_reveal = True
                        return
            except Exception:  # a dead replica: reconnect like the browser
                self.reconnect()
                answer_at = min(answer_at, time.monotonic())


def run_class(args: argparse.Namespace) -> dict:
    from app.classroom import questions
    from app.classroom.store import Store

    with ExitStack() as stack:
        db = stack.enter_context(cluster())
        dep = stack.enter_context(
            deployment(REPO / "streamlit_app.py", 2, nginx=True, database_url=db)
        )
        store = Store(db)
        started = store.start(questions.for_lesson("too_large"))
        teacher = Page(dep.url, f"class={started.code}&teacher={started.secret}", args.timeout)
        teacher.open()
        teacher.run()
        phones = [Phone(i, dep.url, started.code, args.timeout) for i in range(args.students)]
        joins: list[float] = []

        def join(p: Phone, delay: float) -> None:
            time.sleep(delay)
            try:
                joins.append(p.connect())
            except Exception as err:  # counted as an error
                p.errors.append(f"join: {err!r}")

        step = args.ramp / max(1, len(phones))
        in_parallel([lambda p=p, i=i: join(p, i * step) for i, p in enumerate(phones)], 120)
        upstreams = Counter(p.page.upstream for p in phones)
        joined = store.state(started.code).joined
        t0 = time.monotonic()
        window_end = t0 + args.window
        killer = None
        if args.kill_replica:
            victim = dep.processes["replica-1"]

            def kill() -> None:
                time.sleep(args.window / 2)
                os.killpg(victim.pid, signal.SIGKILL)

            killer = threading.Thread(target=kill, daemon=True)
            killer.start()
        answer_times = [t0 + p.rng.uniform(0, args.window * 0.9) for p in phones]
        threads = [
            threading.Thread(target=p.live, args=(at, window_end + args.timeout + 10), daemon=True)
            for p, at in zip(phones, answer_times, strict=True)
        ]
        for t in threads:
            t.start()
        time.sleep(max(0.0, window_end - time.monotonic()))
        if killer is not None:
            killer.join()
        acked_in_window = sum(p.acked is not None for p in phones)
        try:  # the teacher presses Reveal (reconnecting through the private link if needed)
            teacher.click("Reveal")
        except Exception:  # the projector's replica died: open the link again
            teacher.close()
            teacher.query = f"class={started.code}&teacher={started.secret}"
            teacher.open()
            teacher.run()
            teacher.click("Reveal")
        drawn = teacher.run().elements  # the distribution (Plotly) and the run's map (component)
        charts = drawn["plotly_chart"] + drawn["bidi_component"]
        for t in threads:
            t.join(timeout=args.timeout + 15)
        state = store.state(started.code)
        acked = {p.token: p.acked for p in phones if p.acked is not None}
        lost = [t for t, v in acked.items() if store.my_answer(started.code, t, 1) != v]
        stored = store.count_answers(started.code)
        errors = [e for p in phones for e in p.errors]
        latencies = [x for p in phones for x in p.latencies]
        moved = [p for p in phones if p.reconnects]
        result = {
            "students": args.students,
            "joined": joined,
            "join_s": distribution(joins),
            "sessions_per_upstream": dict(upstreams),
            "answer_window_s": args.window,
            "answer_latency_s": distribution(latencies),
            "acknowledged_in_window": acked_in_window,
            "acknowledged": len(acked),
            "stored": stored,
            "lost": len(lost),
            "errors": len(errors),
            "error_samples": errors[:5],
            "killed_replica": "replica-1" if args.kill_replica else None,
            "reconnected": len(moved),
            "kept_after_reconnect": sum(bool(p.kept_after_reconnect) for p in moved),
            "answered_before_kill_and_moved": sum(
                p.kept_after_reconnect is not None for p in moved
            ),
            "revealed": state.revealed,
            "projector_charts_after_reveal": charts,
            "phones_that_saw_the_reveal": sum(p.saw_reveal for p in phones),
            "healthy_after": is_healthy(dep.url),
        }
        for p in phones:
            p.page.close()
        teacher.close()
        store.engine.dispose()
    return result


def check(result: dict) -> list[str]:
    missed = []
    if result["lost"] or result["stored"] != result["acknowledged"]:
        missed.append(f"stored {result['stored']} != acknowledged {result['acknowledged']}")
    if result["acknowledged"] != result["students"]:
        missed.append(f"only {result['acknowledged']} of {result['students']} acknowledged")
    if result["errors"]:
        missed.append(f"{result['errors']} errors: {result['error_samples']}")
    if result["answer_latency_s"].get("p95", 99) > 2.0:
        missed.append(f"answer p95 {result['answer_latency_s'].get('p95')} s > 2 s")
    return missed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=100)
    ap.add_argument("--window", type=float, default=10, help="seconds in which all answer")
    ap.add_argument("--ramp", type=float, default=20, help="seconds over which phones join")
    ap.add_argument("--timeout", type=float, default=30, help="max seconds for one rerun")
    ap.add_argument("--kill-replica", action="store_true", help="SIGKILL replica-1 mid-question")
    ap.add_argument("--json", type=Path, help="write the result here")
    ap.add_argument("--check", action="store_true", help="exit 1 if an answer was lost etc.")
    args = ap.parse_args(argv)
    meta = {"git": git_revision(), "loadavg_1m_at_start": round(os.getloadavg()[0], 2)}
    result = {"meta": meta, **run_class(args)}
    meta["loadavg_1m_at_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, indent=2, default=str))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    missed = check(result) if args.check else []
    for line in missed:
        print("MISSED:", line)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
