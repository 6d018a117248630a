"""G's change loss: moments of first and second differences in units of the real change."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch

from rgan.train import TrainConfig, Trainer, losses


def _sines(n: int = 256, steps: int = 24, features: int = 3, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    freq = torch.rand(n, 1, features, generator=g) * 0.1
    phase = torch.rand(n, 1, features, generator=g) * 0.1
    t = torch.arange(steps, dtype=torch.float32)[None, :, None]
    return 0.5 + 0.5 * torch.sin(freq * t + phase)  # (n, steps, features), smooth


def test_the_gap_is_zero_for_the_real_batch_itself_and_grows_with_jitter():
    real = _sines()
    assert losses.change_gap(real, real).item() == pytest.approx(0.0, abs=1e-6)
    g = torch.Generator().manual_seed(1)
    small = losses.change_gap(real + 0.001 * torch.randn(real.shape, generator=g), real).item()
    large = losses.change_gap(real + 0.01 * torch.randn(real.shape, generator=g), real).item()
    assert 0 < small < large


def test_the_gap_is_in_units_of_the_real_change_so_it_sees_jitter_raw_moments_miss():
    """A jitter of 0.002 on sines moving about 0.01 a step: the raw moment gap of the differences is
    tiny, the scaled change gap is not; and scaling both batches by any factor leaves it unchanged."""
    real = _sines()
    fake = real + 0.002 * torch.randn(real.shape, generator=torch.Generator().manual_seed(2))
    raw = losses.moment_gap(fake.diff(dim=1), real.diff(dim=1)).item()
    scaled = losses.change_gap(fake, real).item()
    assert raw < 0.005 and scaled > 10 * raw
    assert losses.change_gap(7.0 * fake, 7.0 * real).item() == pytest.approx(scaled, rel=1e-4)


def test_a_constant_real_feature_does_not_blow_up_and_the_gradient_reaches_g():
    real = _sines()
    real[:, :, 0] = 0.3  # a flat feature: its real spread of changes is 0
    fake = (real + 0.01 * torch.randn(real.shape, generator=torch.Generator().manual_seed(3))).requires_grad_(True)
    gap = losses.change_gap(fake, real)
    gap.backward()
    assert math.isfinite(gap.item()) and torch.isfinite(fake.grad).all() and fake.grad.abs().sum() > 0


def test_generator_loss_adds_the_weighted_gap_and_skips_it_for_short_windows():
    real, fake = _sines(), _sines(seed=5)
    logits = torch.zeros(real.shape[0], real.shape[1])
    base = losses.generator_loss(logits, fake, real, "ns")
    with_change = losses.generator_loss(logits, fake, real, "ns", change_weight=2.0)
    assert with_change.item() == pytest.approx(base.item() + 2.0 * losses.change_gap(fake, real).item(), rel=1e-5)
    short = fake[:, :2]  # two steps have no second difference
    assert losses.generator_loss(logits[:, :2], short, real[:, :2], "ns", change_weight=2.0).item() == pytest.approx(
        losses.generator_loss(logits[:, :2], short, real[:, :2], "ns").item())


@pytest.mark.parametrize("bad", [-0.1, float("nan")])
def test_train_config_refuses_a_bad_change_weight(bad):
    with pytest.raises(ValueError, match="change_weight"):
        TrainConfig(change_weight=bad)


@pytest.mark.parametrize("loss", ["ns", "wgan-gp"])
def test_training_adds_the_change_loss_to_g_only(tiny_data, tiny_model, tiny_train, loss):
    """Same seed, same first step: D's figures are identical, G's loss carries the extra term, and
    training goes on with finite losses."""
    plain = Trainer(tiny_data, tiny_model, replace(tiny_train, loss=loss)).step()
    trainer = Trainer(tiny_data, tiny_model, replace(tiny_train, loss=loss, change_weight=1.0))
    first = trainer.step()
    assert first["loss_d"] == pytest.approx(plain["loss_d"]) and first["d_fake"] == pytest.approx(plain["d_fake"])
    assert first["loss_g"] > plain["loss_g"] + 0.1  # an untrained G jitters: its change gap is large
    for _ in range(4):
        metrics = trainer.step()
    assert all(math.isfinite(v) for v in metrics.values())


def test_the_cli_takes_the_change_weight(tmp_path, capsys):
    from rgan.cli import main

    out = tmp_path / "run"
    main(["train", "--dataset", "sines", "--seq-len", "8", "--steps", "3", "--batch-size", "8", "--g-hidden", "4",
          "--d-hidden", "4", "--change-weight", "0.4", "--device", "cpu", "--out", str(out)])
    assert Trainer.load(out / "checkpoint.pt").train_config.change_weight == 0.4
