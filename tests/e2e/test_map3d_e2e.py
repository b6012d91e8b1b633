"""The map's 3-D view in real Chromium, on the standalone export (no server): the toggle by
Tab, the surface's pixels through Play, ◀/▶ and a scrub, keyboard-only playback, the paths
drawn up to the step, a drag turns the picture; and its playback rate for 6 racers × 1000."""

from __future__ import annotations

import base64
import io
import time

import numpy as np
import pytest
from PIL import Image

from app import compute
from app.components.map import standalone_html
from app.components.map.payload import scene_blob
from tests.app.test_plots import _run
from tests.e2e.conftest import count_reruns, wait_map

pytestmark = pytest.mark.e2e


def export_page(tmp_path, racers: int = 3, steps: int = 200, mode: str = "contour") -> str:
    land = compute.get_landscape(("ravine", (), "", ()))
    lrs = (0.4, 0.1, 0.6, 0.3, 0.2, 0.05)
    names = ("gd", "momentum", "gd", "nesterov", "adam", "rmsprop")
    runs = [_run(lrs[i], steps=steps, name=names[i]) for i in range(racers)]
    page = standalone_html(scene_blob(land, runs, (-5.0, -2.0), steps=steps, mode=mode), "3-D")
    path = tmp_path / "map3d.html"
    path.write_text(page, encoding="utf-8")
    return path.as_uri()


@pytest.fixture
def open_export(browser, tmp_path):
    pages = []

    def _open(**kw):
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(export_page(tmp_path, **kw))
        root = page.locator(".dlmap")
        root.wait_for(state="attached")
        page.wait_for_function("() => document.querySelector('.dlmap').dataset.drawnAt")
        pages.append((page, errors))
        return page, root

    yield _open
    for page, errors in pages:
        assert not errors, errors
        page.close()


def plot_pixels(page, root) -> np.ndarray:
    left, top, w, h = map(float, root.get_attribute("data-plot").split(","))
    box = root.locator(".map-canvas").bounding_box()
    clip = {"x": box["x"] + left, "y": box["y"] + top, "width": w, "height": h}
    png = page.screenshot(clip=clip)
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float64)


def surface_share(pixels: np.ndarray) -> float:
    """The share of the plot area the surface covers: darker than the page and the floor's
    light grey (its grid lines are a few thin lines)."""
    return float((pixels < 225).any(axis=-1).mean())


def step_of(root) -> int:
    return int(root.get_attribute("data-step"))


def test_the_toggle_is_reached_by_tab_and_switches_the_view(open_export):
    page, root = open_export()
    assert root.get_attribute("data-mode") == "contour"
    toggle = root.locator(".mode button[value='3d']")
    root.locator(".record").focus()
    page.keyboard.press("Shift+Tab")  # the toggle sits just before Record
    assert toggle.evaluate("(e) => document.activeElement === e")
    assert toggle.get_attribute("aria-pressed") == "false"
    page.keyboard.press("Enter")
    assert root.get_attribute("data-mode") == "3d"
    assert toggle.get_attribute("aria-pressed") == "true"
    assert "3-D" in root.locator(".map-canvas").get_attribute("aria-label")
    assert surface_share(plot_pixels(page, root)) > 0.08
    root.locator(".mode button[value='contour']").click()
    assert root.get_attribute("data-mode") == "contour"


def test_the_payload_opens_in_3d_and_the_surface_stays_through_play_step_scrub(open_export):
    page, root = open_export(mode="3d")
    assert root.get_attribute("data-mode") == "3d"
    base = surface_share(plot_pixels(page, root))
    assert base > 0.08, "no surface drawn"
    root.locator(".play").click()
    time.sleep(0.4)
    assert root.get_attribute("data-playing") == "true" and 0 < step_of(root) < 200
    mid = surface_share(plot_pixels(page, root))
    root.locator(".play").click()
    for button in (".back", ".back", ".fwd"):
        root.locator(button).click()
    stepped = surface_share(plot_pixels(page, root))
    root.locator(".scrub").fill("20")
    assert step_of(root) == 20
    scrubbed = surface_share(plot_pixels(page, root))
    for what, share in (("Play", mid), ("◀ / ▶", stepped), ("scrub", scrubbed)):
        assert abs(share - base) < 0.1 * base, f"the surface changed after {what}: {base} → {share}"


def test_keyboard_only_playback_in_3d_and_the_paths_follow_the_step(open_export):
    page, root = open_export(mode="3d")
    page.evaluate(
        "() => { window.__steps = []; window.addEventListener('descent-lab:step',"
        " (e) => window.__steps.push(e.detail.step)); }"
    )
    readout = root.locator(".readout")
    root.locator(".play").focus()
    page.keyboard.press("Home")
    assert readout.inner_text() == "step 0 / 200"
    at0 = plot_pixels(page, root)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert readout.inner_text() == "step 2 / 200"
    assert page.evaluate("() => window.__steps") == [0, 1, 2]  # one event per step shown
    at2 = plot_pixels(page, root)
    assert np.abs(at2 - at0).max(axis=-1).mean() > 0.001 * 255, "the paths did not grow"
    page.keyboard.press("End")
    assert readout.inner_text() == "step 200 / 200"
    at_end = plot_pixels(page, root)
    changed = np.abs(at_end - at0).max(axis=-1) > 30
    assert changed.mean() > 0.003, "the whole paths are not drawn at the end"
    page.keyboard.press(" ")
    time.sleep(0.3)
    assert root.get_attribute("data-playing") == "true"
    page.keyboard.press(" ")
    assert root.get_attribute("data-playing") == "false"
    angle = root.get_attribute("data-angle")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("ArrowUp")
    page.wait_for_function(f"() => document.querySelector('.dlmap').dataset.angle !== '{angle}'")
    assert readout.inner_text().startswith("step ")  # turning is not stepping


