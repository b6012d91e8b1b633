"""The rate strip (app/figures/rate_strip.py) drawn by Chromium: boxes, not markup.

The HTML goes into a plain page (light and dark text colours, as Streamlit's themes set them)
at 390, 1024 and 1280 px, full width and in a narrow theory column; every label must lie
inside the strip and overlap no other label, tick labels too, and every racer's marker must
be drawn.
"""

from __future__ import annotations

import pytest

from app.figures.rate_strip import rate_strip_html

COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#000000")
NAN = float("nan")
SCENES = {
    # ravine λ = 4: 2/λ = 0.5, best 0.476, six racers crowded around them (momentum's 0.75)
    "crowded": (0.5, 0.476, [(f"R{i}", 0.35 + 0.05 * i, COLOURS[i], NAN) for i in range(6)]),
    "own limits": (0.5, 0.476, [("GD", 0.4, COLOURS[0], 0.5), ("HB", 0.6, COLOURS[1], 0.75),
                                ("Adam", 0.1, COLOURS[2], NAN)]),
    # a stiff minimum: the limit near the low end, rates at both ends of the axis
    "edges": (2e-4, 1.5e-4, [("a", 1e-4, COLOURS[0], NAN), ("b", 10.0, COLOURS[1], NAN),
                             ("c", 9.0, COLOURS[2], 3e-4), ("d", 1.1e-4, COLOURS[3], NAN)]),
}  # fmt: skip
THEMES = {"light": ("#ffffff", "#31333f"), "dark": ("#0e1117", "#fafafa")}  # Streamlit's

BOXES_JS = """() => {
  const box = (e) => { const r = e.getBoundingClientRect();
    return {l: r.left, r: r.right, t: r.top, b: r.bottom, w: r.width, h: r.height}; };
  const texts = (s, css) =>
    [...s.querySelectorAll(css)].map((e) => ({...box(e), text: e.textContent}));
  return [...document.querySelectorAll('.dl-rate-strip')].map((s) => ({
    strip: box(s), scroll: [s.scrollWidth, s.clientWidth],
    labels: texts(s, '.dl-rs-label'), ticks: texts(s, '.dl-rs-ticklabel'),
    markers: [...s.querySelectorAll('.dl-rs-label svg')].map((e) => ({...box(e),
      fill: e.getAttribute('fill'), shape: e.firstElementChild.outerHTML})),
    colour: getComputedStyle(s.querySelector('.dl-rs-label')).color,
  }));
}"""


def page_html(theme: str, present: bool) -> str:
    background, text = THEMES[theme]
    strips = "".join(
        f"<section>{rate_strip_html(stable, best, rates, 1e-4, 10.0, present)}</section>"
        for stable, best, rates in SCENES.values()
    )
    return (
        f"<html><body style='margin:0;padding:16px;background:{background};color:{text};"
        f"font-family:sans-serif'><main>{strips}</main>"
        f"<aside style='width:320px'>{strips}</aside></body></html>"
    )


def overlap(a: dict, b: dict) -> bool:
    return (
        a["l"] < b["r"] - 0.5
        and b["l"] < a["r"] - 0.5
        and a["t"] < b["b"] - 0.5
        and b["t"] < a["b"] - 0.5
    )


@pytest.mark.e2e
@pytest.mark.parametrize("width", [390, 1024, 1280])
@pytest.mark.parametrize("present", [False, True], ids=["normal", "present"])
def test_labels_inside_the_strip_never_overlap_and_markers_drawn(browser, width, present):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_content(page_html("light", present))
    strips = page.evaluate(BOXES_JS)
    page.close()
    assert len(strips) == 2 * len(SCENES)
    for strip, (name, (_, _, rates)) in zip(strips, [*SCENES.items()] * 2, strict=True):
        s = strip["strip"]
        assert strip["scroll"][0] <= strip["scroll"][1], name  # nothing sticks out
        for item in strip["labels"] + strip["ticks"]:
            assert s["l"] - 0.5 <= item["l"] and item["r"] <= s["r"] + 0.5, (name, item)
            assert s["t"] - 0.5 <= item["t"] and item["b"] <= s["b"] + 0.5, (name, item)
        for group in (strip["labels"], strip["ticks"]):
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    assert not overlap(a, b), (name, width, a["text"], b["text"])
        markers = strip["markers"]
        assert [m["fill"] for m in markers] == [c for _, _, c, _ in rates], name
        assert len({m["shape"] for m in markers}) == len(rates)  # a shape of its own each
        assert all(m["w"] >= 13 and m["h"] >= 13 for m in markers)
        assert [t["text"] for t in strip["ticks"]] == ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "1", "10"]


@pytest.mark.e2e
def test_text_follows_the_theme(browser):
    """Labels are mixed with the text colour: light text on the dark theme, dark on the light."""
    lightness = {}
    for theme in THEMES:
        page = browser.new_page(viewport={"width": 1024, "height": 900})
        page.set_content(page_html(theme, False))
        colour = page.evaluate(BOXES_JS)[0]["colour"]  # "GD stable": colour-mix of green and text
        page.close()
        values = colour[colour.index("(") + 1 : -1].replace(",", " ").split()[-3:]
        unit = 1.0 if colour.startswith("color(srgb") else 255.0  # color-mix may stay in srgb
        lightness[theme] = sum(float(v) / unit for v in values) / 3
    assert lightness["dark"] > lightness["light"] + 0.15, lightness
