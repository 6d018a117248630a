"""Shared fixtures: small data sets and tiny configurations so tests stay fast on two cores."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rgan.data import DataConfig, SequenceData, from_array
from rgan.models import ModelConfig
from rgan.train import TrainConfig

torch.set_num_threads(2)


def make_sines(n: int = 256, seq_len: int = 12, n_features: int = 2, seed: int = 0) -> np.ndarray:
    """TimeGAN-style sines (n, seq_len, n_features) in [0, 1]."""
    rng = np.random.default_rng(seed)
    t = np.arange(seq_len)[None, :, None]
    freq = rng.uniform(0, 0.1, (n, 1, n_features))
    phase = rng.uniform(0, 0.1, (n, 1, n_features))
    return ((np.sin(freq * t + phase) + 1) / 2).astype(np.float32)


@pytest.fixture
def tiny_data() -> SequenceData:
    x = make_sines()
    return from_array(x, ["a", "b"], DataConfig(seq_len=12), name="tiny sines")


@pytest.fixture
def tiny_model() -> ModelConfig:
    return ModelConfig(noise_dim=3, static_noise_dim=2, g_hidden=8, d_hidden=8, g_layers=1, d_layers=1)


@pytest.fixture
def tiny_train() -> TrainConfig:
    return TrainConfig(batch_size=16, steps=20, device="cpu", seed=1)


@pytest.fixture
def app_state(tmp_path, monkeypatch):
    """For dashboard tests: a fresh runs folder, run registry and evaluation store; all stopped after.

    Yields the runs folder. Streamlit's resource caches are cleared before and after, so nothing leaks
    from one test's server-wide state into the next.
    """
    import streamlit as st

    from rgan.dashboard import evaluate, state

    monkeypatch.setenv("RGAN_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("RGAN_THREADS_PER_RUN", "1")
    st.cache_resource.clear()
    yield tmp_path / "runs"
    evaluate.store().shutdown()
    state.registry().shutdown()
    st.cache_resource.clear()


# ------------------------------------------------------------------------------ browser fixtures
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``streamlit run app.py`` on a free port for one test module; yields its base URL."""
    from browser_util import streamlit_server

    with streamlit_server(tmp_path_factory.mktemp("browser_server")) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright, one per test module."""
    from browser_util import chromium
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        try:
            b = chromium(p)
        except RuntimeError as e:  # CI installs Chromium; a missing one is a failure, not a skip
            pytest.fail(str(e), pytrace=False)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (its own cookies and session) and page, 1440x1000, downloads accepted."""
    from browser_util import TIMEOUT_MS

    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    yield pg
    context.close()
