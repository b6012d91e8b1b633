"""The map component in real Chromium: what is drawn (pixels of the map area), keyboard-only
playback, click-to-start and the live rate scrub without a rerun."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import count_reruns, wait_idle, wait_map

pytestmark = pytest.mark.e2e


def plot_pixels(page) -> np.ndarray:
    """A screenshot of the map's plot area (inside the axes) as an (H, W, 3) array."""
    root = wait_map(page)
    left, top, w, h = map(float, root.get_attribute("data-plot").split(","))
    canvas = root.locator(".map-canvas")
    # a screenshot clip is of the viewport, under the page's fixed header bar: centre the map
    canvas.evaluate("(e) => e.scrollIntoView({block: 'center'})")
    box = canvas.bounding_box()
    clip = {"x": box["x"] + left + 2, "y": box["y"] + top + 2, "width": w - 4, "height": h - 4}
    png = page.screenshot(clip=clip)
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float64)


def landscape_stats(pixels: np.ndarray) -> tuple[float, np.ndarray]:
    """The share of pixels that are not page-white (the filled contours) and the mean colour."""
    coloured = (pixels < 250).any(axis=-1).mean()
    return float(coloured), pixels.reshape(-1, 3).mean(axis=0)


def assert_landscape_kept(before, after, what: str) -> None:
    (share0, mean0), (share1, mean1) = before, after
    assert share0 > 0.5, "the map's landscape is not drawn at all"
    assert share1 > 0.9 * share0, f"the landscape lost pixels after {what}: {share0} → {share1}"
    assert np.abs(mean1 - mean0).max() < 12, f"the landscape changed colour after {what}"


def step_of(root) -> int:
    return int(root.get_attribute("data-step"))


def test_the_landscape_stays_drawn_through_play_step_scrub_and_rate_drag(app_page):
    root = wait_map(app_page)
    base = landscape_stats(plot_pixels(app_page))
    root.locator(".play").click()
    time.sleep(0.5)
    assert root.get_attribute("data-playing") == "true"
    mid = plot_pixels(app_page)  # mid-playback
    assert_landscape_kept(base, landscape_stats(mid), "Play")
    assert 0 < step_of(root) < 50
    root.locator(".play").click()  # pause
    for button in (".back", ".back", ".fwd"):
        root.locator(button).click()
    assert_landscape_kept(base, landscape_stats(plot_pixels(app_page)), "◀ / ▶")
    root.locator(".scrub").fill("20")
    assert step_of(root) == 20
    assert_landscape_kept(base, landscape_stats(plot_pixels(app_page)), "scrubbing")
    before = plot_pixels(app_page)
    lr = root.locator(".lr")
    lr.evaluate("(e) => { e.value = String(e.max - 20); e.dispatchEvent(new Event('input')); }")
    after = plot_pixels(app_page)
    assert_landscape_kept(base, landscape_stats(after), "a rate drag")
    assert np.abs(after - before).max(axis=-1).mean() > 0.002 * 255, "the path did not move"


def test_keyboard_only_playback(app_page):
    root = wait_map(app_page)
    readout = root.locator(".readout")
    play = root.locator(".play")
    play.focus()
    assert play.evaluate("(e) => e.getRootNode().activeElement === e")
    app_page.keyboard.press("Home")
    assert readout.inner_text() == "step 0 / 50"
    app_page.keyboard.press("ArrowRight")
    app_page.keyboard.press("ArrowRight")
    assert readout.inner_text() == "step 2 / 50"
    app_page.keyboard.press("ArrowLeft")
    assert readout.inner_text() == "step 1 / 50"
    app_page.keyboard.press("Space")  # play
    app_page.wait_for_function(
        "(e) => Number(e.dataset.step) > 3", arg=root.element_handle(), timeout=10_000
    )
    app_page.keyboard.press("Space")  # pause
    paused = step_of(root)
    time.sleep(0.4)
    assert root.get_attribute("data-playing") == "false" and step_of(root) == paused
    app_page.keyboard.press("End")
    assert readout.inner_text() == "step 50 / 50"
    # every control is a named, focusable element
    for selector, name in (
        (".play", "Play"),
        (".back", "Step back"),
        (".fwd", "Step forward"),
        (".scrub", "Step"),
        (".speed", "Playback speed"),
    ):
        control = root.locator(selector)
        assert control.get_attribute("aria-label") == name
        control.focus()
        assert control.evaluate("(e) => e.getRootNode().activeElement === e")
        outline = control.evaluate("(e) => getComputedStyle(e).outlineStyle")
        assert outline != "none", f"{name} shows no focus ring"


