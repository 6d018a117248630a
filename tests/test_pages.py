"""Every page under ``streamlit.testing.v1.AppTest``: loads cleanly, uploads, tiny runs, downloads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from waiting import wait_for  # tests/ is on sys.path under pytest

from rgan.dashboard import diagram, state, ui
from rgan.data import DataConfig, DataSource, from_array
from rgan.models import ModelConfig
from rgan.runs import FINISHED
from rgan.train import TrainConfig

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGES = ["pages/home.py", "pages/data.py", "pages/train.py", "pages/compare.py", "pages/learn.py"]
OWNER = "test-owner-token-0123456789"
TINY = {"m_g_hidden": 4, "m_d_hidden": 4, "m_g_layers": 1, "m_noise_dim": 2, "m_static_noise_dim": 0,
        "t_batch_size": 8}


pytestmark = pytest.mark.usefixtures("app_state")  # fresh runs folder and registry per test (conftest)


def me_of(at: AppTest) -> str:
    """The owner token of the session (kept in a cookie in a browser, never in the URL)."""
    return at.session_state["rgan_owner"]


def open_page(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query)
    at.run()
    if page != "pages/home.py":
        at.switch_page(page)
        at.run()
    return at


def prices_csv(rows: int = 80) -> bytes:
    t = np.arange(rows)
    lines = ["Date,Open,Close,Ticker"]
    for i in t:
        lines.append(f"2024-01-{1 + i % 28:02d},{100 + np.sin(i / 5):.3f},{101 + np.cos(i / 7):.3f},ACME")
    # dates repeat every 28 rows, still a clean date column; the text column is left out
    return ("\n".join(lines) + "\n").encode()


def text_of(elements) -> str:
    return " ".join(str(e.value) for e in elements).replace("\\", "")


def tiny_run(owner: str = OWNER, steps: int = 12):
    x = np.random.default_rng(0).random((64, 8, 2)).astype(np.float32)
    data = from_array(x, ["a", "b"], DataConfig(seq_len=8), name="tiny")
    source = DataSource("dataset", "sines", DataConfig(seq_len=8), {"n_samples": 64, "n_features": 2})
    model = ModelConfig(noise_dim=2, static_noise_dim=0, g_hidden=4, d_hidden=4, g_layers=1)
    train = TrainConfig(batch_size=8, steps=steps, device="cpu")
    return state.registry().start(source, model, train, owner, data=data)


# ------------------------------------------------------------------------------------------ loading
@pytest.mark.parametrize("page", PAGES)
def test_page_loads_without_exception(page):
    at = open_page(page)
    assert not at.exception
    assert at.title, "every page has a title"
    assert len(me_of(at)) >= 16 and "me" not in at.query_params, "an owner token, kept out of the URL"


def test_home_links_to_every_page():
    at = open_page("pages/home.py")
    targets = {link.proto.page for link in at.get("page_link")}
    assert {"data", "train", "compare", "learn"} <= targets, targets


def test_owner_token_from_an_older_link_is_kept_and_leaves_the_url():
    at = open_page("pages/home.py", me=OWNER)
    assert me_of(at) == OWNER and "me" not in at.query_params


# ------------------------------------------------------------------------------------------ data
def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.button_group(key="data_kind").set_value("Upload a CSV").run()
    at.file_uploader(key="data_file").set_value((name, content, "text/csv")).run()
    return at


def test_data_page_shows_builtin_summary():
    at = open_page("pages/data.py")
    assert not at.exception
    assert [m.label for m in at.metric][:3] == ["Sequences", "Features", "Length (steps)"]
    assert at.metric[0].value == "10,000"
    assert len(at.get("plotly_chart")) == 1


def test_stride_applies_only_to_data_with_windows():
    at = open_page("pages/data.py")  # sines: generated as separate sequences
    assert at.number_input(key="ds_stride_off").disabled
    at.selectbox(key="ds_name").set_value("stocks").run()
    assert not at.number_input(key="ds_stride").disabled
    at.number_input(key="ds_stride").set_value(10).run()
    assert not at.exception
    assert "rows are trading days" in text_of(at.markdown)
    assert at.metric[0].value == f"{(3685 - 24) // 10 + 1:,}"


def use_button(at: AppTest):
    return next(b for b in at.button if b.label == "Use this data")


def test_use_this_data_is_kept_when_a_page_link_is_clicked_at_once():
    """The click's choice is kept in its callback: a page switch that reaches the server before the Data page
    reran (a quick click on a nav link) must not drop it (the choice used to be made in the rerun)."""
    at = open_page("pages/data.py")
    at.selectbox(key="ds_name").set_value("stocks").run()
    use_button(at).click()
    at.switch_page("pages/train.py").run()  # one run, of the Train page: the Data page never reruns
    assert not at.exception
    assert "stocks" in text_of(at.sidebar.markdown) and "sines" not in text_of(at.sidebar.markdown)


def test_a_length_typed_with_the_click_is_the_length_used():
    """A length typed and the button clicked in one gesture reach the server in one rerun; the callback holds the
    page's previous source (length 24), so the rerun must record its own and keep the typed 36 in the input."""
    at = open_page("pages/data.py")
    at.selectbox(key="ds_name").set_value("stocks").run()
    at.number_input(key="ds_seq_len").set_value(36)
    use_button(at).click().run()
    assert not at.exception
    chosen = at.session_state[state._SOURCE_KEY]
    assert (chosen.name, chosen.config.seq_len) == ("stocks", 36)
    assert at.number_input(key="ds_seq_len").value == 36
    assert "Training currently uses: stocks" in text_of(at.caption)
    assert "Training will use stocks." in text_of(at.success)
    at.switch_page("pages/train.py").run()
    assert "36" in text_of(at.sidebar.markdown)


