"""The class critic of conditional runs: a classifier fitted on real labelled windows beside D, whose verdict on
G's windows G is asked to make right (``TrainConfig.class_weight``); and the TSTR split the benchmarks train on."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from rgan import metrics
from rgan.data import DataConfig, from_array
from rgan.models import ClassCritic, ModelConfig
from rgan.train import TrainConfig, Trainer
from rgan.train.checkpoint_archive import CheckpointError
from rgan.train.checkpoints import rebuild


def _rising_and_falling(n: int = 96, steps: int = 40, seed: int = 0):
    """Two classes that differ only in their direction: class 0 rises, class 1 falls, with noise."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    t = np.linspace(0, 1, steps)
    slope = np.where(labels == 0, 1.0, -1.0)[:, None] * rng.uniform(0.5, 1.0, (n, 1))
    x = 0.5 + 0.3 * slope * (t[None] - 0.5) + 0.03 * rng.normal(size=(n, steps))
    data = from_array(x[:, :, None], ["v"], DataConfig(seq_len=steps), name="rise/fall")
    return replace(data, labels=labels, class_names=["up", "down"])


@pytest.fixture
def labelled():
    return _rising_and_falling()


@pytest.fixture
def model():
    return ModelConfig(noise_dim=3, static_noise_dim=2, g_hidden=8, d_hidden=8, g_layers=1, n_classes=2, label_dim=3)


def test_the_critic_reads_long_windows_in_about_32_cell_steps():
    for steps, patch in ((24, 1), (32, 1), (33, 2), (251, 8)):
        critic = ClassCritic(3, 4, steps)
        assert critic.patch == patch
        assert critic(torch.rand(5, steps, 3)).shape == (5, 4)


def test_a_class_weight_adds_g_s_class_loss_and_leaves_d_alone(labelled, model):
    train = TrainConfig(batch_size=16, device="cpu", seed=1)
    plain = Trainer(labelled, model, replace(train, class_weight=0.0))
    guided = Trainer(labelled, model, replace(train, class_weight=1.0))
    a, b = plain.step(), guided.step()
    assert plain.critic is None and guided.critic is not None
    assert b["loss_d"] == pytest.approx(a["loss_d"])
    # G's windows start out unclassified: about log 2 of cross-entropy on top of the same losses
    assert b["loss_g"] - a["loss_g"] == pytest.approx(math.log(2), abs=0.25)


def test_the_critic_learns_the_classes_of_real_windows(labelled, model):
    trainer = Trainer(labelled, model, TrainConfig(batch_size=32, device="cpu", seed=0, class_weight=1.0))
    for _ in range(60):
        trainer.step()
    with torch.no_grad():
        guess = trainer.critic(torch.as_tensor(np.asarray(labelled.windows), dtype=torch.float32)).argmax(-1)
    assert (guess.numpy() == labelled.labels).mean() > 0.9


def test_an_unconditional_run_ignores_the_class_weight(tiny_data, tiny_model, tiny_train):
    trainer = Trainer(tiny_data, tiny_model, replace(tiny_train, class_weight=2.0))
    assert math.isfinite(trainer.step()["loss_g"])
    assert trainer.critic is None and "critic" not in trainer.state_dict()


def test_turning_the_class_weight_on_mid_run_builds_the_critic_then(labelled, model):
    trainer = Trainer(labelled, model, TrainConfig(batch_size=16, device="cpu", seed=1, class_weight=0.0))
    trainer.step()
    assert trainer.critic is None
    trainer.train_config = replace(trainer.train_config, class_weight=0.5)
    assert math.isfinite(trainer.step()["loss_g"]) and trainer.critic is not None
    assert torch.allclose(trainer.critic.diff_scale, trainer.discriminator.diff_scale)


def test_a_checkpoint_keeps_the_critic_and_resumes_exactly(labelled, model, tmp_path):
    train = TrainConfig(batch_size=16, device="cpu", seed=3, class_weight=1.0)
    trainer = Trainer(labelled, model, train)
    for _ in range(3):
        trainer.step()
    path = trainer.save(tmp_path / "run.pt")
    resumed = Trainer.load(path, data=labelled, device="cpu")
    for name, value in trainer.critic.state_dict().items():
        assert torch.equal(value, resumed.critic.state_dict()[name]), name
    a, b = trainer.step(), resumed.step()
    assert a["loss_g"] == pytest.approx(b["loss_g"], rel=1e-5) and a["loss_d"] == pytest.approx(b["loss_d"], rel=1e-5)


def test_a_checkpoint_with_a_critic_but_no_classes_is_refused(labelled, model, tiny_data, tiny_model, tiny_train):
    state = Trainer(tiny_data, tiny_model, tiny_train).state_dict()
    labelled_state = Trainer(labelled, model, TrainConfig(batch_size=16, device="cpu", class_weight=1.0))
    labelled_state.step()
    state["critic"] = labelled_state.state_dict()["critic"]
    with pytest.raises(CheckpointError, match="class critic but no label classes"):
        rebuild(Trainer, state, None, "cpu")


def test_a_critic_of_the_wrong_size_is_refused(labelled, model):
    trainer = Trainer(labelled, model, TrainConfig(batch_size=16, device="cpu", class_weight=1.0))
    trainer.step()
    state = trainer.state_dict()
    state["critic"]["out.weight"] = torch.zeros(5, 48)
    with pytest.raises(CheckpointError, match="critic"):
        rebuild(Trainer, state, None, "cpu")


def test_the_class_weight_must_not_be_negative():
    with pytest.raises(ValueError, match="class_weight"):
        TrainConfig(class_weight=-0.1)


def test_the_tstr_split_is_stratified_and_the_one_tstr_accuracy_tests_on():
    labels = np.repeat([0, 1, 2], [10, 20, 3])
    test = metrics.tstr_split(labels, test_fraction=0.3, seed=4)
    assert [int(test[labels == c].sum()) for c in range(3)] == [3, 6, 1]
    assert np.array_equal(test, metrics.tstr_split(labels, test_fraction=0.3, seed=4))
    assert not np.array_equal(test, metrics.tstr_split(labels, test_fraction=0.3, seed=5))
    # tstr_accuracy holds out exactly these: a "synthetic" set equal to the real training part scores as TRTR
    rng = np.random.default_rng(0)
    x = rng.random((len(labels), 8, 1)) + labels[:, None, None]
    res = metrics.tstr_accuracy(x, labels, x[~test], labels[~test], seed=4, iterations=50)
    assert res["tstr_accuracy"] == pytest.approx(res["trtr_accuracy"])
