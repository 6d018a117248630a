"""Trivial generators that every score is read against: ``baseline_independent_steps`` (right levels at
every step, no time structure) and ``baseline_shuffled_time`` (real windows with their time order
shuffled: right values, no dynamics). A model should beat both on every score (DESIGN.md, Evaluation).
"""

from __future__ import annotations

import numpy as np

from rgan.metrics._common import _as_windows, _check_positive



def baseline_independent_steps(real: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Trivial generator with no time structure: every step drawn independently.

    Each value is drawn from a normal with the real per-step, per-feature mean and standard deviation,
    then clipped to [0, 1]. It matches levels and spread at every step but has no autocorrelation or
    cross-feature correlation; a model should beat it on every score.

    Args:
        real: Real windows (N, T, F).
        n: Number of windows to generate.
        seed: Seeds the draw.

    Returns:
        Array (n, T, F) float32 in [0, 1].
    """
    real = _as_windows(real, "real")
    _check_positive(n, "n")
    values = np.asarray(real, dtype=np.float64)
    mean, std = values.mean(axis=0), values.std(axis=0)  # (T, F) each
    rng = np.random.default_rng(seed)
    draw = mean + std * rng.standard_normal((n, *mean.shape))
    return np.clip(draw, 0.0, 1.0).astype(np.float32)


def baseline_shuffled_time(real: np.ndarray, seed: int = 0) -> np.ndarray:
    """Real windows with their time order randomly permuted (one permutation per window, shared by
    its features).

    Keeps every marginal and the cross-feature correlation exactly but destroys the dynamics; a score
    that cannot tell it from real data is only checking levels.

    Args:
        real: Real windows (N, T, F).
        seed: Seeds the permutations.

    Returns:
        Array (N, T, F) of the same dtype.
    """
    real = _as_windows(real, "real")
    rng = np.random.default_rng(seed)
    order = np.argsort(rng.random(real.shape[:2]), axis=1)  # (N, T): a random permutation per window
    return np.take_along_axis(real, order[:, :, None], axis=1)
