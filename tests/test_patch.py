"""Several time steps per recurrent cell step (``ModelConfig.patch``): G writes k steps per cell, D reads k."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from rgan.configs import config_from_dict
from rgan.data import load_dataset
from rgan.models import Discriminator, Generator, ModelConfig
from rgan.train import TrainConfig, Trainer

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("per_step", [True, False])
def test_any_length_in_and_out_with_k_steps_per_cell(cell: str, per_step: bool) -> None:
    config = ModelConfig(g_cell=cell, d_cell=cell, g_hidden=8, d_hidden=8, patch=4, d_per_step=per_step, burn_in=0)
    G, D = Generator(3, config), Discriminator(3, config)
    z = torch.randn(2, 23, config.generator_input_dim)  # 23: not a multiple of 4
    x = G(z)
    assert x.shape == (2, 23, 3) and bool(((x > 0) & (x < 1)).all())
    assert D(x).shape == ((2, 23) if per_step else (2, 1))
    # causal: the first 8 steps (two cells) do not depend on the noise after them
    torch.testing.assert_close(G(z[:, :8]), x[:, :8])
    # each cell reads the noise of its first step only, so noise at steps 1-3 leaves the output alone
    changed = z.clone()
    changed[:, 1:4, :] += 1.0
    torch.testing.assert_close(G(changed), x)
    # D's verdict per step is its cell's, repeated over the cell's steps; a step in the padded last cell counts
    if per_step:
        logits = D(x)
        assert torch.equal(logits[:, 0:4], logits[:, :1].expand(-1, 4)) and not torch.equal(logits[:, 3], logits[:, 4])
        later = x.clone()
        later[:, 22] += 0.3  # the last step, alone in a cell padded with copies of it
        assert not torch.equal(D(later)[:, 20:], logits[:, 20:])
        torch.testing.assert_close(D(later)[:, :20], logits[:, :20])


def test_networks_read_and_write_fewer_cell_steps() -> None:
    one, four = ModelConfig(g_hidden=8, d_hidden=8), ModelConfig(g_hidden=8, d_hidden=8, patch=4)
    assert four.discriminator_input_dim(3) == 4 * one.discriminator_input_dim(3) == 4 * 6
    assert Generator(3, four).out.out_features == 12
    with pytest.raises(ValueError, match="patch must be a positive integer, got 0"):
        ModelConfig(patch=0)
    # configs written before the field existed meant one step per cell
    stored = {k: v for k, v in ModelConfig().__dict__.items() if k != "patch"}
    assert config_from_dict(ModelConfig, stored).patch == 1


def test_training_and_a_checkpoint_keep_the_patch(tmp_path: Path) -> None:
    data = load_dataset("sines", seq_len=18, n_samples=64, n_features=2)
    model = ModelConfig(g_hidden=8, d_hidden=8, patch=5, noise_dim=2, static_noise_dim=2)
    trainer = Trainer(data, model, TrainConfig(device="cpu", batch_size=16, seed=0, unroll=2, unroll_after=0))
    stats = [trainer.step() for _ in range(3)]
    assert all(np.isfinite(s["loss_g"]) and np.isfinite(s["loss_d"]) for s in stats)
    path = trainer.save(tmp_path / "p.pt")
    again = Trainer.load(path, device="cpu")
    assert again.model_config.patch == 5
    np.testing.assert_allclose(again.sample(4, seed=1, length=41), trainer.sample(4, seed=1, length=41), atol=1e-6)


def test_cli_trains_with_steps_per_cell(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["--dataset", "sines", "--seq-len", "16", "--steps", "5", "--patch", "4", "--g-hidden", "8",
            "--d-hidden", "8", "--batch-size", "16", "--device", "cpu", "--threads", "1", "--out", str(out)]
    run = subprocess.run([sys.executable, "-m", "rgan", "train", *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=180)
    assert run.returncode == 0, run.stderr
    assert json.loads((out / "config.json").read_text())["model"]["patch"] == 4
    sample = tmp_path / "s.csv"
    run = subprocess.run([sys.executable, "-m", "rgan", "sample", "--checkpoint", str(out / "checkpoint.pt"), "--n", "2",
                          "--length", "30", "--out", str(sample)], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    frame = pd.read_csv(sample)
    assert len(frame) == 60 and frame["step"].max() == 29


def test_the_few_long_windows_recipe_writes_long_windows_in_about_64_cell_steps() -> None:
    from rgan.train.recipe import LONG_CELLS, choose_recipe, describe

    def patch(seq_len: int) -> int:
        recipe = choose_recipe(n_windows=40, n_rows=50_000, seq_len=seq_len, n_features=1, n_classes=2)
        assert recipe.name == "few long windows"
        return recipe.model_changes.get("patch", 1)

    assert LONG_CELLS == 64
    assert [patch(t) for t in (24, 128, 129, 192, 193, 251, 1000)] == [1, 1, 3, 3, 4, 4, 16]
    outlines = choose_recipe(n_windows=147, n_rows=52_961, seq_len=251, n_features=1, n_classes=3, whole=True)
    assert "4 steps per cell" in describe(outlines)
    model, _, made = outlines.apply(ModelConfig(patch=2), TrainConfig())
    assert model.patch == 2 and "patch" not in made  # a setting the person chose is kept
    # the standard recipe never sets it
    assert "patch" not in choose_recipe(n_windows=3662, n_rows=3685, seq_len=24, n_features=6).model_changes
