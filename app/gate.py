"""Fair share of the server's cores: heavy lab work goes through one bounded gate per process.

All sessions of a server process share its cores and one interpreter: a cold 200 × 200 basin map
is a second or two of CPU, and a few of them at once make every student's cheap rerun wait. So:

- `Gate`: at most `slots` heavy jobs run at a time (worker threads), at most `queue` wait (FIFO);
  one key is computed once however many sessions ask for it (they share the job); a session has
  at most one job: its next request replaces it. A queued job nobody waits for any more is
  dropped; a running one finishes into the cache only while no other job waits for a slot, else
  it is cancelled (cooperatively: its progress callback raises `Cancelled` at the next chunk);
- `RateLimit`: at most `per_minute` new heavy jobs per session in any 60 s;
- `ResultCache`: a bounded LRU (entries and bytes) of what the views draw, keyed on primitives;
- `heavy(...)`: a decorator that puts all of it around a pure computation `fn(..., on_chunk)`;
  the script thread waits for the job and draws its st.progress bar ("waiting for a free slot
  (2 ahead)", then "{done} of {total} …"), so no Streamlit call ever runs outside the script
  thread and nothing is drawn inside a cached function. `run_heavy` is the same for a one-off
  job (e.g. a component's batch).

The limits are per server process: n replicas behind nginx have n gates (docs/HOSTING.md).
"""

from __future__ import annotations

import collections
import functools
import inspect
import math
import os
import threading
import time
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, TypeVar

import numpy as np
import streamlit as st

T = TypeVar("T")
Progress = Callable[[int, int], None]


def default_slots(setting: str | None = None, cores: int | None = None) -> int:
    """Heavy jobs at once: one per core (NumPy's loops run outside the GIL, so each job can use
    its own core); DESCENT_HEAVY_SLOTS (a whole number ≥ 1) overrides."""
    setting = os.environ.get("DESCENT_HEAVY_SLOTS") if setting is None else setting
    if setting and setting.strip().isdigit() and int(setting) >= 1:
        return int(setting)
    return max(1, cores or os.cpu_count() or 1)


SLOTS = default_slots()
QUEUE = 6  # heavy jobs waiting at most; more are refused with "the server is busy"
PER_MINUTE = 12  # new heavy jobs one session may start in any 60 s
LIGHT_WORK = 200_000  # rows × steps below which a job runs at once in the script thread
GRACE_S = 0.15  # a job done sooner shows no bar
POLL_S = 0.05  # how often the waiting script thread looks at its job
REDRAW_S = 0.25  # the bar is sent again this often: where Streamlit takes a pending rerun


class Cancelled(Exception):
    """Raised inside a job's progress callback when nobody waits for the job any more."""


class Refused(Exception):
    """A heavy request that was not run (the reason is already on the page)."""


