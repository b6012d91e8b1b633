"""Real-browser checks of the learning-rate lab views: each opens by URL, its chart renders with
the expected data (read from Plotly's DOM nodes), and one interaction reruns it."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from tests.e2e.conftest import wait_idle, wait_map, wait_plotted

pytestmark = pytest.mark.e2e

PLOTS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(el => ({
    traces: el.data.map(t => ({type: t.type, name: t.name || ''})),
    annotations: ((el.layout || {}).annotations || []).map(a => a.text),
}))"""


def plots(page) -> list[dict]:
    return page.evaluate(PLOTS)


def wait_for(page, predicate_js: str, timeout: float = 60_000) -> None:
    """Wait until `predicate_js` (a JS expression over `plots`, the PLOTS result) is true."""
    page.wait_for_function(f"() => {{ const plots = ({PLOTS})(); return {predicate_js}; }}",
                           timeout=timeout)  # fmt: skip


def count(fig: dict, trace_type: str) -> int:
    return sum(t["type"] == trace_type for t in fig["traces"])


def test_sweep_panels_and_new_rates(open_app):
    page = open_app("?view=sweep")
    wait_for(page, "plots.length == 8")  # six small multiples, then the two curves
    *panels, _, _ = plots(page)
    assert all(count(panel, "contour") == 1 for panel in panels)
    assert any("diverged at step" in panel["annotations"][0] for panel in panels)
    box = page.get_by_label("Learning rates to try (comma-separated)", exact=True)
    box.fill("0.6, 0.3")
    box.press("Enter")
    wait_for(page, "plots.length == 4")


def test_finder_sends_a_rate_to_explore(open_app):
    page = open_app("?view=finder")
    names = [t["name"] for t in plots(page)[0]["traces"]]
    assert any(n.startswith("valley:") for n in names)
    assert any(n.startswith("theory 2/λ_max") for n in names)
    button = page.get_by_role("button", name="valley")
    shown = float(re.search(r"lr ([0-9.e+-]+)", button.inner_text()).group(1))  # as printed
    button.click()
    page.wait_for_url(lambda url: "/finder" not in url, timeout=60_000)  # the explore page
    wait_map(page)  # the explore view's map (the client-side component)
    sent = float(re.search(r"opt=gd:lr=([0-9.e+-]+)", unquote(page.url)).group(1))
    assert sent == pytest.approx(shown, rel=0.01)  # the valley rate, unrounded, is the link's


def test_basins_render_and_classic_example(open_app):
    page = open_app("?view=basins&bm_n=40")
    fig = plots(page)[0]
    assert fig["traces"][0]["type"] == "heatmap"
    page.get_by_role("button", name="Show the classic").click()
    minima = "plots[0].traces.filter(t => t.name.startsWith('→ minimum')).length"
    wait_for(page, f"plots.length && {minima} == 3")
    assert "surface=wells" in page.url


# Before the page's own scripts: record every text an st.progress bar shows, however briefly.
WATCH_BARS = """(() => { window.bars = []; new MutationObserver(() => {
    const bar = document.querySelector("[data-testid='stProgress']");
    const last = window.bars[window.bars.length - 1];
    if (bar && bar.innerText !== last) window.bars.push(bar.innerText);
}).observe(document, {subtree: true, childList: true, characterData: true}); })()"""


def bars_seen(server_url, browser, query: str) -> list[str]:
    """Open `query` in a fresh page; the progress texts shown until the map is drawn."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.add_init_script(WATCH_BARS)
        page.goto(f"{server_url}/{query}")
        page.get_by_test_id("stPlotlyChart").first.wait_for(timeout=60_000)
        wait_idle(page)
        wait_plotted(page)
        assert page.get_by_test_id("stProgress").count() == 0  # removed once done
        return page.evaluate("() => window.bars")
    finally:
        context.close()


def test_basin_map_progress_when_cold_and_none_when_cached(server_url, browser):
    # ~2 s cold; a rate no other test uses, so the map is cold whatever ran before on this server
    query = "?view=basins&surface=himmelblau&opt=gd:lr=0.0137&bm_n=200&bm_steps=500"
    cold = bars_seen(server_url, browser, query)
    assert cold and all("of 40,000 starts" in text for text in cold), cold
    assert bars_seen(server_url, browser, query) == []  # a cache hit: no bar, not even a flash


def test_phase_diagram_colour_switch(open_app):
    page = open_app("?view=phase&pd_n=15")
    names = [t["name"] for t in plots(page)[0]["traces"]]
    assert any(n.startswith("theory: stable left of lr·λ_max = 2 + 2μ") for n in names)
    page.get_by_role("radio", name="final loss").click()
    wait_for(page, "plots.length && plots[0].traces[0].name.startsWith('log')")
    assert "pd_colour=loss" in page.url


def test_race_same_rate(open_app):
    page = open_app("?view=race&race_opts=gd,adam")
    labels = "(e) => JSON.parse(e.dataset.labels || '[]')"
    root = wait_map(page)  # the race's map is the map component (its racers' labels)
    assert any(label.startswith("Adam · lr") for label in root.evaluate(labels))
    settings = page.get_by_text("Race: Gradient descent, Adam · each at its best rate")
    settings.click()  # the settings' box, closed: the map comes first
    page.get_by_role("radio", name="all the same").click()
    wait_map(page, scene=2)
    assert sum(label.endswith("· lr 0.1") for label in root.evaluate(labels)) == 2
    assert "race_mode=same" in page.url


def test_sgd_fans_and_batch_change(open_app):
    page = open_app("?view=sgd")
    wait_for(page, "plots.length == 3")
    figs = plots(page)
    assert len(figs) == 3
    assert count(figs[0], "contour") == 2
    batch = page.get_by_label("Mini-batch size", exact=True)
    batch.fill("100")
    batch.press("Enter")
    page.wait_for_url(lambda url: "sgd_batch=100" in url, timeout=60_000)
