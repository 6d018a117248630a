"""Links a student can share: the owner token never travels in the address, a run's link opens
read-only in anyone else's browser, the owner keeps the controls and a Delete button, a damaged
``run.json`` leaves the owner's other runs listed, and refusals are error boxes, not tracebacks."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from waiting import wait_for  # tests/ is on sys.path under pytest

from rgan.dashboard import live, state
from rgan.data import DataConfig, DataSource, from_array
from rgan.models import ModelConfig
from rgan.runs import FINISHED
from rgan.train import TrainConfig

APP = str(Path(__file__).resolve().parents[1] / "app.py")
OWNER = "link-owner-token-0123456789"
VISITOR = "link-visitor-token-0123456789"


def open_train(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query)
    at.run()
    at.switch_page("pages/train.py")
    return at.run()


def tiny_run(owner: str = OWNER, steps: int = 12, hidden: int = 4):
    x = np.random.default_rng(0).random((64, 8, 2)).astype(np.float32)
    data = from_array(x, ["a", "b"], DataConfig(seq_len=8), name="tiny")
    source = DataSource("dataset", "sines", DataConfig(seq_len=8), {"n_samples": 64, "n_features": 2})
    model = ModelConfig(noise_dim=2, static_noise_dim=0, g_hidden=hidden, d_hidden=hidden, g_layers=1)
    return state.registry().start(source, model, TrainConfig(batch_size=8, steps=steps, device="cpu"), owner, data=data)


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def button_keys(at: AppTest) -> set[str]:
    return {b.key for b in at.button if b.key}


@pytest.mark.usefixtures("app_state")
class TestAppLinks:
    def test_the_owner_controls_a_run_and_a_visitor_only_watches_it(self):
        run = tiny_run(steps=100_000)
        wait_for(lambda: run.snapshot().step > 0)
        mine = open_train(me=OWNER, run=run.id)
        assert not mine.exception and "me" not in mine.query_params and mine.query_params["run"] == run.id
        assert {"ctl_pause", "ctl_stop", "ctl_step"} <= button_keys(mine)
        assert live.READ_ONLY_NOTE not in texts(mine.caption)

        theirs = open_train(me=VISITOR, run=run.id)  # the link, opened in another browser
        assert not theirs.exception
        assert len(theirs.get("plotly_chart")) >= 4, "the charts are shown"
        assert live.READ_ONLY_NOTE in texts(theirs.caption)
        assert not {"ctl_pause", "ctl_resume", "ctl_stop", "ctl_step"} & button_keys(theirs)
        assert all(theirs.button(key=k).disabled for k in ("ctl_d_only", "ctl_g_only", "ctl_both"))
        assert f"delete_yes_{run.id}" not in button_keys(theirs) and not state.registry().list_runs(VISITOR)
        assert run.snapshot().state == "running"
        run.stop()

    def test_the_owner_deletes_an_ended_run_from_the_list(self):
        run = tiny_run(steps=3)
        wait_for(lambda: run.snapshot().state == FINISHED)
        run.join(10)
        at = open_train(me=OWNER)
        assert "Your runs (1)" in [e.label for e in at.expander]
        at.button(key=f"delete_yes_{run.id}").click().run()
        assert not at.exception and not at.error
        assert not run.dir.exists() and state.registry().list_runs(OWNER) == []

    def test_a_damaged_run_json_leaves_the_other_runs_listed(self, app_state):
        run = tiny_run(steps=3)
        wait_for(lambda: run.snapshot().state == FINISHED)
        broken = app_state / ("b" * 24)
        broken.mkdir()
        (broken / "run.json").write_text('{"owner": "link-owner-token-0123456789", "state": "fin')
        at = open_train(me=OWNER)
        assert not at.exception
        assert "Your runs (1)" in [e.label for e in at.expander]
        assert "1 run folder on this server could not be read (a damaged run.json) and is not listed." \
            in texts(at.caption)

    def test_refused_starts_are_error_boxes(self, monkeypatch):
        monkeypatch.setenv("RGAN_MAX_RUN_MEMORY_MB", "120")
        at = open_train(me=OWNER)
        at.number_input(key="m_g_hidden").set_value(1024)
        at.number_input(key="t_batch_size").set_value(4096)
        at.get("form_submit_button")[0].click().run()
        assert not at.exception and "run" not in at.query_params
        assert re.search(r"This run needs about [\d.]+ GB \(batch 4,096 × \d+ time steps × 1,024 hidden × \d layers?\); "
                         r"the limit is 120 MB\. Lower the batch size", texts(at.error).replace("\\", "")), texts(at.error)


# ------------------------------------------------------------------------------------- browser
@pytest.mark.browser
def test_a_copied_link_carries_no_token_and_opens_read_only_elsewhere(server, browser, tmp_path):
    from browser_util import TIMEOUT_MS, go, location, owner_token, poll_until, set_number, shot, wait_idle
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)  # a busy two-core machine
    owner_ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    owner_ctx.set_default_timeout(TIMEOUT_MS)
    page = owner_ctx.new_page()
    page.goto(server)
    wait_idle(page)
    go(page, "Train")
    wait_idle(page)
    for key, value in (("m_g_hidden", 8), ("m_d_hidden", 8), ("t_steps", 100_000)):
        set_number(page, key, value)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Start training").click()
    try:
        poll_until(lambda: location(page), lambda u: "run=" in u, "?run= in the URL")
    except AssertionError:
        shot(page, "link_owner_failed")
        raise
    link = location(page)
    assert "me=" not in link, link
    token = owner_token(page)
    assert len(token) >= 16 and token not in link
    expect(page.locator(".st-key-ctl_pause")).to_be_visible()

    page.reload()  # the owner's reload: the cookie still names them
    expect(page.get_by_text("Your runs (1)")).to_be_visible()
    expect(page.locator(".st-key-ctl_pause")).to_be_visible()
    wait_idle(page)
    shot(page, "link_owner")

    visitor_ctx = browser.new_context(viewport={"width": 1440, "height": 1000})  # another browser, no cookie
    visitor_ctx.set_default_timeout(TIMEOUT_MS)
    other = visitor_ctx.new_page()
    other.goto(link)
    try:
        expect(other.get_by_text(live.READ_ONLY_NOTE).first).to_be_visible()
    except AssertionError:
        shot(other, "link_visitor_failed")
        raise
    expect(other.locator(".js-plotly-plot").first).to_be_visible()
    assert other.locator(".st-key-ctl_pause, .st-key-ctl_stop").count() == 0
    assert other.get_by_text("Your runs").count() == 0
    assert owner_token(other) not in ("", token)
    wait_idle(other)
    shot(other, "link_visitor")
    page.locator(".st-key-ctl_stop button").first.click()
    owner_ctx.close()
    visitor_ctx.close()


@pytest.mark.browser
def test_the_owner_cookie_arrives_even_when_a_click_reruns_the_page_first(server, browser):
    """The cookie script's element needs code the browser loads on first use. Held back until a click
    has rerun the page, the element must still be there to run once that code arrives (sent once, a
    rerun replaced it unrun: a loaded server's session never got its cookie)."""
    from browser_util import TIMEOUT_MS, owner_token, poll_until, shot
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(TIMEOUT_MS)
    held = []
    ctx.route("**/Html.*.js", lambda route: held.append(route))  # answered later, by hand
    page = ctx.new_page()
    try:
        page.goto(f"{server}/data")
        heading = page.get_by_role("heading", name="Data", level=1)
        expect(heading).to_be_visible()
        # (Playwright hands over requests while it is called: evaluate() lets the route handler run)
        poll_until(lambda: page.evaluate("0") + len(held), bool, "the page asking for the script element's code")
        page.get_by_role("radiogroup", name="Source").get_by_role("radio", name="Upload a CSV").click()
        expect(page.locator(".st-key-data_file")).to_be_visible()  # the rerun has drawn
        assert owner_token(page) == ""  # nothing could run yet
        for route in held:
            route.continue_()
        assert len(poll_until(lambda: owner_token(page), lambda v: len(v) >= 16, "the owner cookie")) >= 16
        # the element holding the script takes no room: the heading sits where a reload (cookie sent) puts it
        top = heading.bounding_box()["y"]
        page.reload()
        expect(heading).to_be_visible()
        assert heading.bounding_box()["y"] == top
    except AssertionError:
        shot(page, "owner_cookie_failed")
        raise
    finally:
        ctx.close()
