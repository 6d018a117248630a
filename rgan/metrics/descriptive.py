"""Closed-form descriptive statistics of windows and the distances between them: the mean
autocorrelation curve and its distance (dynamics), per-feature Wasserstein distances of the pooled values
(levels), the distance between feature-feature correlation matrices, and the first-difference helpers
(``first_differences``, ``joint_minmax``, ``differenced_pair``) that turn any score into a check of the
step-to-step changes rather than the levels.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import wasserstein_distance

from rgan.metrics._common import _as_windows, _check_pair



def autocorrelation(x: np.ndarray, max_lag: int | None = None) -> np.ndarray:
    """Mean autocorrelation function of each feature over windows.

    Definition: for each window and feature, with m the window mean,
    acf(k) = sum_t (x_t - m)(x_{t+k} - m) / sum_t (x_t - m)^2 (the usual biased sample ACF), then
    averaged over windows. Windows in which a feature is constant carry no correlation and are left out
    of that feature's mean; if all are constant the curve is 1 at lag 0 and 0 elsewhere.

    Range [-1, 1] per entry; lag 0 is always 1.

    Args:
        x: Windows (N, T, F), T >= 2.
        max_lag: Largest lag; None means max(1, T // 2). Must be in [1, T - 1].

    Returns:
        Array (F, max_lag + 1): column k is lag k.

    Raises:
        ValueError: Bad shape, T < 2 or max_lag out of range.
    """
    x = _as_windows(x, "x")
    seq_len = x.shape[1]
    if seq_len < 2:
        raise ValueError(f"autocorrelation needs seq_len >= 2; found {seq_len}.")
    max_lag = max(1, seq_len // 2) if max_lag is None else max_lag
    if isinstance(max_lag, bool) or not isinstance(max_lag, (int, np.integer)) or not 1 <= max_lag <= seq_len - 1:
        raise ValueError(f"max_lag must be an integer in [1, {seq_len - 1}]; found {max_lag!r}.")
    centred = np.asarray(x, dtype=np.float64)
    centred = centred - centred.mean(axis=1, keepdims=True)  # (N, T, F)
    variance = (centred**2).sum(axis=1)  # (N, F)
    varying = variance > 1e-12 * seq_len
    acf = np.empty((x.shape[2], max_lag + 1))
    acf[:, 0] = 1.0
    counts = varying.sum(axis=0)  # (F,)
    safe_variance = np.where(varying, variance, 1.0)
    for lag in range(1, max_lag + 1):
        cov = (centred[:, lag:] * centred[:, :-lag]).sum(axis=1)  # (N, F)
        per_window = np.where(varying, cov / safe_variance, 0.0)
        acf[:, lag] = per_window.sum(axis=0) / np.maximum(counts, 1)
    return acf


def acf_distance(real: np.ndarray, fake: np.ndarray, max_lag: int | None = None) -> float:
    """Mean absolute difference between the autocorrelation curves of real and generated windows.

    Definition: mean over features and lags 1..max_lag of |acf_real - acf_fake|, with the curves from
    ``autocorrelation`` (lag 0 is left out: it is 1 for both).

    Range [0, 2]; lower is better, 0 when the mean curves agree.

    Args:
        real: Real windows (N, T, F), T >= 2.
        fake: Generated windows (M, T, F).
        max_lag: Largest lag; None means max(1, T // 2).

    Returns:
        The distance as a float.

    Raises:
        ValueError: Bad shapes or max_lag out of range.
    """
    real, fake = _check_pair(real, fake)
    a = autocorrelation(real, max_lag)
    b = autocorrelation(fake, max_lag)
    return float(np.abs(a[:, 1:] - b[:, 1:]).mean())


def marginal_distances(real: np.ndarray, fake: np.ndarray) -> np.ndarray:
    """Per-feature 1-D Wasserstein distance between pooled values.

    Definition: for feature f, the earth mover's distance between the distribution of all values
    real[:, :, f] (pooled over windows and steps) and fake[:, :, f]
    (``scipy.stats.wasserstein_distance``).

    Range [0, 1] per feature on [0, 1]-scaled data; lower is better.

    Args:
        real: Real windows (N, T, F).
        fake: Generated windows (M, T, F).

    Returns:
        Array (F,) of distances.

    Raises:
        ValueError: Bad shapes or non-finite values.
    """
    real, fake = _check_pair(real, fake)
    features = real.shape[2]
    a = np.asarray(real, dtype=np.float64).reshape(-1, features)
    b = np.asarray(fake, dtype=np.float64).reshape(-1, features)
    return np.array([wasserstein_distance(a[:, f], b[:, f]) for f in range(features)])


def marginal_distance(real: np.ndarray, fake: np.ndarray) -> float:
    """Mean over features of ``marginal_distances``; range [0, 1], lower is better.

    Args:
        real: Real windows (N, T, F).
        fake: Generated windows (M, T, F).

    Returns:
        The mean 1-D Wasserstein distance as a float.
    """
    return float(marginal_distances(real, fake).mean())


def _correlation_matrix(x: np.ndarray) -> np.ndarray:
    """(N, T, F) -> (F, F) Pearson correlation of features pooled over windows and steps; a constant
    feature has correlation 0 with the others."""
    values = np.asarray(x, dtype=np.float64).reshape(-1, x.shape[2])
    centred = values - values.mean(axis=0)
    std = np.sqrt((centred**2).mean(axis=0))
    scaled = centred / np.where(std > 1e-12, std, np.inf)
    return scaled.T @ scaled / len(values)


def cross_correlation_distance(real: np.ndarray, fake: np.ndarray) -> float:
    """Mean absolute difference between feature-feature correlation matrices.

    Definition: Pearson correlations between features, computed on values pooled over windows and
    steps; mean of |corr_real - corr_fake| over the F(F-1)/2 off-diagonal pairs. A constant feature
    counts as uncorrelated. 0 when F == 1.

    Range [0, 2]; lower is better.

    Args:
        real: Real windows (N, T, F).
        fake: Generated windows (M, T, F).

    Returns:
        The distance as a float.

    Raises:
        ValueError: Bad shapes or non-finite values.
    """
    real, fake = _check_pair(real, fake)
    features = real.shape[2]
    if features == 1:
        return 0.0
    upper = np.triu_indices(features, k=1)
    diff = _correlation_matrix(real) - _correlation_matrix(fake)
    return float(np.abs(diff[upper]).mean())



def first_differences(x: np.ndarray) -> np.ndarray:
    """Step-to-step changes x[:, t+1] - x[:, t], shape (N, T-1, F).

    The values lie in [-1, 1]; rescale real and generated differences together with ``joint_minmax``
    (or use ``differenced_pair``) before scoring them.

    Args:
        x: Windows (N, T, F), T >= 2.

    Returns:
        Array (N, T-1, F).
    """
    x = _as_windows(x, "x")
    if x.shape[1] < 2:
        raise ValueError(f"first_differences needs seq_len >= 2; found {x.shape[1]}.")
    return np.diff(x, axis=1)


def joint_minmax(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """Rescales several (N, T, F) arrays to [0, 1] per feature with one shared min and max.

    A feature that is constant across all arrays maps to 0.5.

    Args:
        *arrays: Window arrays with equal (T, F).

    Returns:
        Tuple of float32 arrays in the same order.
    """
    if not arrays:
        return ()
    checked = [_as_windows(a, f"arrays[{i}]") for i, a in enumerate(arrays)]
    for i, a in enumerate(checked[1:], start=1):
        _check_pair(checked[0], a, ("arrays[0]", f"arrays[{i}]"))
    features = checked[0].shape[2]
    low = np.min([a.reshape(-1, features).min(axis=0) for a in checked], axis=0)
    high = np.max([a.reshape(-1, features).max(axis=0) for a in checked], axis=0)
    span = high - low
    constant = span <= 0
    scaled = []
    for a in checked:
        s = (a - low) / np.where(constant, 1.0, span)
        scaled.append(np.where(constant, 0.5, s).astype(np.float32))
    return tuple(scaled)


def differenced_pair(real: np.ndarray, fake: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First differences of real and generated windows, jointly rescaled to [0, 1].

    Feed the pair to any score to check dynamics rather than levels (DESIGN.md, Evaluation).

    Args:
        real: Real windows (N, T, F), T >= 2.
        fake: Generated windows (M, T, F).

    Returns:
        (real_diff, fake_diff), each (·, T-1, F) float32 in [0, 1].
    """
    real, fake = _check_pair(real, fake)
    real_d, fake_d = joint_minmax(first_differences(real), first_differences(fake))
    return real_d, fake_d
