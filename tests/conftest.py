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
