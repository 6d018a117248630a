"""Distribution distances between sets of windows: ``mmd_rbf``, the squared maximum mean discrepancy
between flattened windows with a Gaussian kernel whose bandwidth follows the median heuristic (unbiased
estimate, clipped at 0). Cost is quadratic in the number of windows, so at most ``max_samples`` per set.
"""

from __future__ import annotations

import numpy as np

from rgan.metrics._common import _check_pair, _check_positive, _flat, _sq_dists, _subsample



def mmd_rbf(real: np.ndarray, fake: np.ndarray, *, max_samples: int = 1000, seed: int = 0) -> float:
    """Squared maximum mean discrepancy with a Gaussian (RBF) kernel.

    Definition: windows are flattened to vectors of length T*F; at most ``max_samples`` of each set
    are used. k(a, b) = exp(-|a - b|^2 / (2 s^2)) with s = median Euclidean distance between all
    pairs of the pooled sample (median heuristic). The estimate is the unbiased U-statistic
    mean_{i!=j} k(x_i, x_j) + mean_{i!=j} k(y_i, y_j) - 2 mean_{i,j} k(x_i, y_j), clipped at 0
    (the unbiased estimate can be slightly negative when the two sets match).

    Range [0, 2]; lower is better, 0 for identical distributions.

    Args:
        real: Real windows (N, T, F), N >= 2.
        fake: Generated windows (M, T, F), M >= 2.
        max_samples: Cap on windows per set (cost is quadratic).
        seed: Seeds the subsampling.

    Returns:
        The squared MMD as a float >= 0.

    Raises:
        ValueError: Bad shapes, fewer than 2 windows in a set, or non-finite values.
    """
    real, fake = _check_pair(real, fake)
    _check_positive(max_samples, "max_samples")
    if len(real) < 2 or len(fake) < 2 or max_samples < 2:
        raise ValueError(
            f"mmd_rbf needs at least 2 windows per set; found {len(real)} real, {len(fake)} fake, "
            f"max_samples={max_samples}."
        )
    rng = np.random.default_rng(seed)
    x = _flat(_subsample(real, max_samples, rng))
    y = _flat(_subsample(fake, max_samples, rng))
    n, m = len(x), len(y)
    pooled = np.concatenate([x, y])
    d_all = _sq_dists(pooled, pooled)  # (n+m, n+m)
    off_diagonal = d_all[np.triu_indices(n + m, k=1)]
    bandwidth_sq = float(np.median(off_diagonal))
    if bandwidth_sq <= 0.0:  # most windows identical: fall back to the mean distance, then to 1
        positive = off_diagonal[off_diagonal > 0]
        bandwidth_sq = float(positive.mean()) if positive.size else 1.0
    kernel = np.exp(-d_all / (2.0 * bandwidth_sq))  # median of squared distances = (median distance)^2
    k_xx, k_yy, k_xy = kernel[:n, :n], kernel[n:, n:], kernel[:n, n:]
    mmd2 = (
        (k_xx.sum() - np.trace(k_xx)) / (n * (n - 1))
        + (k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
        - 2.0 * k_xy.mean()
    )
    return float(max(mmd2, 0.0))
