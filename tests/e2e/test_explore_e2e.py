"""The explore view in real Chromium against a real `streamlit run` server."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import map_js, wait_idle

pytestmark = pytest.mark.e2e

MAP_JS = map_js("""
  if (!gd) return null;
  // _fullData holds the decoded arrays (data may still hold base64 typed-array specs)
  const paths = gd._fullData.filter(t => t.mode === 'lines+markers');
  const heads = gd._fullData.find(t => t.name === 'position');
  const num = a => Array.from(a, v => (Number.isFinite(v) ? v : null));
  return {
    paths: paths.map(t => ({name: t.name, x: num(t.x), y: num(t.y)})),
    symbols: Array.from(heads.marker.symbol),
    frames: (gd._transitionData && gd._transitionData._frames || []).length,
  };""")
# the frame shown and the slider's position
FRAME_JS = map_js("  return [gd._fullLayout._currentFrame, gd._fullLayout.sliders[0].active];")


def map_data(page, timeout: float = 30.0) -> dict:
    """The map's plotted paths, once Plotly has drawn the contour map (other charts can be
    drawn first on a cold, busy server)."""
    deadline = time.perf_counter() + timeout
    while (data := page.evaluate(MAP_JS)) is None and time.perf_counter() < deadline:
        time.sleep(0.05)
    assert data is not None, "no contour map on the page"
    return data


def wait_for_map_change(page, before: dict, timeout: float = 20.0) -> tuple[dict, float]:
    """Poll the map's plotted data until it differs from `before`; return it and the delay."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        now = page.evaluate(MAP_JS)
        if now is not None and now["paths"] != before["paths"]:
            return now, time.perf_counter() - start
        time.sleep(0.02)
    raise AssertionError("the map did not change")


def sidebar_number(page, label: str):
    return page.get_by_test_id("stSidebar").get_by_label(label, exact=True).first


def test_default_scene_loads_with_path_and_narration(app_page):
    data = map_data(app_page)
    (path,) = data["paths"]
    assert (path["x"][0], path["y"][0]) == (-5, -2)
    assert data["frames"] > 10
    assert app_page.get_by_text("Zig-zags", exact=False).first.is_visible()


