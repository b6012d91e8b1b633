"""Real-browser box checks of the lab pages (issue 12, "Readable everywhere"): at a projector's
1280×800 and 1024×768 and a phone's 390×844 no table cell, caption or label is cut, every
figure fits the page width, no chart text is cut by its edge or lies over another label, no
Plotly toolbar can cover a legend; the dark theme follows the system setting."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.e2e.conftest import wait_idle, wait_plotted

pytestmark = pytest.mark.e2e

VIEWS = ("sweep", "finder", "basins&bm_n=40", "phase&pd_n=15", "race", "sgd")
SIZES = ((1280, 800), (1024, 768), (390, 844))
SHOTS = Path(tempfile.gettempdir()) / "lab_layout_shots"

# Elements whose text must not be clipped: a box narrower than its content (scrollWidth >
# clientWidth, 1 px of rounding allowed) with overflow hidden cuts it.
CUT = """(table) => {
  const sel = (table ? "[data-testid='stTable'], [data-testid='stTable'] *, "
                     : "[data-testid='stTable'] td, [data-testid='stTable'] th, ")
            + "[data-testid='stCaptionContainer'], [data-testid='stWidgetLabel'], "
            + "[data-testid='stMarkdownContainer'] p, button, button *"
            + ["stMultiSelect'] *", "stSelectbox'] *", "stButtonGroup'] *", "stNumberInput'] input"]
                .map(w => `, [data-testid='stMain'] [data-testid='${w}`).join("");  // chips, values
  return [...document.querySelectorAll(sel)]
    .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1
                 && getComputedStyle(e).overflowX !== 'visible')
    .map(e => `${e.tagName} ${e.scrollWidth}>${e.clientWidth}: `
              + (e.value || e.textContent).slice(0, 40));
}"""
FIGURES = """() => {
  const main = document.querySelector("[data-testid='stMain']").getBoundingClientRect();
  return [...document.querySelectorAll("[data-testid='stPlotlyChart']")].map(e => {
    const r = e.getBoundingClientRect();
    return {left: r.left, right: r.right, main: main.right,
            modebar: !!e.querySelector('.modebar-container .modebar-group')}; }); }"""


# Plotly's SVG text of every chart: none outside the chart (cut by its edge), no annotation,
# legend entry or title over another one, every log axis with our 10⁻³ ticks (tickmode array).
SVG_TEXT = r"""() => [...document.querySelectorAll("[data-testid='stPlotlyChart']")].map((e, i) => {
  const box = e.getBoundingClientRect(), gd = e.querySelector('.js-plotly-plot');
  const rect = t => { const r = t.getBoundingClientRect();
    return {text: `chart ${i}: ${t.textContent.slice(0, 30)}`, l: r.left, r: r.right,
            t: r.top, b: r.bottom, w: r.width}; };
  const all = [...e.querySelectorAll('.annotation-text, .legendtext, .gtitle, .xtitle, .ytitle, '
                                     + '.xtick text, .ytick text, .cbtitle text, .cbaxis text')]
    .map(rect).filter(r => r.w > 0);
  const out = all.filter(r => r.l < box.left - 1 || r.r > box.right + 1
                              || r.t < box.top - 1 || r.b > box.bottom + 1).map(r => r.text);
  const labels = [...e.querySelectorAll('.annotation-text, .legendtext, .gtitle')].map(rect)
    .filter(r => r.w > 0);
  const over = [];
  labels.forEach((a, j) => labels.slice(j + 1).forEach(b => {
    const w = Math.min(a.r, b.r) - Math.max(a.l, b.l), h = Math.min(a.b, b.b) - Math.max(a.t, b.t);
    if (w > 2 && h > 2) over.push(`${a.text} × ${b.text}`); }));
  const fl = gd._fullLayout, plain = Object.keys(fl)
    .filter(k => /^[xy]axis\d*$/.test(k) && fl[k].type === 'log' && fl[k].tickmode !== 'array');
  return {out, over, plain}; })"""


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("view", VIEWS)
def test_lab_page_boxes(open_app, view, size):
    page = open_app(f"?view={view}", *size)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"{view.split('&')[0]}-{size[0]}.png", full_page=True)
    cut = page.evaluate(CUT, True)
    assert cut == [], "\n".join(cut)  # the race's table fits a phone too (issue 12)
    for texts in page.evaluate(SVG_TEXT):
        assert texts == {"out": [], "over": [], "plain": []}, texts
    for fig in page.evaluate(FIGURES):
        assert fig["left"] >= -1 and fig["right"] <= fig["main"] + 1, fig
        assert not fig["modebar"], "a Plotly toolbar would cover the legend on hover"


def test_dark_system_setting_gives_a_dark_page_with_light_text(server_url, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(f"{server_url}/?view=sweep")
        wait_idle(page)
        wait_plotted(page)
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SHOTS / "sweep-dark.png")
        colours = page.evaluate("""() => {
            const bg = getComputedStyle(document.querySelector("[data-testid='stApp']"))
                .backgroundColor;
            const p = document.querySelector("[data-testid='stMarkdownContainer'] p");
            return [bg, getComputedStyle(p).color]; }""")
        background, text = (luminance(c) for c in colours)
        assert background < 0.2 and text > 0.6, colours
    finally:
        context.close()


def luminance(css: str) -> float:
    """0 (black) … 1 (white) of an 'rgb(r, g, b)' / 'rgba(…)' colour (mean of the channels)."""
    channels = [float(v) for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]
    return sum(channels) / 765
