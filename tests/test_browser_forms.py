"""Out-of-range numbers in headless Chromium: the user is told, in words, what to change.

A browser walk-through found that with ``min_value``/``max_value`` on ``st.number_input`` the browser
refused an entry outside them with only a red border and a tooltip, and a form holding such a field did
not submit: "Start training" did nothing and said nothing. The app now checks ranges in Python.
The same walk-through found the Data page forgetting an uploaded file after a visit to another page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_util import (
    go,
    location,
    no_exception,
    open_csv_upload,
    poll_until,
    set_number,
    shot,
    upload_csv,
    use_this_data,
    wait_idle,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parent / "data"


def _type(page: Page, key: str, value: str) -> None:
    box = page.locator(f".st-key-{key} input[type=number]")
    box.fill(value)
    box.press("Tab")


def test_out_of_range_training_settings_are_named_and_nothing_starts(page: Page, server: str):
    page.goto(server)
    wait_idle(page)
    go(page, "Train")
    _type(page, "m_g_hidden", "5000")
    page.get_by_text("Stabilisers and optimiser").click()
    _type(page, "t_label_smoothing", "0.7")
    page.get_by_role("button", name="Start training").click()
    wait_idle(page)
    errors = page.get_by_test_id("stAlertContentError")
    expect(errors.filter(has_text="G hidden must be from 1 to 1,024; it is 5,000.")).to_be_visible()
    expect(errors.filter(has_text="Label smoothing must be from 0 to 0.49; it is 0.7.")).to_be_visible()
    assert "run=" not in page.url, "no run may start with a refused value"
    shot(page, "train_out_of_range")

    set_number(page, "m_g_hidden", 8)
    _type(page, "t_label_smoothing", "0.1")
    set_number(page, "t_steps", 20)
    page.get_by_role("button", name="Start training").click()
    wait_idle(page)
    poll_until(lambda: location(page), lambda u: "run=" in u, "?run= in the URL")
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    no_exception(page)


def test_data_page_names_a_bad_window_and_keeps_the_file_in_use(page: Page, server: str):
    open_csv_upload(page, server)
    upload_csv(page, DATA / "sensor_log.csv")
    _type(page, "d_seq_len", "1")
    wait_idle(page)
    expect(page.get_by_test_id("stAlertContentError").filter(
        has_text="Sequence length (seq_len) must be from 2 to 2,000; it is 1.")).to_be_visible()
    set_number(page, "d_seq_len", 16)
    wait_idle(page)
    use_this_data(page, "sensor_log.csv")

    go(page, "Train")  # the uploader forgets its file when its page is left
    go(page, "Data")
    expect(page.get_by_text("the file training uses (sequence length 16")).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="Length (steps)")).to_contain_text("16")
    no_exception(page)
    shot(page, "data_file_in_use_after_a_visit")


def test_a_workbook_dropped_on_the_csv_uploader_is_named(page: Page, server: str, tmp_path: Path):
    """With a type filter the browser only drew a red mark beside the file; the reader says what it is."""
    import zipfile

    book = tmp_path / "prices.xlsx"
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    open_csv_upload(page, server)
    page.locator(".st-key-data_file input[type=file]").set_input_files(str(book))  # not read: no layout
    wait_idle(page)
    expect(page.get_by_test_id("stAlertContentError").filter(
        has_text="This looks like an Excel workbook, not a CSV file")).to_be_visible()
    no_exception(page)
