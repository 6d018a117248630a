"""G's margin (``ModelConfig.g_margin``): G's levels reach past the data's [0, 1], so its extremes lie at finite logits."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from rgan.configs import config_from_dict
from rgan.models import Generator, ModelConfig
from rgan.train import Trainer

SMALL = ModelConfig(noise_dim=3, static_noise_dim=0, g_hidden=8, g_layers=1, burn_in=0)


def test_the_margin_stretches_the_sigmoid_past_both_ends_and_keeps_the_middle():
    torch.manual_seed(0)
    plain, wide = Generator(2, SMALL), Generator(2, replace(SMALL, g_margin=0.1))
    wide.load_state_dict(plain.state_dict())  # the margin adds no weights
    with torch.no_grad():
        plain.out.bias.fill_(50.0)  # both read-outs far up the sigmoid's flat end
        wide.out.bias.fill_(50.0)
        z = torch.randn(4, 6, 3)
        assert torch.allclose(plain(z), torch.ones(4, 6, 2)) and torch.allclose(wide(z), torch.full((4, 6, 2), 1.1))
        plain.out.bias.fill_(0.0)
        wide.out.bias.fill_(0.0)
        plain.out.weight.zero_()
        wide.out.weight.zero_()
        assert torch.allclose(plain(z), torch.full((4, 6, 2), 0.5)) and torch.allclose(wide(z), plain(z))


def test_near_the_data_s_top_the_margin_gives_g_a_gradient_ten_times_larger():
    """To write 0.99 a plain sigmoid sits where its slope is 0.0099; with a margin of 0.1, where it is about 0.1."""
    def slope_at(value: float, margin: float) -> float:
        s = (value + margin) / (1 + 2 * margin)
        logit = torch.tensor(np.log(s / (1 - s)), requires_grad=True)
        (torch.sigmoid(logit) * (1 + 2 * margin) - margin).backward()
        return float(logit.grad)
    assert slope_at(0.99, 0.0) == pytest.approx(0.0099, rel=0.01)
    assert slope_at(0.99, 0.1) > 9 * slope_at(0.99, 0.0)


def test_a_trainer_with_a_margin_trains_and_keeps_it_in_checkpoints(tiny_data, tiny_model, tiny_train, tmp_path):
    trainer = Trainer(tiny_data, replace(tiny_model, g_margin=0.2), tiny_train)
    for _ in range(3):
        trainer.step()
    again = Trainer.load(trainer.save(tmp_path / "margin.pt"), data=tiny_data, device="cpu")
    assert again.model_config.g_margin == 0.2
    assert np.allclose(again.sample(5, seed=4), trainer.sample(5, seed=4))


@pytest.mark.parametrize("bad", [-0.1, 1.5, True, "0.1", float("nan")])
def test_files_before_the_margin_read_none_and_bad_margins_are_refused(bad):
    assert config_from_dict(ModelConfig, {"g_hidden": 8}).g_margin == 0.0
    with pytest.raises(ValueError, match="g_margin"):
        ModelConfig(g_margin=bad)
