"""The power scale of skewed features (rgan/train/warp.py): which features get it, the round trip, and a trainer
that trains on it, samples on the data's scale and keeps it through a checkpoint."""

from __future__ import annotations

from dataclasses import asdict, replace

import numpy as np
import pytest
import torch
from scipy import stats

from rgan.data import DataConfig, from_array
from rgan.train import TrainConfig, Trainer, sampling
from rgan.train.checkpoint_archive import CheckpointError
from rgan.train.warp import FeatureWarp, fit_warp


def skewed_windows(n: int = 200, seq_len: int = 12, seed: int = 0) -> np.ndarray:
    """(n, T, 2): a sine-like price and a log-normal "volume" whose swings grow with its level."""
    rng = np.random.default_rng(seed)
    t = np.arange(seq_len)[None, :]
    price = 10 + np.sin(rng.uniform(0, 0.3, (n, 1)) * t + rng.uniform(0, 6, (n, 1)))
    level = rng.normal(0, 1, (n, 1))
    volume = np.exp(level + 0.3 * rng.normal(0, 1, (n, seq_len)))  # spread in proportion to the level
    return np.stack([price, volume], axis=-1)


@pytest.fixture
def skewed_data():
    return from_array(skewed_windows(), ["price", "volume"], DataConfig(seq_len=12), name="skewed")


def test_only_the_skewed_feature_gets_a_power_scale_and_it_round_trips(skewed_data):
    x = np.asarray(skewed_data.windows)
    warp = fit_warp(x, 2.0)
    assert warp is not None and warp.features == (1,)
    assert warp.skews[0] > 2.0 and warp.lambdas[0] < 0  # squeezes the long right tail
    model = warp.to_model(x)
    assert model.min() >= 0 and model.max() <= 1
    assert np.array_equal(model[..., 0], x[..., 0])  # the price is left as it is
    assert abs(stats.skew(model[..., 1].ravel())) < 0.5 < stats.skew(x[..., 1].ravel())
    np.testing.assert_allclose(warp.to_data(model), x, atol=1e-4)
    # the slope is the derivative of to_data: compare with a finite difference
    m = np.full((1, 1, 2), 0.4, np.float32)
    h = np.zeros_like(m)
    h[..., 1] = 1e-3
    numeric = (warp.to_data(m + h) - warp.to_data(m - h))[..., 1] / 2e-3
    np.testing.assert_allclose(warp.slope(m)[..., 1], numeric, rtol=1e-2)
    assert warp.slope(m)[..., 0] == 1


def test_no_power_scale_when_off_symmetric_or_constant(skewed_data):
    x = np.asarray(skewed_data.windows)
    assert fit_warp(x, 0.0) is None
    assert fit_warp(x[..., :1], 2.0) is None  # the price alone is not skewed
    flat = np.concatenate([x, np.zeros_like(x[..., :1])], axis=-1)  # a constant third feature
    assert fit_warp(flat, 2.0).features == (1,)


def test_trainer_learns_on_the_power_scale_and_samples_on_the_datas(skewed_data, tiny_model, tiny_train):
    trainer = Trainer(skewed_data, tiny_model, tiny_train)
    assert trainer.warp is not None and trainer.warp.features == (1,)
    assert any("volume (skewness" in note for note in trainer.notes)
    real = trainer._real.cpu().numpy()  # what D and the losses see
    np.testing.assert_allclose(real, trainer.warp.to_model(np.asarray(skewed_data.windows)), atol=1e-6)
    for _ in range(3):
        trainer.step()
    scaled = trainer.sample(64, seed=3, scaled=True)
    assert scaled.min() >= 0 and scaled.max() <= 1
    z = trainer._noise(64, torch.Generator().manual_seed(3))
    raw = sampling.generate(trainer.sampler, z, None)  # G's own output, on the power scale
    np.testing.assert_allclose(trainer.generate(z), trainer.warp.to_data(raw), atol=1e-6)
    units = trainer.sample(64, seed=3)
    np.testing.assert_allclose(units, skewed_data.scaler.inverse_transform(scaled), rtol=1e-5)
    # D judges on the power scale: the page's realness of data on [0, 1] goes through to_model
    x = np.asarray(skewed_data.windows[:4])
    np.testing.assert_allclose(trainer.d_realness(x),
                               sampling.d_realness(trainer.discriminator, trainer.warp.to_model(x), trainer.device),
                               atol=1e-6)
    fake, _, push = trainer.generator_push()
    raw_fake, _, raw_push = sampling.generator_push(trainer.generator, trainer.discriminator, trainer.fixed_noise)
    np.testing.assert_allclose(fake, trainer.warp.to_data(raw_fake), atol=1e-6)
    np.testing.assert_allclose(push, raw_push * trainer.warp.slope(raw_fake), rtol=1e-5, atol=1e-9)
    assert not np.allclose(push[..., 1], raw_push[..., 1])  # the volume's push is carried over, not passed on


