"""The standard recipe gives G its margin (``g_margin`` 0.1) on data whose values crowd their range's ends."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from rgan.data import load_dataset
from rgan.models import ModelConfig
from rgan.train import TrainConfig
from rgan.train.recipe import (CROWDED_ENDS, END_MODEL, SMALL_ROWS, choose_recipe, describe, end_crowding,
                               recipe_for)


def _windows(values: np.ndarray, seq_len: int = 24) -> np.ndarray:
    """Overlapping windows ``(N, seq_len, F)`` of a series ``(T, F)``, as the loader's strided view."""
    return sliding_window_view(values, (seq_len, values.shape[1]))[:, 0]


def test_an_even_spread_scores_one_flat_peaks_more_and_values_away_from_the_ends_nothing():
    rng = np.random.default_rng(0)
    even = rng.random((20_000, 3))
    assert end_crowding(_windows(even)) == pytest.approx(1.0, abs=0.05)
    peaks = (np.sin(np.linspace(0, 400, 20_000))[:, None] + 1) / 2  # a sine lingers at its peaks: 28.7 % of its
    arcsine = (1 - 2 / np.pi * np.arcsin(0.9)) / 0.1  # values lie within 0.05 of 0 or 1, 2.87 times an even spread
    assert end_crowding(_windows(np.repeat(peaks, 2, axis=1))) == pytest.approx(arcsine, abs=0.05)
    middle = 0.3 + 0.4 * rng.random((5_000, 2))
    assert end_crowding(_windows(middle)) == 0.0
    assert end_crowding(np.zeros((0, 24, 2))) == 0.0


def test_one_skewed_feature_does_not_decide_for_the_rest():
    """The median over features: Stocks' volume piles near 0, its five prices thin out toward both ends."""
    rng = np.random.default_rng(1)
    prices = 0.2 + 0.6 * rng.random((10_000, 5))
    volume = rng.random((10_000, 1)) ** 8  # most values near 0
    assert end_crowding(_windows(np.hstack([prices, volume]))) == 0.0
    assert end_crowding(_windows(np.hstack([prices[:, :1], volume, volume]))) > CROWDED_ENDS


def test_a_large_strided_series_is_read_from_a_subsample_without_copying_it_whole():
    series = np.random.default_rng(2).random((400_000, 4)).astype(np.float32)
    windows = _windows(series, 128)  # 51 million values as a view of 1.6 million
    assert windows.base is not None and windows.size > 50_000_000
    assert end_crowding(windows) == pytest.approx(1.0, abs=0.05)


def test_the_built_in_sines_get_the_margin_and_stocks_like_data_do_not():
    sines = recipe_for(load_dataset("sines", seq_len=24, n_samples=2000, n_features=2))
    assert sines.name == "standard" and sines.model_changes == END_MODEL and not sines.train_changes
    assert "crowd their range's ends (1.6 times" in describe(sines) and "it sets g_margin 0.1" in describe(sines)
    model, train, made = sines.apply(ModelConfig(), TrainConfig())
    assert model.g_margin == 0.1 and made == {"g_margin": (0.0, 0.1)}
    assert train == TrainConfig()
    chosen = sines.apply(ModelConfig(g_margin=0.25), TrainConfig())  # a margin the person chose is kept
    assert chosen[0].g_margin == 0.25 and chosen[2] == {}
    assert not recipe_for(load_dataset("sines", seq_len=24, n_samples=2000, n_features=2), ends=False).model_changes
    stocks_like = choose_recipe(n_windows=3662, n_rows=3685, seq_len=24, n_features=6, crowding=0.5)
    assert stocks_like.name == "standard" and not stocks_like.model_changes and "crowd" not in describe(stocks_like)


def test_small_tables_and_few_long_windows_keep_their_own_recipes_however_crowded():
    small = choose_recipe(n_windows=96, n_rows=107, seq_len=12, n_features=2, crowding=4.0)
    assert small.name == "small table" and "g_margin" not in small.model_changes
    long = choose_recipe(n_windows=211, n_rows=52_961, seq_len=251, n_features=1, crowding=4.0)
    assert long.name == "few long windows" and "g_margin" not in long.model_changes
    assert choose_recipe(100, SMALL_ROWS, 24, 1, crowding=CROWDED_ENDS).model_changes == {}  # at the limit: not above


def test_the_cli_prints_and_applies_the_margin_on_sines_and_keeps_it_off_with_recipe_standard(tmp_path):
    def train(*extra: str) -> tuple[str, dict]:
        out = tmp_path / f"run{len(extra)}"
        done = subprocess.run([sys.executable, "-m", "rgan", "train", "--dataset", "sines", "--steps", "2", "--out",
                               str(out), "--quiet", "--device", "cpu", "--g-hidden", "8", "--d-hidden", "8", *extra],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stderr, json.loads((out / "config.json").read_text())["model"]

    stderr, model = train()
    assert "crowd their range's ends" in stderr and "g_margin 0 → 0.1" in stderr and model["g_margin"] == 0.1
    stderr, model = train("--recipe", "standard")
    assert "Recipe: standard (--recipe standard)" in stderr and model["g_margin"] == 0.0