def test_a_drag_turns_the_surface(open_export):
    page, root = open_export(mode="3d")
    before = plot_pixels(page, root)
    angle = root.get_attribute("data-angle")
    box = root.locator(".map-canvas").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(cx + 20 * k, cy + 3 * k)
    page.mouse.up()
    page.wait_for_function(f"() => document.querySelector('.dlmap').dataset.angle !== '{angle}'")
    page.wait_for_timeout(100)
    after = plot_pixels(page, root)
    assert np.abs(after - before).max(axis=-1).mean() > 0.05 * 255, "the picture did not turn"
    assert surface_share(after) > 0.08
    assert root.get_attribute("data-mode") == "3d"


def test_the_surface_hides_what_lies_behind_its_walls_and_nothing_from_above(open_export):
    """The ravine seen low from −y: its near wall hides the valley floor, where the paths
    run (drawn faint there); seen from straight above nothing is hidden."""
    page, root = open_export(mode="3d")
    root.locator(".map-canvas").focus()
    for _ in range(4):
        page.keyboard.press("ArrowDown")  # elevation 0.5 → its lowest, 0.08
    for _ in range(6):
        page.keyboard.press("Shift+ArrowLeft")  # azimuth 0.72 → 0: seen from −y
    page.wait_for_function("() => document.querySelector('.dlmap').dataset.angle === '0.000,0.080'")
    page.wait_for_timeout(100)
    assert int(root.get_attribute("data-hidden3d")) > 10
    for _ in range(14):
        page.keyboard.press("ArrowUp")
    page.wait_for_function("() => document.querySelector('.dlmap').dataset.angle === '0.000,1.450'")
    page.wait_for_timeout(100)
    assert root.get_attribute("data-hidden3d") == "0"


def test_the_viewers_mode_and_angle_survive_a_remount_and_a_new_scene_of_the_same_mode(
    open_export,
):
    page, root = open_export()  # the payload says contour
    root.locator(".mode button[value='3d']").click()
    root.locator(".map-canvas").focus()
    page.keyboard.press("ArrowUp")
    angle = root.get_attribute("data-angle")
    # Streamlit unmounts and mounts the component again, then sends a new scene (same mode)
    page.evaluate(
        """() => {
        const el = document.getElementById("map");
        const cleanup = mountMap({ data: bytes, parentElement: el, key: "export" });
        cleanup();
        mountMap({ data: bytes.slice(), parentElement: el, key: "export" });
    }"""
    )
    root = page.locator(".dlmap")
    assert root.get_attribute("data-mode") == "3d" and root.get_attribute("data-angle") == angle
    assert surface_share(plot_pixels(page, root)) > 0.08


def test_a_new_mode_from_the_server_wins_over_the_shown_one(open_export):
    page, root = open_export()
    land = compute.get_landscape(("ravine", (), "", ()))
    blob = scene_blob(land, [_run(0.3)], (-5.0, -2.0), steps=50, mode="3d")
    page.evaluate(
        """(b64) => mountMap({ data: Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)),
            parentElement: document.getElementById("map"), key: "export" })""",
        base64.b64encode(blob).decode(),
    )
    assert root.get_attribute("data-mode") == "3d"
    assert root.locator(".readout").inner_text() == "step 50 / 50"


def test_3d_playback_rate_for_6_racers_by_1000_steps(open_export):
    """Printed for bench/README (no timing assertion in the default run)."""
    _, root = open_export(racers=6, steps=1000, mode="3d")
    frames0, t0 = int(root.get_attribute("data-frames")), time.perf_counter()
    root.locator(".play").click()
    time.sleep(3.0)
    rate = (int(root.get_attribute("data-frames")) - frames0) / (time.perf_counter() - t0)
    root.locator(".play").click()
    draw = float(root.get_attribute("data-draw-ms"))
    print(f"3-D playback, 6 racers × 1000 steps: {rate:.0f} frames/s, last frame {draw:.1f} ms")
    assert rate > 0


def test_in_the_app_the_3d_view_previews_a_rate_drag_without_a_rerun(app_page):
    root = wait_map(app_page)
    root.locator(".mode button[value='3d']").click()
    assert root.get_attribute("data-mode") == "3d"
    reruns = count_reruns(app_page)
    before = plot_pixels(app_page, root)
    assert surface_share(before) > 0.08
    lr = root.locator(".lr")
    lr.evaluate("(e) => { e.value = String(e.max - 20); e.dispatchEvent(new Event('input')); }")
    after = plot_pixels(app_page, root)
    assert np.abs(after - before).max(axis=-1).mean() > 0.001 * 255, "the path did not move"
    assert abs(surface_share(after) - surface_share(before)) < 0.1 * surface_share(before)
    assert reruns() == 0 and root.get_attribute("data-mode") == "3d"
