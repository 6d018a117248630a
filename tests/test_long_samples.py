"""Samples longer than the training windows: the generator carries its state on, and G can train on
longer unrolls (``TrainConfig.unroll``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rgan.data import DataConfig, load_dataset
from rgan.models import ModelConfig
from rgan.train import TrainConfig, Trainer
from rgan.train.sampling import draw_noise

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
    # causal: the first 12 steps do not depend on what comes after; the state carries on past seq_len
    np.testing.assert_allclose(long[:, :12], trainer.generate(z[:, :12]), atol=1e-6)
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
    trainer = Trainer(data, SMALL, TrainConfig(device="cpu", unroll=3, batch_size=8, seed=2))
    stats = [trainer.step() for _ in range(3)]
    assert all(np.isfinite(s["loss_g"]) for s in stats)
    again = Trainer(data, SMALL, TrainConfig(device="cpu", unroll=3, batch_size=8, seed=2))
    assert [again.step()["loss_g"] for _ in range(3)] == [s["loss_g"] for s in stats]  # same seed, same run
    with pytest.raises(ValueError, match="unroll must be a positive integer, got 0"):
        TrainConfig(unroll=0)


def test_default_unroll_keeps_the_run_unchanged(data) -> None:
    """unroll=1 draws no extra random numbers: runs repeat those of earlier versions."""
    a = Trainer(data, SMALL, TrainConfig(device="cpu", batch_size=8, seed=4))
    b = Trainer(data, SMALL, TrainConfig(device="cpu", batch_size=8, seed=4, unroll=1))
    assert [a.step()["loss_d"] for _ in range(2)] == [b.step()["loss_d"] for _ in range(2)]
    assert DataConfig().seq_len == 24
