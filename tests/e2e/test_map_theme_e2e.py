"""The map under the app's dark theme (.streamlit/config.toml's [theme.dark], which Streamlit
applies when the viewer's system prefers dark): the landscape is drawn as in the light theme
and the axis text is readable on the dark page."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import wait_idle, wait_map
from tests.e2e.test_map_e2e import landscape_stats, plot_pixels

pytestmark = pytest.mark.e2e

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"
DARK = tomllib.loads(CONFIG.read_text())["theme"]["dark"]
DARK_TEXT = DARK["textColor"]


def css_rgb(hex_colour: str) -> str:
    """'#E2E8F0' → 'rgb(226, 232, 240)', as getComputedStyle reports it."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def luminance(rgb) -> float:
    """WCAG relative luminance of an sRGB colour (0–255)."""
    c = np.asarray(rgb, dtype=float) / 255
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(c @ [0.2126, 0.7152, 0.0722])


def tick_text_contrast(page) -> float:
    """The WCAG contrast between the x-axis tick labels' most inked pixel and the page behind
    them (the band under the plot area)."""
    root = wait_map(page)
    left, top, w, h = map(float, root.get_attribute("data-plot").split(","))
    box = root.locator(".map-canvas").bounding_box()
    clip = {"x": box["x"] + left, "y": box["y"] + top + h + 6, "width": w, "height": 14}
    return ink_contrast(page.screenshot(clip=clip))


def ink_contrast(png: bytes) -> float:
    """The WCAG contrast between a screenshot's most inked pixel and its commonest colour (the
    background behind the text)."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), float).reshape(-1, 3)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    bg = colours[counts.argmax()]
    ink = pixels[np.abs(pixels - bg).sum(axis=1).argmax()]
    hi, lo = sorted((luminance(bg), luminance(ink)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def open_page(browser, url: str, scheme: str = "light"):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme=scheme)
    page = context.new_page()
    page.goto(url)
    wait_idle(page)
    wait_map(page)
    return context, page


def test_the_dark_theme_keeps_the_landscape_and_readable_axes(browser, server_url):
    light_context, light = open_page(browser, server_url)
    dark_context, dark = open_page(browser, server_url, scheme="dark")  # the system prefers dark
    try:
        share_light, mean_light = landscape_stats(plot_pixels(light))
        share_dark, mean_dark = landscape_stats(plot_pixels(dark))
        assert share_dark > 0.5 and abs(share_dark - share_light) < 0.05
        assert np.abs(mean_dark - mean_light).max() < 12, "the landscape differs in the dark"
        root = wait_map(dark)
        assert root.evaluate("(e) => getComputedStyle(e).color") == css_rgb(DARK_TEXT)
        assert tick_text_contrast(dark) >= 4.5 and tick_text_contrast(light) >= 4.5
        root.locator(".play").click()  # and it plays in the dark as in the light
        dark.wait_for_function("(e) => Number(e.dataset.step) > 3", arg=root.element_handle())
        assert landscape_stats(plot_pixels(dark))[0] > 0.9 * share_dark
    finally:
        light_context.close()
        dark_context.close()


def test_a_theme_change_in_place_redraws_the_axes_in_the_new_colours(app_page):
    """Streamlit switches theme by changing its --st-* variables in place (no rerun, no
    remount; this app's minimal toolbar hides the switcher, so the test changes them as
    Streamlit would): the map re-reads them and redraws, landscape included."""
    root = wait_map(app_page)
    share, mean = landscape_stats(plot_pixels(app_page))
    root.evaluate(
        f"""(e) => {{ e.style.setProperty('--st-text-color', '{DARK_TEXT}');
                     e.style.setProperty('--st-background-color', '{DARK["backgroundColor"]}');
                     e.style.background = '{DARK["backgroundColor"]}'; }}"""
    )
    app_page.wait_for_function("(e) => e.dataset.themes === '1'", arg=root.element_handle())
    share1, mean1 = landscape_stats(plot_pixels(app_page))
    assert share1 > 0.9 * share and np.abs(mean1 - mean).max() < 12
    assert tick_text_contrast(app_page) >= 4.5  # light ticks on the dark background now
