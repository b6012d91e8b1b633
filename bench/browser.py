"""Browser benchmark: the client-side map beside the Plotly-frames map it replaced, one run.

Starts `streamlit run` of this tree and, with --baseline DIR, of another checkout (main at
62cbd9a: `git worktree add /tmp/base-map 62cbd9a`), each on a free loopback port, and measures
both in Debian's Chromium (Playwright, headless, 1440 × 900), medians over --changes N.
--compare DIR … adds other checkouts that have the map component too (before/after a change
around the map, e.g. the theory's rate strip without Plotly); --first-only measures only the
first chart (the quick check for such a change):

- rate change → path redrawn. Map: the map's rate control (an input event → the next frame,
  no server); Plotly map: typing an exact rate (Enter → the plotted path differs, a rerun).
- playback frames per second, 6 racers × 1000 steps (Map: frames the component drew while
  playing, on the contour map and in its 3-D view; Plotly map: `plotly_animatingframe`
  events while its ▶ Play runs).
- commit: one rerun that changes the rate and redraws (Map: releasing its rate control →
  the new scene drawn; both: typing an exact rate in the sidebar).
- first chart on a warm server: a new tab → the map drawn (wall clock; for the component also
  in the page: navigation start → its first scene drawn, and → its code mounted, with and
  without Streamlit's Plotly chunk, which the page's other Plotly charts load: where the time
  goes), and whether the page fetched Streamlit's Plotly chunk at all.
- bytes per scene: what the websocket delivers for one rate change (and the map's blob).

Targets (issue 11): scrub ≤ 50 ms, ≥ 30 frames/s, commit ≤ 0.4 s, first chart ≤ 2 s,
≤ 1.5 MB per scene.

--breakdown traces new tabs instead (Chromium's timeline, the JS profiler): where the first
chart's time goes, phase by phase, wall and main-thread CPU (bench/README.md, Browser).

    python bench/browser.py [--changes N] [--baseline /tmp/base-map] [--compare DIR …]
                            [--first-only | --breakdown]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deploy.replicas import deployment  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, MAP, map_js, wait_idle  # noqa: E402

VIEWPORT = {"width": 1440, "height": 900}
RACERS = ";".join(f"gd:lr%3D0.{k + 1}" for k in range(6))
RACE = f"?steps=1000&opt={RACERS}"
LONG_RACE = f"?steps=5000&opt={RACERS}"  # the step cap: the largest blob a scene sends
PATH_JS = map_js("""
  const path = gd && gd._fullData.find(t => t.mode === 'lines+markers');
  return path ? Array.from(path.x).join(',') : null;""")
SCENE_JS = """() => {
  const find = (node) => {
    for (const el of node.querySelectorAll('*')) {
      if (el.matches('.dlmap[data-scene]')) return el;
      if (el.shadowRoot) { const hit = find(el.shadowRoot); if (hit) return hit; }
    }
    return null;
  };
  // the map sits in a shadow root (document.querySelector does not reach it): found once
  if (!(window.__dlmap && window.__dlmap.isConnected)) window.__dlmap = find(document);
  const e = window.__dlmap;
  return e ? e.dataset.scene : null;
}"""
SCRUB_JS = """async (e, n) => {
  const lr = e.querySelector('.lr'), out = [], mid = Number(lr.value);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    lr.value = String(mid + ((i % 2) ? -1 : 1) * (5 + i));
    lr.dispatchEvent(new Event('input'));
    await new Promise((r) => requestAnimationFrame(() => r()));
    out.push(performance.now() - t0);
  }
  lr.value = String(mid);
  lr.dispatchEvent(new Event('input'));
  return out;
}"""
RELEASE_JS = """(e, k) => {
  const lr = e.querySelector('.lr');
  lr.dispatchEvent(new Event('pointerdown'));
  lr.value = String(Number(lr.value) + k);
  lr.dispatchEvent(new Event('input'));
  lr.dispatchEvent(new Event('change'));
}"""
OLD_FPS_JS = map_js("""
  const c = window.__fps = {frames: 0, t0: null, t1: null};
  gd.on('plotly_animatingframe', () => {
    c.frames += 1; if (c.t0 === null) c.t0 = performance.now(); c.t1 = performance.now(); });
  return true;""")
OLD_FPS_READ = """() => { const c = window.__fps;
  return c.frames > 1 ? (c.frames - 1) / ((c.t1 - c.t0) / 1000) : 0; }"""


def until(page, check, want, timeout: float = 30.0) -> float:
    """Seconds until page.evaluate(check) returns something `want` accepts."""
    start = time.perf_counter()
    while not want(page.evaluate(check)):
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"no change within {timeout} s")
        time.sleep(0.005)
    return time.perf_counter() - start


class Bytes:
    """Counts websocket bytes the page receives."""

    def __init__(self, page) -> None:
        self.total = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._add))

    def _add(self, payload) -> None:
        self.total += len(payload)


def drawn(new: bool) -> str:
    return SCENE_JS if new else PATH_JS


IN_PAGE_JS = "() => [window.__dlmap.dataset.mountedAt, window.__dlmap.dataset.drawnAt].map(Number)"
PLOTLY_CHUNK = "**/static/js/PlotlyChart.*.js"


def open_page(browser, url: str, new: bool, query: str = "", plotly: bool = True):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.plotly_fetched = False  # did the page ask for Streamlit's Plotly chunk?
    if not plotly:  # the page without Streamlit's Plotly chunk (its Plotly charts stay empty)
        page.route(PLOTLY_CHUNK, lambda route: route.abort())
    page.on("request", lambda r: "/PlotlyChart." in r.url and setattr(page, "plotly_fetched", True))
    counter = Bytes(page)
    start = time.perf_counter()
    page.goto(url + "/" + query)
    until(page, drawn(new), lambda v: v is not None, timeout=60)
    first = time.perf_counter() - start
    wait_idle(page)
    return page, counter, first


def typed_rates(page, new: bool, count: int, first: int, counter: Bytes) -> tuple[list, list]:
    """Typing `count` new exact rates: delay until the map shows the new scene, and bytes."""
    box = page.get_by_test_id("stSidebar").get_by_label("exact learning rate", exact=True)
    delays, sizes = [], []
    for i in range(first, first + count):
        before, sent = page.evaluate(drawn(new)), counter.total
        box.fill(f"{0.2 + 0.25 * (i % 2) + 0.001 * i:.4g}")
        box.press("Enter")
        delays.append(until(page, drawn(new), lambda now, b=before: now not in (None, b)))
        wait_idle(page)
        time.sleep(0.3)
        sizes.append(counter.total - sent)
    return delays, sizes


def released_rates(page, count: int) -> list[float]:
    """Releasing the map's rate control `count` times: delay until the new scene is drawn."""
    root = page.locator(MAP).first
    delays = []
    for i in range(count):
        before = page.evaluate(SCENE_JS)
        start = time.perf_counter()
        root.evaluate(RELEASE_JS, 3 if i % 2 else -3)
        until(page, SCENE_JS, lambda now, b=before: now not in (None, b))
        delays.append(time.perf_counter() - start)
        wait_idle(page)
        time.sleep(0.3)
    return delays


