"""Samples longer than the training windows: the generator carries its state on, and G can train on
longer unrolls (``TrainConfig.unroll``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from rgan.data import DataConfig, load_dataset
from rgan.models import ModelConfig
from rgan.train import TrainConfig, Trainer
from rgan.train.sampling import draw_noise
from rgan.train.conditional import labels_of_fakes as _labels_of_fakes

SMALL = ModelConfig(g_hidden=8, d_hidden=8, noise_dim=2, static_noise_dim=2)


@pytest.fixture(scope="module")
def data():
    return load_dataset("sines", seq_len=12, n_samples=64, n_features=2)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_long_sample_starts_as_the_short_one_would(data, cell: str) -> None:
    trainer = Trainer(data, ModelConfig(g_cell=cell, g_hidden=8, d_hidden=8), TrainConfig(device="cpu", ema_decay=0))
    z = draw_noise(3, 60, trainer.model_config, torch.Generator().manual_seed(0), trainer.device)  # (3, 60, noise)
    long = trainer.generate(z)
    assert long.shape == (3, 60, 2)
    # causal: the first 12 steps do not depend on what comes after; the state carries on past seq_len (G's burn-in
    # reads the first burn_in_steps of the noise before its first step)
    burn = trainer.model_config.burn_in_steps
    assert burn == ModelConfig().burn_in > 0
    np.testing.assert_allclose(long[:, :12], trainer.generate(z[:, :12 + burn]), atol=1e-6)
    assert bool((z[:, :, -1] == z[:, :1, -1]).all())  # per-sequence noise held over all 60 steps, as in training
    assert not np.allclose(long[:, 12:24], long[:, :12])


def test_sample_length_and_its_checks(data) -> None:
    trainer = Trainer(data, SMALL, TrainConfig(device="cpu"))
    out = trainer.sample(5, seed=0, length=120)
    assert out.shape == (5, 120, 2) and np.isfinite(out).all()
    np.testing.assert_array_equal(out, trainer.sample(5, seed=0, length=120))  # repeatable under a seed
    assert trainer.sample(3, seed=0).shape == (3, 12, 2)
    with pytest.raises(ValueError, match="length must be at least 1, got 0"):
        trainer.sample(2, length=0)


def test_training_on_longer_unrolls(data) -> None:
    trainer = Trainer(data, SMALL, TrainConfig(device="cpu", unroll=3, unroll_after=0, batch_size=8, seed=2))
    stats = [trainer.step() for _ in range(3)]
    assert all(np.isfinite(s["loss_g"]) for s in stats)
    again = Trainer(data, SMALL, TrainConfig(device="cpu", unroll=3, unroll_after=0, batch_size=8, seed=2))
    assert [again.step()["loss_g"] for _ in range(3)] == [s["loss_g"] for s in stats]  # same seed, same run
    with pytest.raises(ValueError, match="unroll must be a positive integer, got 0"):
        TrainConfig(unroll=0)


def test_unrolled_batches_show_d_every_window_of_each_sequence(data) -> None:
    """With unroll 4, D judges all four T-step chunks of each unrolled sequence, one after another, and each
    chunk is judged for its sequence's class."""
    trainer = Trainer(data, SMALL, TrainConfig(device="cpu", unroll=4, batch_size=8, seed=1))
    steps = torch.arange(48, dtype=torch.float32)[None, :, None].expand(8, 48, 2)  # each step's own index
    trainer.generator = lambda z, labels=None: steps  # G's output: which step of the unrolled run it is
    fake = trainer._fake(torch.zeros(8, 48, 1), None)
    assert fake.shape == (32, 12, 2)
    assert fake[:, 0, 0].tolist() == [0.0, 12.0, 24.0, 36.0] * 8 and fake[1, :, 0].tolist() == list(range(12, 24))
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    assert _labels_of_fakes(labels, fake, torch.zeros(8, 12, 2)).tolist() == [v for v in labels.tolist() for _ in range(4)]


