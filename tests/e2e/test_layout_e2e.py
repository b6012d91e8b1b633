"""Map first (issue 12): in real Chromium at a projector's and a phone's size, the map and its
whole toolbar sit inside the first viewport, the DRAWN plot area (the map root's data-plot)
takes its share of the width, no label is cut, nothing lies over the map, the title is not
under Streamlit's header bar, and a phone gets one column with the page list in the drawer.
Boxes are measured, not trace data."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import wait_idle, wait_map

pytestmark = pytest.mark.e2e

SIZES = [(1280, 800), (1024, 768), (390, 844)]
RACE = "opt=gd:lr%3D0.4;momentum:lr%3D0.05,momentum%3D0.9;adam:lr%3D0.1"
RACERS = {1: "", 3: RACE}

# texts whose box is narrower than their content are cut: the page's labels, captions,
# buttons, headings and the narration / theory / export text, and the map's own labels
CUT_JS = """(root) => {
  const shown = e => { const r = e.getBoundingClientRect();
    return e.offsetParent !== null && r.width > 0 && r.right > 0 && r.left < innerWidth; };
  const cut = e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'auto';
  const page = [...document.querySelectorAll(
      '[data-testid="stMain"] label, [data-testid="stCaptionContainer"], '
      + '[data-testid="stMain"] button, '
      + 'h1, h2, h3, h5, [data-testid="stMain"] [data-testid="stMarkdownContainer"] p, '
      + '[data-testid="stMain"] [data-testid="stMarkdownContainer"] > div, '
      + '[data-testid="stMain"] [data-testid="stCode"] code')];
  const own = [...root.querySelectorAll('.outcome, .legend-label, .rate-label, .scrub-for, '
      + '.readout, button, label, select')];
  const texts = [...page, ...own].filter(e => shown(e) && e.clientWidth > 0);
  const out = texts.filter(cut).map(e => 'cut: ' + e.textContent.trim().slice(0, 40));
  // and nothing of it wider than the page (cut by the window's edge)
  for (const e of texts) {
    const r = e.getBoundingClientRect();
    if (r.right > innerWidth + 1 && r.width < innerWidth)
      out.push('off: ' + e.textContent.trim().slice(0, 40));
  }
  // the rate strip's SVG labels inside their SVG ("diverges", "2/λ_max = 0.5", racers' rates)
  for (const svg of document.querySelectorAll('[data-testid="stMain"] svg')) {
    const box = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
                      || r.bottom > box.bottom + 1)) out.push('svg: ' + t.textContent.slice(0, 40));
    }
  }
  return out;
}"""

BOXES_JS = """root => {
  const host = root.getRootNode().host || root;  // the component's shadow host
  const box = e => { const r = e.getBoundingClientRect();
    return {x: r.left, y: r.top, w: r.width, h: r.height, r: r.right, b: r.bottom}; };
  const canvas = root.querySelector('.map-canvas'), c = box(canvas);
  const [left, top, w, h] = root.dataset.plot.split(',').map(Number);
  const plot = {x: c.x + left, y: c.y + top, w, h, r: c.x + left + w, b: c.y + top + h};
  const bar = root.querySelector('.bar');
  const tools = [...bar.querySelectorAll('button, select, input, output, label')]
    .filter(e => e.offsetParent !== null).map(e => ({name: e.getAttribute('aria-label')
      || e.textContent.trim(), ...box(e)}));
  const over = [];  // something else drawn on top of the map's plot area (sampled on a grid)
  for (const fx of [0.05, 0.5, 0.95]) for (const fy of [0.05, 0.5, 0.95]) {
    const x = plot.x + fx * plot.w, y = plot.y + fy * plot.h;
    if (y > innerHeight) continue;
    const hit = document.elementFromPoint(x, y);
    if (hit && hit !== host && !host.contains(hit)) over.push(hit.tagName + '.' + hit.className);
  }
  const header = document.querySelector('[data-testid="stHeader"]');
  const h1 = document.querySelector('[data-testid="stMain"] h1');
  const exit = document.querySelector('.st-key-exit_present button');
  const links = [...document.querySelectorAll('[data-testid="stTopNavLink"]')]
    .filter(e => e.offsetParent !== null).map(box);
  return {plot, canvas: c, bar: box(bar), tools, vw: innerWidth, vh: innerHeight, over,
          header: header ? box(header) : null, h1: h1 ? box(h1) : null,
          exit: exit ? box(exit) : null, links,
          scrollWidth: document.scrollingElement.scrollWidth};
}"""


def measure(open_app, query: str, width: int, height: int) -> tuple[dict, list[str]]:
    page = open_app(query, width=width, height=height)
    root = wait_map(page)
    page.wait_for_timeout(300)  # the map lays out again once the page below it has drawn
    return root.evaluate(BOXES_JS), root.evaluate(CUT_JS)


def inside(b: dict, vw: float, vh: float) -> bool:
    return b["x"] >= -0.5 and b["y"] >= -0.5 and b["r"] <= vw + 0.5 and b["b"] <= vh + 0.5


def overlaps(a: dict, b: dict) -> bool:
    return a["x"] < b["r"] and b["x"] < a["r"] and a["y"] < b["b"] and b["y"] < a["b"]


@pytest.mark.parametrize("racers", [1, 3], ids=["1racer", "3racers"])
@pytest.mark.parametrize("present", [False, True], ids=["normal", "present"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_drawn_map_and_its_toolbar_fill_the_first_viewport(open_app, size, present, racers):
    width, height = size
    query = "&".join(q for q in (RACERS[racers], "present=1" if present else "") if q)
    b, cut = measure(open_app, f"?{query}" if query else "", width, height)
    plot, vw, vh = b["plot"], b["vw"], b["vh"]
    assert inside(plot, vw, vh), f"drawn plot {plot} not inside the first {vw}×{vh}"
    share = plot["w"] / vw
    assert share >= (0.55 if width >= 1024 else 0.85), f"the drawn map is {share:.0%} of the width"
    outside = [t["name"] for t in b["tools"] if not inside(t, vw, vh)]
    assert not outside, f"toolbar controls outside the first viewport: {outside}"
    if present and width >= 1280:  # the toolbar on one row
        tallest = max(t["h"] for t in b["tools"])
        assert b["bar"]["h"] <= 1.5 * tallest, f"toolbar wraps: {b['bar']['h']:.0f} px tall"
    assert not b["over"], f"drawn over the map: {b['over']}"
    assert not cut, f"text cut: {cut}"
    assert b["scrollWidth"] <= vw, f"the page scrolls sideways: {b['scrollWidth']} > {vw}"
    header = b["header"]
    if present:
        assert b["h1"] is None  # the map gets the room
        if width >= 1024:  # "Exit" in the header bar, clear of the page links
            assert b["exit"] and inside(b["exit"], vw, header["b"]), b["exit"]
            assert not any(overlaps(b["exit"], link) for link in b["links"])
    else:  # the title under the header bar, not behind it
        assert b["h1"]["y"] >= header["b"] - 0.5, f"title {b['h1']} under the header {header}"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(
    "query", ["?opt=gd:lr%3D0.6&inspect=20", "?surface=rosenbrock&opt=gd:lr%3D0.6&inspect=3"]
)
def test_no_text_is_cut_below_the_map_either(open_app, size, query):
    """A diverging run (its "diverged at step …" outcome, narration, theory verdicts, the rate
    strip's labels), the step inspector and the exports, on the ravine and on Rosenbrock."""
    width, height = size
    _, cut = measure(open_app, query, width, height)
    assert not cut, f"text cut: {cut}"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_race_map_and_its_toolbar_come_first(open_app, size):
    """The race's settings sit in a closed box labelled with them, so its map and playback
    are in the first viewport of a projector, full width, and nothing is cut (phone too)."""
    width, height = size
    b, cut = measure(open_app, "race?race_opts=gd,momentum,adam", width, height)
    plot, vw, vh = b["plot"], b["vw"], b["vh"]
    if width >= 1024:
        assert inside(plot, vw, vh), f"drawn plot {plot} not inside the first {vw}×{vh}"
        outside = [t["name"] for t in b["tools"] if not inside(t, vw, vh)]
        assert not outside, f"toolbar controls outside the first viewport: {outside}"
    else:  # a phone: the map starts in the first screen, as wide as the page
        assert plot["y"] < vh and b["canvas"]["w"] >= 0.9 * vw
    assert not b["over"], f"drawn over the map: {b['over']}"
    assert not cut, f"text cut: {cut}"
    assert b["scrollWidth"] <= vw


def test_a_phone_gets_one_column_and_the_page_list_in_the_drawer(open_app):
    page = open_app("", width=390, height=844)
    root = wait_map(page)
    b = root.evaluate(BOXES_JS)
    assert b["scrollWidth"] <= 390
    main = page.get_by_test_id("stMainBlockContainer").bounding_box()
    assert b["canvas"]["w"] >= 0.95 * main["width"]  # one column: the map spans it
    assert not page.get_by_test_id("stTopNav").is_visible()  # no top navigation on a phone
    button = page.get_by_test_id("stExpandSidebarButton")
    assert button.is_visible()
    drawer = button.bounding_box()
    assert drawer["y"] + drawer["height"] <= b["header"]["b"]  # at the top, in the header
    links = page.get_by_test_id("stSidebarNavLink")
    closed = links.first.bounding_box()
    assert closed is None or closed["x"] + closed["width"] <= 0  # in the closed drawer
    button.click()
    page.wait_for_function(
        """() => { const a = document.querySelector('[data-testid="stSidebarNavLink"]');
                   return a && a.getBoundingClientRect().left >= 0; }"""
    )
    names = [links.nth(i).inner_text().split("\n")[-1].strip() for i in range(links.count())]
    assert {"Explore", "Lessons", "Sweep"} <= set(names), names
    for i in range(links.count()):
        r = links.nth(i).bounding_box()
        assert r["x"] >= 0 and r["x"] + r["width"] <= 390  # inside the open drawer
    links.filter(has_text="Sweep").first.click()
    page.wait_for_url("**/sweep**")
    wait_idle(page)
