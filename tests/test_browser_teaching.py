"""The teaching features in real headless Chromium: Learn page, a preset, step-by-step, changes, evolution.

One learner's session: open Learn (LaTeX rendered, tabs), start the "healthy" preset (the Train page opens
on it with what to watch for), change the generator's learning rate while it trains (a marker appears on
the loss chart), pause and step the D phase only and the G phase only in slow motion (the "Just ran"
text names each phase and the diagram is drawn), then watch the evolution view (a slider over snapshots).
Screenshots: ``artifacts/browser/learn_page.png``, ``preset_running.png``, ``slow_mode.png``,
``evolution.png`` (and ``teaching_failure.png`` when a step fails).
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pytest
from browser_util import (  # tests/ is on sys.path under pytest
    ARTIFACTS,
    TIMEOUT_MS,
    badge,
    control,
    keyed,
    location,
    loss_points,
    no_exception,
    poll_until,
    progress,
    shot,
    wait_idle,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

LOSS_MARKERS = """() => {
    const els = Array.from(document.querySelectorAll('.st-key-chart_loss .js-plotly-plot'));
    return els.flatMap(el => ((el.layout || {}).annotations || []).map(a => a.text || ''));
}"""
EVOLUTION = """() => {
    const el = document.querySelector('.st-key-chart_evolution .js-plotly-plot');
    if (!el || !el.layout) return [0, 0];
    const sliders = (el.layout.sliders || []);
    return [sliders.length ? sliders[0].steps.length : 0, (el._transitionData?._frames || []).length];
}"""


def just_ran(page: Page) -> str:
    """The step-by-step tab's "Just ran: ..." line (the sub-step slow motion last ran)."""
    return page.get_by_test_id("stMain").locator("p", has_text="Just ran:").first.inner_text()


def test_learning_session(page: Page, server: str):
    expect.set_options(timeout=TIMEOUT_MS)
    (ARTIFACTS / "teaching_failure.png").unlink(missing_ok=True)
    try:
        session(page, server)
    except BaseException:
        shot(page, "teaching_failure")
        raise