def click_start(page, target) -> tuple[float, float]:
    """Click the map at the data point `target`; the start the new scene shows."""
    root = wait_map(page)
    left, top, w, h = map(float, root.get_attribute("data-plot").split(","))
    x0, x1, y0, y1 = map(float, root.get_attribute("data-box").split(","))
    box = root.locator(".map-canvas").bounding_box()
    px = box["x"] + left + (target[0] - x0) / (x1 - x0) * w
    py = box["y"] + top + (y1 - target[1]) / (y1 - y0) * h
    page.mouse.click(px, py)
    wait_map(page, scene=2)
    wait_idle(page)
    start = tuple(map(float, root.get_attribute("data-start").split(",")))
    pixel = (x1 - x0) / w
    assert start == pytest.approx(target, abs=2 * pixel + 0.005)  # within two pixels
    assert all(round(v, 2) == v for v in start)  # rounded to 0.01 on this 12-wide map
    sidebar = page.get_by_test_id("stSidebar")
    typed = [float(sidebar.get_by_label(k, exact=True).input_value()) for k in ("x₀", "y₀")]
    assert typed == list(start)
    return start


def test_clicking_the_map_sets_a_rounded_start(app_page):
    start = click_start(app_page, (2.0123, 1.0456))
    assert f"start={start[0]:g},{start[1]:g}" in app_page.url.replace("%2C", ",")


def test_clicking_the_race_map_sets_the_start_as_in_explore(open_app):
    page = open_app("?view=race&race_opts=gd,adam")
    click_start(page, (-3.0123, 1.0456))


def test_dragging_the_rate_redraws_without_a_rerun_and_releasing_commits(app_page):
    root = wait_map(app_page)
    runs = count_reruns(app_page)
    lr = root.locator(".lr")
    before = plot_pixels(app_page)  # scrolls the map into place first
    box = lr.bounding_box()
    y = box["y"] + box["height"] / 2
    value = int(lr.input_value())
    fraction = value / int(lr.get_attribute("max"))
    thumb = box["x"] + 8 + fraction * (box["width"] - 16)
    app_page.mouse.move(thumb, y)
    app_page.mouse.down()
    shown = []
    for dx in (10, 20, 30, 40):  # towards larger rates: zig-zag, then divergence
        app_page.mouse.move(thumb + dx, y, steps=2)
        shown.append(root.locator(".outcome").inner_text())
    moved = plot_pixels(app_page)
    assert runs() == 0, "dragging the rate reran the script"
    assert int(lr.input_value()) > value
    assert np.abs(moved - before).max(axis=-1).mean() > 0.002 * 255, "the path did not change"
    assert len(set(shown)) > 1 and "release to apply" in shown[-1]
    assert "preview" in root.locator(".legend").inner_text()
    preview = float(root.locator(".lr-value").inner_text())
    app_page.mouse.up()
    wait_map(app_page, scene=2)
    wait_idle(app_page)
    assert runs() == 1
    assert f"lr={preview:g}" in app_page.url.replace("%3D", "=")
    assert float(root.locator(".lr-value").inner_text()) == preview


def test_the_stable_limit_is_marked_on_the_rate_control(app_page):
    mark = wait_map(app_page).locator(".stable-mark")
    assert mark.is_visible() and mark.inner_text() == "stable for lr < 0.5"


