"""The Compare page's metric suite: the score table, the views, the runs side by side (the background jobs
themselves: test_evaluation_jobs.py)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from waiting import wait_for  # tests/ is on sys.path under pytest

from rgan import metrics
from rgan.dashboard import compare, compare_views, evaluate, state
from rgan.data import DataConfig, DataSource, from_array
from rgan.models import ModelConfig
from rgan.runs import FINISHED
from rgan.train import TrainConfig
from tests.test_evaluation_jobs import fake_evaluate

APP = str(Path(__file__).resolve().parents[1] / "app.py")
OWNER = "compare-owner-token-0123456789"


pytestmark = pytest.mark.usefixtures("app_state")  # fresh runs folder and registry per test (conftest)


def finished_run(cell: str = "gru", steps: int = 12, scale: tuple[float, float] = (1.0, 1.0), n: int = 64):
    x = (np.random.default_rng(0).random((n, 8, 2)) * np.asarray(scale)).astype(np.float32)
    data = from_array(x, ["a", "b"], DataConfig(seq_len=8), name="tiny")
    source = DataSource("dataset", "sines", DataConfig(seq_len=8), {"n_samples": 64, "n_features": 2})
    model = ModelConfig(noise_dim=2, static_noise_dim=0, g_hidden=4, d_hidden=4, g_layers=1, g_cell=cell, d_cell=cell)
    run = state.registry().start(source, model, TrainConfig(batch_size=8, steps=steps, device="cpu"), OWNER, data=data)
    wait_for(lambda: run.snapshot().state == FINISHED)
    run.join(5)
    return run


def open_compare(run, **session) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(me=OWNER, run=run.id)
    at.run()
    at.switch_page("pages/compare.py")
    for key, value in session.items():
        at.session_state[key] = value
    return at.run()


def show_tab(at: AppTest, name: str) -> AppTest:
    at.session_state["cmp_tab"] = name
    return at.run()


# ---------------------------------------------------------------------------------------- the table
def test_score_frame_compares_with_baselines():
    info = metrics.METRIC_INFO
    results = {
        evaluate.MODEL: {k: 0.1 for k in info} | {"coverage": 0.9, "nn_ratio": 1.1, "nn_fraction_copies": 0.0},
        evaluate.INDEPENDENT: {k: 0.3 for k in info} | {"coverage": 0.5, "nn_ratio": 2.0, "nn_fraction_copies": 0.0},
        evaluate.SHUFFLED: {k: 0.05 for k in info} | {"coverage": 0.95, "nn_ratio": 0.5, "nn_fraction_copies": 0.5},
    }
    frame = evaluate.score_frame(results).set_index("Score")
    assert list(frame.index) == [v["name"] for v in info.values()]
    assert list(frame.columns) == ["This model", "Independent steps", "Shuffled time", "Range", "Better",
                                   "Beats baselines"]
    assert frame.loc["MMD (RBF)", "Beats baselines"] == "1 of 2"
    assert frame.loc["Coverage", "Better"] == "higher"
    assert frame.loc["Coverage", "Beats baselines"] == "1 of 2"
    assert frame.loc["Nearest-neighbour ratio", "Beats baselines"] == "both", "1.1 is nearer 1 than 2.0 and 0.5"
    assert frame.loc["Near-copies", "Beats baselines"] == "1 of 2 (1 equal)"
    assert frame.loc["Nearest-neighbour ratio", "Better"] == "near 1"
    assert "Beats baselines" not in evaluate.score_frame({evaluate.MODEL: results[evaluate.MODEL]})


# -------------------------------------------------------------------------------------------- pages
def test_every_view_renders():
    run = finished_run()
    at = open_compare(run)
    assert not at.exception and not at.error
    assert len(at.get("plotly_chart")) == 3, "the Samples tab opens first"
    expected = {"Scores": 0, "Dynamics": 2, "PCA / t-SNE": 1, "Memorisation": 1, "Discriminator": 2,
                "Runs side by side": 1}
    for tab, charts in expected.items():
        show_tab(at, tab)
        assert not at.exception and not at.error, tab
        assert len(at.get("plotly_chart")) == charts, tab
    assert any(b.label.startswith("Samples CSV") for b in at.get("download_button")), "downloads stay below the tabs"

    show_tab(at, "PCA / t-SNE")
    at.button(key="cmp_tsne_go").click().run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2, "t-SNE drawn next to PCA"

    show_tab(at, "Discriminator")
    at.selectbox(key="cmp_d_order").set_value("D finds least real").run()
    at.slider(key="cmp_d_k").set_value(3).run()
    assert not at.exception
    heatmap = next(c for c in at.get("plotly_chart") if "realness" in c.proto.spec)
    assert '"real #' in heatmap.proto.spec and '"generated #' in heatmap.proto.spec


def test_evaluate_shows_scores_and_runs_table(monkeypatch):
    # The metric suite itself is tested above and in test_metrics; here a fast stand-in with its signature.
    release = threading.Event()
    monkeypatch.setattr(metrics, "evaluate", fake_evaluate(block=release))
    run = finished_run()
    at = open_compare(run, cmp_n=16)
    show_tab(at, "Scores")
    assert at.toggle(key="cmp_quick").value is True, "quick by default"
    at.button(key="ev_start").click().run()
    assert not at.exception
    progress = at.get("progress")
    assert progress and "This model: discriminative score" in progress[0].proto.text, "the page is not blocked"
    release.set()
    for _ in range(240):
        if at.dataframe and not at.get("progress"):
            break
        time.sleep(0.25)
        at.run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert list(table["Score"]) == [info["name"] for info in metrics.METRIC_INFO.values()]
    assert {"This model", "Independent steps", "Shuffled time", "Real (another sample)", "Range", "Better"} <= set(table)
    assert "quick protocol" in " ".join(c.value for c in at.caption)

    at = open_compare(run, cmp_n=16, cmp_tab="Scores")  # a new session: the finished scores are reused
    assert at.dataframe and not at.get("progress")
    assert not [b for b in at.button if b.key == "ev_start"], "no recomputation needed"
    show_tab(at, "Runs side by side")
    runs = at.dataframe[0].value
    assert runs.loc[0, "Disc."] == pytest.approx(16.0)


def test_failed_evaluation_is_an_error_box(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("fake contains NaN or Inf values; remove or fill them before scoring.")
    monkeypatch.setattr(metrics, "evaluate", broken)
    run = finished_run()
    at = open_compare(run, cmp_n=16, cmp_tab="Scores")
    at.button(key="ev_start").click().run()
    for _ in range(40):
        if at.error:
            break
        time.sleep(0.1)
        at.run()
    assert not at.exception
    assert "NaN" in at.error[0].value
    assert [b for b in at.button if b.key == "ev_start"], "Evaluate can be pressed again"


def test_runs_side_by_side_lists_lstm_and_gru():
    lstm, gru = finished_run("lstm"), finished_run("gru")
    at = show_tab(open_compare(gru), "Runs side by side")
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert len(table) == 2
    assert set(table["G"]) == {"LSTM 4×1", "GRU 4×1"} and set(table["D"]) == {"LSTM 4×1", "GRU 4×1"}
    assert set(table["State"]) == {FINISHED}
    chart = at.get("plotly_chart")[0].proto.spec
    assert lstm.id[:8] in chart and gru.id[:8] in chart, "both runs' curves are drawn"
    at.selectbox(key="cmp_runs_curve").set_value("d_fake").run()
    assert not at.exception and "D(fake) by run" in at.get("plotly_chart")[0].proto.spec


def test_uploaded_checkpoint_without_matching_data():
    run = finished_run()
    at = open_compare(run, cmp_kind=compare.FROM_FILE)
    at.file_uploader(key="cmp_checkpoint").set_value(("tiny.pt", run.checkpoint_path.read_bytes(),
                                                      "application/octet-stream")).run()
    assert not at.exception and not at.error
    for tab in ("Scores", "Dynamics", "Memorisation"):
        show_tab(at, tab)
        assert not at.exception and not at.error and at.info, tab
    show_tab(at, "Discriminator")
    assert not at.exception and not at.error
    assert len(at.get("plotly_chart")) == 2, "D's verdicts on generated sequences still work"


def test_real_windows_of_a_small_file_are_not_the_first_few_in_order():
    """With fewer windows than requested every window is drawn; the overlay shows the first eight, which
    must be a spread of the file, not windows 0-7 (near-copies shifted by one step)."""
    picks = compare._pick(73, 500, seed=0)
    assert sorted(picks.tolist()) == list(range(73))  # all of them, each once
    assert picks[:8].tolist() != list(range(8)) and np.ptp(picks[:8]) > 20
    others = compare._pick(200, 50, seed=1, exclude=picks[:50])
    assert not set(others.tolist()) & set(picks[:50].tolist()) and len(set(others.tolist())) == 50


def test_memorisation_pairs_are_drawn_on_the_distance_scale():
    """Features of very different ranges (here 0-1 and 0-1000) share the pairs' axes, so they are drawn
    scaled to [0, 1], the scale the distances are measured on; in data units the small one was flat."""
    import base64

    import plotly.io as pio

    at = show_tab(open_compare(finished_run(scale=(1.0, 1000.0))), "Memorisation")
    assert not at.exception and not at.error
    (chart,) = at.get("plotly_chart")
    fig = pio.from_json(chart.proto.spec)
    def values(y) -> np.ndarray:  # plotly's JSON keeps arrays as base64 ("bdata") with their dtype
        if isinstance(y, dict):
            return np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).astype(float)
        return np.asarray(y, dtype=float)

    ys = np.concatenate([values(trace.y) for trace in fig.data])
    assert ys.size and ys.min() >= -1e-6 and ys.max() <= 1 + 1e-6, (ys.min(), ys.max())
    assert "scaled to [0, 1]" in fig.layout.title.text


@pytest.mark.parametrize("n, warned", [(64, True), (compare_views.FEW_FOR_SCORES, False)])
def test_scores_warn_when_the_real_data_is_small(n, warned):
    at = open_compare(finished_run(n=n), cmp_tab="Scores")
    assert not at.exception
    shown = " ".join(w.value for w in at.warning)
    assert (f"Only {n:,} real sequences to score against" in shown) is warned, shown


def test_scores_refuse_too_few_real_sequences_with_a_message():
    at = open_compare(finished_run(n=4), cmp_tab="Scores")
    assert not at.exception
    assert "Scores need at least 6 real sequences; this data has 4." in " ".join(e.value for e in at.error)
    assert not [b for b in at.button if b.key == "ev_start"], "nothing to start that would fail"