def test_skewed_features_are_named_on_the_data_and_train_pages():
    """Stocks' volume (skewness 3.0) is learned on a power scale: both pages say so; sines have no such feature."""
    at = open_page("pages/data.py")
    assert "skewness" not in text_of(at.markdown)
    at.selectbox(key="ds_name").set_value("stocks").run()
    assert "Skewed: Volume (skewness 3.0)" in text_of(at.markdown)
    next(b for b in at.button if b.label == "Use this data").click().run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    assert "Skewed: Volume (skewness 3.0)" in text_of(at.sidebar.caption)
    assert at.number_input(key="t_skew_limit").value == 2.0  # the form's field that moves or removes the limit


def test_data_upload_shows_detected_layout():
    at = upload(open_page("pages/data.py"), "prices.csv", prices_csv())
    assert not at.exception
    assert not at.error
    shown = text_of(at.markdown)
    assert "Detected layout" in shown and "time_rows" in shown
    assert at.metric[1].value == "2"  # Open, Close; the Ticker text column is left out
    assert "Ticker" in text_of(at.text)  # the load report says why it was left out
    assert at.multiselect(key="d_features").options == ["Open", "Close"]


def test_sequences_too_short_for_the_windows_are_named_on_the_page():
    """A long file whose ids have different lengths (like the spoken vowels, 7-29 frames): the ones shorter
    than seq_len are left out, and the page says so where it is seen, with the seq_len that keeps them all."""
    rows = ["utterance,frame,a,b"]
    for uid, length in enumerate([30, 30, 30, 8, 10, 10], start=1):
        rows += [f"{uid},{t},{(t * uid) % 5},{t % 3}" for t in range(length)]
    at = upload(open_page("pages/data.py"), "vowels.csv", ("\n".join(rows) + "\n").encode())
    assert not at.exception and not at.error
    warned = text_of(at.warning)
    assert "Left out 3 of 6 sequences" in warned and "8 steps: 1" in warned and "10 steps: 2" in warned
    assert "lower seq_len to 8" in warned
    at.button(key="keep_short_sequences").click().run()  # "Use seq_len 8"
    assert not at.exception and "Left out" not in text_of(at.warning)
    assert at.number_input(key="d_seq_len").value == 8 and at.metric[0].value == f"{3 * 23 + 1 + 3 + 3:,}"


def test_a_file_of_whole_sequences_offers_to_train_on_all_their_steps():
    """A UCR-style wide file (a label, then 40 step columns): windows of the default 24 cut each outline into
    pieces; the page says so and one click trains on whole sequences, one window per row."""
    header = "shape," + ",".join(f"t{k}" for k in range(40))
    rows = [f"{k % 2}," + ",".join(f"{np.sin(k + s / 5):.3f}" for s in range(40)) for k in range(12)]
    at = upload(open_page("pages/data.py"), "outlines.csv", ("\n".join([header] + rows) + "\n").encode())
    assert not at.exception and not at.error
    assert "Every sequence in this file is 40 steps long" in text_of(at.info)
    at.button(key="use_whole_sequences").click().run()  # "Use whole sequences (seq_len 40)"
    assert not at.exception and at.number_input(key="d_seq_len").value == 40
    assert at.metric[0].value == "12" and at.metric[2].value == "40"
    assert "Every sequence" not in text_of(at.info) and not any(b.key == "use_whole_sequences" for b in at.button)