def fps(browser, url: str, new: bool, three_d: bool = False) -> float:
    page, _, _ = open_page(browser, url, new, RACE)
    if new:
        root = page.locator(MAP).first
        if three_d:  # the map's own 3-D view (its Contour / 3-D toggle)
            root.locator(".mode button[value='3d']").click()
        frames0, t0 = int(root.get_attribute("data-frames")), time.perf_counter()
        root.locator(".play").click()
        time.sleep(3.0)
        rate = (int(root.get_attribute("data-frames")) - frames0) / (time.perf_counter() - t0)
        root.locator(".play").click()
    else:
        page.evaluate(OLD_FPS_JS)
        page.get_by_text("▶ Play").first.click()
        time.sleep(8.0)  # 61 frames of 90 ms, if it keeps up
        rate = page.evaluate(OLD_FPS_READ)
    page.context.close()
    return rate


def first_chart(browser, url: str, new: bool) -> dict:
    """One new tab: seconds to the map drawn (+ in-page times and without the Plotly chunk)."""
    page, _, first = open_page(browser, url, new)
    out = {"first": first}
    wait_idle(page)  # the whole first run drawn: did any of it need Plotly?
    out["plotly_fetched"] = page.plotly_fetched
    if new:
        out["in_page"] = [v / 1000 for v in page.evaluate(IN_PAGE_JS)]
        page.context.close()
        page = open_page(browser, url, new, plotly=False)[0]
        out["no_plotly"] = [v / 1000 for v in page.evaluate(IN_PAGE_JS)]
    page.context.close()
    return out


def first_charts(browser, url: str, new: bool, n: int) -> dict:
    """n new tabs (first_chart), as lists."""
    return gather([first_chart(browser, url, new) for _ in range(n)])


def gather(tabs: list[dict]) -> dict:
    """[{name: value}] → {name: [value, …]}."""
    return {name: [tab[name] for tab in tabs if name in tab] for name in tabs[0]}


