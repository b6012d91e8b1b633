"""The map's lesson mode and slice panel in real Chromium, on the component's own bare page
(page_html: the export's page, no server): a hidden scene draws the landscape and the start
only, a click marks a prediction and fires "predict", the reveal plays by itself, and the
slice panel draws the loss along the step and follows ← / →."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from app.components.map import page_html
from app.components.map.payload import scene_blob
from app.figures.data import sample_landscape
from surfaces import make_surface
from tests.app.test_plots import _run
from tests.e2e.conftest import wait_map
from tests.e2e.test_map_e2e import landscape_stats, plot_pixels

pytestmark = pytest.mark.e2e

RAVINE = make_surface("ravine")
PREDICTION = np.array([0xCC, 0x79, 0xA7])  # lesson.js PREDICTION_COLOUR
RACER = np.array([0x00, 0x72, 0xB2])  # the racer's colour (tests.app.test_plots._run)


@pytest.fixture(scope="module")
def land():
    s = RAVINE
    return sample_landscape(s.f, s.domain, [m.point for m in s.minima], s.saddles, s.f_min)


@pytest.fixture
def open_scene(browser):
    """open_scene(blob) -> a fresh page showing the scene on the bare page, drawn; no page
    may raise a JavaScript error."""
    contexts, errors = [], []

    def open_(blob: bytes):
        context = browser.new_context(viewport={"width": 900, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.set_content(page_html(blob, "lesson"))
        wait_map(page)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert errors == []


def near(pixels: np.ndarray, colour: np.ndarray, tol: float = 40) -> np.ndarray:
    return np.abs(pixels - colour).max(axis=-1) < tol


def test_a_hidden_scene_draws_the_landscape_and_step_0_only(open_scene, land):
    run = _run(0.6)
    assert run.diverged_at > 0
    hidden = open_scene(scene_blob(land, [run], RAVINE.start, steps=40, hidden=True))
    root = wait_map(hidden)
    share, _ = landscape_stats(plot_pixels(hidden))
    assert share > 0.5
    for control in (".play", ".back", ".fwd", ".scrub", ".record"):
        assert root.locator(control).is_disabled()
    root.locator(".map-canvas").focus()
    for key in ("End", "ArrowRight", " "):
        hidden.keyboard.press(key)
    assert root.get_attribute("data-step") == "0" and root.get_attribute("data-playing") == "false"
    assert "diverged" not in root.evaluate("(e) => e.outerHTML").lower()
    # the same scene revealed, at step 0, draws the same pixels; at its end a path more
    shown = open_scene(scene_blob(land, [run], RAVINE.start, steps=40))
    end = plot_pixels(shown)
    wait_map(shown).locator(".map-canvas").focus()
    shown.keyboard.press("Home")
    start = plot_pixels(shown)
    path = near(end, RACER).sum()
    assert np.abs(plot_pixels(hidden) - start).max() < 3
    assert near(start, RACER).sum() < 0.2 * path, "step 0 shows only the racers' heads"


def listen(page) -> None:
    """Remount the bare page's map with a trigger that records what it fires."""
    page.evaluate("""() => mountMap({data: bytes, parentElement: document.getElementById('map'),
        key: 'export', setTriggerValue: (name, value) => { window.fired = [name, value]; }})""")


def test_a_click_on_a_hidden_map_marks_a_prediction_and_fires_predict(open_scene, land):
    blob = scene_blob(land, [_run(0.4)], RAVINE.start, steps=40, hidden=True, predict=True)
    page = open_scene(blob)
    root = wait_map(page)
    listen(page)
    before = plot_pixels(page)
    left, top, w, h = map(float, root.get_attribute("data-plot").split(","))
    x0, x1, y0, y1 = map(float, root.get_attribute("data-box").split(","))
    u, v = left + 0.75 * w, top + 0.25 * h  # the point (x0 + ¾ width, y1 − ¼ height)
    root.locator(".map-canvas").click(position={"x": u, "y": v})
    name, (x, y) = page.evaluate("() => window.fired")
    assert name == "predict"
    assert x == pytest.approx(x0 + 0.75 * (x1 - x0), abs=0.05)
    assert y == pytest.approx(y1 - 0.25 * (y1 - y0), abs=0.05)
    after = plot_pixels(page)
    marked = near(after, PREDICTION) & ~near(before, PREDICTION)
    rows, cols = np.nonzero(marked)
    assert marked.sum() > 40
    # the marker sits at the click (the plot crop starts 2 px inside the axes)
    assert abs(np.median(cols) - (u - left - 2)) < 6 and abs(np.median(rows) - (v - top - 2)) < 6
    assert root.get_attribute("data-step") == "0"


