"""Browser benchmark: how long a learning-rate change takes to reach the screen.

Starts `streamlit run streamlit_app.py` on a free loopback port, opens the default scene in
Debian's Chromium (Playwright, headless) and types a new exact learning rate `--changes` times.
Each delay runs from pressing Enter until the contour map's plotted path differs (polled every
5 ms from the page's Plotly data): request, rerun, ~66 messages, React, Plotly's draw.

Baseline, measured in the same run: a rerun that redraws nothing heavy — switching the step
inspector off, timed until its table disappears. The ratio is what redrawing the map, curves
and rate line costs on top of a bare Streamlit round trip.
Target (issue 3): a learning-rate change updates the chart in ≤ 0.5 s.

    python bench/browser.py [--changes N]
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

from bench.load import percentile  # noqa: E402
from deploy.replicas import deployment  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, map_js, wait_idle  # noqa: E402

TARGET_S = 0.5
PATH_JS = map_js("""
  const path = gd && gd._fullData.find(t => t.mode === 'lines+markers');
  return path ? Array.from(path.x).join(',') : null;""")
TABLE_JS = "() => document.querySelector(\"[data-testid='stDataFrame']\") !== null"


def until(page, check, want, timeout: float = 20.0) -> float:
    """Seconds until page.evaluate(check) returns something `want` accepts."""
    start = time.perf_counter()
    while not want(page.evaluate(check)):
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"no change within {timeout} s")
        time.sleep(0.005)
    return time.perf_counter() - start


def settle(page) -> None:
    wait_idle(page)
    time.sleep(0.3)


def lr_changes(page, count: int, first: int = 0) -> list[float]:
    """Delays of `count` changes to stable rates, each new to the server (no cached run) and
    far from the previous one: 0.2, 0.451, 0.202, 0.453 … (change k sets rate k + first)."""
    box = page.get_by_test_id("stSidebar").get_by_label("exact learning rate", exact=True)
    delays = []
    for i in range(first, first + count):
        before = page.evaluate(PATH_JS)
        box.fill(f"{0.2 + 0.25 * (i % 2) + 0.001 * i:.4g}")
        box.press("Enter")
        delays.append(until(page, PATH_JS, lambda now, b=before: now is not None and now != b))
        settle(page)
    return delays


def inspector_toggles(page, count: int) -> list[float]:
    """Times of switching the inspector off (its table disappears); switching it on again,
    untimed, builds a data grid, which is not the bare round trip."""
    toggle = page.get_by_text("Inspect a step", exact=True)
    delays = []
    for _ in range(count):
        toggle.click()
        until(page, TABLE_JS, lambda now: now)
        settle(page)
        toggle.click()
        delays.append(until(page, TABLE_JS, lambda now: not now))
        settle(page)
    return delays


def summary(delays: list[float]) -> str:
    ms = [d * 1000 for d in delays]
    return (
        f"median {statistics.median(ms):.0f} ms, p90 {percentile(ms, 90):.0f} ms, "
        f"max {max(ms):.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with deployment(ROOT / "streamlit_app.py") as dep, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(dep.url)
        until(page, PATH_JS, lambda now: now is not None, timeout=60)
        settle(page)
        lr_changes(page, 2)  # warm-up: first imports and cache fills
        lr = lr_changes(page, args.changes, first=2)
        base = inspector_toggles(page, max(6, args.changes // 2))
        browser.close()

    within = sum(d <= TARGET_S for d in lr) / len(lr)
    ratio = statistics.median(lr) / statistics.median(base)
    print(f"Chromium, 1440 × 900, default scene, load average {os.getloadavg()[0]:.1f}\n")
    print(f"lr change → path redrawn ({len(lr)}): {summary(lr)}; {within:.0%} within 0.5 s")
    print(f"baseline, inspector off ({len(base)}): {summary(base)}")
    print(f"ratio of medians: {ratio:.2f}×")
    verdict = "PASS" if within >= 0.9 else "FAIL"
    print(f"target: ≤ {TARGET_S} s for at least 9 changes in 10: {verdict}")


if __name__ == "__main__":
    main()
