"""Helpers for driving the real app in a browser: a free port, a `streamlit run app.py` server, Chromium.

Used by ``tests/test_browser.py``, ``benchmarks/bench_dashboard.py`` and the load test. The API is
deliberately small:

- :func:`free_port` -> an unused local TCP port.
- :func:`streamlit_server` ``(tmp_path, env=None)`` -> context manager that starts ``streamlit run
  app.py`` headless on a free port with ``RGAN_RUNS_DIR=<tmp_path>/runs`` and
  ``RGAN_THREADS_PER_RUN=1`` (``env`` adds or overrides variables), waits for ``/_stcore/health``
  and yields the base URL (``http://127.0.0.1:<port>``). On exit the server gets SIGINT (Streamlit
  shuts down cleanly), then SIGTERM/SIGKILL if it lingers. Its output is in ``<tmp_path>/server.log``.
- :func:`server_pid` ``(base_url)`` -> the pid of the ``streamlit run`` process serving ``base_url``.
- :func:`chromium` ``(playwright)`` -> a headless Debian Chromium (``/usr/bin/chromium``) browser;
  raises ``RuntimeError`` with an install hint when it is missing (Playwright's own browser
  download does not work here).

Page helpers for the browser tests (Playwright's sync API; the ``server``/``browser``/``page`` fixtures
are in ``conftest.py``): :func:`shot` (full-page screenshot to ``artifacts/browser/``),
:func:`wait_idle`, :func:`go` (sidebar navigation), :func:`set_number`, :func:`progress`,
:func:`loss_points`, :func:`poll_until`, :func:`keyed`, :func:`control`, :func:`badge`,
:func:`owner_token` (this browser's owner cookie; the app keeps it out of the URL), :func:`location`
(the address bar's URL: Playwright's ``page.url`` missed the app's ``?run=`` updates once the page had
run the owner-cookie script).

Nothing here imports the app or Streamlit, so the helpers can drive any checkout.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STARTUP_TIMEOUT_S = 60.0
ARTIFACTS = REPO / "artifacts" / "browser"
TIMEOUT_MS = 60_000  # the longest any single wait may take (a loaded two-core machine)
OWNER_COOKIE = "rgan_owner"  # = rgan.dashboard.state.OWNER_COOKIE (not imported: nothing here imports the app)
STEP_RE = re.compile(r"step ([\d,]+) / ([\d,]+)")
CHARTS_DRAWN = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(el => el.getBoundingClientRect().height > 0)
    .every(el => el.querySelector('.main-svg') && (!(el.data || []).length || el.querySelector('.trace')))"""

__all__ = ["ARTIFACTS", "CHROMIUM", "OWNER_COOKIE", "REPO", "TIMEOUT_MS", "badge", "chromium", "control",
           "free_port", "go", "keyed", "location", "loss_points", "no_exception", "open_csv_upload", "owner_token",
           "poll_until", "progress",
           "server_pid", "set_number", "shot", "start_training", "streamlit_server", "upload_csv", "wait_idle"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/_stcore/health", timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGINT (Streamlit's clean shutdown), then SIGTERM, then SIGKILL; the whole process group."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def streamlit_server(tmp_path: str | os.PathLike, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``streamlit run app.py`` on a free port; yield its base URL; shut it down afterwards.

    Args:
        tmp_path: a scratch folder; runs go to ``<tmp_path>/runs``, the server's output to
            ``<tmp_path>/server.log``.
        env: extra environment variables (override the defaults above and the inherited ones).

    Raises:
        RuntimeError: the server exited or was not healthy within 60 s (the message has its log tail).
    """
    tmp_path = Path(tmp_path)
    tmp_path.mkdir(parents=True, exist_ok=True)
    port = free_port()
    full_env = dict(os.environ)
    full_env.update({"RGAN_RUNS_DIR": str(tmp_path / "runs"), "RGAN_THREADS_PER_RUN": "1",
                     "PYTHONUNBUFFERED": "1"})
    full_env.update(env or {})
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.fileWatcherType", "none", "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false"]
    log_path = tmp_path / "server.log"
    base_url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=full_env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # own process group: clean shutdown of children
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_S
            while not _healthy(base_url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace")[-3000:]
                    why = f"exited with {proc.returncode}" if proc.poll() is not None else "not healthy after 60 s"
                    raise RuntimeError(f"streamlit run app.py {why}; log tail:\n{tail}")
                time.sleep(0.2)
            yield base_url
        finally:
            _stop(proc)


def server_pid(base_url: str) -> int:
    """The pid of the ``streamlit run`` process serving ``base_url`` (its ``--server.port``, from /proc).

    Raises:
        RuntimeError: no such process (or no /proc on this system).
    """
    port = str(urlparse(base_url).port)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = [a.decode(errors="replace") for a in (entry / "cmdline").read_bytes().split(b"\0")]
        except OSError:
            continue
        if "streamlit" in args and "--server.port" in args and args[args.index("--server.port") + 1] == port:
            return int(entry.name)
    raise RuntimeError(f"no streamlit process found for {base_url}")


def chromium(playwright):
    """Launch Debian's headless Chromium through Playwright (``playwright`` from ``sync_playwright()``).

    Raises:
        RuntimeError: ``/usr/bin/chromium`` is missing (install it with ``apt-get install chromium``).
    """
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not path:
        raise RuntimeError(f"{CHROMIUM} not found: install Debian's Chromium (`apt-get install -y chromium`); "
                           "the browser tests drive it, Playwright's own browser download is not used.")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)


def shot(page: Page, name: str) -> None:
    """Save ``artifacts/browser/<name>.png`` of the whole page.

    Streamlit scrolls inside its own container, so ``full_page`` alone shows one screen: the viewport
    is made as tall as the content for the shot, then restored.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    try:
        height = page.evaluate(
            """() => Math.max(...['stMain', 'stSidebarContent', 'stAppViewContainer'].map(
                id => document.querySelector(`[data-testid=${id}]`)?.scrollHeight || 0))"""
        )
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height), 8000))})
        page.wait_for_timeout(300)  # let the layout settle at the new size
        try:  # every visible Plotly chart drawn (a live redraw may be in flight)
            page.wait_for_function(CHARTS_DRAWN, timeout=3000)
        except PlaywrightError as e:
            print(f"[browser] {name}: charts not all drawn ({type(e).__name__}); taking the shot anyway")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    except PlaywrightError as e:  # a screenshot is evidence, never the reason a test fails
        print(f"[browser] screenshot {name} failed: {e}")
    finally:
        page.set_viewport_size(size)


