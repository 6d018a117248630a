"""The Train page with ``RGAN_EXECUTOR=ray``, in headless Chromium, against a Ray head started here.

``ray start --head`` (two CPUs) -> ``streamlit run app.py`` with ``RGAN_EXECUTOR=ray`` and
``RAY_ADDRESS`` -> Train: tiny sizes, Start -> the step count and the loss chart grow -> the server's
process group gets SIGKILL -> the run's actor trains on -> a new server on the same runs folder -> the
same link shows the run still running, past the step seen before the kill, its chart continuing -> Stop.

Screenshots go to ``artifacts/browser/ray_*.png``. Needs Debian's Chromium (fails, not skips, without it).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from browser_util import (  # tests/ is on sys.path under pytest
    TIMEOUT_MS,
    badge,
    control,
    free_port,
    location,
    loss_points,
    poll_until,
    progress,
    server_pid,
    shot,
    start_training,
    streamlit_server,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

TINY = {"m_g_hidden": 4, "m_d_hidden": 4, "m_g_layers": 1, "m_d_layers": 1, "m_noise_dim": 2,
        "m_static_noise_dim": 0, "t_batch_size": 16, "t_steps": 100_000}


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory):
    """A Ray head in its own process group (``ray start --head --block``), killed as a group afterwards,
    so nothing else using Ray on this machine is touched; yields what a web server needs to reach it.

    The head asks for a token of its own, given in the environment (``RAY_AUTH_TOKEN``), as a cluster a
    class reaches should: nothing is read from or written to ``~/.ray``, so the test does not depend on a
    token some earlier Ray run left there (``ray start`` turns token authentication on only when it finds
    one, and on a fresh machine there is none)."""
    ray_cli = shutil.which("ray") or str(Path(sys.executable).with_name("ray"))
    port = free_port()
    auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    log = open(tmp_path_factory.mktemp("ray_head") / "ray.log", "wb")
    proc = subprocess.Popen(
        [ray_cli, "start", "--head", "--block", f"--port={port}", "--num-cpus=2", "--include-dashboard=false",
         f"--object-store-memory={100 * 2**20}", "--disable-usage-stats"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env={**os.environ, **auth})
    try:
        poll_until(lambda: _listening(port) or proc.poll() is not None, bool, "the Ray head", timeout_s=60)
        assert proc.poll() is None, "ray start --head exited"
        time.sleep(2)  # the raylet registers after the GCS port opens
        yield {"RAY_ADDRESS": f"127.0.0.1:{port}", **auth}
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
                proc.wait(15)
                break
            except (ProcessLookupError, subprocess.TimeoutExpired):
                continue
        log.close()


def state_word(page: Page) -> str:
    badges = page.get_by_test_id("stMain").locator(".stMarkdownBadge")
    return badges.first.inner_text().split()[-1] if badges.count() else ""


def test_train_on_ray_and_survive_a_server_kill(browser, ray_cluster, tmp_path: Path):
    expect.set_options(timeout=TIMEOUT_MS)
    # An explicit address (not "auto", which could find another cluster on this machine) and the head's token
    env = {"RGAN_EXECUTOR": "ray", **ray_cluster, "RGAN_CHECKPOINT_EVERY_S": "1"}
    env["RGAN_RUNS_DIR"] = str(tmp_path / "runs")
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        with streamlit_server(tmp_path / "first", env=env) as base:
            pid = server_pid(base)
            page.goto(f"{base}/train")
            expect(page.get_by_role("heading", name="Train", level=1)).to_be_visible()
            start_training(page, TINY)
            expect(badge(page, "running")).to_be_visible()
            link = poll_until(lambda: location(page), lambda u: bool(parse_qs(urlparse(u).query).get("run")),
                              "?run= in the URL")
            seen: list[tuple[int, int]] = []

            def growth():
                now = (progress(page)[0], loss_points(page))
                if not seen or (now[0] > seen[-1][0] and now[1] > seen[-1][1]):
                    seen.append(now)
                return list(seen)

            poll_until(growth, lambda v: len(v) >= 4, "the step count and the loss chart to grow over 3 redraws")
            shot(page, "ray_train")
            before_kill = progress(page)[0]
            os.killpg(pid, signal.SIGKILL)  # the web server dies; the run's actor does not
            poll_until(lambda: not Path(f"/proc/{pid}").exists()
                       or "zombie" in Path(f"/proc/{pid}/status").read_text(errors="replace"),
                       bool, "the server to die", timeout_s=15)
            time.sleep(2)  # the actor trains on while no server listens

        with streamlit_server(tmp_path / "second", env=env) as base:
            query = urlparse(link).query
            page.goto(f"{base}/train?{query}")
            expect(page.get_by_role("heading", name="Train", level=1)).to_be_visible()
            expect(badge(page, "running")).to_be_visible()
            after = poll_until(lambda: progress(page)[0], lambda s: s > before_kill + 20,
                               f"the step count to continue past {before_kill}")
            points = poll_until(lambda: loss_points(page), lambda n: n > before_kill, "the loss chart to continue")
            print(f"\nkilled the server at step {before_kill}; after the restart the page shows step {after}, "
                  f"the loss chart {points} points")
            shot(page, "ray_after_restart")
            # D's view is computed in the actor (the page's function travels there)
            page.get_by_role("tab", name="Discriminator's view").click()
            expect(page.get_by_text("Real sequence #0").first).to_be_visible()
            shot(page, "ray_discriminator_view")
            control(page, "ctl_stop").click()
            poll_until(lambda: state_word(page), lambda s: s == "stopped", "the run to stop")
    finally:
        context.close()
