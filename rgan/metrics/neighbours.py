"""Nearest-neighbour checks between windows (Euclidean distance of the flattened windows): the nearest
reference window of each query (``nearest_windows``), the memorisation check against held-out real data
(``nearest_neighbour_ratio``), spread and coverage for mode collapse (``diversity``), and the closest
generated-training pairs with their distance scale that the Compare page draws (``memorisation``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rgan.metrics._common import _as_windows, _check_pair, _check_positive, _flat, _sq_dists, _subsample



def _nn_sq_dists(query: np.ndarray, reference: np.ndarray, k: int = 1, chunk: int = 1024) -> np.ndarray:
    """Squared distance from each query row to its k-th nearest reference row (k=1: the nearest)."""
    out = np.empty(len(query))
    for start in range(0, len(query), chunk):
        d = _sq_dists(query[start : start + chunk], reference)
        out[start : start + chunk] = np.partition(d, k - 1, axis=1)[:, k - 1]
    return out


def nearest_windows(query: np.ndarray, reference: np.ndarray, *, exclude_self: bool = False,
                    chunk: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Nearest reference window of every query window, by Euclidean distance of the flattened windows.

    Args:
        query: Windows (N, T, F).
        reference: Windows (M, T, F), the same T and F.
        exclude_self: ``query`` is ``reference`` itself: find the nearest *other* window (M >= 2).
        chunk: Query rows per distance block (memory is chunk x M floats).

    Returns:
        ``(index (N,) into reference, distance (N,))``.
    """
    q, r = _flat(query), _flat(reference)
    if q.shape[1] != r.shape[1]:
        raise ValueError(f"query and reference windows must have the same shape; found {query.shape[1:]} "
                         f"and {reference.shape[1:]}.")
    index = np.empty(len(q), dtype=np.int64)
    dist_sq = np.empty(len(q))
    for start in range(0, len(q), chunk):
        block = q[start:start + chunk]
        d = _sq_dists(block, r)  # (chunk, M)
        if exclude_self:
            rows = np.arange(len(block))
            d[rows, start + rows] = np.inf
        best = d.argmin(1)
        index[start:start + chunk] = best
        dist_sq[start:start + chunk] = d[np.arange(len(block)), best]
    return index, np.sqrt(np.maximum(dist_sq, 0.0))


