"""Helpers for driving the real app in a browser: a free port, a `streamlit run app.py` server, Chromium.

Used by ``tests/test_browser.py``, ``benchmarks/bench_dashboard.py`` and the load test. The API is
deliberately small:

- :func:`free_port` -> an unused local TCP port.
- :func:`streamlit_server` ``(tmp_path, env=None)`` -> context manager that starts ``streamlit run
  app.py`` headless on a free port with ``RGAN_RUNS_DIR=<tmp_path>/runs`` and
  ``RGAN_THREADS_PER_RUN=1`` (``env`` adds or overrides variables), waits for ``/_stcore/health``
  and yields the base URL (``http://127.0.0.1:<port>``). On exit the server gets SIGINT (Streamlit
  shuts down cleanly), then SIGTERM/SIGKILL if it lingers. Its output is in ``<tmp_path>/server.log``.
- :func:`chromium` ``(playwright)`` -> a headless Debian Chromium (``/usr/bin/chromium``) browser;
  raises ``RuntimeError`` with an install hint when it is missing (Playwright's own browser
  download does not work here).

Nothing here imports the app or Streamlit, so the helpers can drive any checkout.
"""

from __future__ import annotations

import contextlib
import os
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

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STARTUP_TIMEOUT_S = 60.0

__all__ = ["CHROMIUM", "REPO", "chromium", "free_port", "streamlit_server"]


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
