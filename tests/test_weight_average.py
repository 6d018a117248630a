"""The weight average G samples from (``ema_decay``, ``ema_tail``, ``ema_settle``): a warm-up, then a share of the
run or equal weights once settled."""

from __future__ import annotations

import math

import pytest
import torch

from rgan.configs import config_from_dict
from rgan.data import load_dataset
from rgan.models import ModelConfig
from rgan.train import TrainConfig, Trainer
from rgan.train.config import ema_decay_at

TINY = ModelConfig(g_hidden=8, d_hidden=8, noise_dim=2, static_noise_dim=2)


def test_the_warm_up_is_unchanged_until_the_rates_settle_then_the_count_grows_one_per_step():
    cfg = TrainConfig(lr_decay_steps=3000, ema_settle=True)
    for t in (1, 10, 500, 3000):  # the warm-up: (1 + t) / (10 + t), capped by ema_decay
        assert math.isclose(ema_decay_at(cfg, t), min(0.999, (1 + t) / (10 + t)))
    n = [1 / (1 - ema_decay_at(cfg, t)) for t in (3000, 3001, 3002, 8000)]  # steps the average spans
    assert math.isclose(n[0], 3010 / 9) and math.isclose(n[1], n[0] + 1) and math.isclose(n[2], n[0] + 2)
    assert math.isclose(n[3], n[0] + 5000) and ema_decay_at(cfg, 8000) > 0.999  # uncapped once settled
    # off (the default) or constant rates: the capped warm-up throughout
    for other in (TrainConfig(lr_decay_steps=3000), TrainConfig(lr_decay_steps=0, ema_settle=True)):
        assert math.isclose(ema_decay_at(other, 8000), 1 - 9 / 8010) and ema_decay_at(other, 9500) == 0.999
    # configs and checkpoints from before the setting kept the capped average
    stored = {k: v for k, v in TrainConfig().__dict__.items() if k != "ema_settle"}
    assert config_from_dict(TrainConfig, stored).ema_settle is False


def test_once_settled_the_trainer_weighs_every_g_since_then_equally():
    data = load_dataset("sines", n_samples=64, n_features=2)
    settle = 4
    trainer = Trainer(data, TINY, TrainConfig(device="cpu", batch_size=16, seed=0, lr_decay_steps=settle,
                                              ema_settle=True))
    for _ in range(settle):
        trainer.step()
    average_then = [p.detach().clone() for p in trainer.generator_ema.parameters()]
    seen = []
    for _ in range(5):
        trainer.step()
        seen.append([p.detach().clone() for p in trainer.generator.parameters()])
    n0 = (settle + 10) / 9  # the warm-up's count when the rates settle
    for i, p in enumerate(trainer.generator_ema.parameters()):
        expected = (n0 * average_then[i] + sum(g[i] for g in seen)) / (n0 + len(seen))
        torch.testing.assert_close(p, expected, rtol=1e-5, atol=1e-6)
    # the capped moving average gives the last G's far more weight
    capped = Trainer(data, TINY, TrainConfig(device="cpu", batch_size=16, seed=0, lr_decay_steps=settle))
    for _ in range(settle + 5):
        capped.step()
    assert not torch.allclose(next(capped.generator_ema.parameters()), next(trainer.generator_ema.parameters()))


def test_the_tail_average_spans_a_share_of_the_run_once_that_outgrows_the_cap():
    cfg = TrainConfig(ema_tail=1 / 3)  # with the default cap of 1,000 steps: from step 2,990
    for t in (1, 10, 500, 2989):  # the capped warm-up until then
        assert math.isclose(ema_decay_at(cfg, t), ema_decay_at(TrainConfig(), t))
    for t in (2991, 6000, 9000, 30000):  # then a third of the steps so far, uncapped
        assert math.isclose(1 / (1 - ema_decay_at(cfg, t)), (t + 10) / 3)
    assert ema_decay_at(TrainConfig(), 9000) == 0.999  # off: the cap holds
    assert ema_decay_at(TrainConfig(ema_tail=0.5, ema_decay=0.0), 9000) == 0.0  # no average asked for: none
    for bad in (1.0, -0.1, float("nan"), "a third"):
        with pytest.raises(ValueError, match="ema_tail"):
            TrainConfig(ema_tail=bad)
    # configs and checkpoints from before the setting kept the capped average
    stored = {k: v for k, v in TrainConfig().__dict__.items() if k != "ema_tail"}
    assert config_from_dict(TrainConfig, stored).ema_tail == 0.0


def test_the_trainer_samples_from_the_tail_average():
    data = load_dataset("sines", n_samples=64, n_features=2)
    cfg = TrainConfig(device="cpu", batch_size=16, seed=0, ema_decay=0.5, ema_tail=0.5)  # cap 2 steps: tail from t=0
    trainer = Trainer(data, TINY, cfg)
    expected = [p.detach().clone() for p in trainer.generator.parameters()]
    for t in range(1, 7):
        trainer.step()
        share = 1 - ema_decay_at(cfg, t)
        assert math.isclose(share, 1 / (0.5 * (t + 10)))
        expected = [e + share * (g.detach() - e) for e, g in zip(expected, trainer.generator.parameters())]
    for p, e in zip(trainer.generator_ema.parameters(), expected):
        torch.testing.assert_close(p, e, rtol=1e-5, atol=1e-6)
