"""Tests for rgan.metrics: each score's best and worst cases, determinism, shapes and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rgan import metrics

SEQ_LEN, N_FEATURES = 24, 5


def make_sines(n: int, seq_len: int = SEQ_LEN, n_features: int = N_FEATURES, seed: int = 0) -> np.ndarray:
    """TimeGAN's sines: per window and feature freq ~ U(0, 0.1), phase ~ U(0, 0.1),
    x_t = sin(freq * t + phase), rescaled by (x + 1) / 2. Returns (n, seq_len, n_features) float32."""
    rng = np.random.default_rng(seed)
    freq = rng.uniform(0.0, 0.1, size=(n, 1, n_features))
    phase = rng.uniform(0.0, 0.1, size=(n, 1, n_features))
    t = np.arange(seq_len)[None, :, None]
    return ((np.sin(freq * t + phase) + 1.0) / 2.0).astype(np.float32)


def make_noise(n: int, seq_len: int = SEQ_LEN, n_features: int = N_FEATURES, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(size=(n, seq_len, n_features)).astype(np.float32)


@pytest.fixture(scope="module")
def real() -> np.ndarray:
    return make_sines(1000, seed=0)


@pytest.fixture(scope="module")
def other() -> np.ndarray:
    """A disjoint sample from the same generator as ``real``."""
    return make_sines(1000, seed=1)


@pytest.fixture(scope="module")
def noise() -> np.ndarray:
    return make_noise(1000, seed=2)


# Every function that compares a real and a generated set, called as cheaply as possible.
PAIR_SCORES = {
    "discriminative": lambda a, b: metrics.discriminative_score(a, b, iterations=2, batch_size=4),
    "predictive": lambda a, b: metrics.predictive_score(a, b, iterations=2, batch_size=4),
    "mmd": metrics.mmd_rbf,
    "acf": metrics.acf_distance,
    "marginal": metrics.marginal_distance,
    "marginals": metrics.marginal_distances,
    "cross_correlation": metrics.cross_correlation_distance,
    "nearest_neighbour": metrics.nearest_neighbour_ratio,
    "diversity": lambda a, b: metrics.diversity(b, a),
    "differenced_pair": metrics.differenced_pair,
}


# --------------------------------------------------------------------------------------------------
# Input validation


@pytest.mark.parametrize("score", PAIR_SCORES.values(), ids=PAIR_SCORES.keys())
def test_mismatched_features_rejected(score):
    a, b = make_sines(20), make_sines(20, n_features=4)
    with pytest.raises(ValueError, match=r"expected \(24, 5\) from real\w*, found \(24, 4\) in fake"):
        score(a, b)


@pytest.mark.parametrize("score", PAIR_SCORES.values(), ids=PAIR_SCORES.keys())
def test_mismatched_seq_len_rejected(score):
    a, b = make_sines(20), make_sines(20, seq_len=12)
    with pytest.raises(ValueError, match=r"expected \(24, 5\) from real\w*, found \(12, 5\) in fake"):
        score(a, b)


@pytest.mark.parametrize("score", PAIR_SCORES.values(), ids=PAIR_SCORES.keys())
def test_non_3d_rejected(score):
    with pytest.raises(ValueError, match=r"fake must be a 3-D array \(N, T, F\); found shape \(20, 24\)"):
        score(make_sines(20), make_sines(20)[:, :, 0])
    with pytest.raises(ValueError, match=r"real\w* must be a 3-D array \(N, T, F\); found shape \(24,\)"):
        score(np.zeros(SEQ_LEN), make_sines(20))


def test_non_finite_rejected():
    bad = make_sines(20)
    bad[3, 4, 1] = np.nan
    with pytest.raises(ValueError, match="fake contains NaN or Inf values"):
        metrics.mmd_rbf(make_sines(20), bad)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x: metrics.discriminative_score(x, x, iterations=0), "iterations must be a positive integer; found 0"),
        (lambda x: metrics.discriminative_score(x, x, train_fraction=1.0), r"train_fraction must be in \(0, 1\)"),
        (lambda x: metrics.discriminative_score(x[:1], x[:1]), "needs enough windows for a train and a test split"),
        (lambda x: metrics.predictive_score(x[:, :1], x[:, :1]), "needs seq_len >= 2"),
        (lambda x: metrics.autocorrelation(x, max_lag=24), r"max_lag must be an integer in \[1, 23\]; found 24"),
        (lambda x: metrics.mmd_rbf(x[:1], x), "needs at least 2 windows per set"),
        (lambda x: metrics.diversity(x[:1]), "needs at least 2 generated windows"),
    ],
)
def test_bad_arguments_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call(make_sines(20))


# --------------------------------------------------------------------------------------------------
# Learned scores


def test_discriminative_same_distribution_near_zero(real, other):
    assert metrics.discriminative_score(real, other, iterations=300) < 0.1


def test_discriminative_noise_near_worst(real, noise):
    assert metrics.discriminative_score(real, noise, iterations=500) > 0.4


def test_discriminative_full_protocol_sees_missing_time_structure(real, other):
    """The paper's 2000 iterations: fresh sines pass, independent per-step draws are caught
    (DESIGN.md, Evaluation, measures about 0.33 for this baseline)."""
    baseline = metrics.baseline_independent_steps(real, len(real), seed=3)
    assert metrics.discriminative_score(real, baseline) > 0.2


def test_discriminative_deterministic_and_leaves_global_rng_alone(real, noise):
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    first = metrics.discriminative_score(real, noise, iterations=40, seed=5)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], np_state)
    torch.manual_seed(123)  # the global seed must not matter either
    assert metrics.discriminative_score(real, noise, iterations=40, seed=5) == first


def test_discriminative_uses_balanced_classes(real, noise):
    # 1000 real vs 40 noise windows: 40 of each, test set 8 + 8, so accuracy is a multiple of 1/16.
    score = metrics.discriminative_score(real, noise[:40], iterations=20)
    assert 0.0 <= score <= 0.5
    assert math.isclose(score * 16, round(score * 16), abs_tol=1e-9)


def test_predictive_real_trained_beats_noise_trained(real, other, noise):
    trained_on_real = metrics.predictive_score(real, other, iterations=500)
    trained_on_noise = metrics.predictive_score(real, noise, iterations=500)
    assert trained_on_real < 0.15
    assert trained_on_noise > trained_on_real + 0.05


def test_predictive_deterministic(real, noise):
    first = metrics.predictive_score(real, noise, iterations=40, seed=1)
    assert first == metrics.predictive_score(real, noise, iterations=40, seed=1)
    assert first != metrics.predictive_score(real, noise, iterations=40, seed=2)
    assert 0.0 <= first <= 1.0


@pytest.mark.parametrize("n_features", [1, 2])
def test_predictive_few_features(n_features):
    x = make_sines(50, n_features=n_features)
    assert 0.0 <= metrics.predictive_score(x, x, iterations=10) <= 1.0


def test_thread_count_restored(real):
    before = torch.get_num_threads()
    metrics.predictive_score(real[:50], real[:50], iterations=2, num_threads=1)
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("score", [metrics.discriminative_score, metrics.predictive_score])
def test_progress_callback(score, real, other):
    calls = []
    score(real, other, iterations=120, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(50, 120), (100, 120), (120, 120)]


# --------------------------------------------------------------------------------------------------
# Closed-form scores


def test_mmd_best_and_worst(real, other, noise):
    assert metrics.mmd_rbf(real, real) == 0.0
    assert metrics.mmd_rbf(real, other) < 0.01
    assert metrics.mmd_rbf(real, noise) > 0.2
    assert metrics.mmd_rbf(real, np.full_like(real, 0.5)) > 0.2


def test_mmd_deterministic_under_subsampling(real, noise):
    a = metrics.mmd_rbf(real, noise, max_samples=100, seed=4)
    assert a == metrics.mmd_rbf(real, noise, max_samples=100, seed=4)


def test_autocorrelation_shape_and_lag_zero(real):
    acf = metrics.autocorrelation(real)
    assert acf.shape == (N_FEATURES, SEQ_LEN // 2 + 1)
    np.testing.assert_allclose(acf[:, 0], 1.0)
    assert metrics.autocorrelation(real, max_lag=3).shape == (N_FEATURES, 4)
    assert np.all(acf[:, 1] > 0.8)  # slow sines are smooth


def test_autocorrelation_constant_windows_are_finite():
    acf = metrics.autocorrelation(np.full((4, SEQ_LEN, 2), 0.3))
    np.testing.assert_array_equal(acf[:, 0], 1.0)
    np.testing.assert_array_equal(acf[:, 1:], 0.0)


def test_acf_distance_best_and_worst(real, other, noise):
    assert metrics.acf_distance(real, real) == 0.0
    assert metrics.acf_distance(real, other) < 0.02
    assert metrics.acf_distance(real, noise) > 0.3


def test_marginal_distance_best_and_worst(real, other, noise):
    assert metrics.marginal_distance(real, real) == 0.0
    assert metrics.marginal_distance(real, other) < 0.01
    assert metrics.marginal_distance(real, np.zeros_like(real)) > 0.5
    assert metrics.marginal_distances(real, noise).shape == (N_FEATURES,)


def test_cross_correlation_distance():
    rng = np.random.default_rng(0)
    base = rng.uniform(size=(200, SEQ_LEN, 1))
    correlated = np.concatenate([base, base, 1 - base], axis=2)  # corr +1, -1, -1
    independent = rng.uniform(size=(200, SEQ_LEN, 3))
    assert metrics.cross_correlation_distance(correlated, correlated) == 0.0
    assert metrics.cross_correlation_distance(correlated, independent) > 0.9
    assert metrics.cross_correlation_distance(base, base[::-1]) == 0.0  # a single feature


def test_cross_correlation_constant_feature_is_finite(real):
    flat = real.copy()
    flat[:, :, 0] = 0.5
    assert math.isfinite(metrics.cross_correlation_distance(real, flat))


def test_nearest_neighbour_detects_copies(real):
    train, holdout = real[:800], real[800:]
    copies = metrics.nearest_neighbour_ratio(train, train[:200], real_holdout=holdout)
    assert copies["ratio"] < 0.05
    assert copies["fraction_copies"] > 0.9
    assert copies["median_fake_to_train"] < 1e-5


def test_nearest_neighbour_fresh_and_noise(real, other, noise):
    fresh = metrics.nearest_neighbour_ratio(real, other)
    assert 0.6 < fresh["ratio"] < 1.6
    assert fresh["fraction_copies"] < 0.05
    assert metrics.nearest_neighbour_ratio(real, noise)["ratio"] > 3.0
    assert set(fresh) == {"median_fake_to_train", "median_real_to_train", "ratio", "fraction_copies"}


def test_diversity_and_coverage(real, other):
    fresh = metrics.diversity(other, real)
    assert 0.9 < fresh["ratio"] < 1.1
    assert fresh["coverage"] > 0.8
    collapsed = np.repeat(other[:1], 300, axis=0) + np.random.default_rng(0).normal(0, 1e-3, (300, SEQ_LEN, N_FEATURES))
    mode = metrics.diversity(collapsed, real)
    assert mode["ratio"] < 0.05
    assert mode["coverage"] < 0.1
    assert set(metrics.diversity(other)) == {"fake_mean_distance"}


# --------------------------------------------------------------------------------------------------
# Baselines and helpers


def test_baseline_independent_steps(real):
    baseline = metrics.baseline_independent_steps(real, 500, seed=1)
    assert baseline.shape == (500, SEQ_LEN, N_FEATURES)
    assert baseline.min() >= 0.0 and baseline.max() <= 1.0
    np.testing.assert_allclose(baseline.mean(axis=0), real.mean(axis=0), atol=0.05)
    np.testing.assert_array_equal(baseline, metrics.baseline_independent_steps(real, 500, seed=1))
    # Levels match, dynamics do not: ACF of independent steps is far from the sines'.
    assert metrics.acf_distance(real, baseline) > 0.1  # fresh sines: < 0.02


def test_baseline_shuffled_time_keeps_values_loses_order(real):
    shuffled = metrics.baseline_shuffled_time(real, seed=0)
    assert shuffled.shape == real.shape
    np.testing.assert_array_equal(np.sort(shuffled, axis=1), np.sort(real, axis=1))
    assert metrics.marginal_distance(real, shuffled) < 1e-6
    assert metrics.cross_correlation_distance(real, shuffled) < 1e-6  # features move together
    assert metrics.acf_distance(real, shuffled) > 0.3


def test_first_differences_and_joint_scaling(real, noise):
    diffs = metrics.first_differences(real)
    assert diffs.shape == (len(real), SEQ_LEN - 1, N_FEATURES)
    np.testing.assert_allclose(diffs[:, 0], real[:, 1] - real[:, 0])
    real_d, noise_d = metrics.differenced_pair(real, noise)
    pooled = np.concatenate([real_d, noise_d]).reshape(-1, N_FEATURES)
    np.testing.assert_allclose(pooled.min(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(pooled.max(axis=0), 1.0, atol=1e-6)
    (constant,) = metrics.joint_minmax(np.full((3, 4, 2), 7.0))
    np.testing.assert_array_equal(constant, 0.5)


# --------------------------------------------------------------------------------------------------
# All at once


def test_evaluate_quick(real, other):
    stages = []
    results = metrics.evaluate(
        real[:300], other[:300], quick=True, differences=True, progress=lambda s, f: stages.append((s, f))
    )
    assert set(results) == set(metrics.METRIC_INFO)
    assert all(isinstance(v, float) and math.isfinite(v) for v in results.values())
    fractions = [f for _, f in stages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert list(dict.fromkeys(s for s, _ in stages)) == [
        "discriminative",
        "predictive",
        "discriminative_diff",
        "distances",
    ]
    assert results["discriminative"] < 0.15


@pytest.mark.parametrize("key", metrics.METRIC_INFO)
def test_metric_info_entries(key):
    info = metrics.METRIC_INFO[key]
    assert set(info) == {"name", "description", "range", "better"}
    assert info["better"] in {"lower", "higher", "1"}


def test_evaluate_says_how_many_windows_it_needs():
    real = np.random.default_rng(0).random((5, 8, 2))
    with pytest.raises(ValueError, match=r"Scoring needs at least 6 real and 3 generated windows; found 5 real"):
        metrics.evaluate(real, real, quick=True)
