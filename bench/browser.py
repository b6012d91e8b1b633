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

    python bench/browser.py [--changes N] [--baseline /tmp/base-map] [--compare DIR …]
                            [--first-only]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deploy.replicas import deployment  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, MAP, map_js, wait_idle  # noqa: E402

VIEWPORT = {"width": 1440, "height": 900}
RACE = "?steps=1000&opt=" + ";".join(f"gd:lr%3D0.{k + 1}" for k in range(6))
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


def first_charts(browser, url: str, new: bool, n: int) -> dict:
    """n new tabs: seconds to the map drawn (+ in-page times and without the Plotly chunk)."""
    out = {"first": [], "in_page": [], "no_plotly": [], "plotly_fetched": []}
    for _ in range(n):
        page, _, first = open_page(browser, url, new)
        out["first"].append(first)
        wait_idle(page)  # the whole first run drawn: did any of it need Plotly?
        out["plotly_fetched"].append(page.plotly_fetched)
        if new:
            out["in_page"].append([v / 1000 for v in page.evaluate(IN_PAGE_JS)])
            page.context.close()
            page = open_page(browser, url, new, plotly=False)[0]
            out["no_plotly"].append([v / 1000 for v in page.evaluate(IN_PAGE_JS)])
        page.context.close()
    return out


def measure(browser, url: str, new: bool, n: int, first_only: bool = False) -> dict:
    if first_only:
        open_page(browser, url, new)[0].context.close()  # warm-up: first imports, cache fills
        return first_charts(browser, url, new, n)
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
    return out


def ms(values) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms" if values else "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--baseline", type=Path, default=None)
    parser.add_argument("--compare", type=Path, nargs="*", default=[])
    parser.add_argument("--first-only", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        trees = [(t.name[:15] if args.compare else "map component", t, True)
                 for t in (ROOT, *(c.resolve() for c in args.compare))]  # fmt: skip
        if args.baseline:
            trees.append(("Plotly frames", args.baseline.resolve(), False))
        for name, tree, new in trees:
            with deployment(tree / "streamlit_app.py") as dep:
                results[name] = measure(browser, dep.url, new, args.changes, args.first_only)
        browser.close()

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
        ("map blob per scene", lambda r: f"{r['blob'] / 1e6:.3f} MB"),
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
