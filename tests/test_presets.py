"""Teaching presets: valid configs, and each one shows its behaviour in a short run (direct Trainer use)."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pytest
import torch

from rgan import metrics
from rgan.data.source import DataSource
from rgan.models import ModelConfig
from rgan.presets import PRESETS, Preset, get_preset
from rgan.train import TrainConfig, Trainer, TrainingDiverged

FAILURES = ("mode-collapse", "d-wins", "lr-too-high")


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """These networks are too small to gain from a second thread, and one thread never stalls on a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def data():
    return PRESETS["healthy"].source.load()


def train(preset_key: str, data, steps: int) -> tuple[Trainer, dict[str, np.ndarray], bool]:
    """Run a preset for ``steps`` steps on the CPU; returns the trainer, its history and whether it diverged."""
    p = get_preset(preset_key)
    trainer = Trainer(data, p.model, replace(p.train, device="cpu"))
    records, diverged = [], False
    for _ in range(steps):
        try:
            records.append(trainer.step())
        except TrainingDiverged:
            diverged = True
            break
    history = {k: np.array([r[k] for r in records]) for k in records[0]}
    return trainer, history, diverged


def diversity(trainer: Trainer, data) -> float:
    real = data.windows[np.random.default_rng(0).choice(data.n_sequences, 300, replace=False)]
    return metrics.diversity(trainer.sample(300, seed=1, scaled=True), real)["ratio"]


@pytest.fixture(scope="module")
def healthy(data):
    trainer, history, diverged = train("healthy", data, 100)
    assert not diverged
    return trainer, history


# ------------------------------------------------------------------------------------------ configs
def test_expected_presets_exist():
    assert {"healthy", "mode-collapse", "d-wins", "lr-too-high", "lstm", "gru"} <= set(PRESETS)
    assert all(key == p.key for key, p in PRESETS.items())


@pytest.mark.parametrize("key", list(PRESETS))
def test_preset_is_valid(key):
    p = get_preset(key)
    assert isinstance(p, Preset)
    assert isinstance(p.source, DataSource) and isinstance(p.model, ModelConfig) and isinstance(p.train, TrainConfig)
    assert re.fullmatch(r"[a-z0-9-]+", p.key)
    assert p.title and p.summary
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", p.watch_for.strip()) if s]
    assert 2 <= len(sentences) <= 3, sentences
    assert 100 <= p.train.steps <= 2000, "a classroom run takes about a minute"
    assert p.extra() == {"preset": key, "title": p.title, "watch_for": p.watch_for}
    # the configs survive the JSON round trip that persisted runs go through
    assert DataSource.from_json(p.source.to_json()) == p.source


def test_presets_share_small_data(data):
    assert data.windows.shape == (2000, 24, 2)
    assert all(p.source == PRESETS["healthy"].source for p in PRESETS.values()), "one data set for every lesson"


def test_lstm_and_gru_differ_only_in_cells():
    lstm, gru = get_preset("lstm"), get_preset("gru")
    assert (lstm.model.g_cell, lstm.model.d_cell, gru.model.g_cell, gru.model.d_cell) == ("lstm", "lstm", "gru", "gru")
    assert replace(lstm.model, g_cell="gru", d_cell="gru") == gru.model
    assert lstm.train == gru.train and lstm.source == gru.source


def test_unknown_preset_names_the_known_ones():
    with pytest.raises(KeyError, match="healthy"):
        get_preset("nope")


# ---------------------------------------------------------------------------------------- behaviour
def test_healthy_converges(healthy, data):
    trainer, h = healthy
    gap = np.mean(h["d_real"][-25:] - h["d_fake"][-25:])
    assert abs(gap) < 0.15, f"D still tells real from fake: D(real) - D(fake) = {gap:.2f}"
    assert abs(np.mean(h["d_real"][-25:]) - 0.5) < 0.15
    assert diversity(trainer, data) > 0.6


def test_mode_collapse_has_low_diversity(healthy, data):
    trainer, _, diverged = train("mode-collapse", data, 60)
    assert not diverged
    collapsed, normal = diversity(trainer, data), diversity(healthy[0], data)
    assert collapsed < 0.3 and collapsed < 0.4 * normal, (collapsed, normal)


def test_discriminator_wins(healthy, data):
    _, h, diverged = train("d-wins", data, 20)
    assert not diverged
    gap = np.mean(h["d_real"][-10:] - h["d_fake"][-10:])
    healthy_gap = np.mean(healthy[1]["d_real"][-25:] - healthy[1]["d_fake"][-25:])
    assert gap > 0.8 and gap > healthy_gap + 0.5, (gap, healthy_gap)
    assert np.mean(h["loss_g"][-10:]) > 5 * np.mean(healthy[1]["loss_g"][-25:])
    assert h["loss_g"][-5:].mean() > h["loss_g"][:5].mean(), "G's loss grows"


def test_learning_rate_too_high_is_unstable(healthy, data):
    _, h, diverged = train("lr-too-high", data, 100)
    if diverged:
        return  # stopping with the divergence message is the lesson too
    hh = healthy[1]
    late = slice(-40, None)  # steps 60-100: the healthy run has settled by then
    grad, healthy_grad = np.nanmedian(h["grad_norm_g"][late]), np.nanmedian(hh["grad_norm_g"][late])
    spread, healthy_spread = np.std(h["loss_g"][late]), np.std(hh["loss_g"][late])
    gap, healthy_gap = np.mean(h["d_real"][late] - h["d_fake"][late]), np.mean(hh["d_real"][late] - hh["d_fake"][late])
    assert grad > 10 * healthy_grad, (grad, healthy_grad)  # exploding gradients
    assert spread > 2 * healthy_spread, (spread, healthy_spread)  # a loss that does not settle
    assert gap > healthy_gap + 0.2, (gap, healthy_gap)  # and D pulls ahead


@pytest.mark.parametrize("key", ["lstm", "gru"])
def test_lstm_and_gru_train(key, data):
    trainer, h, diverged = train(key, data, 5)
    assert not diverged and all(math.isfinite(v) for v in h["loss_g"])
    assert type(trainer.generator.rnn).__name__ == key.upper()