def test_changing_the_learning_rate_redraws_the_path(app_page):
    box = sidebar_number(app_page, "exact learning rate")
    delays = []
    for lr in ("0.3", "0.35", "0.2", "0.6"):  # the last one diverges
        before = map_data(app_page)
        box.fill(lr)
        box.press("Enter")
        after, delay = wait_for_map_change(app_page, before)
        delays.append(delay)
        wait_idle(app_page)
    print(f"lr change → new path drawn in {', '.join(f'{d * 1000:.0f}' for d in delays)} ms")
    assert after["symbols"] == ["x"]  # diverged
    assert "lr%3D0.6" in app_page.url or "lr=0.6" in app_page.url
    assert sorted(delays)[len(delays) // 2] < 2.0  # target 0.5 s; the CI machine is shared


def test_play_animates_the_path_in_the_browser(app_page):
    full = len(map_data(app_page)["paths"][0]["x"])
    app_page.get_by_text("▶ Play").first.click()
    lengths = []
    for _ in range(40):
        lengths.append(len(map_data(app_page)["paths"][0]["x"]))
        time.sleep(0.05)
    assert min(lengths) < full, lengths  # frames replaced the path with a shorter one
    assert len(set(lengths)) > 2, lengths  # and it grew step by step


def test_step_buttons_move_one_frame(app_page):
    """◀ and ▶ step one frame from wherever playback is (Play, or the slider), in the browser."""
    full = len(map_data(app_page)["paths"][0]["x"])  # 51 points: 50 steps, one frame each
    app_page.get_by_text("▶ Play").first.click()
    app_page.wait_for_function(f"() => ({FRAME_JS})()[0] === '{full - 1}'", timeout=30_000)
    lengths = []
    for label in ("◀", "◀", "◀", "▶"):
        app_page.get_by_text(label, exact=True).first.click()
        time.sleep(0.3)
        lengths.append(len(map_data(app_page)["paths"][0]["x"]))
    assert lengths == [full - 1, full - 2, full - 3, full - 2]
    assert app_page.evaluate(FRAME_JS) == [str(full - 3), full - 3]  # the slider follows
    for _ in range(3):  # ▶ at the last frame stays there
        app_page.get_by_text("▶", exact=True).first.click()
        time.sleep(0.3)
    assert len(map_data(app_page)["paths"][0]["x"]) == full


def test_clicking_the_map_sets_the_start(app_page):
    target = (2.0, 1.05)
    xy = app_page.evaluate(
        """([x, y]) => {
          const gd = [...document.querySelectorAll('.js-plotly-plot')]
            .find(g => g.data && g.data.some(t => t.type === 'contour'));
          const grid = gd._fullData.find(t => t.name === 'click to start');
          let best = 0, dist = Infinity;
          for (let i = 0; i < grid.x.length; i++) {
            const d = (grid.x[i] - x) ** 2 + (grid.y[i] - y) ** 2;
            if (d < dist) { dist = d; best = i; }
          }
          const L = gd._fullLayout, r = gd.getBoundingClientRect();
          return {px: r.left + L.xaxis._offset + L.xaxis.l2p(grid.x[best]),
                  py: r.top + L.yaxis._offset + L.yaxis.l2p(grid.y[best]),
                  x: grid.x[best], y: grid.y[best]};
        }""",
        list(target),
    )
    before = map_data(app_page)
    app_page.mouse.move(xy["px"], xy["py"])
    app_page.mouse.click(xy["px"], xy["py"])
    after, _ = wait_for_map_change(app_page, before)
    start = after["paths"][0]["x"][0], after["paths"][0]["y"][0]
    # the grid point under the cursor (hover may pick a neighbour a few pixels away)
    assert start == pytest.approx((xy["x"], xy["y"]), abs=0.35)
    wait_idle(app_page)
    typed = [float(sidebar_number(app_page, label).input_value()) for label in ("x₀", "y₀")]
    assert typed == pytest.approx(start, abs=1e-4)


def test_a_shared_link_opens_the_same_scene(open_app):
    query = "?surface=rosenbrock&opt=adam:lr%3D0.05;momentum:lr%3D0.001&steps=300&lesson=adaptive"
    first, second = open_app(query), open_app(query, width=1920, height=1080)
    a, b = map_data(first), map_data(second)
    assert [p["name"] for p in a["paths"]] == ["Adam · lr 0.05", "Momentum (heavy ball) · lr 0.001"]
    assert a["paths"] == b["paths"]
    assert (a["paths"][0]["x"][0], a["paths"][0]["y"][0]) == (-1.5, 2)
    assert "steps=300" in first.url and "lesson=adaptive" in first.url
    assert first.get_by_text("Predict first", exact=False).first.is_visible()


def test_a_garbage_link_warns_instead_of_crashing(open_app):
    page = open_app("?steps=-7&opt=warp:lr%3DNaN&surface=ravine:kappa%3D1e999&seed=%F0%9F%9A%80")
    alerts = page.get_by_test_id("stAlert")
    text = " ".join(alerts.all_inner_texts())
    assert "steps='-7'" in text and "warp" in text and "kappa" in text
    assert page.get_by_test_id("stException").count() == 0
    assert len(map_data(page)["paths"]) == 1


def test_formula_error_shows_and_the_app_keeps_working(open_app):
    page = open_app("?surface=formula&f=x**2%2Bz")
    assert page.get_by_test_id("stAlert").filter(has_text="Formula problem").count() == 1
    before = map_data(page)
    box = sidebar_number(page, "exact learning rate")
    box.fill("0.05")
    box.press("Enter")
    after, _ = wait_for_map_change(page, before)
    assert after["paths"][0]["x"][0] == before["paths"][0]["x"][0]
    assert page.get_by_test_id("stException").count() == 0