def wait_idle(page: Page) -> None:
    """Wait until Streamlit has no script run in flight (the app root's ``data-test-script-state``)."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")


def use_this_data(page: Page, name: str) -> None:
    """Press the Data page's "Use this data" and wait until the page confirms it for the file ``name``.

    Waiting for the idle state alone races: right after the click the app can still read "not running" (the
    rerun has not begun), and a page switch then would interrupt the rerun that records the choice (a full-suite
    run on a loaded machine lost it so: the Train page then showed the built-in data).
    """
    page.get_by_role("button", name="Use this data").click()
    expect(page.get_by_test_id("stMain").get_by_text(f"Training will use {name}.", exact=True)).to_be_visible()
    wait_idle(page)


def no_exception(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)


def go(page: Page, name: str) -> None:
    """Switch pages the way a user does: the sidebar navigation (same session, state kept)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    wait_idle(page)


def open_csv_upload(page: Page, server: str) -> None:
    """Open the app at ``server`` and the Data page's "Upload a CSV" source, as a user does."""
    page.goto(server)
    wait_idle(page)
    go(page, "Data")
    page.get_by_role("radiogroup", name="Source").get_by_role("radio", name="Upload a CSV").click()


def upload_csv(page: Page, path: str | os.PathLike) -> None:
    """Give the Data page's uploader ``path`` and wait until the file has been read and the rerun
    that fills the column pickers (a new file's first read) is over."""
    page.locator(".st-key-data_file input[type=file]").set_input_files(str(path))
    expect(page.get_by_test_id("stMarkdownContainer").filter(has_text="Detected layout:")).to_be_visible()
    wait_idle(page)
    page.wait_for_timeout(500)
    wait_idle(page)


def set_number(page: Page, key: str, value: int) -> None:
    """Type into the number input with widget key ``key`` and commit it (Tab)."""
    box = page.locator(f".st-key-{key} input[type=number]")
    box.fill(str(value))
    box.press("Tab")
    expect(box).to_have_value(str(value))


def start_training(page: Page, sizes: dict[str, int]) -> None:
    """On the Train page: type each ``sizes`` value into its number input (by widget key), then Start."""
    for key, value in sizes.items():
        set_number(page, key, value)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Start training").click()


def progress(page: Page) -> tuple[int, int]:
    """(step, total) from the live panel's progress text, e.g. 'step 1,200 / 100,000 · 41.2 steps/s'."""
    text = page.locator(':not([data-stale="true"]) > [data-testid="stProgress"]').first.inner_text()
    m = STEP_RE.search(text)
    assert m, f"no 'step N / M' in the progress text {text!r}"
    return int(m[1].replace(",", "")), int(m[2].replace(",", ""))


def loss_points(page: Page) -> int:
    """Points in the loss chart's longest trace, read from the Plotly element in the page."""
    return page.evaluate(
        """() => {
            // while a redraw is in flight the old element may still be there: take the largest
            const els = Array.from(document.querySelectorAll('.st-key-chart_loss .js-plotly-plot'));
            const sizes = els.flatMap(el => (el._fullData || []).map(t => (t.x ? t.x.length : 0)));
            return sizes.length ? Math.max(...sizes) : 0;
        }"""
    )


def poll_until(fn, ok, what: str, timeout_s: float = 60.0, every_s: float = 0.5):
    """Call ``fn()`` until ``ok(value)``; return the value, or fail saying ``what`` and the last value."""
    end = time.monotonic() + timeout_s
    while True:
        value = fn()
        if ok(value):
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}; last value: {value!r}")
        time.sleep(every_s)


def keyed(page: Page, key: str):
    """The element with widget key ``key``, not the stale copy Streamlit keeps on screen during a rerun."""
    return page.locator(f'.st-key-{key}:not([data-stale="true"])').first


def control(page: Page, key: str):
    """The button with widget key ``key`` (e.g. the live panel's ``ctl_pause``)."""
    return keyed(page, key).get_by_role("button")


def badge(page: Page, state: str):
    """The live panel's state badge showing ``state`` (st.badge renders a ``.stMarkdownBadge`` span)."""
    return page.get_by_test_id("stMain").locator(".stMarkdownBadge").filter(has_text=state).first


def owner_token(page: Page) -> str:
    """This browser's owner token: the app's cookie (set by a script once a page has drawn), or ""."""
    return next((c["value"] for c in page.context.cookies() if c["name"] == OWNER_COOKIE), "")


def location(page: Page) -> str:
    """The page's current URL as the browser has it (``location.href``).

    Streamlit changes the query string with ``history.pushState``; after the page has run a script
    element (the app's owner-cookie script), Playwright's ``page.url`` stopped following those changes
    while the address bar (``location.href``) did.
    """
    return page.evaluate("location.href")
