"""Map first (issue 12): in real Chromium at a projector's and a phone's size, the map and its
▶ Play sit inside the first viewport, the map takes its share of the width, no label is cut
and nothing lies over the map. Boxes are measured, not trace data."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import wait_map

pytestmark = pytest.mark.e2e

SIZES = [(1280, 800), (1024, 768), (390, 844)]

BOXES_JS = """root => {
  const host = root.getRootNode().host || root;  // the component's shadow host
  const box = e => { const r = e.getBoundingClientRect();
    return {x: r.left, y: r.top, w: r.width, h: r.height, r: r.right, b: r.bottom}; };
  const canvas = root.querySelector('.map-canvas'), play = root.querySelector('.play');
  const m = box(canvas);
  const cut = [...document.querySelectorAll(
      '[data-testid="stMain"] label, [data-testid="stCaptionContainer"], button, h1, h2, h3')]
    .filter(e => { const r = e.getBoundingClientRect();  // shown, not in a closed drawer
      return e.offsetParent && r.right > 0 && r.left < innerWidth && e.clientWidth > 0
        && e.scrollWidth > e.clientWidth + 1; })
    .map(e => e.textContent.trim().slice(0, 40));
  const over = [];  // something else drawn on top of the map's canvas (sampled on a grid)
  for (const fx of [0.1, 0.5, 0.9]) for (const fy of [0.1, 0.5, 0.9]) {
    const x = m.x + fx * m.w, y = m.y + fy * m.h;
    if (y > innerHeight) continue;
    const hit = document.elementFromPoint(x, y);
    if (hit && hit !== host && !host.contains(hit)) over.push(hit.tagName + '.' + hit.className);
  }
  return {map: m, play: box(play), vw: innerWidth, vh: innerHeight, cut, over};
}"""


def measure(open_app, query: str, width: int, height: int) -> dict:
    page = open_app(query, width=width, height=height)
    return wait_map(page).evaluate(BOXES_JS)


@pytest.mark.parametrize("present", [False, True], ids=["normal", "present"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_map_and_play_are_above_the_fold(open_app, size, present):
    width, height = size
    b = measure(open_app, "?present=1" if present else "", width, height)
    m, play = b["map"], b["play"]
    assert m["y"] >= 0 and m["b"] <= b["vh"], f"map {m} not inside the first {b['vh']} px"
    assert play["y"] >= 0 and play["b"] <= b["vh"], f"Play {play} below the fold"
    assert m["x"] >= 0 and m["r"] <= b["vw"] + 0.5, "the map is cut at the side"
    share = m["w"] / b["vw"]
    assert share >= (0.55 if width >= 1024 else 0.85), f"map is {share:.0%} of the width"
    assert not b["cut"], f"text cut: {b['cut']}"
    assert not b["over"], f"drawn over the map: {b['over']}"