TRACE_CATEGORIES = [
    "devtools.timeline", "disabled-by-default-devtools.timeline", "v8", "v8.execute",
    "blink.user_timing",
]  # fmt: skip
MARK_JS = """() => { performance.mark('dl-probe');
  return performance.getEntriesByName('dl-probe')[0].startTime; }"""
RESOURCES_JS = """() => [...performance.getEntriesByType('navigation'),
  ...performance.getEntriesByType('resource')].map(r => [r.name, r.transferSize])"""
# what the page's main thread and downloads are made of: Streamlit's (its bundle, lazy chunks,
# React), the syntax highlighter chunk st.code needs, the map component's module (a blob: URL)
GROUPS = (
    ("ours", "blob:"),
    ("highlighter", "StreamlitSyntaxHighlighter"),
    ("streamlit", "/static/"),
)
PHASES = ("html + Streamlit JS → websocket", "websocket → first message", "→ map's message",
          "→ map code mounted", "mounted → drawn", "drawn → first frame painted")  # fmt: skip


def group(url: str, fallback: str = "other") -> str:
    return next((name for name, part in GROUPS if part in url), fallback)


def traced_tab(browser, url: str) -> dict:
    """One new tab (cold browser cache) → the map drawn, traced (Chromium's timeline + the JS
    sampling profiler): the time each phase took, wall and main-thread CPU, what the main
    thread ran (JS by group, native work, GC) and the bytes fetched."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 500})
    cdp.send("Profiler.start")
    frames, shake = [], []  # (timestamp s, bytes) of each websocket message; the handshake's
    cdp.send("Network.enable")
    cdp.on("Network.webSocketWillSendHandshakeRequest", lambda e: shake.append(e["timestamp"]))
    cdp.on(
        "Network.webSocketFrameReceived",
        lambda e: frames.append((e["timestamp"], len(e["response"]["payloadData"]) * 3 // 4)),
    )
    browser.start_tracing(page=page, categories=TRACE_CATEGORIES)
    page.goto(url + "/")
    until(page, SCENE_JS, lambda v: v is not None, timeout=60)
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    mark = page.evaluate(MARK_JS)
    events = json.loads(browser.stop_tracing())["traceEvents"]
    profile = cdp.send("Profiler.stop")["profile"]
    mounted, drawn_at = page.evaluate(IN_PAGE_JS)
    resources = page.evaluate(RESOURCES_JS)
    blob = int(page.locator(MAP).first.get_attribute("data-bytes"))
    context.close()
    probe = next(e for e in events if e["name"] == "dl-probe")
    zero, tid = probe["ts"] - mark * 1000, probe["tid"]  # µs at navigation start; main thread
    ms = lambda ts: (ts - zero) / 1000  # noqa: E731
    main = [e for e in events if e.get("tid") == tid]
    create = min(ms(e["ts"]) for e in main if e["name"] == "WebSocketSendHandshakeRequest")
    lag = create - ms(shake[0] * 1e6)  # the Network domain's clock → the trace's (≈ 0)
    received = [(ms(t * 1e6) + lag, size) for t, size in frames if ms(t * 1e6) + lag < mounted]
    biggest = max(received, key=lambda r: r[1])
    # the frame that first shows the map: the first compositor commit after it was drawn
    painted = min(ms(e["ts"]) for e in main if e["name"] == "Commit" and ms(e["ts"]) > drawn_at)
    edges = [0, create, received[0][0], biggest[0], mounted, drawn_at, painted]
    out = {"wall": [b - a for a, b in itertools.pairwise(edges)], "cpu": [0.0] * len(PHASES)}
    end = 0.0
    tasks = sorted(
        (e for e in main if e["name"] == "RunTask" and "tdur" in e), key=lambda e: e["ts"]
    )
    for e in tasks:  # the main thread's top-level tasks, their CPU shared out by wall overlap
        if e["ts"] < end:  # nested in the previous one
            continue
        end = e["ts"] + e["dur"]
        t0, t1 = ms(e["ts"]), ms(end)
        for k, (a, b) in enumerate(itertools.pairwise(edges)):
            overlap = min(t1, b) - max(t0, a)
            if overlap > 0:
                out["cpu"][k] += e["tdur"] / 1000 * overlap / max(t1 - t0, 1e-3)
    compile_ms = {}
    for e in events:  # parse + compile of each script, main thread and background
        if e["name"] in ("v8.compile", "v8.compileModule", "v8.parseOnBackground") and "tdur" in e:
            source = e["args"].get("data", {}).get("url", "")
            compile_ms[group(source)] = compile_ms.get(group(source), 0) + e["tdur"] / 1000
    busy = {}
    nodes = {node["id"]: node["callFrame"] for node in profile["nodes"]}
    t = profile["startTime"]
    for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        t += delta
        if ms(t) <= painted:
            frame = nodes[sample]
            name = frame["functionName"] if frame["functionName"].startswith("(") else "built-ins"
            name = group(frame["url"]) if frame["url"] else name
            busy[name] = busy.get(name, 0) + delta / 1000
    fetched = {}
    for name, size in resources:
        kind = "document" if name.rstrip("/") == url else group(name)
        fetched[kind] = fetched.get(kind, 0) + size
    out.update(busy=busy, compile=compile_ms, fetched=fetched, blob=blob,
               ws=sum(r[1] for r in received), map_message=biggest[1], lag=lag)  # fmt: skip
    return out


SERVER_RUN = """
import statistics, sys, time
sys.path.insert(0, sys.argv[1])
from streamlit.testing.v1 import AppTest
import app.shell as shell
main, cpu = shell.main, []
def timed():
    start = time.thread_time()
    main()
    cpu.append(time.thread_time() - start)