def test_data_preview_table_gets_the_full_width_when_wide():
    """A table of up to 3 columns (prices: Date, Open, Close) sits beside the chart; wider ones (the built-in
    sines: sample_id, step and 5 features) would be cut off there."""
    narrow = upload(open_page("pages/data.py"), "prices.csv", prices_csv())
    assert sum(len(c.dataframe) for c in narrow.columns) == 1
    wide = open_page("pages/data.py")
    assert wide.metric[1].value == "5" and len(wide.dataframe) == 1
    assert sum(len(c.dataframe) for c in wide.columns) == 0


def test_wide_data_chart_lets_the_user_pick_features():
    names = [f"sensor_{i}_with_a_rather_long_name" for i in range(8)]
    rows = ["t," + ",".join(names)] + [f"{t}," + ",".join(f"{(t * (i + 1)) % 7}" for i in range(8)) for t in range(60)]
    at = upload(open_page("pages/data.py"), "wide.csv", ("\n".join(rows) + "\n").encode())
    assert not at.exception and not at.error
    picker = at.multiselect(key="data_chart_features")
    assert picker.value == names[:6]
    # Re-encoded without ASCII escapes: plotly writes "…" as \u2026 unless orjson is installed.
    fig = json.dumps(json.loads(at.get("plotly_chart")[0].proto.spec), ensure_ascii=False)
    assert fig.count('"sensor_0_with_a…"') == 1, "long names are shortened on the axes"
    picker.set_value([names[7], names[2]]).run()
    spec = at.get("plotly_chart")[0].proto.spec
    assert '"name":"sensor_7_with_a_rather_long_name"' in spec and '"name":"sensor_0_with_a_rather_long_name"' not in spec


def test_data_layout_override_and_features():
    at = upload(open_page("pages/data.py"), "prices.csv", prices_csv())
    at.multiselect(key="d_features").set_value(["Close"]).run()
    assert not at.exception and not at.error
    assert at.metric[1].value == "1"
    at.number_input(key="d_seq_len").set_value(200).run()  # longer than the file
    assert not at.exception
    assert at.error and "seq_len" in text_of(at.error)


def test_bad_csv_shows_error_box_not_traceback():
    at = upload(open_page("pages/data.py"), "words.csv", b"name,comment\nalpha,beta\ngamma,delta\n")
    assert not at.exception
    assert len(at.error) == 1
    message = text_of(at.error)
    assert "numeric" in message.lower()
    assert not at.metric  # the page stopped before the summary


def test_chosen_data_survives_a_reload_without_a_run():
    """A reloaded page is a new session; with the same ``?me=`` it still trains on the data its owner
    chose, not silently on the default (found in a browser walk-through)."""
    at = upload(open_page("pages/data.py", me=OWNER), "prices.csv", prices_csv())
    next(b for b in at.button if b.label == "Use this data").click().run()
    assert not at.exception and at.success
    again = open_page("pages/train.py", me=OWNER)  # no run yet: nothing in the URL but the owner
    assert not again.exception
    assert "prices" in text_of(again.sidebar.markdown)
    stranger = open_page("pages/train.py", me="someone-else-0123456789")
    assert "sines" in text_of(stranger.sidebar.markdown), "another owner keeps the default"


def test_use_this_data_feeds_train():
    at = upload(open_page("pages/data.py"), "prices.csv", prices_csv())
    assert "Training currently uses: sines" in text_of(at.caption)
    next(b for b in at.button if b.label == "Use this data").click().run()
    assert not at.exception
    assert at.success
    assert "Training currently uses: prices" in text_of(at.caption), "the caption follows the click at once"
    at.switch_page("pages/train.py").run()
    assert "prices" in text_of(at.sidebar.markdown)
    at = start_tiny(at, steps=5)
    run_id, me = at.query_params["run"], me_of(at)
    # a refreshed page (a new session) shows the run's data in the sidebar, not the default
    again = open_page("pages/train.py", me=me, run=run_id)
    assert not again.exception
    assert "prices" in text_of(again.sidebar.markdown) and "sines" not in text_of(again.sidebar.markdown)
    # someone else opening the link sees the run but keeps their own data choice
    other = open_page("pages/train.py", me="someone-else-0123456789", run=run_id)
    assert "sines" in text_of(other.sidebar.markdown)


