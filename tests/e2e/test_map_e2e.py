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
    box = root.locator(".map-canvas").bounding_box()
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


def test_clicking_the_map_sets_a_rounded_start(app_page):
    root = wait_map(app_page)
    left, top, w, h = map(float, root.get_attribute("data-plot").split(","))
    x0, x1, y0, y1 = map(float, root.get_attribute("data-box").split(","))
    box = root.locator(".map-canvas").bounding_box()
    target = (2.0123, 1.0456)
    px = box["x"] + left + (target[0] - x0) / (x1 - x0) * w
    py = box["y"] + top + (y1 - target[1]) / (y1 - y0) * h
    app_page.mouse.click(px, py)
    wait_map(app_page, scene=2)
    wait_idle(app_page)
    start = tuple(map(float, root.get_attribute("data-start").split(",")))
    assert start == pytest.approx(target, abs=0.03)  # within a pixel or two
    assert all(round(v, 2) == v for v in start)  # rounded to 0.01 on this 12-wide map
    sidebar = app_page.get_by_test_id("stSidebar")
    typed = [float(sidebar.get_by_label(k, exact=True).input_value()) for k in ("x₀", "y₀")]
    assert typed == list(start)
    assert f"start={start[0]:g},{start[1]:g}" in app_page.url.replace("%2C", ",")


def test_dragging_the_rate_redraws_without_a_rerun_and_releasing_commits(app_page):
    root = wait_map(app_page)
    runs = count_reruns(app_page)
    lr = root.locator(".lr")
    box = lr.bounding_box()
    y = box["y"] + box["height"] / 2
    value = int(lr.input_value())
    fraction = value / int(lr.get_attribute("max"))
    thumb = box["x"] + 8 + fraction * (box["width"] - 16)
    before = plot_pixels(app_page)
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
    from app.settings import Settings
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
