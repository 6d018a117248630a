"""The Learn page under AppTest: renders, teaches the formulas and failure modes, and starts presets."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from rgan.dashboard import learn, state
from rgan.presets import PRESETS, get_preset
from rgan.runs import ACTIVE_STATES

APP = str(Path(__file__).resolve().parents[1] / "app.py")
OWNER = "learn-owner-token-0123456789"


pytestmark = pytest.mark.usefixtures("app_state")  # fresh runs folder and registry per test (conftest)


def open_learn(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query)
    at.run()
    at.switch_page("pages/learn.py")
    return at.run()


def text_of(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def owner_runs(at: AppTest):
    return state.registry().list_runs(at.session_state["rgan_owner"])


def test_learn_page_renders_formulas_and_failure_modes():
    at = open_learn()
    assert not at.exception
    assert [t.value for t in at.title] == ["Learn"]
    latex = text_of(at.latex)
    assert r"\min_G \max_D" in latex and r"\log D(G(z))" in latex and r"2\ln 2" in latex
    headers = {h.value for h in at.subheader}
    assert {"Mode collapse", "The discriminator overpowers the generator", "Oscillation and divergence",
            "Vanishing gradients"} <= headers
    assert len(at.get("graphviz_chart")) == 2  # the unrolled G/D diagram and the training sub-step
    assert "np.random.randint(0, 1, (100, 1))" in text_of(at.code)
    assert "all zeros" in text_of(at.info)  # the live randint demonstration
    assert len(at.get("plotly_chart")) == 1  # saturating vs non-saturating gradients
    assert [b.label for b in at.button].count("Start") == 4  # one card per failure mode + the healthy run
    assert len([b for b in at.button if b.key.startswith("try_")]) == 4  # a "Try it" per failure mode


@pytest.mark.parametrize("button, key", [
    ("preset_healthy", "healthy"), ("preset_mode-collapse", "mode-collapse"), ("preset_d-wins", "d-wins"),
    ("preset_lr-too-high", "lr-too-high"), ("preset_lstm", "lstm"), ("preset_gru", "gru"),
    ("try_0_mode-collapse", "mode-collapse"),
])
def test_preset_button_starts_run_and_opens_train(button, key):
    at = open_learn(me=OWNER)
    at.button(key=button).click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Train"], "the button switches to the Train page"
    runs = owner_runs(at)
    assert len(runs) == 1
    run = runs[0]
    assert run.owner == OWNER and at.query_params["run"] == run.id
    preset = get_preset(key)
    assert run.extra == {"preset": key, "title": preset.title, "watch_for": preset.watch_for}
    assert run.model_config == preset.model and run.train_config == preset.train
    assert preset.title in text_of(at.info), "the Train page shows what to watch for"
    assert at.session_state["m_g_hidden"] == preset.model.g_hidden, "the Train form holds the preset's settings"


def test_start_both_starts_lstm_and_gru():
    at = open_learn(me=OWNER)
    at.button(key="preset_both").click().run()
    assert not at.exception
    runs = owner_runs(at)
    assert sorted(r.extra["preset"] for r in runs) == ["gru", "lstm"]
    lstm = next(r for r in runs if r.extra["preset"] == "lstm")
    assert at.query_params["run"] == lstm.id


def test_experiments_tab_measures_preset_runs():
    p = PRESETS["d-wins"]
    run = state.registry().start(p.source, p.model, replace(p.train, steps=6, device="cpu"), OWNER, extra=p.extra())
    deadline = time.monotonic() + 30
    while run.snapshot().state in ACTIVE_STATES:
        assert time.monotonic() < deadline, "the tiny run did not finish"
        time.sleep(0.1)
    at = open_learn(me=OWNER)
    assert not at.exception
    frame = at.dataframe[0].value
    assert list(frame["experiment"]) == [p.title]
    assert frame["step"].iloc[0] == 6
    assert 0 <= frame["diversity"].iloc[0] and np.isfinite(frame["MMD to real"].iloc[0])
    assert len(at.get("plotly_chart")) == 2  # + the D(real) - D(fake) gap by run


def test_unrolled_diagram_and_gradient_figure():
    per_step = learn.unrolled_diagram(4, per_step=True)
    whole = learn.unrolled_diagram(4, per_step=False)
    assert per_step.count("<D<SUB>") == 4 and whole.count("<D<SUB>") == 1
    assert "G cell" in per_step and "…" in per_step
    fig = learn.generator_gradient_figure()
    saturating, non_saturating = fig.data
    first = int(np.argmin(saturating.x))  # where D(G(z)) is smallest: D wins
    assert saturating.y[first] < 0.01 and non_saturating.y[first] > 0.99


def test_starting_an_experiment_stops_the_previous_one():
    at = open_learn(me=OWNER)
    at.button(key="preset_healthy").click().run()
    first = owner_runs(at)[0]
    at.switch_page("pages/learn.py").run()
    at.button(key="preset_d-wins").click().run()
    assert not at.exception
    deadline = time.monotonic() + 10
    while first.snapshot().state in ACTIVE_STATES:
        assert time.monotonic() < deadline, "the first experiment was not stopped"
        time.sleep(0.1)
    assert first.snapshot().state == "stopped"
    assert {r.extra["preset"] for r in owner_runs(at)} == {"healthy", "d-wins"}


def test_the_data_page_shows_the_data_an_experiment_chose():
    """A preset trains on 2,000 sines of 2 features; the Data page showed the default 10,000 x 5 under
    the same name."""
    at = open_learn(me=OWNER)
    at.button(key="preset_healthy").click().run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    params = PRESETS["healthy"].source.params
    assert [m.value for m in at.metric][:2] == [f"{params['n_samples']:,}", str(params["n_features"])]
    assert at.number_input(key="ds_n_samples").value == params["n_samples"]
    assert any(s.value == "Training will use sines." for s in at.success)
    at.selectbox(key="ds_name").set_value("ar").run()
    assert at.number_input(key="ds_n_samples").value == 0, "the experiment's size is not carried to another set"
    assert at.metric[0].value != f"{params['n_samples']:,}"
