"""The lessons page in real Chromium: before Reveal no path beyond the start and no verdict;
choose (or click the map: "where will it end?"), Reveal → the path grows over time and the
judgement shows; in presentation mode the prompt, the choices, Reveal and Play fit the first
viewport of a projector; on a phone they follow each other under the map; no text is cut."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import numpy as np
import pytest

from app.classroom import questions
from app.lessons import LESSONS, NAMES
from tests.app.test_lesson_flow import runs
from tests.e2e.conftest import wait_idle, wait_map
from tests.e2e.test_map_e2e import landscape_stats, plot_pixels
from tests.e2e.test_map_lesson_e2e import PREDICTION, near

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


BOXES_JS = """map => {  // the map's root (in the component's shadow DOM)
  const box = e => { if (!e) return null; const r = e.getBoundingClientRect();
    return {x: r.left, y: r.top, w: r.width, h: r.height, r: r.right, b: r.bottom}; };
  const main = document.querySelector('[data-testid="stMain"]');
  return {
    prompt: box(main.querySelector('[data-testid="stAlert"]')),
    choices: box(main.querySelector('[data-testid="stRadio"]')),
    reveal: box([...main.querySelectorAll('button')].find(b => b.innerText.includes('Reveal'))),
    map: box(map.querySelector('.map-canvas')),
    play: box(map.querySelector('.play')),
    component: box(map),
  };
}"""


@pytest.mark.parametrize("lesson", ["too_large", "trapped"])  # choices / a map click
@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1024, 768)])
def test_prompt_choices_reveal_map_and_play_fit_a_projectors_first_viewport(
    open_app, width, height, lesson
):
    page = open_app(f"lessons?lesson={lesson}&present=1", width=width, height=height)
    boxes = wait_map(page).evaluate(BOXES_JS)
    shown = ("prompt", "reveal", "map", "play")
    for name in (*shown, "choices") if LESSONS[lesson].where is None else shown:
        box = boxes[name]
        assert box is not None, name
        assert box["y"] >= 0 and box["b"] <= height, (name, box)
        assert box["x"] >= 0 and box["r"] <= width, (name, box)


@pytest.mark.parametrize("query", ["lessons?lesson=too_large", LESSON], ids=["normal", "present"])
def test_on_a_phone_question_map_choices_and_reveal_follow_each_other(open_app, query):
    """390×844: the question, the map and ▶ Play in the first screen, then directly under the
    map's own bar and legend (no curves before the reveal) the choices, then Reveal."""
    page = open_app(query, width=390, height=844)
    b = wait_map(page).evaluate(BOXES_JS)
    for name in ("prompt", "map", "play"):
        assert b[name]["y"] >= 0 and b[name]["b"] <= 844, (name, b[name])
    assert b["prompt"]["b"] <= b["map"]["y"] < b["play"]["y"]
    assert b["component"]["b"] <= b["choices"]["y"] <= b["component"]["b"] + 80, b
    assert b["choices"]["b"] <= b["reveal"]["y"] <= b["choices"]["b"] + 40, b
    if "present" not in query:  # a student's phone: the choices start in the first screen
        assert b["choices"]["y"] < 844 - 100, b["choices"]


CUT_JS = """(labels) => {
  // text whose box is narrower than the text: a label, paragraph, button … (its own text
  // nodes) or an input showing a value (the picker); and the picker's longest option
  const main = document.querySelector('[data-testid="stMain"]');
  const cut = [...main.querySelectorAll('*')]
    .filter(e => e.tagName === 'INPUT' ? !!e.value
      : [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
    .filter(e => { const r = e.getBoundingClientRect();
      return e.offsetParent && r.right > 0 && r.left < innerWidth && e.clientWidth > 0
        && e.scrollWidth > e.clientWidth + 1; })
    .map(e => (e.value || e.textContent).trim().slice(0, 50));
  const picker = main.querySelector('[data-testid="stSelectbox"] input');
  const style = getComputedStyle(picker), ctx = document.createElement('canvas').getContext('2d');
  ctx.font = style.font;
  const room = picker.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const wide = labels.filter(l => ctx.measureText(l).width > room);
  return {cut, wide};
}"""
PICKER_LABELS = [f"{i} · {LESSONS[n].title}" for i, n in enumerate(NAMES, 1)]