def test_the_race_is_told_apart_by_shape_and_dash_with_a_legend(open_app):
    page = open_app("?opt=gd:lr%3D0.3;momentum:lr%3D0.3;adam:lr%3D0.3")
    root = wait_map(page)
    items = root.locator(".legend li")
    assert items.count() == 3
    assert items.nth(1).inner_text().startswith("Momentum")


def test_playback_of_six_racers_of_1000_steps_runs_in_the_browser(open_app):
    """Playback draws frame after frame with no script run (the rate is bench/browser.py's)."""
    query = "?steps=1000&opt=" + ";".join(f"gd:lr%3D0.{k + 1}" for k in range(6))
    page = open_app(query)
    root = wait_map(page)
    runs = count_reruns(page)
    root.locator(".speed").select_option("0.25")
    frames = int(root.get_attribute("data-frames"))
    root.locator(".play").click()
    time.sleep(2.0)
    done = int(root.get_attribute("data-frames")) - frames
    root.locator(".play").click()
    print(f"playback, 6 racers × 1000 steps: {done / 2.0:.0f} frames/s")
    assert done > 10 and 0 < step_of(root) < 1000 and runs() == 0


def test_record_a_clip_downloads_a_webm_named_after_the_scene(open_app):
    page = open_app("?steps=40")
    root = wait_map(page)
    with page.expect_download(timeout=30_000) as info:
        root.locator(".record").click()  # plays the run once from step 0, recording
    download = info.value
    assert download.suggested_filename.endswith(".webm")
    assert "steps=40" in download.suggested_filename
    data = Path(download.path()).read_bytes()
    assert data[:4] == b"\x1a\x45\xdf\xa3" and len(data) > 1000  # a WebM (EBML) file


def test_the_exported_map_opens_and_plays_offline(browser):
    """The standalone HTML embeds the component's code: no network at all, and it draws."""
    from app import compute
    from app.components.map import standalone_html
    from app.components.map.payload import scene_blob
    from app.state.settings import Settings
    from tests.app.test_plots import _run

    key = compute.surface_key(Settings())
    blob = scene_blob(compute.get_landscape(key), [_run(0.4)], (-5.0, -2.0), steps=40)
    context = browser.new_context(viewport={"width": 900, "height": 800}, offline=True)
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_content(standalone_html(blob, "GD on a ravine"))
    root = wait_map(page)
    share, _ = landscape_stats(plot_pixels(page))
    assert share > 0.5
    root.locator(".play").click()
    page.wait_for_function("(e) => Number(e.dataset.step) > 5", arg=root.element_handle())
    assert [u for u in requests if not u.startswith(("data:", "blob:", "about:"))] == []
    context.close()


def test_momentum_scrub_by_keyboard_previews_then_commits_once(open_app):
    page = open_app("?opt=momentum:lr%3D0.6,momentum%3D0.5")
    root = wait_map(page)
    mu = root.locator(".mu")
    assert root.locator(".rate[data-param=momentum] .stable-mark").inner_text() == (
        "stable for μ > 0.2"
    )
    runs = count_reruns(page)
    mu.focus()
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    value = root.locator(".mu-value").inner_text()
    assert float(value) < 0.5 and runs() == 0  # previewed in the browser
    assert "preview" in root.locator(".legend").inner_text()
    wait_map(page, scene=2)  # keys commit once they rest: one rerun
    wait_idle(page)
    assert runs() == 1
    assert f"momentum={value}" in page.url.replace("%3D", "=")


def test_the_race_view_keeps_its_landscape_through_play(open_app):
    """The race's map is the component too: Play no longer erases the landscape."""
    page = open_app("?view=race&race_opts=gd,adam")
    root = wait_map(page)
    assert root.locator(".legend li").count() == 2 and root.locator(".rate").count() == 0
    base = landscape_stats(plot_pixels(page))
    root.locator(".play").click()
    time.sleep(0.5)
    assert root.get_attribute("data-playing") == "true"
    assert_landscape_kept(base, landscape_stats(plot_pixels(page)), "Play in the race")
    assert 0 < step_of(root) < int(root.locator(".scrub").get_attribute("max"))


