"""The lessons page in real Chromium: before Reveal no path beyond the start and no verdict;
choose, Reveal → the path grows over time and the judgement shows; in presentation mode the
prompt, the choices, Reveal and Play fit the first viewport of a projector."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from tests.e2e.conftest import wait_idle, wait_map
from tests.e2e.test_map_e2e import landscape_stats, plot_pixels
from tests.e2e.test_map_lesson_e2e import near

pytestmark = pytest.mark.e2e

LESSON = "lessons?lesson=too_large&present=1"
RACERS = (np.array([0x00, 0x72, 0xB2]), np.array([0xD5, 0x5E, 0x00]))  # the two racers' colours
RIGHT = "Only Gradient descent · lr 0.45 reaches it within 100 steps"  # the pick rule's truth
DOCS = Path(__file__).resolve().parents[2] / "docs"


def wait_for(root, ok, timeout: float = 30.0) -> int:
    """Poll the map root until ok(root); returns the step shown then."""
    end = time.monotonic() + timeout
    while not ok(root):
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)
    return int(root.get_attribute("data-step"))


def racer_pixels(page) -> int:
    pixels = plot_pixels(page)
    return int(sum(near(pixels, colour).sum() for colour in RACERS))


def test_before_reveal_hidden_after_reveal_played_and_judged(open_app):
    page = open_app(LESSON)
    root = wait_map(page)
    assert root.get_attribute("data-hidden") == "true"
    share, _ = landscape_stats(plot_pixels(page))
    assert share > 0.5  # the landscape is drawn
    before = racer_pixels(page)
    for text in ("Diverged", "converges", "Right:", "Not quite", "What happened"):
        assert (
            not page.get_by_text(text).first.is_visible()
            if page.get_by_text(text).count()
            else True
        )
    assert page.get_by_role("button", name="Reveal").is_disabled()
    if os.environ.get("LESSON_SHOTS"):
        page.screenshot(path=str(DOCS / "lesson-before.png"))
    page.get_by_text(RIGHT).click()
    wait_idle(page)
    page.get_by_role("button", name="Reveal").click()
    wait_idle(page)
    page.locator(".dlmap[data-hidden='false']").first.wait_for(state="attached", timeout=60_000)
    root = wait_map(page)
    steps = [wait_for(root, lambda r: int(r.get_attribute("data-step")) > 0)]
    steps.append(wait_for(root, lambda r: int(r.get_attribute("data-step")) > steps[0] + 5))
    wait_for(root, lambda r: r.get_attribute("data-playing") == "false")
    assert int(steps[1]) > int(steps[0]) > 0  # the path grows over time
    after = racer_pixels(page)
    assert after > 5 * max(before, 20), (before, after)
    judged = page.get_by_text("Right:").first
    judged.wait_for(timeout=20_000)
    assert judged.is_visible()
    if os.environ.get("LESSON_SHOTS"):
        page.screenshot(path=str(DOCS / "lesson-after.png"))


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1024, 768)])  # 390×844: not yet
def test_prompt_choices_reveal_and_play_fit_the_first_viewport(open_app, width, height):
    page = open_app(LESSON, width=width, height=height)
    root = wait_map(page)
    boxes = {
        "prompt": page.get_by_test_id("stAlert").first.bounding_box(),
        "choices": page.get_by_test_id("stRadio").first.bounding_box(),
        "reveal": page.get_by_role("button", name="Reveal").bounding_box(),
        "play": root.locator(".play").bounding_box(),
    }
    for name, box in boxes.items():
        assert box is not None, name
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, (name, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (name, box)
