"""The real server is SIGKILLed mid-training, started again, and the run is resumed from the browser.

``streamlit run app.py`` (checkpoints every second) -> headless Chromium opens Train, starts a long run
with tiny sizes -> after a few seconds of training the server's whole process group gets SIGKILL ->
``metrics.jsonl`` is non-empty and every line parses -> a new server on the same runs folder -> the same
link (``/train?run=...``, the owner in a cookie) shows the run as *stopped*, at its last checkpoint's step, with its
metrics up to that step -> its Resume button -> the step count grows past the last step logged before
the kill.

Needs Debian's Chromium at /usr/bin/chromium: the test fails, not skips, without it.
"""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import torch
from browser_util import (  # tests/ is on sys.path
    REPO,
    chromium,
    location,
    owner_token,
    poll_until,
    progress,
    server_pid,
    start_training,
    streamlit_server,
)
from playwright.sync_api import Page, expect, sync_playwright

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000  # longest single wait (a loaded two-core machine)
STEPS = 100_000  # far more than the test trains: the run is mid-training when killed
ARTIFACTS = REPO / "artifacts" / "server_restart"
TINY = {"m_g_hidden": 4, "m_d_hidden": 4, "m_g_layers": 1, "m_d_layers": 1, "m_noise_dim": 2,
        "m_static_noise_dim": 0, "t_batch_size": 16, "t_steps": STEPS}

LOSS_POINTS_JS = """() => {
    const el = document.querySelector('.st-key-chart_loss .js-plotly-plot');
    if (!el || !el._fullData) return -1;
    return Math.max(0, ...el._fullData.map(t => (t.x ? t.x.length : 0)));
}"""


# ------------------------------------------------------------------------------------------- helpers
wait_until = functools.partial(poll_until, every_s=0.25)


def state_badge(page: Page) -> str:
    """The live panel's state word ('running', 'stopped', ...), '' while it is not drawn."""
    badges = page.get_by_test_id("stMain").locator(".stMarkdownBadge")
    return badges.first.inner_text().split()[-1] if badges.count() else ""