# ------------------------------------------------------------------------------------------ train
def start_tiny(at: AppTest, steps: int) -> AppTest:
    for key, value in {**TINY, "t_steps": steps}.items():
        at.number_input(key=key).set_value(value)
    at.selectbox(key="t_device").set_value("cpu")
    at.get("form_submit_button")[0].click()
    return at.run()


def test_train_start_creates_run_and_charts():
    at = start_tiny(open_page("pages/train.py"), steps=15)
    assert not at.exception and not at.error
    run_id = at.query_params.get("run")
    assert run_id, "the run id is in the URL"
    run = state.registry().get(run_id)
    assert run is not None and run.owner == me_of(at)
    keys = {c.proto.id for c in at.get("plotly_chart")}
    assert len(at.get("plotly_chart")) >= 4, keys  # loss, D output, grad norms, preview (+ evolution)
    assert len(at.get("graphviz_chart")) == 1  # the step-by-step tab's model diagram
    wait_for(lambda: run.snapshot().state == FINISHED)
    at.run()
    assert not at.exception
    assert "done" in at.get("progress")[0].proto.text
    assert "Your runs (1)" in [e.label for e in at.expander]


def test_runs_list_does_not_show_a_stale_state_for_the_open_active_run():
    """The list is drawn with the page, not polled: for the run that is open and training it points to
    the live area instead of a state and step that go stale (a resumed run read "queued" while running)."""
    done = tiny_run()
    wait_for(lambda: done.snapshot().finished)
    active = tiny_run(steps=10**6)
    try:
        wait_for(lambda: active.snapshot().step > 0)
        at = open_page("pages/train.py", me=OWNER, run=active.id)
        assert not at.exception
        texts = [t.value for t in at.text]
        (open_row,) = [t for t in texts if t.startswith("▶")]
        assert "open below, where its state is live" in open_row and "step" not in open_row, open_row
        assert any(done.id[:8] in t and "finished" in t for t in texts), texts  # other runs keep their state
    finally:
        active.stop()
        active.join(10)


def test_refresh_reattaches_to_run():
    run = tiny_run()
    wait_for(lambda: run.snapshot().finished)
    at = open_page("pages/train.py", me="someone-else-0123456789", run=run.id)
    assert not at.exception
    assert at.query_params["run"] == run.id
    assert at.get("progress"), "the run's live area is shown"
    assert not [e for e in at.expander if e.label.startswith("Your runs")], "another owner's list does not show it"
    assert at.number_input(key="m_g_hidden").value == 4, "the form shows the attached run's settings"


def test_preset_watch_for_is_shown():
    run = tiny_run()
    run.extra.update(preset="mode-collapse", title="Mode collapse", watch_for="All orange lines look alike.")
    at = open_page("pages/train.py", me=OWNER, run=run.id)
    assert not at.exception
    assert "All orange lines look alike." in text_of(at.info)


def test_unknown_run_in_link_warns():
    at = open_page("pages/train.py", run="x" * 24)
    assert not at.exception
    assert at.warning and "not found" in text_of(at.warning)
    assert "run" not in at.query_params