def test_the_keyboard_predicts_too_arrows_move_a_marker_and_enter_places_it(open_scene, land):
    """No mouse: Tab to the map, → ↑ move a dashed marker from the centre by 5 % of the
    shown width / height each (Shift: 1 %), Enter fires "predict" at its point and marks it."""
    blob = scene_blob(land, [_run(0.4)], RAVINE.start, steps=40, hidden=True, predict=True)
    page = open_scene(blob)
    root = wait_map(page)
    listen(page)
    canvas = root.locator(".map-canvas")
    assert "arrow keys" in canvas.get_attribute("aria-label")
    root.locator(".play").evaluate("(e) => e.blur()")
    for _ in range(20):  # reachable by Tab
        if canvas.evaluate("(e) => e.getRootNode().activeElement === e"):
            break
        page.keyboard.press("Tab")
    assert canvas.evaluate("(e) => e.getRootNode().activeElement === e")
    before = plot_pixels(page)
    for key in ("ArrowRight", "ArrowRight", "ArrowUp", "Shift+ArrowRight"):
        page.keyboard.press(key)
    assert page.evaluate("() => window.fired === undefined"), "a move is not yet a prediction"
    ring = near(plot_pixels(page), PREDICTION) & ~near(before, PREDICTION)
    assert ring.sum() > 20, "the marker is drawn where the keys moved it"
    assert "Enter" in root.locator(".hover").inner_text()
    page.keyboard.press("Enter")
    name, (x, y) = page.evaluate("() => window.fired")
    x0, x1, y0, y1 = map(float, root.get_attribute("data-box").split(","))
    assert name == "predict"
    assert x == pytest.approx((x0 + x1) / 2 + 0.11 * (x1 - x0), rel=1e-6, abs=1e-9)
    assert y == pytest.approx((y0 + y1) / 2 + 0.05 * (y1 - y0), rel=1e-6, abs=1e-9)
    assert [float(v) for v in root.get_attribute("data-prediction").split(",")] == [x, y]
    assert near(plot_pixels(page), PREDICTION).sum() > 40
    assert root.get_attribute("data-step") == "0"


def test_a_hidden_map_that_asks_no_where_ignores_clicks(open_scene, land):
    """A choice lesson's hidden map: a click neither predicts nor moves the start."""
    page = open_scene(scene_blob(land, [_run(0.4)], RAVINE.start, steps=40, hidden=True))
    root = wait_map(page)
    listen(page)
    assert root.locator(".curves-canvas").is_hidden() and root.locator(".speed").is_hidden()
    assert root.locator(".play").is_visible()  # greyed, in sight
    before = plot_pixels(page)
    left, top, w, h = map(float, root.get_attribute("data-plot").split(","))
    root.locator(".map-canvas").click(position={"x": left + w / 2, "y": top + h / 2})
    page.mouse.move(0, 0)  # the hover read-out away
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.fired === undefined")
    assert root.get_attribute("data-prediction") == ""
    assert np.abs(plot_pixels(page) - before).max() < 3