shell.main = timed
for _ in range(int(sys.argv[2])):
    AppTest.from_file(sys.argv[1] + "/streamlit_app.py", default_timeout=60).run()
print(statistics.median(cpu[2:]) * 1000)
"""


def server_run_ms(tree: Path, sessions: int = 12) -> float:
    """Server CPU (ms) of a new session's first run of `/` on a warm process (the script from
    its first line to its last: AppTest, median over sessions after two warm-ups)."""
    run = subprocess.run([sys.executable, "-c", SERVER_RUN, str(tree), str(sessions)],
                         capture_output=True, text=True, check=True, cwd=tree)  # fmt: skip
    return float(run.stdout.split()[-1])


def interleaved(browser, trees: list, n: int, traced: bool) -> dict:
    """The first chart of every tree, their servers up at once: a warm-up tab each, then `n`
    rounds of one new tab per tree (traced_tab, or first_chart), so that the machine's load
    falls on all of them alike; with `traced`, each tree's server time too (server_run_ms)."""
    with ExitStack() as stack:
        urls = [
            stack.enter_context(deployment(tree / "streamlit_app.py")).url for _, tree, _ in trees
        ]
        for url, (_, _, new) in zip(urls, trees, strict=True):
            open_page(browser, url, new)[0].context.close()  # first imports, cache fills
        tabs = {name: [] for name, _, _ in trees}
        for _ in range(n):
            for url, (name, _, new) in zip(urls, trees, strict=True):
                tabs[name].append(
                    traced_tab(browser, url) if traced else first_chart(browser, url, new)
                )
    if not traced:
        return {name: gather(runs) for name, runs in tabs.items()}
    return {name: {"tabs": tabs[name], "server": server_run_ms(tree)} for name, tree, _ in trees}


def print_breakdown(name: str, result: dict) -> None:
    tabs = result["tabs"]
    med = lambda values: statistics.median(values) if values else 0.0  # noqa: E731
    print(f"\n{name}: where a new tab's first chart goes, medians of {len(tabs)} traced tabs "
          f"(ms; CPU = the page's main thread)")  # fmt: skip
    print(f"{'phase':40} {'wall':>7} {'CPU':>7}")
    for i, phase in enumerate(PHASES):
        print(f"{phase:40} {med([t['wall'][i] for t in tabs]):7.0f} "
              f"{med([t['cpu'][i] for t in tabs]):7.0f}")  # fmt: skip
    print(f"{'total (navigation → painted)':40} {med([sum(t['wall']) for t in tabs]):7.0f} "
          f"{med([sum(t['cpu']) for t in tabs]):7.0f}")  # fmt: skip
    print(f"server: a new session's first run of / (CPU) {result['server']:.0f} ms")
    for title, key in (("main thread busy (profiler)", "busy"), ("parse + compile", "compile"),
                       ("bytes fetched (kB)", "fetched")):  # fmt: skip
        scale = 1e-3 if key == "fetched" else 1
        cells = {k: med([t[key].get(k, 0) for t in tabs]) * scale for k in {*tabs[0][key]}}
        cells = sorted(
            ((v, k) for k, v in cells.items() if k not in ("(idle)", "(root)")), reverse=True
        )
        print(f"{title}: " + ", ".join(f"{k} {v:.0f}" for v, k in cells if v >= 1))
    print(f"websocket before the mount {med([t['ws'] for t in tabs]) / 1e3:.0f} kB "
          f"(the map's message {med([t['map_message'] for t in tabs]) / 1e3:.0f} kB, "
          f"its blob {med([t['blob'] for t in tabs]) / 1e3:.0f} kB; clock lag "
          f"{med([t['lag'] for t in tabs]):.1f} ms)")  # fmt: skip


