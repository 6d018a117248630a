"""Conditional samples in headless Chromium: a labelled wide file -> "Condition on" -> a tiny run ->
Compare asks for one class at twice the training length -> the download is wide, like the file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from browser_util import (
    TIMEOUT_MS,
    badge,
    control,
    go,
    keyed,
    no_exception,
    open_csv_upload,
    set_number,
    shot,
    upload_csv,
    wait_idle,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

def labelled_wide_csv(path: Path, n: int = 120, steps: int = 24) -> Path:
    """A UCR-style wide file like italy_power_demand.csv: ``label`` (1 or 2), then hourly columns h00.."""
    rng = np.random.default_rng(0)
    hours = np.arange(steps)
    lines = ["label," + ",".join(f"h{h:02d}" for h in hours)]
    for i in range(n):
        label = 1 + i % 2
        curve = np.sin(2 * np.pi * (hours / steps) * label) + 0.1 * rng.standard_normal(steps)
        lines.append(f"{label}," + ",".join(f"{v:.5f}" for v in curve))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_condition_on_a_label_and_download_one_class_at_a_longer_length(page: Page, server: str, tmp_path: Path):
    open_csv_upload(page, server)
    upload_csv(page, labelled_wide_csv(tmp_path / "power_demand.csv"))
    picker = keyed(page, "d_label_column").get_by_role("combobox", name="Condition on")
    picker.click()
    page.get_by_role("option", name="label", exact=True).click()
    wait_idle(page)
    expect(page.get_by_test_id("stMarkdownContainer").filter(has_text="Conditioned on")).to_contain_text("2 classes")
    page.get_by_role("button", name="Use this data").click()
    wait_idle(page)
    no_exception(page)
    shot(page, "conditional_data")

    go(page, "Train")
    for net in ("g", "d"):
        set_number(page, f"m_{net}_hidden", 8)
        set_number(page, f"m_{net}_layers", 1)
    set_number(page, "t_batch_size", 16)
    set_number(page, "t_steps", 20)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Start training").click()
    expect(badge(page, "finished")).to_be_visible(timeout=120_000)
    no_exception(page)

    go(page, "Compare")
    set_number(page, "cmp_length", 48)
    wait_idle(page)
    keyed(page, "cmp_classes").get_by_role("combobox").click()
    page.get_by_role("option", name="2", exact=True).click()
    page.keyboard.press("Escape")
    wait_idle(page)
    no_exception(page)
    expect(page.get_by_text("Long samples: 48 steps, 2.0 training windows")).to_be_visible(timeout=TIMEOUT_MS)
    control(page, "cmp_long_go").click()
    wait_idle(page)
    for edge in ("First 24 steps", "Last 24 steps"):
        expect(page.get_by_test_id("stMetric").filter(has_text=edge)).to_be_visible(timeout=TIMEOUT_MS)
    no_exception(page)
    shot(page, "compare_long_samples")
    button = control(page, "dl_samples")
    expect(button).to_contain_text("x 48 steps")
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        button.click()
    saved = tmp_path / "samples.csv"
    info.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert rows[0] == ["label"] + [f"h{i:02d}" for i in range(48)], rows[0]  # wide, the file's step names carried on
    assert len(rows) > 1 and {r[0] for r in rows[1:]} == {"2"}
    float(rows[1][1])
    shot(page, "conditional_compare")