def session(page: Page, server: str) -> None:
    t0 = time.monotonic()

    def lap(what: str) -> None:
        print(f"[teaching] {time.monotonic() - t0:6.1f} s  {what}", flush=True)

    # --- Learn: the text, the LaTeX objective, the preset cards
    page.goto(f"{server}/learn")
    expect(page.get_by_role("heading", name="Learn", level=1)).to_be_visible()
    wait_idle(page)
    expect(page.get_by_role("tab", name="Why the naive version fails")).to_be_visible()
    expect(page.locator(".katex").first).to_be_visible()  # the minimax objective is typeset
    for title in ("A healthy run", "Mode collapse", "The discriminator overpowers the generator"):
        expect(page.get_by_text(title, exact=True).first).to_be_visible()
    no_exception(page)
    shot(page, "learn_page")
    lap("learn page")

    # --- A preset: one click starts it and opens the Train page with what to watch for
    keyed(page, "preset_healthy").get_by_role("button").click()
    expect(page.get_by_role("heading", name="Train", level=1)).to_be_visible()
    expect(badge(page, "running")).to_be_visible()
    expect(page.get_by_text("D(real) and D(fake) meet near 0.5")).to_be_visible()
    run_id = poll_until(lambda: parse_qs(urlparse(location(page)).query).get("run", [""])[0], bool, "?run= in the URL")
    poll_until(lambda: loss_points(page), lambda n: n >= 20, "the loss chart to fill")
    poll_until(lambda: progress(page)[0], lambda s: s >= 120, "two evolution snapshots (one per 50 steps)", 120)
    no_exception(page)
    shot(page, "preset_running")
    control(page, "ctl_pause").click()  # so that the run is still there to step (1,500 steps take ~1 min)
    expect(badge(page, "paused")).to_be_visible()
    lap("preset running, paused")

    # --- Change while training: lr G applies from the next step and is marked on the loss chart
    page.get_by_role("button", name="Change while training").click()
    box = page.locator(f".st-key-chg_lr_g_{run_id} input")
    box.fill("0.00050")
    box.press("Tab")
    page.get_by_role("button", name="Apply").click()
    page.keyboard.press("Escape")  # close the popover
    marks = poll_until(lambda: page.evaluate(LOSS_MARKERS), lambda m: any("lr_g" in t for t in m),
                       "a learning-rate marker on the loss chart")
    assert any("0.002 → 0.0005" in t for t in marks), marks
    lap("lr change marked")

    # --- Step by step in slow motion: D phase only, then G phase only
    page.get_by_role("tab", name="Step by step").click()
    keyed(page, "slow_motion").get_by_text("Slow motion").click()
    wait_idle(page)
    before = progress(page)[0]
    control(page, "ctl_d_only").click()
    poll_until(lambda: just_ran(page), lambda t: "D phase" in t, "a D sub-step named in slow motion", 60, 0.2)
    expect(page.get_by_test_id("stMain").get_by_test_id("stGraphVizChart").first).to_be_visible()
    shot(page, "slow_mode")
    progress_text = page.locator(':not([data-stale="true"]) > [data-testid="stProgress"]').first.inner_text()
    assert "slow motion" in progress_text and "steps/s" not in progress_text, progress_text
    poll_until(lambda: progress(page)[0], lambda s: s == before + 1, "the D-only step to finish")
    expect(badge(page, "paused")).to_be_visible()
    control(page, "ctl_g_only").click()
    poll_until(lambda: just_ran(page), lambda t: "G phase" in t, "a G sub-step named in slow motion", 60, 0.2)
    poll_until(lambda: progress(page)[0], lambda s: s == before + 2, "the G-only step to finish")
    no_exception(page)
    lap("slow motion D then G")

    # --- Evolution: snapshots of the same fixed noise on a slider
    page.get_by_role("tab", name="Evolution").click()
    keyed(page, "evo_refresh").get_by_role("button").click()
    wait_idle(page)
    steps, frames = poll_until(lambda: page.evaluate(EVOLUTION), lambda v: v[0] >= 2, "evolution snapshots")
    assert frames == steps, (steps, frames)
    expect(page.get_by_text("snapshots up to step")).to_be_visible()
    no_exception(page)
    shot(page, "evolution")
    lap("evolution")


PRESET_BUTTONS = [("preset_healthy", "A healthy run"), ("preset_mode-collapse", "Mode collapse"),
                  ("preset_d-wins", "The discriminator overpowers the generator"),
                  ("preset_lr-too-high", "Learning rate too high"),
                  ("preset_lstm", "LSTM generator and discriminator"), ("preset_gru", "GRU generator and discriminator")]


def test_every_preset_starts_from_the_learn_page(page: Page, server: str):
    """Each one-click experiment opens the Train page on a new run with its title and what to watch for."""
    expect.set_options(timeout=TIMEOUT_MS)
    seen: set[str] = set()
    for key, title in PRESET_BUTTONS:
        page.goto(f"{server}/learn")
        expect(page.get_by_role("heading", name="Learn", level=1)).to_be_visible()
        wait_idle(page)
        keyed(page, key).get_by_role("button").click()
        expect(page.get_by_role("heading", name="Train", level=1)).to_be_visible()
        expect(page.get_by_test_id("stMain").get_by_text(title, exact=True)).to_be_visible()
        run_id = poll_until(lambda: parse_qs(urlparse(location(page)).query).get("run", [""])[0], bool, "?run= in the URL")
        assert run_id not in seen, "every click starts a new run"
        seen.add(run_id)
        expect(badge(page, "running").or_(badge(page, "queued"))).to_be_visible()
        no_exception(page)
    assert len(seen) == len(PRESET_BUTTONS)
