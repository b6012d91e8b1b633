"""A new tab's first map in real Chromium: drawn once before its first frame (not again by
the ResizeObserver's first call), redrawn when the window changes size, and the explore page
does not make a new tab load st.code's syntax-highlighter chunk (the share link sits in a
popover; the chunk loads when it is opened)."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import wait_idle, wait_map

pytestmark = pytest.mark.e2e

HIGHLIGHTER = "StreamlitSyntaxHighlighter"
TWO_FRAMES = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


@pytest.fixture
def new_tab(browser, server_url):
    """A new browser context (cold cache) on the explore page; the chunks it fetched."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.fetched = []
    page.on("request", lambda request: page.fetched.append(request.url))
    page.goto(f"{server_url}/")
    wait_map(page)
    yield page
    context.close()


def test_the_first_map_is_drawn_once_and_redrawn_on_a_resize(new_tab):
    root = wait_map(new_tab)
    new_tab.evaluate(TWO_FRAMES)  # the ResizeObserver's first call has run, the frame painted
    wait_idle(new_tab)
    assert root.get_attribute("data-layouts") == "1"
    width = float(root.get_attribute("data-plot").split(",")[2])
    new_tab.set_viewport_size({"width": 1024, "height": 768})
    deadline = time.monotonic() + 10
    while float(root.get_attribute("data-plot").split(",")[2]) >= width:
        assert time.monotonic() < deadline, "the map was not redrawn for the smaller window"
        time.sleep(0.05)
    assert int(root.get_attribute("data-layouts")) >= 2


def test_a_new_tab_loads_no_syntax_highlighter_until_the_link_is_opened(new_tab):
    wait_idle(new_tab)
    assert not [url for url in new_tab.fetched if HIGHLIGHTER in url]
    new_tab.get_by_role("button", name="Link to this scene").click()
    link = new_tab.get_by_test_id("stCode")
    link.wait_for()
    assert link.inner_text().startswith("http://127.0.0.1")
    assert [url for url in new_tab.fetched if HIGHLIGHTER in url]
