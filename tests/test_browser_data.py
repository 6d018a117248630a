"""The Data page in headless Chromium: window settings survive a change of file.

A browser walk-through found that uploading a second file over the first showed "Sequence length" as 2
(the input's minimum) while the server still held 24; the next click sent the 2 back and "Use this
data" built 2-step sequences without a word. The cause: the layout panel grows after a new file's first
read, the browser rebuilds the inputs below it, and a rebuilt input shows its declared default.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_util import no_exception, open_csv_upload, set_number, shot, upload_csv, wait_idle
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parent / "data"


def _upload(page: Page, name: str) -> None:
    upload_csv(page, DATA / name)


def test_window_settings_survive_a_new_file(page: Page, server: str):
    open_csv_upload(page, server)
    seq_len = page.locator(".st-key-d_seq_len input[type=number]")
    length = page.get_by_test_id("stMetric").filter(has_text="Length (steps)")

    _upload(page, "sensor_log.csv")
    expect(seq_len).to_have_value("24")
    _upload(page, "panel_long.csv")  # a different layout: the panel gains an id-column picker
    expect(seq_len).to_have_value("24")
    page.get_by_role("button", name="Use this data").click()  # a rerun sends the browser's values back
    wait_idle(page)
    expect(length).to_contain_text("24")
    expect(seq_len).to_have_value("24")

    set_number(page, "d_seq_len", 12)  # the user's own value, too
    wait_idle(page)
    _upload(page, "sensor_log.csv")
    expect(seq_len).to_have_value("12")
    page.get_by_role("button", name="Use this data").click()
    wait_idle(page)
    expect(length).to_contain_text("12")
    no_exception(page)
    shot(page, "data_second_file")
