"""G's burn-in (``ModelConfig.burn_in``): G reads noise of its own before the first step it writes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from rgan.models import Generator, ModelConfig
from rgan.train import Trainer
from rgan.train.sampling import draw_noise


@pytest.mark.parametrize("patch", [1, 3])
def test_burn_in_is_the_same_network_with_its_first_cells_not_written(patch):
    """With burn-in b, G's output is exactly the output of the same weights without it, less the first b cells:
    the sample starts from a state the noise has moved, not from the blank one."""
    plain = ModelConfig(noise_dim=3, static_noise_dim=2, g_hidden=8, patch=patch, burn_in=0)
    burnt = replace(plain, burn_in=4)
    torch.manual_seed(0)
    g_plain = Generator(2, plain)
    g_burnt = Generator(2, burnt)
    g_burnt.load_state_dict(g_plain.state_dict())  # burn-in adds no weights
    z = draw_noise(5, 12, burnt, torch.Generator().manual_seed(1), torch.device("cpu"))
    assert z.shape == (5, 12 + 4 * patch, 5) and burnt.burn_in_steps == 4 * patch
    with torch.no_grad():
        out, full = g_burnt(z), g_plain(z)
    assert out.shape == (5, 12, 2)
    assert torch.allclose(out, full[:, 4 * patch: 4 * patch + 12])
    assert not torch.allclose(out, g_plain(z[:, 4 * patch:]))  # the blank state gives another start
    with pytest.raises(ValueError, match="burn-in steps"):
        g_burnt(z[:, : 4 * patch])


def test_a_trainer_with_burn_in_trains_samples_any_length_and_keeps_it_in_checkpoints(tiny_data, tiny_model, tiny_train,
                                                                                        tmp_path):
    model = replace(tiny_model, burn_in=3)
    trainer = Trainer(tiny_data, model, replace(tiny_train, unroll=2, unroll_after=2))
    for _ in range(4):
        trainer.step()  # single windows, then unrolled
    assert trainer.preview().shape == (tiny_train.preview_size, tiny_data.seq_len, tiny_data.n_features)
    long = trainer.sample(6, seed=3, length=40)
    assert long.shape == (6, 40, tiny_data.n_features)
    path = trainer.save(tmp_path / "burn.pt")
    again = Trainer.load(path, data=tiny_data, device="cpu")
    assert again.model_config.burn_in == 3
    assert np.allclose(again.sample(6, seed=3, length=40), long)


def test_burn_in_must_be_a_whole_number():
    with pytest.raises(ValueError, match="burn_in"):
        ModelConfig(burn_in=-1)
    with pytest.raises(ValueError, match="burn_in"):
        ModelConfig(burn_in=1.5)