def _last_logged_step(path: Path) -> int:
    """The step of the last complete line of a metrics log (0 if none yet)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 0
    for line in reversed(lines):
        try:
            return int(json.loads(line)["step"])
        except (ValueError, KeyError):
            continue
    return 0


def strict_jsonl(path: Path) -> list[dict]:
    """Every line of a JSON-lines file, parsed; any torn or garbled line fails the test."""
    text = path.read_text(encoding="utf-8")
    assert text, f"{path} is empty"
    assert text.endswith("\n"), f"{path} ends in a torn line: {text[-200:]!r}"
    records = []
    for i, line in enumerate(text.splitlines(), 1):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise AssertionError(f"{path.name} line {i} does not parse ({e}): {line[:200]!r}") from None
        assert isinstance(records[-1], dict) and "step" in records[-1], f"line {i}: {line[:200]!r}"
    return records


def wait_idle(page: Page) -> None:
    """Until Streamlit has no script run in progress (stale elements are gone afterwards)."""
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    except Exception:  # evidence only, never the reason to fail
        pass


# ------------------------------------------------------------------------------------------- the test
@pytest.fixture
def browser():
    with sync_playwright() as p:
        try:
            b = chromium(p)
        except RuntimeError as e:  # a missing Chromium is a failure, not a skip
            pytest.fail(str(e), pytrace=False)
        yield b
        b.close()


def test_sigkill_server_mid_training_then_resume_in_browser(browser, tmp_path: Path):
    runs = tmp_path / "runs"
    env = {"RGAN_RUNS_DIR": str(runs), "RGAN_CHECKPOINT_EVERY_S": "1", "RGAN_THREADS_PER_RUN": "1"}
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    try:
        # ---- first server: start a long run with tiny sizes
        with streamlit_server(tmp_path / "first", env=env) as base:
            pid = server_pid(base)
            page.goto(f"{base}/train")
            expect(page.get_by_role("heading", name="Train", level=1)).to_be_visible()
            start_training(page, TINY)
            me = wait_until(lambda: owner_token(page), bool, "the owner cookie")  # never in the URL
            # the run's folder appears as soon as the server has started it (the URL follows when the
            # page's script run ends, which can take long on a loaded machine)
            run_id = wait_until(lambda: [d.name for d in runs.iterdir()] if runs.is_dir() else [], bool,
                                "the run's folder")[0]
            folder = runs / run_id
            wait_until(lambda: state_badge(page), lambda s: s == "running", "the run to be running")
            assert parse_qs(urlparse(location(page)).query).get("run") == [run_id]
            started = time.monotonic()
            # trained a few seconds, with checkpoints and metric flushes behind it
            wait_until(lambda: (folder / "checkpoint.pt").exists() and time.monotonic() - started > 4,
                       bool, "a checkpoint after a few seconds of training")
            seen_before_kill = wait_until(lambda: progress(page)[0], lambda s: s > 0, "steps on the page")
            # the page shows the live step; the log is flushed about once a second: let it catch up
            wait_until(lambda: _last_logged_step(folder / "metrics.jsonl"), lambda s: s >= seen_before_kill,
                       "the metrics log to reach the step the page showed")
            shot(page, "before_kill")

            os.killpg(pid, signal.SIGKILL)  # the whole process group, no chance to clean up
            wait_until(lambda: not Path(f"/proc/{pid}").exists() or
                       "zombie" in Path(f"/proc/{pid}/status").read_text(errors="replace"),
                       bool, "the server to die", timeout_s=15)

        # ---- what the killed server left behind
        logged = strict_jsonl(folder / "metrics.jsonl")
        steps_logged = [int(r["step"]) for r in logged]
        assert steps_logged == list(range(1, len(logged) + 1)), "metrics.jsonl skips or repeats steps"
        last_logged = steps_logged[-1]
        assert last_logged >= seen_before_kill > 0
        ckpt_step = int(torch.load(folder / "checkpoint.pt", map_location="cpu", weights_only=True)["step"])
        assert 0 < ckpt_step <= last_logged
        clock = {int(r["step"]): r["time"] for r in logged}
        lost_s = clock[last_logged] - clock[ckpt_step]
        assert lost_s < 5, f"the checkpoint is {lost_s:.1f} s of training behind the log"
        meta = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        assert meta["state"] == "running" and meta["owner"] == me  # killed: no chance to write 'stopped'
        print(f"\nkilled at step >= {last_logged} (page showed {seen_before_kill}); "
              f"checkpoint at step {ckpt_step}, {lost_s:.2f} s of training lost")

        # ---- second server on the same runs folder: the same link shows the run, stopped, resumable
        with streamlit_server(tmp_path / "second", env=env) as base:
            t0 = time.monotonic()
            page.goto(f"{base}/train?run={run_id}")  # the browser's cookie names the owner
            expect(page.get_by_role("heading", name="Train", level=1)).to_be_visible()
            expect(page.get_by_text(f"run {run_id[:8]}")).to_be_visible()
            wait_until(lambda: state_badge(page), lambda s: s == "stopped", "the run to show as stopped")
            print(f"after restart the link showed the run in {time.monotonic() - t0:.1f} s")
            assert progress(page) == (ckpt_step, STEPS)
            expect(page.get_by_text("The server stopped while this run was active")).to_be_visible()
            expect(page.get_by_text("Your runs (1)")).to_be_visible()
            listed = page.get_by_test_id("stExpander").get_by_test_id("stText").first.text_content()
            assert run_id[:8] in listed and "stopped" in listed and f"step {ckpt_step:,}/" in listed, listed
            assert parse_qs(urlparse(location(page)).query).get("run") == [run_id]
            # the metrics read back end exactly at the checkpoint: the loss chart's points and the
            # Step by step tab's last-step line
            points = wait_until(lambda: page.evaluate(LOSS_POINTS_JS), lambda n: n >= 0, "the loss chart")
            assert points == ckpt_step, f"the loss chart has {points} points, the checkpoint is at step {ckpt_step}"
            page.get_by_role("tab", name="Step by step").click()
            last_line = page.get_by_text(re.compile(r"^step [\d,]+ · loss D"))
            expect(last_line).to_contain_text(f"step {ckpt_step:,} · loss D")
            page.get_by_role("tab", name="Live charts").click()
            wait_idle(page)
            shot(page, "after_restart")

            # (a button with help text is drawn twice, one copy hidden: take the accessible one)
            resume = page.locator(".st-key-ctl_resume").get_by_role("button", name="Resume")
            expect(resume).to_be_enabled()
            resume.click()
            wait_until(lambda: state_badge(page), lambda s: s in ("running", "queued"), "the run to be active again")
            grown = wait_until(lambda: progress(page)[0], lambda s: s > last_logged,
                               f"the step count to grow past {last_logged}", timeout_s=90)
            assert state_badge(page) == "running"
            shot(page, "resumed")
            print(f"resumed from {ckpt_step}, now at step {grown} (> {last_logged} logged before the kill)")
            page.locator(".st-key-ctl_stop").get_by_role("button", name="Stop").click()
            wait_until(lambda: state_badge(page), lambda s: s == "stopped", "the run to stop")
        logged_after = strict_jsonl(folder / "metrics.jsonl")
        # the resumed run appends from the checkpoint's next step on (steps after it are trained again)
        assert int(logged_after[-1]["step"]) >= grown
    except BaseException:
        shot(page, "failure")
        raise
    finally:
        context.close()