def nearest_neighbour_ratio(
    real_train: np.ndarray,
    fake: np.ndarray,
    *,
    real_holdout: np.ndarray | None = None,
    max_samples: int = 1000,
    max_reference: int = 20000,
    seed: int = 0,
) -> dict[str, float]:
    """Memorisation check: are generated windows closer to the training data than new real data is?

    Definition: windows are flattened; d(v) is the Euclidean distance from v to its nearest training
    window. With F = {d(fake)} and R = {d(holdout)}: ratio = median(F) / median(R), and
    fraction_copies = share of F below the 1st percentile of R. Without ``real_holdout``, a random 20%
    of ``real_train`` is held out and the other 80% is the training reference.

    Reading it: ratio about 1 and fraction_copies about 0.01 for a model that generalises; ratio much
    below 1, or fraction_copies well above 0.01, suggests copying of training windows. Ratio above 1
    means generated windows are further from the data than real ones (poor quality, not copying).

    Caveat: overlapping sliding windows (stride < seq_len) make a random holdout nearly a copy of the
    training set, so R is tiny and the ratio large; pass a holdout from a separate time span instead.

    Args:
        real_train: Windows the model was trained on (N, T, F).
        fake: Generated windows (M, T, F).
        real_holdout: Real windows not used in training (K, T, F), or None to split ``real_train``.
        max_samples: Cap on query windows (generated and holdout) per set.
        max_reference: Cap on training windows used as the reference set.
        seed: Seeds the split and subsampling.

    Returns:
        Dict with median_fake_to_train, median_real_to_train, ratio, fraction_copies (floats).
        ratio is inf if the real median is 0 and the generated one is not, 1.0 if both are 0.

    Raises:
        ValueError: Bad shapes or too few windows to split.
    """
    real_train, fake = _check_pair(real_train, fake, ("real_train", "fake"))
    _check_positive(max_samples, "max_samples")
    _check_positive(max_reference, "max_reference")
    rng = np.random.default_rng(seed)
    if real_holdout is None:
        if len(real_train) < 2:
            raise ValueError(f"real_train needs at least 2 windows to split off a holdout; found {len(real_train)}.")
        order = rng.permutation(len(real_train))
        n_holdout = max(1, len(real_train) // 5)
        holdout, train = real_train[order[:n_holdout]], real_train[order[n_holdout:]]
    else:
        train, holdout = _check_pair(real_train, real_holdout, ("real_train", "real_holdout"))
    reference = _flat(_subsample(train, max_reference, rng))
    fake_d = np.sqrt(_nn_sq_dists(_flat(_subsample(fake, max_samples, rng)), reference))
    real_d = np.sqrt(_nn_sq_dists(_flat(_subsample(holdout, max_samples, rng)), reference))
    median_fake, median_real = float(np.median(fake_d)), float(np.median(real_d))
    if median_real > 0:
        ratio = median_fake / median_real
    else:
        ratio = math.inf if median_fake > 0 else 1.0
    threshold = float(np.percentile(real_d, 1))
    return {
        "median_fake_to_train": median_fake,
        "median_real_to_train": median_real,
        "ratio": ratio,
        "fraction_copies": float(np.mean(fake_d < threshold)),
    }


def _mean_pairwise_distance(x: np.ndarray) -> float:
    """Mean Euclidean distance over distinct pairs of rows of a (n, D) array, n >= 2."""
    d = np.sqrt(_sq_dists(x, x))
    n = len(x)
    return float(d.sum() / (n * (n - 1)))


def diversity(
    fake: np.ndarray,
    real: np.ndarray | None = None,
    *,
    max_samples: int = 1000,
    k: int = 5,
    seed: int = 0,
) -> dict[str, float]:
    """Mode-collapse indicator: how spread out are generated windows compared with real ones?

    Definition: windows are flattened; mean_distance(S) is the mean Euclidean distance over distinct
    pairs in S (at most ``max_samples`` windows per set). ratio = mean_distance(fake) /
    mean_distance(real). Coverage (Naeem et al., 2020) is the share of real windows whose ball of
    radius "distance to the k-th nearest other real window" contains at least one generated window.

    Reading it: ratio 1 is ideal, near 0 is mode collapse, above 1 is noisier than the data. Coverage
    in [0, 1], higher is better (about 0.97 for a fresh real sample with k=5); low coverage means parts
    of the data are never generated.

    Args:
        fake: Generated windows (M, T, F), M >= 2.
        real: Real windows (N, T, F), N >= k + 1, or None to get only the generated spread.
        max_samples: Cap on windows per set.
        k: Neighbour rank defining the coverage radius.
        seed: Seeds the subsampling.

    Returns:
        Dict with fake_mean_distance, and when ``real`` is given also real_mean_distance, ratio
        and coverage.

    Raises:
        ValueError: Bad shapes or too few windows.
    """
    _check_positive(max_samples, "max_samples")
    _check_positive(k, "k")
    if real is None:
        fake = _as_windows(fake, "fake")
    else:
        real, fake = _check_pair(real, fake)
        if len(real) < k + 1 or max_samples < k + 1:
            raise ValueError(
                f"diversity needs at least k + 1 = {k + 1} real windows; found {len(real)} (max_samples={max_samples})."
            )
    if len(fake) < 2 or max_samples < 2:
        raise ValueError(
            f"diversity needs at least 2 generated windows; found {len(fake)} (max_samples={max_samples})."
        )
    rng = np.random.default_rng(seed)
    y = _flat(_subsample(fake, max_samples, rng))
    result = {"fake_mean_distance": _mean_pairwise_distance(y)}
    if real is None:
        return result
    x = _flat(_subsample(real, max_samples, rng))
    real_mean = _mean_pairwise_distance(x)
    result["real_mean_distance"] = real_mean
    result["ratio"] = result["fake_mean_distance"] / real_mean if real_mean > 0 else math.inf
    # k-th nearest *other* real window: rank k + 1 because each window is its own nearest neighbour.
    radius_sq = _nn_sq_dists(x, x, k=k + 1)
    nearest_fake_sq = _nn_sq_dists(x, y)
    result["coverage"] = float(np.mean(nearest_fake_sq <= radius_sq))
    return result



@dataclass(frozen=True)
class Memorisation:
    """How close generated windows come to training windows, with real-to-real distances for scale."""

    pairs: list[tuple[int, int, float]]  # (generated index, training index, distance), closest first
    fake_median: float  # median distance of a generated window to its nearest training window
    real_median: float  # median distance of a training window to its nearest other training window
    n_reference: int  # training windows searched


def memorisation(fake: np.ndarray, train: np.ndarray, *, k: int = 6, max_reference: int = 20000,
                 max_real_queries: int = 500, seed: int = 0) -> Memorisation:
    """The ``k`` generated windows closest to a training window, and typical distances for scale.

    Args:
        fake: Generated windows (N, T, F) in [0, 1].
        train: The training windows (M, T, F) in [0, 1], M >= 2 (at most ``max_reference`` searched).
        k: Pairs returned.
        seed: Picks the subsets when there are more windows than the caps.
    """
    rng = np.random.default_rng(seed)
    train_idx = np.arange(len(train))
    if len(train_idx) > max_reference:
        train_idx = np.sort(rng.choice(len(train), max_reference, replace=False))
    reference = np.asarray(train)[train_idx]
    index, distance = nearest_windows(fake, reference)
    order = np.argsort(distance, kind="stable")[:k]
    pairs = [(int(i), int(train_idx[index[i]]), float(distance[i])) for i in order]
    queries = np.sort(rng.choice(len(reference), min(max_real_queries, len(reference)), replace=False))
    # Nearest *other* window of a sample of training windows: search the sample against the full set with
    # each query's own row masked, by putting the sample first.
    rest = np.setdiff1d(np.arange(len(reference)), queries)
    _, real_distance = nearest_windows(reference[queries], np.concatenate([reference[queries], reference[rest]]),
                                       exclude_self=True)
    return Memorisation(pairs, float(np.median(distance)), float(np.median(real_distance)), len(reference))