def test_unroll_after_trains_single_windows_first(data) -> None:
    """``unroll_after`` steps on single windows (the same run as without unrolls), then unrolled steps."""
    seen = []
    trainer = Trainer(data, SMALL, TrainConfig(device="cpu", unroll=3, unroll_after=2, batch_size=8, seed=5))
    make = trainer._fake
    trainer._fake = lambda z, labels: seen.append(z.shape[1]) or make(z, labels)
    single = Trainer(data, SMALL, TrainConfig(device="cpu", batch_size=8, seed=5))
    assert [trainer.step()["loss_g"] for _ in range(2)] == [single.step()["loss_g"] for _ in range(2)]
    assert trainer.unroll_now == 3 and np.isfinite(trainer.step()["loss_g"])
    burn = SMALL.burn_in_steps  # G's noise: one window, one window, then three windows long, each after its burn-in
    assert seen == [12 + burn, 12 + burn, 36 + burn]
    with pytest.raises(ValueError, match="unroll_after must be a whole number >= 0, got -1"):
        TrainConfig(unroll_after=-1)


@pytest.mark.parametrize("loss", ["ns", "wgan-gp"])
def test_conditional_unrolled_training(loss: str) -> None:
    labelled = load_dataset("sines", seq_len=12, n_samples=64, n_features=2)
    labelled = replace(labelled, labels=np.arange(len(labelled.windows)) % 3, class_names=["a", "b", "c"])
    model = replace(SMALL, n_classes=3)
    trainer = Trainer(labelled, model, TrainConfig(device="cpu", unroll=3, unroll_after=0, batch_size=8, seed=0, loss=loss))
    assert all(np.isfinite(trainer.step()["loss_g"]) for _ in range(3))
    out, classes = trainer.sample(6, seed=0, length=36, with_labels=True)
    assert out.shape == (6, 36, 2) and len(classes) == 6


def test_default_unroll_keeps_the_run_unchanged(data) -> None:
    """unroll=1 draws no extra random numbers: runs repeat those of earlier versions."""
    a = Trainer(data, SMALL, TrainConfig(device="cpu", batch_size=8, seed=4))
    b = Trainer(data, SMALL, TrainConfig(device="cpu", batch_size=8, seed=4, unroll=1))
    assert [a.step()["loss_d"] for _ in range(2)] == [b.step()["loss_d"] for _ in range(2)]
    assert DataConfig().seq_len == 24


def test_start_end_scores_see_a_drifting_end() -> None:
    """A sample whose last window leaves the data's range scores worse at the end than at the start."""
    from rgan.metrics import start_end_scores

    rng = np.random.default_rng(0)
    t = np.arange(12)
    real = (0.5 + 0.3 * np.sin(t[None, :, None] / 2 + rng.uniform(0, 6, (200, 1, 1)))).astype(np.float32)
    steady = np.concatenate([real[rng.permutation(200)] for _ in range(3)], axis=1)  # (200, 36, 1): on the data
    drifting = steady.copy()
    drifting[:, -12:] = 0.95 - 0.05 * rng.random((200, 12, 1))  # the last window sits at the top, flat
    start, end = start_end_scores(real, steady, iterations=300)
    assert abs(end - start) < 0.1
    start, end = start_end_scores(real, drifting, iterations=300)
    assert start < 0.15 and end > 0.4
    with pytest.raises(ValueError, match="at least as long as the real windows"):
        start_end_scores(real, steady[:, :8], iterations=10)


def test_long_samples_figure_draws_the_whole_length_against_the_real_band() -> None:
    from rgan.plots import long_samples_figure

    rng = np.random.default_rng(1)
    real = rng.normal(10, 1, (30, 12, 2))
    fake = rng.normal(10, 1, (6, 60, 2))
    fig = long_samples_figure(fake, real, ["a", "b"], 12, n=3)
    assert "Long samples: 60 steps, 5.0 training windows" in fig.layout.title.text
    generated = [tr for tr in fig.data if tr.name == "generated"]
    assert len(generated) == 2 and len(generated[0].x) == 3 * 61  # 3 samples of 60 steps, a gap after each
    band = [tr for tr in fig.data if tr.name == "real 5-95 %"]
    lo, hi = np.percentile(real[:, :, 0], [5, 95])
    assert len(band) == 4 and band[0].y == (hi, hi) and band[1].y == (lo, lo) and band[1].fill == "tonexty"
    edges = [s.x0 for s in fig.layout.shapes]  # a dotted line after every window, on each feature's row
    assert sorted(set(edges)) == [11.5, 23.5, 35.5, 47.5] and len(edges) == 8
    assert long_samples_figure(fake, None, ["a", "b"], 12).data[0].name == "generated"  # no real data: no band
