"""The data view of a model landscape in Chromium (app/components/dataview/): it follows the
map's playback in the browser (the same step, a moving boundary / curve, no rerun), draws the
model where its weights put it (pixels vs the exact line / curve), follows the 3-D view too,
and fits the viewport on a laptop and a phone with no text cut."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import count_reruns, wait_map

pytestmark = pytest.mark.e2e

DATA = ".dldata[data-scene]"  # the data view, once it has drawn a scene
# both components' steps read in one task (they live in open shadow roots)
STEPS_JS = """() => {
  const find = (sel) => {
    for (const h of document.querySelectorAll('*')) {
      const e = h.shadowRoot && h.shadowRoot.querySelector(sel);
      if (e) return e;
    }
    return document.querySelector(sel);
  };
  const m = find('.dlmap'), d = find('.dldata');
  return {map: Number(m.dataset.step), data: Number(d.dataset.step),
          readout: m.querySelector('.readout').textContent,
          shown: d.querySelector('.dv-step').textContent, frames: Number(d.dataset.frames)};
}"""


def wait_data(page):
    wait_map(page)
    page.locator(DATA).first.wait_for(state="attached", timeout=60_000)
    return page.locator(DATA).first


def plot_pixels(root) -> np.ndarray:
    """A screenshot of the data view's plot area (inside its axes) as an (H, W, 3) array."""
    left, top, w, h = (round(float(v)) for v in root.get_attribute("data-plot").split(","))
    png = root.locator(".dv-canvas").screenshot()
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float64)
    return pixels[top + 2 : top + h - 2, left + 2 : left + w - 2]


def racer_pixels(pixels: np.ndarray, colour: str) -> np.ndarray:
    """A mask of the pixels within a small distance of the racer's colour (its line)."""
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)
    return np.abs(pixels - rgb).max(axis=-1) < 40


@pytest.mark.parametrize("surface", ["logistic", "tiny_net"])
def test_the_data_view_moves_with_the_map_step_and_playback(open_app, surface):
    page = open_app(f"?surface={surface}&steps=40")
    data = wait_data(page)
    root = wait_map(page)
    steps = page.evaluate(STEPS_JS)
    assert steps["map"] == steps["data"] == 40  # a new scene shows the whole run in both
    colour = data.locator(".dv-stats line").first.get_attribute("stroke")
    reruns = count_reruns(page)
    shots = {}
    for k in (0, 20):
        root.locator(".scrub").fill(str(k))
        page.wait_for_function(f"() => ({STEPS_JS})().data === {k}", timeout=10_000)
        steps = page.evaluate(STEPS_JS)
        assert steps["map"] == steps["data"] == k
        assert steps["readout"] == steps["shown"] == f"step {k} / 40"
        shots[k] = plot_pixels(data)
    line0, line20 = (racer_pixels(shots[k], colour) for k in (0, 20))
    assert line0.sum() > 50 and line20.sum() > 50, "the racer's model is not drawn"
    moved = (line0 ^ line20).sum() / max(line0.sum(), line20.sum())
    assert moved > 0.3, f"the boundary / curve barely moved between steps 0 and 20: {moved:.2f}"
    # → steps the map; the data view follows
    root.locator(".map-canvas").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate(STEPS_JS)["data"] == 21
    # playback: every frame the map draws, the data view shows the same step
    root.locator(".play").click()
    seen = set()
    for _ in range(12):
        s = page.evaluate(STEPS_JS)
        assert s["map"] == s["data"], s
        seen.add(s["data"])
        time.sleep(0.1)
    page.wait_for_function(f"() => ({STEPS_JS})().data === 40", timeout=20_000)
    assert len(seen) >= 3, f"playback showed too few distinct steps: {sorted(seen)}"
    assert reruns() == 0, "following the map must not rerun the script"


@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)])
@pytest.mark.parametrize("surface", ["logistic", "tiny_net"])
def test_the_data_view_fits_the_viewport_with_no_text_cut(open_app, surface, width, height):
    page = open_app(f"?surface={surface}&opt=gd:lr%3D0.5;adam:lr%3D0.1", width=width, height=height)
    data = wait_data(page)
    box = data.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
    cut = data.evaluate(
        """(root) => [root, ...root.querySelectorAll('*')]
            .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
            .map(e => e.className || e.tagName)"""
    )
    assert cut == [], f"text cut in the data view: {cut}"
    items = data.locator(".dv-stats li")
    assert items.count() == 2  # one line per racer
    for i in range(2):
        text = items.nth(i).inner_text()
        assert "accuracy" in text and "validation" in text
        assert not any(bad in text for bad in ("NaN", "undefined", "Infinity", "null"))
        li = items.nth(i).bounding_box()
        assert li["x"] + li["width"] <= width + 0.5


def distances_to_model(root, mask: np.ndarray, surface: str, p) -> np.ndarray:
    """For each masked pixel of the plot area: its distance in pixels from the model drawn
    exactly — the line w₁x₁ + w₂x₂ = 0, or the curve y = σ(v·tanh(w·x)) (vertically)."""
    _, _, w, h = (float(v) for v in root.get_attribute("data-plot").split(","))
    x0, x1, y0, y1 = (float(v) for v in root.get_attribute("data-box").split(","))
    rows, cols = np.nonzero(mask)
    u, v = cols + 2 + 0.5, rows + 2 + 0.5  # the crop starts 2 px inside the axes
    xd, yd = x0 + u / w * (x1 - x0), y1 - v / h * (y1 - y0)
    if surface == "logistic":
        du, dv = p[0] * (x1 - x0) / w, -p[1] * (y1 - y0) / h  # d(w·x) per pixel
        return np.abs(p[0] * xd + p[1] * yd) / np.hypot(du, dv)
    fit = 0.5 + 0.5 * np.tanh(0.5 * p[1] * np.tanh(p[0] * xd))
    return np.abs(yd - fit) * h / (y1 - y0)


@pytest.mark.parametrize("surface", ["logistic", "tiny_net"])
def test_the_model_is_drawn_where_its_weights_put_it(open_app, surface):
    from surfaces import make_surface

    page = open_app(f"?surface={surface}&steps=40")
    data, root = wait_data(page), wait_map(page)
    root.locator(".scrub").fill("0")  # step 0: the model at the start point
    page.wait_for_function(f"() => ({STEPS_JS})().data === 0", timeout=10_000)
    colour = data.locator(".dv-stats line").first.get_attribute("stroke")
    mask = racer_pixels(plot_pixels(data), colour)
    assert mask.sum() > 50
    d = distances_to_model(data, mask, surface, make_surface(surface).start)
    assert np.quantile(d, 0.95) < 3.0, f"the drawn model is off by {np.quantile(d, 0.95):.1f} px"


def test_in_the_3d_view_the_data_view_still_follows_the_map(open_app):
    page = open_app("?surface=logistic&steps=40")
    wait_data(page)
    root = wait_map(page)
    root.locator("button[value='3d']").click()  # the map's own toggle: no rerun
    page.wait_for_function("(e) => e.dataset.mode === '3d'", arg=root.element_handle())
    reruns = count_reruns(page)
    root.locator(".scrub").fill("7")
    page.wait_for_function(f"() => ({STEPS_JS})().data === 7", timeout=10_000)
    assert page.evaluate(STEPS_JS)["shown"] == "step 7 / 40"
    assert reruns() == 0
