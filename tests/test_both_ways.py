"""A discriminator that also reads each window backwards (``ModelConfig.d_both_ways``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from rgan.configs import config_from_dict
from rgan.models import Discriminator, ModelConfig
from rgan.train import Trainer

SMALL = ModelConfig(d_hidden=6, d_diffs=False)


def _first_verdict_moves(config: ModelConfig) -> bool:
    """Does D's verdict on the first step change when only the last step of the window changes?"""
    torch.manual_seed(0)
    d = Discriminator(2, config)
    x = torch.rand(3, 10, 2)
    later = x.clone()
    later[:, -1] += 0.5
    with torch.no_grad():
        return not torch.allclose(d(x)[:, 0], d(later)[:, 0])


def test_only_a_two_way_reader_sees_the_end_of_a_window_when_judging_its_start():
    assert not _first_verdict_moves(SMALL)  # a forward reader's first verdict rests on the first step alone
    assert _first_verdict_moves(replace(SMALL, d_both_ways=True))


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_a_verdict_per_sequence_reads_both_ways_whole_windows(cell):
    """Judging whole sequences, D reads the forward stack's last state and the backward stack's, each of which has
    read every step: a change at either end moves the one verdict."""
    config = replace(SMALL, d_cell=cell, d_per_step=False, d_both_ways=True)
    torch.manual_seed(0)
    d = Discriminator(2, config)
    x = torch.rand(3, 10, 2)
    with torch.no_grad():
        base = d(x)
        assert base.shape == (3, 1)
        for step in (0, -1):
            moved = x.clone()
            moved[:, step] += 0.5
            assert not torch.allclose(d(moved), base)


def test_a_trainer_with_a_two_way_d_trains_and_keeps_it_in_checkpoints(tiny_data, tiny_model, tiny_train, tmp_path):
    model = replace(tiny_model, d_both_ways=True)
    trainer = Trainer(tiny_data, model, tiny_train)
    before = {n: p.detach().clone() for n, p in trainer.discriminator.named_parameters() if "reverse" in n}
    assert before  # the backward stack exists
    for _ in range(3):
        trainer.step()
    assert any(not torch.equal(p, before[n]) for n, p in trainer.discriminator.named_parameters() if n in before)
    path = trainer.save(tmp_path / "both.pt")
    again = Trainer.load(path, data=tiny_data, device="cpu")
    assert again.model_config.d_both_ways is True
    real = torch.as_tensor(tiny_data.windows[:4], dtype=torch.float32)
    with torch.no_grad():
        assert torch.allclose(again.discriminator(real), trainer.discriminator(real))
    assert np.allclose(again.sample(5, seed=2), trainer.sample(5, seed=2))


def test_files_written_before_the_option_read_one_way_and_bad_values_are_refused():
    assert config_from_dict(ModelConfig, {"d_hidden": 8}).d_both_ways is False
    assert ModelConfig().d_both_ways is False  # the option is off unless chosen
    with pytest.raises(ValueError, match="d_both_ways"):
        ModelConfig(d_both_ways=1)