@dataclass(eq=False)
class Job:
    """One heavy computation: `fn(on_chunk)`, the sessions waiting for it, its progress."""

    key: Hashable
    fn: Callable[[Progress], Any]
    owners: set = field(default_factory=set)
    done: threading.Event = field(default_factory=threading.Event)
    cancelled: threading.Event = field(default_factory=threading.Event)
    progress: tuple[int, int] = (0, 0)
    started: bool = False
    result: Any = None
    error: BaseException | None = None

    def on_chunk(self, done: int, total: int) -> None:
        """The progress callback handed to the computation."""
        if self.cancelled.is_set():
            raise Cancelled
        self.progress = (int(done), int(total))

    def outcome(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result


class Gate:
    """At most `slots` jobs run at once and `queue` wait; see the module docstring."""

    def __init__(self, slots: int = SLOTS, queue: int = QUEUE):
        self.slots, self.queue = int(slots), int(queue)
        self._lock = threading.Condition()
        self._waiting: collections.deque[Job] = collections.deque()
        self._jobs: dict[Hashable, Job] = {}  # queued or running, by key
        self._of_owner: dict[Hashable, Job] = {}
        self._orphans: set[Job] = set()  # running, nobody waiting: cancelled when a slot is needed
        self._workers: list[threading.Thread] = []
        self.running = 0
        self.peak_running = 0  # most jobs ever running at once (for tests and benchmarks)

    def submit(self, key: Hashable, fn: Callable[[Progress], Any], owner: Hashable) -> Job:
        """The job computing `key` (a new one, or the one already queued or running): `owner`
        waits for it, and stops waiting for its previous job. Refused when the queue is full."""
        with self._lock:
            previous = self._of_owner.get(owner)
            job = self._jobs.get(key)
            if previous is not None and previous is not job:
                self._leave(previous, owner)
            if job is None:
                if len(self._waiting) >= self.queue:
                    self._of_owner.pop(owner, None)
                    raise Refused(f"{len(self._waiting)} large computations are waiting")
                job = Job(key, fn)
                self._jobs[key] = job
                self._waiting.append(job)
                if self.running >= self.slots:
                    for orphan in list(self._orphans):
                        self._cancel(orphan)
                self._start_workers()
                self._lock.notify()
            self._orphans.discard(job)
            job.owners.add(owner)
            self._of_owner[owner] = job
            return job

    def release(self, job: Job, owner: Hashable) -> None:
        """`owner` no longer waits for `job` (done, or its run was stopped)."""
        with self._lock:
            self._leave(job, owner)

    def ahead(self, job: Job) -> int | None:
        """How many queued jobs are before `job`; None once it runs (or ran)."""
        with self._lock:
            if job.started or job.done.is_set():
                return None
            for i, other in enumerate(self._waiting):
                if other is job:
                    return i
            return None

    def _leave(self, job: Job, owner: Hashable) -> None:
        job.owners.discard(owner)
        if self._of_owner.get(owner) is job:
            del self._of_owner[owner]
        if job.owners or job.done.is_set():
            return
        if job.started and not self._waiting:  # finish into the cache while no one needs the slot
            self._orphans.add(job)
            return
        self._cancel(job)

    def _cancel(self, job: Job) -> None:
        job.cancelled.set()
        self._orphans.discard(job)
        self._forget(job)  # a new request for its key starts afresh
        if not job.started:  # never ran: drop it from the queue
            self._waiting.remove(job)
            job.error = Cancelled()
            job.done.set()

    def _forget(self, job: Job) -> None:
        if self._jobs.get(job.key) is job:
            del self._jobs[job.key]

    def _start_workers(self) -> None:
        while len(self._workers) < self.slots:
            worker = threading.Thread(
                target=self._work, name=f"heavy-gate-{len(self._workers)}", daemon=True
            )
            self._workers.append(worker)
            worker.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._waiting:
                    self._lock.wait()
                job = self._waiting.popleft()
                job.started = True
                self.running += 1
                self.peak_running = max(self.peak_running, self.running)
            try:
                job.result = job.fn(job.on_chunk)
            except BaseException as err:  # the waiting script thread re-raises it
                job.error = err
            finally:
                with self._lock:
                    self.running -= 1
                    self._orphans.discard(job)
                    self._forget(job)
                    job.done.set()


class RateLimit:
    """At most `per_minute` events per owner in any `window` seconds."""

    def __init__(self, per_minute: int = PER_MINUTE, window: float = 60.0):
        self.per_minute, self.window = int(per_minute), float(window)
        self._times: dict[Hashable, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def wait_s(self, owner: Hashable, now: float | None = None) -> float:
        """0 if `owner` may start one more now (and count it), else the seconds until it may."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._times.setdefault(owner, collections.deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.per_minute:
                return times[0] + self.window - now if times else self.window
            times.append(now)
            if len(self._times) > 10_000:  # forget idle owners
                self._times = {k: v for k, v in self._times.items() if v and v[-1] > now - 60}
            return 0.0


def nbytes(value: Any) -> int:
    """Bytes of the NumPy arrays in a result (tuples, lists, dicts, dataclasses; ~64 otherwise)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, dict):
        return sum(nbytes(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(nbytes(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return sum(nbytes(getattr(value, f.name)) for f in fields(value))
    return 64


class ResultCache:
    """A thread-safe LRU of results, bounded by entries and by the bytes of their arrays."""

    MISSING = object()

    def __init__(self, max_entries: int, max_bytes: int):
        self.max_entries, self.max_bytes = int(max_entries), int(max_bytes)
        self._items: collections.OrderedDict[Hashable, tuple[Any, int]] = collections.OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0

    def get(self, key: Hashable) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return self.MISSING
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Hashable, value: Any) -> None:
        size = nbytes(value)
        if size > self.max_bytes:
            return
        with self._lock:
            if key in self._items:
                self.bytes -= self._items.pop(key)[1]
            self._items[key] = (value, size)
            self.bytes += size
            while len(self._items) > self.max_entries or self.bytes > self.max_bytes:
                self.bytes -= self._items.popitem(last=False)[1][1]

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0


GATE = Gate()
LIMIT = RateLimit()


def session_owner() -> str:
    """This browser session's token (kept in st.session_state)."""
    return st.session_state.setdefault("_heavy_owner", uuid.uuid4().hex)


def run_heavy(
    key: Hashable,
    fn: Callable[[Progress], T],
    cache: ResultCache,
    what: str,
    unit: str,
    work: float,
) -> T:
    """`fn(on_chunk)`'s result for `key`: from `cache`, or computed through the gate while this
    (script) thread draws its waiting message and progress bar; `work` (rows × steps) below
    LIGHT_WORK runs at once here. Raises Refused, after saying why on the page, when the
    session is over its rate limit or the queue is full; fn's own errors are re-raised."""
    hit = cache.get(key)
    if hit is not ResultCache.MISSING:
        return hit
    if work < LIGHT_WORK:
        result = fn(lambda done, total: None)
        cache.put(key, result)
        return result
    owner = session_owner()
    wait = LIMIT.wait_s(owner)
    if wait > 0:
        st.warning(
            f"{what}: you have started {LIMIT.per_minute} large computations in the last minute, "
            f"the most one student may on this shared server (so the class stays fast). This "
            f"one can run in {math.ceil(wait)} s: change a setting again then.",
            icon=":material/hourglass_top:",
        )
        raise Refused("rate limit")

    def compute(on_chunk: Progress) -> T:
        result = fn(on_chunk)
        cache.put(key, result)  # here, not in the caller: an abandoned job still fills the cache
        return result

    try:
        job = GATE.submit(key, compute, owner)
    except Refused:
        st.warning(
            f"{what}: the server is busy with other students' large computations. Try again in "
            "a few seconds (change a setting).",
            icon=":material/hourglass_top:",
        )
        raise
    bar = st.empty()
    try:
        wait_for(job, bar, what, unit)
    finally:
        GATE.release(job, owner)
        bar.empty()
    return job.outcome()


def wait_for(job: Job, bar: Any, what: str, unit: str) -> None:
    """Block until `job` is done, drawing on `bar` (an st.empty): while it is queued, "waiting
    for a free slot (k ahead)"; while it runs, its progress once a chunk is done and before the
    last (0 < done < total), so a quick job flashes nothing. The bar is sent again every
    REDRAW_S s even when unchanged (empty if nothing is shown yet): each send is where Streamlit
    takes a rerun the session asked for meanwhile (`runner.fastReruns = false` waits for it)."""
    shown, drawn_at = None, 0.0
    since = time.monotonic()
    while not job.done.wait(POLL_S):
        now = time.monotonic()
        if now - since < GRACE_S:
            continue
        frame = _frame(job, what, unit) or shown
        if frame == shown and now - drawn_at < REDRAW_S:
            continue
        if frame is None:
            bar.empty()
        else:
            bar.progress(frame[0], text=frame[1])
        shown, drawn_at = frame, now


def _frame(job: Job, what: str, unit: str) -> tuple[float, str] | None:
    """What the bar of `job` shows now: its place in the queue, its progress, or None."""
    ahead = GATE.ahead(job)
    if ahead is not None:
        place = f"{ahead} ahead" if ahead else "next in line"
        return 0.0, f"{what}: waiting for a free slot ({place})…"
    done, total = job.progress
    if not 0 < done < total:
        return None
    return done / total, f"{what}: {done:,} of {total:,} {unit}…"


def ends_view_when_refused(render: Callable[..., None]) -> Callable[..., None]:
    """A view's render function that stops where a heavy request was refused (the page already
    says why) instead of drawing without its result."""

    @functools.wraps(render)
    def view(*args: Any, **kwargs: Any) -> None:
        try:
            render(*args, **kwargs)
        except Refused:
            return

    return view


def heavy(
    max_entries: int,
    max_bytes: int,
    label: Callable[[dict], tuple[str, str]],
    work: Callable[[dict], float],
    keep: Callable[[Any], Any] | None = None,
) -> Callable[[Callable[..., T]], Callable[..., Any]]:
    """Decorator for a pure heavy computation `fn(*primitives, on_chunk=None)`: calls go through
    `run_heavy`, keyed on fn's name and its arguments (all hashable primitives), cached in a
    ResultCache(max_entries, max_bytes). `label(args)` gives (what, unit) for the bar, `work(args)`
    the rows × steps, `keep(result)` what is cached and returned (default: the result)."""

    def wrap(fn: Callable[..., T]) -> Callable[..., Any]:
        signature = inspect.signature(fn)
        cache = ResultCache(max_entries, max_bytes)

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            named = dict(bound.arguments)
            named.pop("on_chunk", None)
            key = (fn.__qualname__, *named.values())
            what, unit = label(named)

            def job(on_chunk: Progress) -> Any:
                result = fn(**named, on_chunk=on_chunk)
                return result if keep is None else keep(result)

            return run_heavy(key, job, cache, what, unit, work(named))

        call.cache = cache  # type: ignore[attr-defined]
        call.clear = cache.clear  # type: ignore[attr-defined]
        return call

    return wrap