def test_stabilisers_and_optimiser_settings_reach_the_run():
    at = open_page("pages/train.py")
    box = next(e for e in at.sidebar.expander if e.label == "Stabilisers and optimiser")
    assert not box.proto.expanded, "closed while every value is the default"
    chosen = {"t_moment_weight": 0.5, "t_label_smoothing": 0.1, "t_grad_clip": 0.0, "t_beta1": 0.0, "t_beta2": 0.99,
              "t_unroll": 3, "t_change_weight": 0.7,
              "t_pca_weight": 1.5, "t_shape_weight": 0.4, "t_unroll_after": 200,
              "t_class_weight": 0.3, "t_quantile_weight": 0.6, "t_lr_decay_steps": 1500, "t_lr_floor": 0.2,
              "t_lr_floor_d": 0.15, "t_rough_weight": 0.8}
    for key, value in chosen.items():
        at.number_input(key=key).set_value(value)
    at.checkbox(key="t_diff_moment").check()
    at = start_tiny(at, steps=3)
    assert not at.exception and not at.error
    train = state.registry().get(at.query_params["run"]).train_config
    assert (train.moment_weight, train.label_smoothing, train.grad_clip, train.beta1, train.beta2) == (0.5, 0.1, 0.0, 0.0, 0.99)
    assert train.diff_moment is True and train.unroll == 3 and isinstance(train.unroll, int)
    assert train.change_weight == 0.7 and train.pca_weight == 1.5 and train.shape_weight == 0.4
    assert train.unroll_after == 200 and isinstance(train.unroll_after, int) and train.class_weight == 0.3
    assert train.quantile_weight == 0.6
    assert train.lr_decay_steps == 1500 and isinstance(train.lr_decay_steps, int) and train.lr_floor == 0.2
    assert train.lr_floor_d == 0.15 and train.rough_weight == 0.8
    again = open_page("pages/train.py", me=me_of(at), run=at.query_params["run"])
    box = next(e for e in again.sidebar.expander if e.label == "Stabilisers and optimiser")
    assert box.proto.expanded, "a refreshed page shows the run's settings, and opens the box that holds changed ones"
    assert again.number_input(key="t_beta1").value == 0.0


def test_out_of_range_numbers_are_named_and_start_nothing():
    at = open_page("pages/train.py")
    at.number_input(key="m_g_hidden").set_value(5000)
    at.number_input(key="t_lr_g").set_value(5.0)
    at.number_input(key="t_beta1").set_value(1.5)
    at.get("form_submit_button")[0].click().run()
    assert not at.exception
    shown = text_of(at.error)
    for message in ("G hidden must be from 1 to 1,024; it is 5,000.", "lr G must be from 1e-06 to 0.5; it is 5.",
                    "Adam β1 must be from 0 to 0.999; it is 1.5."):
        assert message in shown, shown
    assert "run" not in at.query_params and not state.registry().list_runs(me_of(at))


def test_a_queued_run_names_the_own_run_that_holds_the_slot(monkeypatch):
    monkeypatch.setenv("RGAN_MAX_RUNS", "1")  # read when the registry is made, at its first use below
    first = tiny_run(steps=100_000)
    wait_for(lambda: first.snapshot().step > 0)
    second = tiny_run(steps=5)
    assert second.snapshot().queue_position == 1
    at = open_page("pages/train.py", me=OWNER, run=second.id)
    shown = text_of(at.info)
    assert (f"Your running run sines ({first.id[:8]}) holds a training slot: open it from Your runs and press "
            "Pause (a paused run gives its slot up) or Stop") in shown.replace("*", ""), shown
    assert at.button(key="ctl_step").disabled, "a queued run cannot be stepped"
    first.pause()  # a paused run frees its slot: the queued one starts
    wait_for(lambda: second.snapshot().state in ("running", "finished"))


def test_a_runs_caption_names_its_changed_stabilisers():
    run = tiny_run(steps=3)
    wait_for(lambda: run.snapshot().state == FINISHED)
    plain = text_of(open_page("pages/train.py", me=OWNER, run=run.id).caption)
    assert "label smoothing" not in plain and "β1" not in plain
    x = np.random.default_rng(0).random((64, 8, 2)).astype(np.float32)
    source = DataSource("dataset", "sines", DataConfig(seq_len=8), {"n_samples": 64, "n_features": 2})
    model = ModelConfig(noise_dim=2, static_noise_dim=0, g_hidden=4, d_hidden=4, g_layers=1)
    train = TrainConfig(batch_size=8, steps=3, device="cpu", label_smoothing=0.1, beta1=0.0, grad_clip=0.0)
    other = state.registry().start(source, model, train, OWNER, data=from_array(x, ["a", "b"], DataConfig(seq_len=8)))
    wait_for(lambda: other.snapshot().state == FINISHED)
    shown = text_of(open_page("pages/train.py", me=OWNER, run=other.id).caption)
    assert "label smoothing 0.1 · gradient clip off · β1 0 ·" in shown, shown


