"""The lab pages under the dark theme (the system prefers dark: .streamlit/config.toml's
[theme.dark]): every chart's background is the page's dark background, in pixels, and its
tick labels read on it (WCAG contrast ≥ 4.5)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import wait_map
from tests.e2e.test_map_theme_e2e import DARK, ink_contrast, tick_text_contrast

pytestmark = pytest.mark.e2e

CHART_VIEWS = ("sweep", "finder", "basins&bm_n=40", "phase&pd_n=15", "sgd")
PAGE_BG = np.array([int(DARK["backgroundColor"][i : i + 2], 16) for i in (1, 3, 5)])
HAS_LANDSCAPE = """(chart) => chart.querySelector('.js-plotly-plot')._fullData
    .some(t => t.type === 'contour' && t.contours.coloring === 'fill')"""
TICKS = """(chart) => [...chart.querySelectorAll('.xtick text, .ytick text')]
    .map(t => t.getBoundingClientRect()).filter(r => r.width > 4)
    .map(r => ({x: r.x - 2, y: r.y - 2, width: r.width + 4, height: r.height + 4}))"""


def rgb(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), float)


def edge_pixels(image: np.ndarray, px: int = 3) -> np.ndarray:
    """The outer `px`-wide ring of a chart's screenshot: its paper, outside every plot."""
    ring = np.ones(image.shape[:2], bool)
    ring[px:-px, px:-px] = False
    return image[ring]


@pytest.mark.parametrize("view", CHART_VIEWS)
def test_lab_charts_are_drawn_on_the_dark_page(open_app, view):
    page = open_app(f"?view={view}", scheme="dark")
    charts = page.get_by_test_id("stPlotlyChart")
    assert charts.count() >= 1
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        image = rgb(chart.screenshot())
        off = np.abs(edge_pixels(image) - PAGE_BG).max(axis=1)
        assert (off <= 6).mean() > 0.97, f"chart {i}: its paper is not the page's background"
        if not chart.evaluate(HAS_LANDSCAPE):  # (the pale landscapes are drawn as in light)
            light = (image.min(axis=2) >= 200).mean()
            assert light < 0.1, f"chart {i}: {light:.0%} light pixels: a white plot area?"
        boxes = chart.evaluate(TICKS)
        # the sweep's small multiples (all but its last chart) have no ticks
        assert boxes or (view == "sweep" and i < charts.count() - 1)
        for box in boxes[:3]:
            assert ink_contrast(page.screenshot(clip=box)) >= 4.5, (i, box)


def test_the_race_map_reads_on_the_dark_page(open_app):
    page = open_app("?view=race", 1280, 1100, scheme="dark")  # the map's axis in view
    wait_map(page).locator(".map-canvas").scroll_into_view_if_needed()
    assert tick_text_contrast(page) >= 4.5
