"""Each step's place in a whole sequence (``ModelConfig.position``): G and D see where they are in an outline."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from rgan.configs import config_from_dict
from rgan.data import DataConfig, from_array, load_csv
from rgan.models import POSITION_FEATURES, Discriminator, Generator, ModelConfig, _with_position
from rgan.train import TrainConfig, Trainer
from rgan.train.recipe import choose_recipe, describe, recipe_for, whole_sequences

def test_the_place_features_start_at_zero_and_reach_the_end_of_the_sequence():
    x = torch.zeros(2, 5, 3)
    out = _with_position(x, length=5, k=1)
    assert out.shape == (2, 5, 3 + POSITION_FEATURES) and torch.equal(out[:, :, :3], x)
    u = out[0, :, 3]
    torch.testing.assert_close(u, torch.tensor([0.0, 0.2, 0.4, 0.6, 0.8]))
    torch.testing.assert_close(out[0, :, 4], torch.sin(math.pi * u))
    torch.testing.assert_close(out[0, :, 9], torch.cos(3 * math.pi * u))
    # with k steps per cell, cell s starts at step s * k
    torch.testing.assert_close(_with_position(torch.zeros(1, 3, 1), length=12, k=4)[0, :, 1],
                               torch.tensor([0.0, 4 / 12, 8 / 12]))


@pytest.mark.parametrize("patch", [1, 4])
def test_networks_with_position_read_it_and_run_past_the_sequence(patch: int):
    config = ModelConfig(g_hidden=8, d_hidden=8, position=20, patch=patch, n_classes=2, burn_in=0)
    off = replace(config, position=0)
    assert config.generator_input_dim == off.generator_input_dim + POSITION_FEATURES
    assert config.discriminator_input_dim(2) == off.discriminator_input_dim(2) + POSITION_FEATURES
    G, D = Generator(2, config), Discriminator(2, config)
    torch.manual_seed(0)
    z = torch.randn(3, 20, config.noise_dim + config.static_noise_dim)
    labels = torch.tensor([0, 1, 0])
    x = G(z, labels)
    assert x.shape == (3, 20, 2) and D(x, labels).shape == (3, 20)
    longer = G(torch.cat([z, torch.randn(3, 17, z.shape[2])], dim=1), labels)  # any length: the places carry on
    assert longer.shape == (3, 37, 2)
    torch.testing.assert_close(longer[:, :20], x)  # causal: the first 20 steps are the same
    # the same noise at every step still gives a step-dependent input: the place differs
    flat = z[:, :1].expand(-1, 20, -1)
    assert not torch.allclose(G(flat, labels)[:, 0], G(flat, labels)[:, -1])


def test_bad_positions_are_refused_and_old_configs_mean_off():
    with pytest.raises(ValueError, match="position must be an integer >= 0, got -1"):
        ModelConfig(position=-1)
    stored = {k: v for k, v in ModelConfig().__dict__.items() if k != "position"}
    assert config_from_dict(ModelConfig, stored).position == 0


def _outlines(n: int = 64, steps: int = 48, seed: int = 0):
    """Whole sequences with peaks at fixed places (as arrowhead's outlines), two classes."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, steps)
    labels = rng.integers(0, 2, n)
    centre = np.where(labels[:, None] == 0, 0.3, 0.7)
    x = np.exp(-((t[None] - centre) ** 2) / 0.01) + rng.normal(0, 0.03, (n, steps))
    return x[:, :, None], labels


def test_position_lets_g_put_a_fixed_peak_in_place_sooner():
    x, _ = _outlines()
    data = from_array(x, ["v"], DataConfig(seq_len=48))
    real_mean = np.asarray(data.windows)[..., 0].mean(0)
    gaps = {}
    for position in (0, 48):
        model = ModelConfig(g_hidden=24, d_hidden=24, noise_dim=4, static_noise_dim=4, position=position)
        trainer = Trainer(data, model, TrainConfig(device="cpu", batch_size=32, seed=0, shape_weight=0.0))
        for _ in range(150):
            trainer.step()
        fake = trainer.sample(64, seed=0, scaled=True)[..., 0]
        gaps[position] = float(np.abs(fake.mean(0) - real_mean).mean())
    assert gaps[48] < 0.5 * gaps[0], gaps


def test_a_checkpoint_keeps_the_position(tmp_path: Path):
    x, labels = _outlines(n=32, steps=16)
    data = from_array(x, ["v"], DataConfig(seq_len=16))
    data = replace(data, labels=labels, class_names=["a", "b"])
    model = ModelConfig(g_hidden=8, d_hidden=8, noise_dim=2, static_noise_dim=2, position=16, n_classes=2)
    trainer = Trainer(data, model, TrainConfig(device="cpu", batch_size=16, seed=0))
    for _ in range(2):
        trainer.step()
    again = Trainer.load(trainer.save(tmp_path / "p.pt"), device="cpu")
    assert again.model_config.position == 16
    np.testing.assert_allclose(again.sample(4, seed=1, length=30), trainer.sample(4, seed=1, length=30), atol=1e-6)


def test_few_long_whole_sequences_get_the_position_and_cut_windows_do_not():
    whole = choose_recipe(n_windows=211, n_rows=52_961, seq_len=251, n_features=1, n_classes=3, whole=True)
    assert whole.model_changes == {"burn_in": 0, "position": 251, "patch": 4}  # measured without G's burn-in
    assert "each step's place in the whole sequence" in describe(whole)
    assert choose_recipe(n_windows=211, n_rows=52_961, seq_len=251, n_features=1, n_classes=3).model_changes == {"burn_in": 0,
                                                                                                    "patch": 4}
    # the standard recipe never sets it, whole sequences or not (italy's days are whole too)
    assert choose_recipe(n_windows=1096, n_rows=26_304, seq_len=24, n_features=1, whole=True).model_changes == {}
    model, _, made = whole.apply(ModelConfig(position=100), TrainConfig())
    assert model.position == 100 and "position" not in made  # a setting the person chose is kept


def test_a_wide_file_of_outlines_is_whole_sequences_and_its_windows_are_not():
    """A UCR-style file (as arrowhead.csv: ``shape``, then t0..t59): each row is one whole outline."""
    header = "shape," + ",".join(f"t{k}" for k in range(60))
    rows = [f"{k % 3}," + ",".join(f"{np.sin(k + s / 9):.3f}" for s in range(60)) for k in range(40)]
    text = "\n".join([header] + rows).encode()
    outlines = load_csv(text, DataConfig(label_column="shape", seq_len=60))
    assert whole_sequences(outlines)
    assert recipe_for(outlines).name == "few long windows" and recipe_for(outlines).model_changes == {"burn_in": 0,
                                                                                                 "position": 60}
    windows = load_csv(text, DataConfig(label_column="shape", seq_len=12))
    assert not whole_sequences(windows)
    assert recipe_for(windows).model_changes == {"g_margin": 0.1}  # no position; pure sines crowd their range's ends


def test_windows_of_one_long_series_are_not_whole_sequences():
    series = np.sin(np.arange(3000) / 10.0)[:, None]
    data = from_array(series, ["v"], DataConfig(seq_len=500))
    assert not whole_sequences(data)
    assert recipe_for(data).model_changes == {"g_margin": 0.1}  # no position; pure sines crowd their range's ends
