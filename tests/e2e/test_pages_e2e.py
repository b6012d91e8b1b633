"""Views as pages in Chromium: each page opens by its URL path, an old `?view=` link opens its
page with the rest of the scene, and the top navigation moves between pages, a page's own
link keys leaving the address bar with it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import wait_idle

pytestmark = pytest.mark.e2e

PAGES = {  # URL path -> a sentence only that page shows
    "": "What happened",
    "sweep": "Try rates on a grid.",
    "finder": "The LR range test",
    "basins": "Where does each start end up?",
    "phase": "Learning rate × momentum.",
    "race": "A fair race.",
    "sgd": "Mini-batch SGD on a real model.",
}
LIGHT = "bm_n=40&pd_n=15&sgd_runs=4"


def open_page(browser, server_url, path_and_query: str):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{server_url}/{path_and_query}")
    wait_idle(page)
    return context, page


def where(page) -> tuple[str, dict]:
    url = urlsplit(page.url)
    return url.path.strip("/"), {k: v[0] for k, v in parse_qs(url.query).items()}


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_opens_by_its_url_path(browser, server_url, path):
    context, page = open_page(browser, server_url, f"{path}?surface=bowl&{LIGHT}")
    try:
        page.get_by_text(PAGES[path]).first.wait_for(timeout=60_000)
        got, query = where(page)
        assert got == path and query["surface"] == "bowl" and "view" not in query
    finally:
        context.close()


def test_an_old_view_link_opens_its_page_with_the_scene(browser, server_url):
    context, page = open_page(browser, server_url, "?view=race&race_opts=gd,adam&surface=bowl")
    try:
        page.wait_for_url(lambda url: "/race" in url, timeout=60_000)
        page.get_by_text(PAGES["race"]).first.wait_for(timeout=60_000)
        wait_idle(page)
        _, query = where(page)
        assert query["race_opts"] == "gd,adam" and query["surface"] == "bowl"
        assert "view" not in query
    finally:
        context.close()


def test_the_navigation_moves_between_pages_and_their_keys(browser, server_url):
    context, page = open_page(browser, server_url, "sweep?sweep_lrs=0.6,0.1&opt=adam:lr=0.2")
    try:
        page.get_by_text(PAGES["sweep"]).first.wait_for(timeout=60_000)
        page.get_by_role("link", name="Explore", exact=True).click()
        page.wait_for_url(lambda url: "/sweep" not in url, timeout=60_000)
        page.get_by_text(PAGES[""]).first.wait_for(timeout=60_000)
        wait_idle(page)
        _, query = where(page)
        assert "sweep_lrs" not in query and query["opt"] == "adam:lr=0.2"
        page.get_by_role("link", name="Sweep", exact=True).click()
        page.wait_for_url(lambda url: "/sweep" in url, timeout=60_000)
        page.wait_for_function("() => location.search.includes('sweep_lrs')", timeout=60_000)
        _, query = where(page)
        assert query["sweep_lrs"] == "0.6,0.1" and query["opt"] == "adam:lr=0.2"
    finally:
        context.close()
