"""The dynamics recipe (D judges step-to-step changes, learning-rate schedule, G writing changes) and the
small-table recipe: what each does to the networks, checkpoints and the CLI."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import torch

from rgan.configs import config_from_dict
from rgan.data import load_dataset
from rgan.models import Discriminator, Generator, ModelConfig
from rgan.train import TrainConfig, Trainer
from rgan.train.config import lr_factor
from rgan.train.recipe import SMALL_ROWS, choose_recipe, describe
from rgan.train.trainer import CHANGE_SPREAD

TINY = ModelConfig(g_hidden=8, d_hidden=8, noise_dim=2, static_noise_dim=2, burn_in=0)  # G reads z as it is


def test_d_with_changes_judges_values_and_scaled_changes():
    d = Discriminator(3, replace(TINY, d_diffs=True))
    assert d.rnn.input_size == 6  # each step's value and its change from the step before
    d.diff_scale.copy_(torch.tensor([1.0, 10.0, 100.0]))
    x = torch.rand(4, 5, 3)
    seen = []
    d.rnn.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0]))
    d(x)
    changes = seen[0][..., 3:]
    assert torch.equal(changes[:, 0], torch.zeros(4, 3))  # the first step has no step before it
    assert torch.allclose(changes[:, 1:], (x[:, 1:] - x[:, :-1]) * torch.tensor([1.0, 10.0, 100.0]))
    assert torch.equal(seen[0][..., :3], x)


def test_trainer_scales_changes_to_the_datas_typical_change():
    data = load_dataset("sines", n_samples=64, n_features=2)
    t = Trainer(data, TINY, TrainConfig(device="cpu", batch_size=16))
    spread = np.diff(data.windows, axis=1).reshape(-1, 2).std(axis=0)
    assert np.allclose(t.discriminator.diff_scale.numpy(), CHANGE_SPREAD / spread, rtol=1e-5)
    # a resumed trainer keeps the scale it trained with, even on other data
    t.step()
    other = load_dataset("sines", n_samples=64, n_features=2, seed=5)
    again = Trainer.from_state(t.state_dict(), data=other, device="cpu")
    assert torch.equal(again.discriminator.diff_scale, t.discriminator.diff_scale)


def test_checkpoints_from_before_the_dynamics_work_rebuild_a_levels_only_d():
    old = config_from_dict(ModelConfig, {k: v for k, v in vars(TINY).items() if k not in ("d_diffs", "g_output")})
    assert old.d_diffs is False and old.g_output == "levels"
    assert config_from_dict(TrainConfig, {"lr_g": 1e-3}).lr_decay_steps == 0
    assert ModelConfig().d_diffs is True and TrainConfig().lr_decay_steps > 0  # today's defaults


def test_generator_writing_changes_sums_them_onto_a_first_level():
    torch.manual_seed(0)
    g = Generator(2, replace(TINY, g_output="changes"))
    z = torch.randn(3, 6, TINY.generator_input_dim)
    with torch.no_grad():
        x = g(z)
        raw = g.out(g.rnn(z)[0])
    assert torch.allclose(x[:, 0], torch.sigmoid(raw[:, 0]))
    assert 0 < float(x[:, 0].min()) and float(x[:, 0].max()) < 1
    assert torch.allclose(x[:, 1:] - x[:, :-1], 0.05 * raw[:, 1:], atol=1e-6)


def test_learning_rates_fall_geometrically_to_the_floor():
    cfg = TrainConfig(lr_decay_steps=100, lr_floor=0.25, lr_floor_d=0.0)
    for net in ("g", "d"):
        assert lr_factor(cfg, 0, net) == 1.0
        assert math.isclose(lr_factor(cfg, 50, net), 0.5)
        assert math.isclose(lr_factor(cfg, 100, net), 0.25) and math.isclose(lr_factor(cfg, 10_000, net), 0.25)
        assert lr_factor(TrainConfig(lr_decay_steps=0), 10_000, net) == 1.0
    with pytest.raises(ValueError, match="lr_floor"):
        TrainConfig(lr_floor=0.0)
    with pytest.raises(ValueError, match="lr_decay_steps"):
        TrainConfig(lr_decay_steps=-1)


def test_trainer_uses_the_scheduled_rate_and_keeps_the_set_one():
    data = load_dataset("sines", n_samples=64, n_features=2)
    t = Trainer(data, TINY, TrainConfig(device="cpu", batch_size=16, lr_g=1e-3, lr_d=2e-3, lr_decay_steps=4,
                                        lr_floor=0.5, lr_floor_d=0.0))
    for _ in range(4):
        t.step()
    assert t.lr_g == 1e-3 and t.lr_d == 2e-3  # the settings
    assert math.isclose(t.opt_g.param_groups[0]["lr"], 1e-3 * 0.5 ** 0.75)  # what step 4 (index 3) used
    assert all(math.isclose(a, b) for a, b in zip(t.lr_now, (5e-4, 1e-3)))
    t.set_lr(lr_g=4e-3)
    assert t.lr_g == 4e-3 and math.isclose(t.opt_g.param_groups[0]["lr"], 2e-3)


def test_d_can_have_its_own_floor_and_a_resumed_trainer_keeps_both_set_rates():
    cfg = TrainConfig(lr_decay_steps=100, lr_floor=0.25, lr_floor_d=0.5)
    assert math.isclose(lr_factor(cfg, 100, "g"), 0.25) and math.isclose(lr_factor(cfg, 100, "d"), 0.5)
    assert math.isclose(lr_factor(cfg, 50, "g"), 0.5) and lr_factor(cfg, 0, "d") == 1.0
    assert lr_factor(replace(cfg, lr_floor_d=0.0), 100, "d") == 0.25  # 0: D follows lr_floor
    with pytest.raises(ValueError, match="lr_floor_d"):
        TrainConfig(lr_floor_d=1.5)
    with pytest.raises(ValueError, match="net"):
        lr_factor(cfg, 1, "x")

    data = load_dataset("sines", n_samples=64, n_features=2)
    t = Trainer(data, TINY, TrainConfig(device="cpu", batch_size=16, lr_g=1e-3, lr_d=2e-3, lr_decay_steps=2,
                                        lr_floor=0.25, lr_floor_d=0.5))
    for _ in range(3):
        t.step()
    assert math.isclose(t.opt_g.param_groups[0]["lr"], 2.5e-4) and math.isclose(t.opt_d.param_groups[0]["lr"], 1e-3)
    assert all(math.isclose(a, b) for a, b in zip(t.lr_now, (2.5e-4, 1e-3)))
    t.sync_lr_from_optimisers()  # what a resume does after loading the optimisers' states
    assert math.isclose(t.lr_g, 1e-3) and math.isclose(t.lr_d, 2e-3)


def test_small_tables_get_the_small_table_recipe_and_big_ones_the_standard():
    small = choose_recipe(n_windows=96, n_rows=107, seq_len=12, n_features=2)
    assert small.name == "small table" and "107 rows" in small.reason and small.warning is None
    big = choose_recipe(n_windows=3662, n_rows=3685, seq_len=24, n_features=6)
    assert big.name == "standard" and not big.model_changes and not big.train_changes
    few = choose_recipe(n_windows=5, n_rows=20, seq_len=16, n_features=1)
    assert few.warning and "5 windows" in few.warning
    assert choose_recipe(100, SMALL_ROWS, 24, 1).name == "standard"


def test_few_long_windows_get_no_shape_loss_and_with_a_label_the_class_critic():
    outlines = choose_recipe(n_windows=211, n_rows=52_961, seq_len=251, n_features=1, n_classes=3)
    assert outlines.name == "few long windows"
    assert outlines.train_changes == {"shape_weight": 0.0, "class_weight": 1.0, "change_weight": 1.0,
                                      "lr_decay_steps": 6000, "lr_floor": 0.1}
    assert outlines.model_changes == {"burn_in": 0, "patch": 4}  # measured without G's burn-in
    assert "fewer than 4 windows per value" in describe(outlines) and "class critic" in describe(outlines)
    assert "each class's roughness" in describe(outlines)
    assert "rates falling to a tenth over 6,000 steps" in describe(outlines)
    unlabelled = choose_recipe(n_windows=211, n_rows=52_961, seq_len=251, n_features=1)
    assert unlabelled.train_changes == {"shape_weight": 0.0, "change_weight": 0.0}
    assert "class critic" not in describe(unlabelled)
    assert "roughness" not in describe(unlabelled) and "rates" not in describe(unlabelled)
    assert choose_recipe(n_windows=1096, n_rows=26_304, seq_len=24, n_features=1, n_classes=2).name == "standard"
    assert choose_recipe(n_windows=3662, n_rows=3685, seq_len=24, n_features=6).name == "standard"
    _, train, made = outlines.apply(ModelConfig(), TrainConfig(shape_weight=0.5))
    assert train.shape_weight == 0.5 and train.class_weight == 1.0
    assert made == {"burn_in": (6, 0), "patch": (1, 4), "class_weight": (0.0, 1.0), "change_weight": (0.3, 1.0),
                    "lr_decay_steps": (3000, 6000), "lr_floor": (0.3, 0.1)}


def test_the_recipe_never_overrides_a_setting_the_person_chose():
    recipe = choose_recipe(n_windows=96, n_rows=107, seq_len=12, n_features=2)
    model, train, made = recipe.apply(ModelConfig(g_hidden=48), TrainConfig())
    assert model.g_hidden == 48  # chosen: kept
    assert model.d_hidden == recipe.model_changes["d_hidden"] and train.steps == recipe.train_changes["steps"]
    assert set(made) == {"d_hidden", "burn_in", "steps", "lr_floor", "change_weight"}  # as the figures were measured
    assert "d_hidden 64 → 32" in describe(recipe, made) and "small table" in describe(recipe, made)
    kept = recipe.apply(ModelConfig(g_hidden=48, d_hidden=16, burn_in=2),
                        TrainConfig(steps=900, lr_floor=0.5, change_weight=0.5))[2]
    assert kept == {} and "your settings were kept" in describe(recipe, kept)


def test_cli_prints_the_recipe_and_why(tmp_path):
    rows = "\n".join(f"{1972 + (i + 1) // 4},{(i + 1) % 4 + 1},{math.sin(i / 3):.4f},{0.05 + i / 1000:.4f}"
                     for i in range(60))
    csv = tmp_path / "quarterly.csv"
    csv.write_text("year,quarter,Dp,R\n" + rows + "\n")
    out = subprocess.run([sys.executable, "-m", "rgan", "train", "--data", str(csv), "--seq-len", "8", "--steps", "2",
                          "--out", str(tmp_path / "run"), "--quiet", "--device", "cpu"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "Recipe: small table (53 windows of 8 steps x 2 features from 60 rows" in out.stderr
    assert "g_hidden 64 → 32" in out.stderr
    standard = subprocess.run([sys.executable, "-m", "rgan", "train", "--data", str(csv), "--seq-len", "8", "--steps", "2",
                               "--out", str(tmp_path / "run2"), "--quiet", "--device", "cpu", "--recipe", "standard"],
                              capture_output=True, text=True, timeout=300)
    assert standard.returncode == 0 and "Recipe: standard (--recipe standard)" in standard.stderr