def head_centre(page, colour: str) -> np.ndarray:
    """Where a racer's head marker is drawn in the plot area's screenshot: the centroid of the
    pixels of its colour (at step 0 the path is that one marker)."""
    pixels = plot_pixels(page)
    rgb = np.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)], dtype=float)
    ys, xs = np.nonzero(np.abs(pixels - rgb).max(axis=-1) < 40)
    assert xs.size > 20, "the head marker is not drawn"
    return np.array([xs.mean(), ys.mean()])


def expected_on_screen(root, point) -> np.ndarray:
    """Where the map's current view puts `point`, in the plot_pixels screenshot."""
    *_, w, h = map(float, root.get_attribute("data-plot").split(","))
    vx0, vx1, vy0, vy1 = map(float, root.get_attribute("data-view").split(","))
    u = (point[0] - vx0) / (vx1 - vx0) * w - 2
    v = (vy1 - point[1]) / (vy1 - vy0) * h - 2
    return np.array([u, v])


def test_zoom_keeps_the_landscape_and_moves_the_path_with_it(open_app):
    from app.figures.style import colours_for

    page = open_app("?start=-2,1")
    root = wait_map(page)
    colour = colours_for(["gd"])[0]
    root.locator(".play").focus()
    page.keyboard.press("Home")  # step 0: the head sits on the start
    base = landscape_stats(plot_pixels(page))
    before = head_centre(page, colour)
    assert np.abs(before - expected_on_screen(root, (-2, 1))).max() < 2
    assert root.locator(".zoom-out").is_disabled()
    root.locator(".zoom-in").click()  # ×1.5 about the centre (0, 0)
    page.wait_for_function("(e) => e.dataset.view !== '-6,6,-3,3'", arg=root.element_handle())
    assert root.get_attribute("data-view") == "-4,4,-2,2"
    zoomed = landscape_stats(plot_pixels(page))
    assert zoomed[0] > 0.9 * base[0], "the zoomed landscape lost pixels"
    after = head_centre(page, colour)
    assert np.abs(after - expected_on_screen(root, (-2, 1))).max() < 2
    centre = expected_on_screen(root, (0, 0))
    assert np.linalg.norm(after - before) > 20  # it moved away from the centre, ×1.5
    assert np.allclose(after - centre, 1.5 * (before - centre), atol=2.5)
    # keyboard: the zoom buttons are named and focusable; Reset (or 0) shows the whole domain
    for selector, name in ((".zoom-in", "Zoom in"), (".zoom-out", "Zoom out")):
        assert root.locator(selector).get_attribute("aria-label") == name
    reset = root.locator(".zoom-reset")
    assert reset.get_attribute("aria-label") == "Reset zoom"
    reset.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("(e) => e.dataset.view === '-6,6,-3,3'", arg=root.element_handle())
    assert np.abs(head_centre(page, colour) - before).max() < 1


def test_the_map_announces_each_step_to_the_page(app_page):
    root = wait_map(app_page)
    app_page.evaluate(
        """() => { window.__steps = [];
            addEventListener('descent-lab:step', (e) => window.__steps.push(e.detail)); }"""
    )
    root.locator(".play").focus()
    app_page.keyboard.press("Home")
    app_page.keyboard.press("ArrowRight")
    app_page.keyboard.press("Space")  # play
    app_page.wait_for_function("() => window.__steps.length > 6")
    app_page.keyboard.press("Space")
    steps = app_page.evaluate("() => window.__steps")
    assert steps[:2] == [{"step": 0, "total": 50}, {"step": 1, "total": 50}]
    shown = [d["step"] for d in steps]
    assert shown == sorted(shown) and len(set(shown)) == len(shown)  # each change once
    assert all(d["total"] == 50 for d in steps) and shown[-1] == step_of(root)