def test_open_puts_the_runs_settings_in_the_form():
    first = tiny_run(steps=3)
    x = np.random.default_rng(0).random((64, 8, 2)).astype(np.float32)
    source = DataSource("dataset", "sines", DataConfig(seq_len=8), {"n_samples": 64, "n_features": 2})
    model = ModelConfig(noise_dim=2, static_noise_dim=0, g_hidden=6, d_hidden=5, g_layers=1, burn_in=3)
    second = state.registry().start(source, model, TrainConfig(batch_size=8, steps=3, device="cpu", beta1=0.0),
                                    OWNER, data=from_array(x, ["a", "b"], DataConfig(seq_len=8)))
    wait_for(lambda: first.snapshot().state == FINISHED and second.snapshot().state == FINISHED)
    at = open_page("pages/train.py", me=OWNER, run=first.id)
    assert at.number_input(key="m_g_hidden").value == 4
    at.button(key=f"open_{second.id}").click().run()
    assert not at.exception
    assert (at.number_input(key="m_g_hidden").value, at.number_input(key="m_d_hidden").value) == (6, 5)
    assert at.number_input(key="t_beta1").value == 0.0
    assert at.number_input(key="m_burn_in").value == 3


def test_g_burn_in_margin_and_a_two_way_d_from_the_form_reach_the_run():
    at = open_page("pages/train.py")
    assert at.number_input(key="m_burn_in").value == ModelConfig().burn_in
    assert at.checkbox(key="m_d_both_ways").value is ModelConfig().d_both_ways
    at.number_input(key="m_burn_in").set_value(5)
    at.checkbox(key="m_d_both_ways").check()
    at.number_input(key="m_g_margin").set_value(0.15)
    at = start_tiny(at, steps=3)
    assert not at.exception and not at.error
    run = state.registry().get(at.query_params["run"])
    assert run.model_config.burn_in == 5 and run.model_config.d_both_ways is True and run.model_config.g_margin == 0.15
    assert "(per step, both ways)" in text_of(at.caption)  # the run's line names how D reads
    wait_for(lambda: run.snapshot().state == FINISHED)
    assert run.snapshot().step == 3


def test_controls_and_change_while_training():
    at = start_tiny(open_page("pages/train.py"), steps=100_000)
    run = state.registry().get(at.query_params["run"])
    wait_for(lambda: run.snapshot().step > 0)
    at.number_input(key=f"chg_lr_g_{run.id}").set_value(5.0)
    next(b for b in at.get("form_submit_button") if b.label == "Apply").click().run()
    shown = text_of(at.error)
    assert "lr G must be from 1e-06 to 0.5; it is 5." in shown and "Nothing was changed." in shown
    at.run()  # a later redraw (the live panel redraws every second) still shows it
    assert "lr G must be from 1e-06 to 0.5; it is 5." in text_of(at.error)
    assert not run.snapshot().markers
    at.number_input(key=f"chg_lr_g_{run.id}").set_value(0.0005)
    next(b for b in at.get("form_submit_button") if b.label == "Apply").click().run()
    wait_for(lambda: run.snapshot().markers, 10)
    assert f"lr_g {TrainConfig().lr_g:g} → 0.0005" in run.snapshot().markers[0][1]
    assert "lr G must be" not in text_of(at.error)
    at.button(key="ctl_pause").click().run()
    wait_for(lambda: run.snapshot().state == "paused", 10)
    at.run()
    at.button(key="ctl_step").click().run()
    assert not at.exception
    at.button(key="ctl_stop").click().run()
    wait_for(lambda: run.snapshot().state == "stopped", 10)
    at.run()
    assert not at.exception
    assert at.button(key="ctl_resume").label == "Resume"


def test_continue_a_finished_run_by_the_steps_chosen_beside_it():
    run = tiny_run(steps=12)
    wait_for(lambda: run.snapshot().state == FINISHED)
    run.join(5)
    at = open_page("pages/train.py", me=OWNER, run=run.id)
    more = at.number_input(key=f"more_n_{run.id}")
    assert more.label == "More steps" and more.value == 1000  # the default: half again, at least 1,000
    assert at.button(key="ctl_resume").label == "Continue"
    assert at.button(key=f"resume_{run.id}").disabled, "the runs list does not add steps without asking"
    more.set_value(0).run()
    assert "More steps must be from 1 to 1,000,000; it is 0." in text_of(at.error)
    at.button(key="ctl_resume").click().run()
    assert "More steps must be a whole number from 1 to 1,000,000; it is 0." in text_of(at.error)
    assert state.registry().get(run.id).snapshot().state == FINISHED, "a refused number starts nothing"
    at.number_input(key=f"more_n_{run.id}").set_value(7).run()
    at.button(key="ctl_resume").click().run()
    assert not at.exception and not at.error
    again = state.registry().get(run.id)
    wait_for(lambda: again.snapshot().state == FINISHED and again.snapshot().step == 19)
    assert again.snapshot().total_steps == 19
    at.run()
    assert at.number_input(key=f"more_n_{run.id}").value == 7, "the last number used is the next default"


