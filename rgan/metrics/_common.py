"""Shared input checks and helpers of the metrics: window validation (``_as_windows``, ``_check_pair``,
``_check_positive``), subsampling without replacement, flattening and squared distances between windows,
and the progress-callback types the scores accept. Every score module builds on these; nothing here is
public API.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

IterationCallback = Callable[[int, int], None]  # (iterations done, total)
StageCallback = Callable[[str, float], None]  # (stage name, overall fraction done in [0, 1])



def _as_windows(x: np.ndarray, name: str) -> np.ndarray:
    """Returns ``x`` as a float (N, T, F) array, or raises ValueError saying what was expected."""
    arr = np.asarray(x)
    if arr.ndim != 3:
        raise ValueError(f"{name} must be a 3-D array (N, T, F); found shape {arr.shape}.")
    if arr.shape[0] < 1 or arr.shape[1] < 1 or arr.shape[2] < 1:
        raise ValueError(f"{name} must have at least one window, step and feature; found shape {arr.shape}.")
    if not np.issubdtype(arr.dtype, np.floating) and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must hold numbers; found dtype {arr.dtype}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or Inf values; remove or fill them before scoring.")
    return arr


def _check_pair(
    real: np.ndarray, fake: np.ndarray, names: tuple[str, str] = ("real", "fake")
) -> tuple[np.ndarray, np.ndarray]:
    """Validates two window arrays that must share seq_len and n_features."""
    a = _as_windows(real, names[0])
    b = _as_windows(fake, names[1])
    if a.shape[1:] != b.shape[1:]:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same (seq_len, n_features): expected "
            f"{a.shape[1:]} from {names[0]}, found {b.shape[1:]} in {names[1]}."
        )
    return a, b


def _check_positive(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer; found {value!r}.")


def _subsample(x: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Returns at most ``n`` windows of ``x`` drawn without replacement (all of them, in order, if fewer)."""
    if len(x) <= n:
        return x
    return x[np.sort(rng.choice(len(x), size=n, replace=False))]



def _flat(x: np.ndarray) -> np.ndarray:
    """(N, T, F) -> (N, T*F) float64."""
    return np.asarray(x, dtype=np.float64).reshape(len(x), -1)


def _sq_dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances between rows, (n, D) x (m, D) -> (n, m), clipped at 0."""
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d, 0.0)