def test_the_reveal_plays_once_from_step_0_with_the_prediction_marked(open_scene, land):
    run = _run(0.4)
    blob = scene_blob(land, [run], RAVINE.start, steps=40, autoplay=True, prediction=(2.0, 1.0))
    page = open_scene(blob)
    root = wait_map(page)
    page.wait_for_function("(e) => e.dataset.playing === 'true'", arg=root.element_handle())
    early = plot_pixels(page)
    page.wait_for_function("(e) => Number(e.dataset.step) >= 20", arg=root.element_handle())
    later = plot_pixels(page)
    assert near(later, RACER).sum() > near(early, RACER).sum() + 50, "the path grows"
    assert near(later, PREDICTION).sum() > 40
    page.wait_for_function("(e) => e.dataset.playing === 'false'", arg=root.element_handle())
    assert root.get_attribute("data-step") == "40"


def test_the_slice_panel_draws_the_step_and_follows_the_arrows(open_scene, land):
    page = open_scene(scene_blob(land, [_run(0.4)], RAVINE.start, steps=40, slice_f=RAVINE.f))
    root = wait_map(page)
    toggle = root.locator(".slice-toggle")
    root.locator(".play").focus()
    for _ in range(12):  # reachable by Tab from the playback bar
        if toggle.evaluate("(e) => document.activeElement === e"):
            break
        page.keyboard.press("Tab")
    assert toggle.evaluate("(e) => document.activeElement === e")
    assert toggle.get_attribute("aria-pressed") == "false"
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-pressed") == "true"
    canvas = root.locator(".slice-canvas")
    assert canvas.is_visible() and "slice" in toggle.inner_text().lower()

    def shot() -> np.ndarray:
        png = canvas.screenshot()
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float64)

    page.keyboard.press("Home")
    assert root.get_attribute("data-slice-step") == "0"
    first = shot()
    curve = near(first, RACER)
    assert curve.sum() > 300, "the parabola is drawn"
    # the points before (t = 0) and after (t = 1) the step: more of the racer's colour there
    # than on the bare curve at t = 0.5
    width = float(canvas.bounding_box()["width"])

    def around(t: float) -> int:
        u = round(58 + (t + 0.5) / 2 * (width - 58 - 14))  # lesson.js SLICE_MARGIN, t ∈ [−½, 1½]
        return int(curve[:, u - 8 : u + 9].sum())

    assert min(around(0), around(1)) > 1.5 * around(0.5)
    # the curve dips inside the plot: its lowest point is below both ends
    cols = np.nonzero(curve.any(axis=0))[0]
    bottom = [np.nonzero(curve[:, c])[0].max() for c in cols]
    assert max(bottom) > bottom[0] + 10 and max(bottom) > bottom[-1] + 10
    page.keyboard.press("ArrowRight")
    assert root.get_attribute("data-slice-step") == "1"
    second = shot()
    assert np.abs(second - first).max(axis=-1).mean() > 1, "the slice moved with →"
    page.keyboard.press("ArrowLeft")
    assert np.abs(shot() - first).max() < 3
    page.keyboard.press("End")
    assert root.get_attribute("data-slice-step") == ""  # the last point has no step after it


def test_during_a_live_rate_scrub_the_slice_says_release_to_update(open_scene, land):
    from app import compute

    key = ("ravine", (), "", ())
    start = tuple(map(float, RAVINE.start))
    batch = compute.scrub_batch(key, 0, "lr", "gd", 0.4, (), "constant", (), 0, 40, start, 0.0, 0)
    blob = scene_blob(land, [_run(0.4)], start, steps=40, batches=[batch], slice_f=RAVINE.f)
    page = open_scene(blob)
    root = wait_map(page)
    root.locator(".slice-toggle").click()
    root.locator(".map-canvas").focus()
    page.keyboard.press("Home")
    assert root.get_attribute("data-slice-step") == "0"
    lr = root.locator(".lr")
    lr.evaluate("(e) => { e.value = String(e.max - 5); e.dispatchEvent(new Event('input')); }")
    assert root.get_attribute("data-slice-step") == ""  # "release the control to update"
    lr.evaluate(
        "(e, i) => { e.value = String(i); e.dispatchEvent(new Event('input')); }", batch.current
    )
    assert root.get_attribute("data-slice-step") == "0"  # back on its own rate: drawn again