# ------------------------------------------------------------------------------------------ compare
def test_compare_shows_charts_and_downloads():
    run = tiny_run()
    wait_for(lambda: run.snapshot().state == FINISHED)
    run.join(5)
    at = open_page("pages/compare.py", me=OWNER, run=run.id)
    assert not at.exception and not at.error
    labels = [b.label for b in at.get("download_button")]
    assert any(label.startswith("Samples CSV") for label in labels)
    assert "Checkpoint (.pt)" in labels
    assert len(at.get("plotly_chart")) == 3


def test_compare_rejects_bad_checkpoint():
    at = open_page("pages/compare.py")
    at.button_group(key="cmp_kind").set_value("Upload a checkpoint").run()
    bad = ("model.pt", b"not a checkpoint", "application/octet-stream")
    at.file_uploader(key="cmp_checkpoint").set_value(bad).run()
    assert not at.exception
    assert at.error and "checkpoint" in text_of(at.error).lower()


# ------------------------------------------------------------------------------------------ helpers
def test_diagram_highlights_active_parts():
    nodes, edges = diagram.active_parts(("G", "gradients"))
    assert nodes == {"G"} and ("D", "G") in edges
    dot = diagram.model_diagram(("D", "update"))
    assert "frozen" in dot and dot.count("penwidth=3") == 1
    for phase in "DG":
        for name in ("sample noise", "generate", "judge", "loss", "gradients", "update"):
            assert (phase, name) in diagram.EXPLAIN


def test_markdown_escape():
    assert ui.md_escape("**x** [a](b)") == r"\*\*x\*\* \[a\]\(b\)"


def test_live_refresh_slows_down_with_many_viewers():
    from rgan.dashboard.live import refresh_interval

    assert refresh_interval(1) == 1.0  # one viewer: about once a second
    assert refresh_interval(1, slow=True) == 0.5
    assert refresh_interval(8) == pytest.approx(4.0)  # a class on one server
    assert refresh_interval(40) == 5.0  # never slower than that


def test_registry_counts_watched_runs():
    run = tiny_run(steps=10_000)
    reg = state.registry()
    run.snapshot()
    assert reg.watched() == 1
    run.last_seen -= 60  # nobody polled for a minute
    assert reg.watched() == 0
    run.stop()
    reg.visited("a-browser-token-0123456789")
    reg.visited("another-token-0123456789")
    assert reg.visitors() == 2 and reg.visitors(within_s=0) == 0


def test_the_built_in_sines_get_g_s_margin_from_the_recipe_and_a_chosen_margin_is_kept():
    """Sines crowd their range's ends: the sidebar names the change, the run has it; a margin set in the form stays."""
    at = open_page("pages/train.py")
    assert at.number_input(key="m_g_margin").value == 0.0  # the form shows the field's default
    shown = text_of(at.sidebar.caption)
    assert "crowd their range's ends" in shown and "g_margin 0 → 0.1" in shown, shown
    at = start_tiny(at, steps=2)
    assert not at.exception and not at.error
    run = state.registry().get(at.query_params["run"])
    assert run.model_config.g_margin == 0.1 and "g_margin 0 → 0.1" in run.snapshot().extra["recipe"]
    assert "G reaches 0.1 past the data" in text_of(at.caption)  # the run's line names it
    wait_for(lambda: run.snapshot().state == FINISHED)
    at = open_page("pages/train.py")
    at.number_input(key="m_g_margin").set_value(0.05)  # the form's values count when it is submitted
    at = start_tiny(at, steps=2)
    chosen = state.registry().get(at.query_params["run"])
    assert chosen.model_config.g_margin == 0.05 and "g_margin" not in chosen.snapshot().extra["recipe"]
    assert "g_margin" not in text_of(at.sidebar.caption)
