"""Real-browser fixtures: one `streamlit run` server per session and a Chromium page per test.

Reusable by every view's e2e tests:

    @pytest.mark.e2e
    def test_something(app_page):          # a fresh page on the default scene, ready
        ...
    def test_other(open_app):              # open_app("?surface=rosenbrock") -> ready page
        ...

The server runs headless on a free port (`--server.fileWatcherType none`); readiness is
`/_stcore/health` answering "ok", then the app CONNECTED with no script running. Chromium is
Debian's (/usr/bin/chromium, never `playwright install`). Without it the tests are skipped
locally and FAIL when the environment variable CI is set.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "streamlit_app.py"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY = "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
IDLE = "[data-test-script-state='notRunning']"
RUNNING = "[data-test-script-state='running']"
MAP_GD_JS = """[...document.querySelectorAll('.js-plotly-plot')]
    .find(g => g._fullData && g._fullData.some(t => t.type === 'contour'))"""


def map_js(body: str) -> str:
    """A page function that binds `gd` to the contour map's Plotly graph div (undefined until
    Plotly has drawn it), then runs the JS `body`."""
    return f"() => {{\n  const gd = {MAP_GD_JS};\n{body}\n}}"


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required when CI is set)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"streamlit at {url} not healthy after {timeout:.0f} s")


@contextlib.contextmanager
def streamlit_server(*extra: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`streamlit run streamlit_app.py` headless on a free loopback port (plus `extra` options,
    e.g. `--theme.base=dark`); yields its base URL once healthy, stops it after. Its output
    goes to a temporary log file (a pipe nobody reads would fill and stall the server)."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        *extra,
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """One app server per test session; its base URL."""
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        _missing(f"chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the app is connected and no script run is in progress."""
    page.wait_for_selector(READY, state="attached", timeout=timeout)
    page.wait_for_selector(f"[data-testid='stApp']{IDLE}", state="attached", timeout=timeout)


def wait_plotted(page, timeout: float = 60_000) -> None:
    """Wait until Plotly has drawn every chart element on the page: each stPlotlyChart holds a
    .js-plotly-plot whose _fullData exists (React can mount a chart before Plotly draws it)."""
    page.wait_for_function(
        """() => { const c = [...document.querySelectorAll("[data-testid='stPlotlyChart']")];
                   return c.length > 0 && c.every(e => {
                       const g = e.querySelector('.js-plotly-plot');
                       return g && g._fullData; }); }""",
        timeout=timeout,
    )


@pytest.fixture
def open_app(server_url, browser) -> Iterator[Callable]:
    """open_app(query='', width=1280, height=800, scheme='light') -> a ready Playwright page on
    that URL (scheme: the system's colour scheme, 'dark' gives the app's [theme.dark])."""
    contexts = []

    def _open(query: str = "", width: int = 1280, height: int = 800, scheme: str = "light"):
        context = browser.new_context(
            viewport={"width": width, "height": height}, color_scheme=scheme
        )
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{server_url}/{query}")
        wait_idle(page)
        page.locator(f"[data-testid='stPlotlyChart'], {MAP}").first.wait_for(timeout=60_000)
        if page.get_by_test_id("stPlotlyChart").count():  # a view with the map alone has none
            wait_plotted(page)
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def app_page(open_app):
    return open_app()


MAP = ".dlmap[data-scene]"  # the map component, once it has drawn a scene (open shadow DOM)


def wait_map(page, scene: int | None = None, timeout: float = 60_000):
    """The map component's root once it has drawn (scene number `scene`, if given)."""
    selector = MAP if scene is None else f".dlmap[data-scene='{scene}']"
    page.locator(selector).first.wait_for(state="attached", timeout=timeout)
    return page.locator(MAP).first


COUNT_RUNS_JS = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  window.__runs = 0;
  new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'running') window.__runs += 1;
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def count_reruns(page) -> Callable[[], int]:
    """Start counting script runs the page sees; returns a function that reads the count."""
    page.evaluate(COUNT_RUNS_JS)
    return lambda: page.evaluate("() => window.__runs")
