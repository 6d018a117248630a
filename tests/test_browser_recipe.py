"""A small quarterly table in headless Chromium: the calendar is read as time, the Train page names the
small-table recipe and why, and the run shows it above its charts."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from browser_util import (TIMEOUT_MS, go, no_exception, open_csv_upload, set_number, shot, upload_csv, use_this_data,
                          wait_idle)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _patient():
    """Waits as long as the other browser tests allow (a loaded two-core machine), run alone or not."""
    expect.set_options(timeout=TIMEOUT_MS)

DATA = Path(__file__).resolve().parent / "data"


def test_small_quarterly_table_gets_its_recipe(page: Page, server: str):
    open_csv_upload(page, server)
    upload_csv(page, DATA / "quarterly_rates.csv")
    set_number(page, "d_seq_len", 8)
    wait_idle(page)
    main = page.get_by_test_id("stMain")
    expect(main).to_contain_text("Time: year + quarter (quarterly, 1980Q1–1999Q4)")
    expect(main).to_contain_text(  # the data report says which recipe and why
        "Recipe: small table (73 windows of 8 steps x 2 features from 80 rows")
    use_this_data(page, "quarterly_rates.csv")
    no_exception(page)

    go(page, "Train")
    wait_idle(page)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("73 sequences × 8 steps × 2 features")  # year and quarter are not features
    expect(sidebar).to_contain_text("Recipe: small table (73 windows of 8 steps x 2 features from 80 rows")
    expect(sidebar).to_contain_text("g_hidden 64 → 32")
    set_number(page, "m_g_hidden", 40)  # a size the person chose is kept
    sidebar.get_by_role("button", name="Start training").click()
    expect(main).to_contain_text("Recipe: small table", timeout=60_000)
    expect(main).to_contain_text("d_hidden 64 → 32")
    expect(main).to_contain_text("lr_floor 0.3 → 0.1, steps 5000 → 1500")
    expect(main).not_to_contain_text("g_hidden 64 → 32")
    no_exception(page)
    shot(page, "train_small_table_recipe")


def test_a_file_of_whole_outlines_gets_each_steps_place(page: Page, server: str, tmp_path: Path):
    """A UCR-style file (a class column, then t0..t59): the Data page offers windows as long as the outlines
    (one click); each row is then a whole outline, so the few-long-windows recipe gives G and D each step's
    place; the Model form shows it and the run names it."""
    header = "shape," + ",".join(f"t{k}" for k in range(60))
    rows = [f"{k % 3}," + ",".join(f"{math.sin(k + s / 9):.3f}" for s in range(60)) for k in range(40)]
    outlines = tmp_path / "outlines.csv"
    outlines.write_text("\n".join([header] + rows) + "\n")
    open_csv_upload(page, server)
    upload_csv(page, outlines)
    wait_idle(page)
    main = page.get_by_test_id("stMain")
    expect(main).to_contain_text("Every sequence in this file is 60 steps long")  # windows of 24 would cut them
    main.get_by_role("button", name="Use whole sequences (seq_len 60)").click()
    wait_idle(page)
    expect(page.locator(".st-key-d_seq_len input[type=number]")).to_have_value("60")
    expect(main).to_contain_text("Recipe: few long windows (40 windows of 60 steps")
    expect(main).to_contain_text("each step's place in the whole sequence")
    use_this_data(page, "outlines.csv")
    go(page, "Train")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("position 0 → 60")
    set_number(page, "t_steps", 30)
    sidebar.get_by_role("button", name="Start training").click()
    expect(main).to_contain_text("position over 60 steps", timeout=60_000)
    no_exception(page)
    shot(page, "train_outlines_position")