def test_off_trains_on_the_datas_own_scale(skewed_data, tiny_model, tiny_train):
    trainer = Trainer(skewed_data, tiny_model, replace(tiny_train, skew_limit=0.0))
    assert trainer.warp is None
    np.testing.assert_allclose(trainer._real.cpu().numpy(), np.asarray(skewed_data.windows), atol=1e-6)
    assert not any("skewness" in note for note in trainer.notes)


def test_checkpoint_keeps_the_power_scale_and_old_files_stay_off(skewed_data, tiny_model, tiny_train, tmp_path):
    trainer = Trainer(skewed_data, tiny_model, tiny_train)
    trainer.step()
    state = trainer.state_dict()
    back = Trainer.from_state(state, device="cpu")  # no data: sampling only
    assert back.warp == trainer.warp
    np.testing.assert_allclose(back.sample(16, seed=5, scaled=True), trainer.sample(16, seed=5, scaled=True), atol=1e-6)
    path = trainer.save(tmp_path / "run.pt")
    assert Trainer.load(path, device="cpu").warp == trainer.warp

    # a file from before the power scale: no skew_limit, no warp; it keeps training on the data's own scale
    old = dict(state, train_config={k: v for k, v in asdict(trainer.train_config).items() if k != "skew_limit"})
    old.pop("warp")
    resumed = Trainer.from_state(old, data=skewed_data, device="cpu")
    assert resumed.train_config.skew_limit == 0 and resumed.warp is None


@pytest.mark.parametrize("warp", [
    {"features": [7], "lambdas": [-1.0], "lows": [0.0], "highs": [0.5], "skews": [3.0]},  # no feature 7
    {"features": [1], "lambdas": [float("nan")], "lows": [0.0], "highs": [0.5], "skews": [3.0]},
    {"features": [1], "lambdas": [-50.0], "lows": [0.0], "highs": [0.02], "skews": [3.0]},  # beyond the fit's limit
    {"features": [1, 1], "lambdas": [-1.0, -1.0], "lows": [0.0, 0.0], "highs": [0.5, 0.5], "skews": []},
    {"features": [1], "lambdas": [], "lows": [0.0], "highs": [0.5], "skews": []},
    "not a dict",
])
def test_a_checkpoint_with_a_false_power_scale_is_refused(skewed_data, tiny_model, tiny_train, warp):
    state = Trainer(skewed_data, tiny_model, tiny_train).state_dict()
    state["warp"] = warp
    with pytest.raises(CheckpointError, match="power scale"):
        Trainer.from_state(state, device="cpu")


def test_warp_state_round_trip_derives_the_ranges_again():
    warp = fit_warp(np.asarray(from_array(skewed_windows(), ["p", "v"], DataConfig(seq_len=12)).windows), 2.0)
    assert FeatureWarp.from_state(warp.to_state()) == warp
    state = dict(warp.to_state(), highs=[5.0])  # a range the inverse is undefined on: derived again from the exponent
    assert FeatureWarp.from_state(state) == warp
    assert FeatureWarp.from_state(dict(warp.to_state(), features=[], lambdas=[], lows=[], highs=[], skews=[])) is None


def test_slope_at_an_exponent_of_zero_is_the_logs():
    warp = FeatureWarp.from_state({"features": [0], "lambdas": [0.0], "lows": [0], "highs": [0], "skews": []})
    x = np.array([[[0.0], [0.5], [1.0]]], np.float32)
    data = warp.to_data(x)
    np.testing.assert_allclose(warp.slope(x)[..., 0], np.log(2) * (1 + data[..., 0]), rtol=1e-5)


def test_a_rare_flag_is_not_power_scaled_and_a_steep_exponent_is_capped(tiny_model, tiny_train, tmp_path):
    """A 0/1 column that is 1 on 1 % of the steps is very skewed (about 10), but its swings do not grow with a level:
    it is left alone. A feature whose likelihood wants a steeper exponent than float32 can use gets the limit, and
    its checkpoint loads (a version-2 file)."""
    rng = np.random.default_rng(0)
    base = skewed_windows(300)
    flag = (rng.random(base.shape[:2]) < 0.01).astype(float)[..., None]
    spikes = np.where(rng.random(base.shape[:2]) < 0.01, 1.0, rng.random(base.shape[:2]) * 1e-3)[..., None]
    data = from_array(np.concatenate([base, flag, spikes], axis=-1), ["price", "volume", "flag", "spikes"],
                      DataConfig(seq_len=12), name="flags")
    trainer = Trainer(data, tiny_model, tiny_train)
    assert 2 not in trainer.warp.features and 3 in trainer.warp.features
    assert all(abs(lam) <= 20 for lam in trainer.warp.lambdas)
    trainer.step()
    path = trainer.save(tmp_path / "flags.pt")
    assert trainer.state_dict()["version"] == 2
    back = Trainer.load(path, device="cpu")
    assert back.warp == trainer.warp
    plain = Trainer(data, tiny_model, replace(tiny_train, skew_limit=0.0))
    assert plain.state_dict()["version"] == 1  # files without a power scale stay readable by older releases
