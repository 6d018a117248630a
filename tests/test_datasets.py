"""rgan.data.builtin: built-in data sets, their shapes, determinism and definitions."""

from __future__ import annotations

import numpy as np
import pytest

from rgan.data import DataError, DatasetInfo, SequenceData, list_datasets, load_dataset
from rgan.data.builtin import STOCKS_CSV

NAMES = ["sines", "ar", "waves", "regimes", "stocks"]
SYNTHETIC = NAMES[:4]


def test_list_datasets() -> None:
    infos = list_datasets()
    assert [d.name for d in infos] == NAMES
    for info in infos:
        assert isinstance(info, DatasetInfo)
        assert info.title and info.description and "\n" not in info.description
        assert info.kind == ("real" if info.name == "stocks" else "synthetic")
    with pytest.raises(AttributeError):
        infos[0].name = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "shape"),
    [("sines", (10_000, 24, 5)), ("ar", (5_000, 24, 3)), ("waves", (5_000, 24, 2)), ("regimes", (5_000, 24, 2)),
     ("stocks", (3_662, 24, 6))],
)
def test_default_shapes(name, shape) -> None:
    data = load_dataset(name)
    assert isinstance(data, SequenceData)
    assert data.windows.shape == shape and data.windows.dtype == np.float32
    assert np.isfinite(data.windows).all() and data.windows.min() == 0.0 and data.windows.max() == 1.0
    assert data.name == name and len(data.feature_names) == shape[2]
    assert data.to_dict_info()["name"] == name


@pytest.mark.parametrize("name", SYNTHETIC)
def test_sizes_and_determinism(name) -> None:
    a = load_dataset(name, seq_len=16, n_samples=64, n_features=3, seed=5)
    b = load_dataset(name, seq_len=16, n_samples=64, n_features=3, seed=5)
    c = load_dataset(name, seq_len=16, n_samples=64, n_features=3, seed=6)
    assert a.windows.shape == (64, 16, 3)
    np.testing.assert_array_equal(a.windows, b.windows)
    assert not np.array_equal(a.windows, c.windows)
    assert a.frame is None


def test_sines_follow_the_timegan_definition() -> None:
    x = load_dataset("sines", n_samples=500, seed=0).real_units()  # (N, T, F)
    # x[i, t, k] = sin(freq * t + phase), freq and phase in [0, 0.1], t in 0..23: values in [0, 1]
    assert x.min() >= -1e-6 and x.max() <= 1.0 + 1e-6
    assert np.all(x[:, 0, :] <= np.sin(0.1) + 1e-6)  # t = 0 gives sin(phase)
    # a sinusoid satisfies x[t+1] + x[t-1] = 2 cos(freq) x[t], one constant per sequence and feature
    outer, mid = x[:, 2:, :] + x[:, :-2, :], x[:, 1:-1, :]
    two_cos = (outer * mid).sum(axis=1) / (mid * mid).sum(axis=1)  # least squares, (N, F)
    assert np.abs(outer - two_cos[:, None, :] * mid).max() < 1e-4
    assert two_cos.min() >= 2 * np.cos(0.1) - 1e-4 and two_cos.max() <= 2 + 1e-4


def test_ar_is_autocorrelated() -> None:
    x = load_dataset("ar", n_samples=2000, n_features=1, seed=0).real_units()[:, :, 0]
    lag1 = np.mean([np.corrcoef(s[:-1], s[1:])[0, 1] for s in x])
    assert 0.2 < lag1 < 0.95


def test_waves_have_square_and_sawtooth_features() -> None:
    x = load_dataset("waves", n_samples=200, n_features=2, seed=0).windows
    square_levels = np.abs(np.diff(x[:, :, 0], axis=1))
    assert np.mean(square_levels < 0.1) > 0.6  # square waves are flat between jumps
    assert np.mean(np.diff(x[:, :, 1], axis=1) > 0) > 0.6  # sawtooth mostly rises


def test_stocks_match_the_shipped_csv() -> None:
    data = load_dataset("stocks")
    raw = np.loadtxt(STOCKS_CSV, delimiter=",", skiprows=1)
    assert raw.shape == (3685, 6)
    assert data.feature_names == ["Open", "High", "Low", "Close", "Adj_Close", "Volume"]
    np.testing.assert_allclose(data.real_units(1)[0], raw[:24], rtol=1e-6)  # oldest first
    np.testing.assert_allclose(data.real_units()[-1], raw[-24:], rtol=1e-6)
    assert data.report.layout == "time_rows" and data.frame is not None


def test_stocks_options() -> None:
    data = load_dataset("stocks", seq_len=10, stride=5, n_samples=100, n_features=4)
    assert data.windows.shape == (100, 10, 4)
    assert data.feature_names == ["Open", "High", "Low", "Close"]
    with pytest.raises(DataError, match="The stocks data set has 6 features; got n_features=7."):
        load_dataset("stocks", n_features=7)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "nope"}, "Unknown dataset 'nope'; available: sines, ar, waves, regimes, stocks."),
        ({"name": "sines", "n_samples": 0}, "n_samples must be a positive whole number; got 0."),
        ({"name": "ar", "n_features": 2.5}, "n_features must be a positive whole number; got 2.5."),
        ({"name": "waves", "seq_len": 0}, "seq_len must be a positive whole number; got 0."),
        ({"name": "stocks", "seq_len": 4000}, ("The data has 3,685 rows but seq_len is 4000; lower seq_len to "
                                              "3685 or less.")),
    ],
)
def test_errors(kwargs, message) -> None:
    with pytest.raises(DataError) as info:
        load_dataset(**kwargs)
    assert str(info.value) == message