def measure(browser, url: str, new: bool, n: int) -> dict:
    page, counter, _ = open_page(browser, url, new)
    typed_rates(page, new, 2, 0, counter)  # warm-up: first imports, cache fills
    typed, sizes = typed_rates(page, new, n, 2, counter)
    out = {"typed": typed, "bytes": sizes}
    if new:
        root = page.locator(MAP).first
        out["scrub"] = [v / 1000 for v in root.evaluate(SCRUB_JS, n)]
        out["release"] = released_rates(page, n)
        out["blob"] = int(root.get_attribute("data-bytes"))
    page.context.close()
    out.update(first_charts(browser, url, new, n))
    out["fps"] = fps(browser, url, new)
    if new:
        out["fps3d"] = fps(browser, url, new, three_d=True)
        page = open_page(browser, url, new, LONG_RACE)[0]
        out["blob_long"] = int(page.locator(MAP).first.get_attribute("data-bytes"))
        page.context.close()
    return out


def ms(values) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms" if values else "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--baseline", type=Path, default=None)
    parser.add_argument("--compare", type=Path, nargs="*", default=[])
    parser.add_argument("--first-only", action="store_true")
    parser.add_argument("--breakdown", action="store_true", help="where the first chart goes")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        trees = [(t.name[:15] if args.compare else "map component", t, True)
                 for t in (ROOT, *(c.resolve() for c in args.compare))]  # fmt: skip
        if args.baseline:
            trees.append(("Plotly frames", args.baseline.resolve(), False))
        if args.first_only or args.breakdown:
            results = interleaved(browser, trees, args.changes, args.breakdown)
        else:
            for name, tree, new in trees:
                with deployment(tree / "streamlit_app.py") as dep:
                    results[name] = measure(browser, dep.url, new, args.changes)
        browser.close()
    if args.breakdown:
        print(f"load average {os.getloadavg()[0]:.1f}")
        for name, result in results.items():
            print_breakdown(name, result)
        return

    print(f"Chromium {VIEWPORT['width']} × {VIEWPORT['height']}, medians of {args.changes}, "
          f"load average {os.getloadavg()[0]:.1f}\n")  # fmt: skip
    rows = [
        ("rate change → redrawn (map: its rate control; Plotly: typed, a rerun)",
         lambda r: ms(r.get("scrub") or r["typed"])),
        ("playback, 6 racers × 1000 steps", lambda r: f"{r['fps']:.0f} frames/s"),
        ("playback in 3-D, 6 racers × 1000 steps",
         lambda r: f"{r['fps3d']:.0f} frames/s" if "fps3d" in r else "–"),
        ("commit: release the map's rate control → drawn", lambda r: ms(r.get("release", []))),
        ("commit: typed exact rate → drawn (one rerun)", lambda r: ms(r["typed"])),
        ("first chart, warm server", lambda r: ms(r["first"])),
        ("  in the page: navigation → map code mounted",
         lambda r: ms([v[0] for v in r["in_page"]])),
        ("  in the page: navigation → map drawn", lambda r: ms([v[1] for v in r["in_page"]])),
        ("  the same without Streamlit's Plotly chunk",
         lambda r: ms([v[1] for v in r["no_plotly"]])),
        ("  new tabs that fetched the Plotly chunk",
         lambda r: f"{sum(r['plotly_fetched'])} of {len(r['plotly_fetched'])}"),
        ("websocket bytes per rate change",
         lambda r: f"{statistics.median(r['bytes']) / 1e3:.0f} kB"),
        ("map blob per scene (default scene)", lambda r: f"{r['blob'] / 1e6:.3f} MB"),
        ("map blob per scene, 6 racers × 5000 steps", lambda r: f"{r['blob_long'] / 1e6:.3f} MB"),
    ]  # fmt: skip
    names = list(results)
    print(f"{'':58} " + " | ".join(f"{n:>15}" for n in names))
    for label, cell in rows:
        cells = [_cell(cell, results[n]) for n in names]
        if any(c != "–" for c in cells):  # --first-only: the first-chart rows only
            print(f"{label:58} " + " | ".join(f"{c:>15}" for c in cells))


def _cell(cell, result: dict) -> str:
    """A table cell, "–" where this tree or this run has no such measurement."""
    try:
        return cell(result)
    except KeyError:
        return "–"


if __name__ == "__main__":
    main()