def assert_no_cut_text(page) -> None:
    found = page.evaluate(CUT_JS, PICKER_LABELS)
    assert not found["cut"], f"text cut: {found['cut']}"
    assert not found["wide"], f"picker too narrow for: {found['wide']}"


@pytest.mark.parametrize("size", [(1280, 800), (1024, 768), (390, 844)], ids=str)
def test_no_text_is_cut_before_or_after_reveal(open_app, size):
    width, height = size
    page = open_app(LESSON, width=width, height=height)
    wait_map(page)
    assert page.locator(".dlmap .curves-canvas").first.is_hidden()  # nothing to plot yet
    assert page.get_by_text("Lesson 1 of 11 · Too large").first.is_visible()
    assert not page.get_by_text("Lesson 1 of 11: 1 ·").count()  # numbered once
    assert_no_cut_text(page)
    page.get_by_text(RIGHT).click()
    wait_idle(page)
    page.get_by_role("button", name="Reveal").click()
    wait_idle(page)
    root = page.locator(".dlmap[data-hidden='false']").first
    root.wait_for(state="attached", timeout=60_000)
    page.get_by_text("Right:").first.wait_for(timeout=20_000)
    assert page.locator(".dlmap .curves-canvas").first.is_visible()
    assert_no_cut_text(page)


def click_at(page, root, x: float, y: float) -> None:
    """Click the map at the data point (x, y) (the view the map shows: data-view)."""
    left, top, w, h = map(float, root.get_attribute("data-plot").split(","))
    x0, x1, y0, y1 = map(float, root.get_attribute("data-view").split(","))
    u = left + (x - x0) / (x1 - x0) * w
    v = top + (y1 - y) / (y1 - y0) * h
    root.locator(".map-canvas").click(position={"x": u, "y": v})


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=str)
def test_where_will_it_end_a_click_is_marked_shown_and_judged(open_app, size):
    name = "trapped"
    lesson = LESSONS[name]
    end = questions.end_point(runs(lesson.settings)[lesson.where])
    page = open_app(f"lessons?lesson={name}", width=size[0], height=size[1])
    root = wait_map(page)
    assert not page.get_by_test_id("stRadio").count()
    reveal = page.get_by_role("button", name="Reveal")
    assert reveal.is_disabled()
    before = plot_pixels(page)
    click_at(page, root, end[0] + 0.05, end[1])
    wait_idle(page)
    page.get_by_text("Your prediction:").first.wait_for(timeout=20_000)
    prompt = page.get_by_test_id("stAlert").first.inner_text().replace("−", "-")
    shown = re.search(r"Your prediction: \((-?[\d.]+), (-?[\d.]+)\)", prompt)
    assert shown, prompt  # rounded to the map's scale: 0.01 here
    assert [float(v) for v in shown.groups()] == pytest.approx([end[0] + 0.05, end[1]], abs=0.03)
    assert near(plot_pixels(page), PREDICTION).sum() > near(before, PREDICTION).sum() + 40
    assert reveal.is_enabled()
    reveal.click()
    wait_idle(page)
    page.locator(".dlmap[data-hidden='false']").first.wait_for(state="attached", timeout=60_000)
    judged = page.get_by_text("Right: Gradient descent · lr 0.05 ends at").first
    judged.wait_for(timeout=20_000)
    assert judged.is_visible()
    assert "trapped in a local minimum" in judged.inner_text()
    assert near(plot_pixels(page), PREDICTION).sum() > 40  # still marked after the reveal
