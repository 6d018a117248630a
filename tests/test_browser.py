"""A new user's first session, in real headless Chromium against ``streamlit run app.py``.

Home -> Data (upload a CSV, check the detected layout, use it) -> Train (GRU sizes, Start, watch the
loss chart grow, Pause, Resume, Stop) -> Compare (download the samples CSV, check its columns) -> Learn;
then a reload of the Train page's link (``?run=...``; the owner token is a cookie), as a new browser
session, finds the run.

Screenshots of every page go to ``artifacts/browser/`` (git-ignored), plus ``failure.png`` when a step
fails. Needs Debian's Chromium at /usr/bin/chromium (``apt-get install chromium``); the test fails, not
skips, without it. Selectors are roles, labels, text and Streamlit's ``st-key-<widget key>`` classes.
"""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from browser_util import (  # tests/ is on sys.path under pytest
    ARTIFACTS,
    TIMEOUT_MS,
    badge,
    control,
    go,
    keyed,
    location,
    loss_points,
    no_exception,
    owner_token,
    poll_until,
    progress,
    set_number,
    shot,
    use_this_data,
    wait_idle,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

FEATURES = ["temperature_c", "humidity_pct", "pressure_hpa"]
CSV_NAME = "greenhouse_sensors.csv"


# ---------------------------------------------------------------------------------------- helpers
def sensor_csv(path: Path, rows: int = 400) -> Path:
    """A realistic greenhouse log: hourly timestamps and three drifting, noisy, daily-periodic sensors."""
    rng = np.random.default_rng(7)
    t = np.arange(rows)
    day = np.sin(2 * np.pi * t / 24)
    temp = 21 + 4 * day + 0.004 * t + rng.normal(0, 0.4, rows)
    hum = 62 - 9 * day + rng.normal(0, 1.5, rows)
    pres = 1013 + np.cumsum(rng.normal(0, 0.3, rows))
    stamps = np.datetime64("2024-03-01T00:00") + t.astype("timedelta64[h]")
    lines = ["timestamp," + ",".join(FEATURES)]
    lines += [f"{str(s).replace('T', ' ')},{a:.2f},{b:.1f},{c:.2f}" for s, a, b, c in zip(stamps, temp, hum, pres)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------- the test
def test_new_user_journey(page: Page, server: str, tmp_path: Path):
    expect.set_options(timeout=TIMEOUT_MS)
    (ARTIFACTS / "failure.png").unlink(missing_ok=True)  # from an earlier failed run
    try:
        journey(page, server, tmp_path)
    except BaseException:
        shot(page, "failure")  # what the page looked like when a step failed
        raise


def journey(page: Page, server: str, tmp_path: Path) -> None:
    t0 = time.monotonic()

    def lap(what: str) -> None:  # shown with -s, and in the captured output of a failure
        print(f"[browser] {time.monotonic() - t0:6.1f} s  {what}", flush=True)

    csv_path = sensor_csv(tmp_path / CSV_NAME)

    # --- Home
    page.goto(server)
    expect(page.get_by_role("heading", name="RGAN Studio", level=1)).to_be_visible()
    expect(page.get_by_text("Quick start (30 seconds)")).to_be_visible()
    wait_idle(page)
    poll_until(lambda: owner_token(page), lambda v: len(v) >= 16, "the owner cookie")
    assert "me=" not in page.url, f"the owner token is kept out of the URL {page.url}"
    no_exception(page)
    shot(page, "home")
    lap("home")

    # --- Data: upload, detected layout, use it
    go(page, "Data")
    page.get_by_role("radiogroup", name="Source").get_by_role("radio", name="Upload a CSV").click()
    page.locator(".st-key-data_file input[type=file]").set_input_files(str(csv_path))
    layout = page.get_by_test_id("stMarkdownContainer").filter(has_text="Detected layout:")
    expect(layout).to_contain_text("time_rows")
    expect(layout).to_contain_text("timestamp")  # the time column is recognised, not a feature
    wait_idle(page)
    expect(page.get_by_test_id("stMetric").filter(has_text="Features")).to_contain_text("3")
    expect(page.get_by_test_id("stMetric").filter(has_text="Rows read")).to_contain_text("400")
    use_this_data(page, CSV_NAME)
    no_exception(page)
    shot(page, "data")
    lap("data")

    # --- Train: small GRUs, long run, Start
    go(page, "Train")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(CSV_NAME)).to_be_visible()
    for net in ("g", "d"):
        cell = page.locator(f".st-key-m_{net}_cell").get_by_role("combobox", name=f"{net.upper()} cell")
        if cell.input_value() != "GRU":  # GRU is the default; pick it if a preset changed that
            cell.click()
            page.get_by_role("option", name="GRU", exact=True).click()
        expect(cell).to_have_value("GRU")
        set_number(page, f"m_{net}_hidden", 16)
        set_number(page, f"m_{net}_layers", 1)
    set_number(page, "t_batch_size", 32)
    set_number(page, "t_steps", 100_000)
    sidebar.get_by_role("button", name="Start training").click()
    expect(badge(page, "running")).to_be_visible()
    run_id = poll_until(lambda: parse_qs(urlparse(location(page)).query).get("run", [""])[0], bool, "?run= in the URL")
    expect(page.get_by_text(f"run {run_id[:8]}")).to_be_visible()
    expect(page.get_by_text("G GRU 16×1")).to_be_visible()

    # the live panel redraws about once a second: the step count and the loss chart grow over >= 3 polls
    seen: list[tuple[int, int]] = []  # (step, loss chart points): the first drawn chart, then each growth

    def growth() -> list[tuple[int, int]]:
        now = (progress(page)[0], loss_points(page))
        if now[1] > 0 and (not seen or (now[0] > seen[-1][0] and now[1] > seen[-1][1])):
            seen.append(now)
        return list(seen)

    poll_until(growth, lambda v: len(v) >= 4, "the step count and the loss chart to grow over 3 redraws")
    assert progress(page)[1] == 100_000
    no_exception(page)
    shot(page, "train")
    lap("train running")

    # Pause: the count stops
    control(page, "ctl_pause").click()
    expect(badge(page, "paused")).to_be_visible()
    expect(control(page, "ctl_resume")).to_be_enabled()
    paused_at = progress(page)[0]
    time.sleep(2.5)  # over two redraws of the live panel
    assert progress(page)[0] == paused_at, "training went on while paused"
    lap("paused")

    # Resume: it grows again
    control(page, "ctl_resume").click()
    expect(badge(page, "running")).to_be_visible()
    poll_until(lambda: progress(page)[0], lambda s: s > paused_at, "steps after Resume")
    lap("resumed")

    # Stop
    control(page, "ctl_stop").click()
    expect(badge(page, "stopped")).to_be_visible()
    expect(control(page, "ctl_stop")).to_be_disabled()
    stopped_at = progress(page)[0]
    lap("pause/resume/stop")
    assert stopped_at > paused_at
    no_exception(page)

    # --- Compare: the samples CSV is laid out as the file was: sample_id, its time column, the feature names
    go(page, "Compare")
    expect(keyed(page, "cmp_run").get_by_role("combobox", name="Run")).to_have_value(re.compile(run_id[:8]))
    wait_idle(page)
    button = control(page, "dl_samples")
    expect(button).to_be_enabled()
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith("-samples.csv"), download.suggested_filename
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert rows[0] == ["sample_id", "timestamp", *FEATURES], rows[0]  # the file's own layout, time column carried on
    assert len(rows) > 1 and all(len(r) == 2 + len(FEATURES) for r in rows[1:])
    float(rows[1][2])  # values, in the file's units
    no_exception(page)
    shot(page, "compare")
    lap("compare")

    # --- Learn
    go(page, "Learn")
    no_exception(page)
    shot(page, "learn")
    lap("learn")

    # --- A refresh of the Train link (a new session) finds the run again
    page.goto(f"{server}/train?run={run_id}")  # this browser's cookie names the owner
    expect(page.get_by_role("heading", name="Train", level=1)).to_be_visible()
    expect(page.get_by_text(f"run {run_id[:8]}")).to_be_visible()
    expect(badge(page, "stopped")).to_be_visible()
    assert progress(page)[0] == stopped_at
    expect(page.get_by_text("Your runs (1)")).to_be_visible()
    assert parse_qs(urlparse(location(page)).query).get("run") == [run_id]
    wait_idle(page)
    no_exception(page)
    shot(page, "train_reloaded")
    lap("reload")
