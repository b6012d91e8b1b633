"""A class in real Chromium: one teacher (projector) and three students (phones).

The server runs with its own empty data directory (SQLite), so the class starts from nothing.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator

import pytest

from app.classroom.questions import ASKS

from .conftest import streamlit_server, wait_idle, wait_map
from .test_map_e2e import landscape_stats, plot_pixels

pytestmark = pytest.mark.e2e

CHOICES = dict(ASKS["too_large"].choices)
CHOICE_B, CHOICE_D = f"B — {CHOICES['B']}", f"D — {CHOICES['D']}"


@pytest.fixture(scope="module")
def class_server(tmp_path_factory) -> Iterator[str]:
    """An app server of its own, with its own SQLite class store (no PostgreSQL URL)."""
    env = {**os.environ, "DESCENT_DATA_DIR": str(tmp_path_factory.mktemp("class-data"))}
    env.pop("DESCENT_DATABASE_URL", None)
    with streamlit_server(env=env) as url:
        yield url


def count(page, which: str) -> str:
    return page.locator(f"[data-count='{which}']").inner_text()


def wait_count(page, which: str, value: int, timeout: float = 10_000) -> None:
    page.wait_for_function(
        f"""() => {{ const e = document.querySelector("[data-count='{which}']");
                    return e && e.textContent.trim() === '{value}'; }}""",
        timeout=timeout,
    )


def test_a_class_joins_answers_and_sees_the_reveal(class_server, browser):
    contexts = []
    try:
        teacher_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        contexts.append(teacher_ctx)
        teacher = teacher_ctx.new_page()
        teacher.goto(f"{class_server}/?lesson=too_large")
        wait_idle(teacher)
        teacher.get_by_role("button", name="Start a class").click()
        dialog = teacher.get_by_role("dialog")
        dialog.wait_for(timeout=30_000)
        private = dialog.locator("code").inner_text()
        secret = re.search(r"teacher=([\w-]+)", private).group(1)
        code = re.search(r"class=(\w{4})", teacher.url).group(1)
        assert "teacher=" not in teacher.url
        teacher.keyboard.press("Escape")
        dialog.wait_for(state="detached", timeout=10_000)
        wait_count(teacher, "joined", 0)
        assert secret not in teacher.content()  # never on the projector view
        qr = teacher.locator("img[src^='data:image/svg+xml']")
        qr.wait_for(timeout=10_000)
        assert qr.count() == 1 and qr.bounding_box()["width"] > 100

        students = []
        for i in range(3):
            ctx = browser.new_context(viewport={"width": 390, "height": 844})
            contexts.append(ctx)
            page = ctx.new_page()
            page.goto(f"{class_server}/?class={code}")  # join by link
            wait_idle(page)
            page.get_by_text("Will both reach the minimum?", exact=False).first.wait_for()
            students.append(page)
            wait_count(teacher, "joined", i + 1)  # the projector's count updates live
        assert count(teacher, "answered") == "0"

        nickname = students[0].get_by_label("Nickname (optional)")
        nickname.fill("<b>Zed</b>")
        nickname.press("Enter")
        wait_idle(students[0])
        for page, choice in zip(students, (CHOICE_B, CHOICE_D, CHOICE_D), strict=True):
            page.get_by_text(choice).click()
            page.get_by_text("Saved:").wait_for(timeout=20_000)
        wait_count(teacher, "answered", 3)
        teacher.get_by_text("<b>Zed</b>", exact=True).wait_for(timeout=10_000)  # verbatim

        students[2].get_by_text(CHOICE_B).click()  # changeable until the reveal
        students[2].get_by_text(f"Saved: {CHOICES['B']}").wait_for(timeout=20_000)
        assert count(teacher, "answered") == "3"

        teacher.get_by_role("button", name="Reveal").click()
        traces = """() => [...document.querySelectorAll('.js-plotly-plot')]
                      .flatMap(g => g._fullData || [])"""
        teacher.wait_for_function(  # the distribution, drawn
            f"""() => ({traces})().some(t => t.type === 'bar')""", timeout=60_000
        )
        share, _ = landscape_stats(plot_pixels(teacher))  # the run's map: the landscape drawn
        assert share > 0.5
        projector_map = wait_map(teacher)
        projector_map.locator(".play").click()  # the run plays on the projector
        deadline = time.monotonic() + 10
        while int(projector_map.get_attribute("data-step")) == 0:
            assert time.monotonic() < deadline, "the run did not play on the projector"
            time.sleep(0.1)
        wait_idle(teacher)
        bars = teacher.evaluate(
            f"""() => ({traces})().filter(t => t.type === 'bar')
                       .map(t => ({{x: [...t.x], y: [...t.y]}}))"""
        )
        assert bars == [{"x": ["A", "B", "C", "D"], "y": [0, 2, 0, 1]}]
        teacher.get_by_text("What happened").wait_for()
        teacher.get_by_text(CHOICE_D).first.wait_for()
        for page in students:  # every phone follows within the poll interval
            page.get_by_text("Revealed").wait_for(timeout=10_000)
    finally:
        for ctx in contexts:
            ctx.close()
