"""How real do generated sequences look? Scores that compare real and generated windows.

Every metric takes arrays of shape (N, T, F) already min-max scaled to [0, 1] (the scale the generator
works in) and returns plain Python floats or small numpy arrays. Functions are pure: randomness comes
only from the ``seed`` argument and global RNG states (numpy's and torch's) are left untouched; the
learned scores set the calling thread's torch thread count for their duration (``num_threads``).

The two learned scores follow the TimeGAN paper (Yoon et al., NeurIPS 2019):

- ``discriminative_score``: a small post-hoc GRU classifier tells real from generated windows;
  score = |held-out accuracy - 0.5| (0 is best).
- ``predictive_score``: train-on-synthetic, test-on-real; a GRU trained on generated windows predicts
  the last feature one step ahead, mean absolute error measured on real windows (lower is better).

The rest are cheap, closed-form checks: MMD, autocorrelation, marginal distributions, cross-feature
correlation, nearest-neighbour memorisation and diversity (mode collapse). Scores mean little on their
own; compare them against ``baseline_independent_steps`` and ``baseline_shuffled_time`` (see DESIGN.md,
Evaluation) and against the same score on differences (``differenced_pair``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import torch
from scipy.stats import wasserstein_distance
from torch import nn

from rgan.alloc import keep_freed_memory
from rgan.metrics.embedding import pca_embedding, tsne_embedding
from rgan.optim import adam

__all__ = [
    "METRIC_INFO",
    "acf_distance",
    "autocorrelation",
    "baseline_independent_steps",
    "baseline_shuffled_time",
    "cross_correlation_distance",
    "differenced_pair",
    "discriminative_score",
    "diversity",
    "evaluate",
    "first_differences",
    "joint_minmax",
    "marginal_distance",
    "marginal_distances",
    "mmd_rbf",
    "nearest_neighbour_ratio",
    "pca_embedding",
    "predictive_score",
    "tsne_embedding",
]

IterationCallback = Callable[[int, int], None]  # (iterations done, total)
StageCallback = Callable[[str, float], None]  # (stage name, overall fraction done in [0, 1])

_PROGRESS_EVERY = 50  # iterations between progress callbacks of the learned scores
_EVAL_CHUNK = 4096  # windows per forward pass when scoring held-out data

METRIC_INFO: dict[str, dict[str, str]] = {
    "discriminative": {
        "name": "Discriminative score",
        "description": "A post-hoc GRU classifier is trained to tell real from generated windows; "
        "|held-out accuracy - 0.5|. 0 means it cannot tell them apart.",
        "range": "[0, 0.5]",
        "better": "lower",
    },
    "discriminative_diff": {
        "name": "Discriminative score on differences",
        "description": "The discriminative score on first differences (step-to-step changes), jointly "
        "rescaled to [0, 1]. Checks dynamics when levels alone already look right.",
        "range": "[0, 0.5]",
        "better": "lower",
    },
    "predictive": {
        "name": "Predictive score (TSTR)",
        "description": "A GRU trained on generated windows predicts the last feature one step ahead; "
        "mean absolute error on real windows. Compare with the same model trained on real data.",
        "range": "[0, 1]",
        "better": "lower",
    },
    "mmd": {
        "name": "MMD (RBF)",
        "description": "Squared maximum mean discrepancy between flattened windows, Gaussian kernel "
        "with median-heuristic bandwidth (unbiased estimate, clipped at 0).",
        "range": "[0, 2]",
        "better": "lower",
    },
    "acf": {
        "name": "Autocorrelation distance",
        "description": "Mean absolute difference between the mean autocorrelation curves of real and "
        "generated windows, per feature and lag. Checks the time dynamics.",
        "range": "[0, 2]",
        "better": "lower",
    },
    "marginal": {
        "name": "Marginal distance",
        "description": "Mean over features of the 1-D Wasserstein distance between the pooled values "
        "of real and generated data. Checks levels, not dynamics.",
        "range": "[0, 1]",
        "better": "lower",
    },
    "cross_correlation": {
        "name": "Cross-correlation distance",
        "description": "Mean absolute difference between the feature-feature correlation matrices "
        "(off-diagonal entries). 0 for a single feature.",
        "range": "[0, 2]",
        "better": "lower",
    },
    "nn_ratio": {
        "name": "Nearest-neighbour ratio",
        "description": "Median distance from generated windows to their nearest training window, "
        "divided by the same for held-out real windows. Much below 1 suggests copying.",
        "range": "[0, inf)",
        "better": "1",
    },
    "nn_fraction_copies": {
        "name": "Near-copies",
        "description": "Fraction of generated windows closer to a training window than 99% of "
        "held-out real windows are. About 0.01 for fresh real data.",
        "range": "[0, 1]",
        "better": "lower",
    },
    "diversity": {
        "name": "Diversity",
        "description": "Mean pairwise distance among generated windows divided by the same among real "
        "windows. Near 0 means mode collapse; above 1 means noisier than the data.",
        "range": "[0, inf)",
        "better": "1",
    },
    "coverage": {
        "name": "Coverage",
        "description": "Fraction of real windows whose 5-nearest-neighbour ball (among real windows) "
        "contains a generated window (Naeem et al., 2020). Low means parts of the data are missed.",
        "range": "[0, 1]",
        "better": "higher",
    },
}


# --------------------------------------------------------------------------------------------------
# Input validation


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


# --------------------------------------------------------------------------------------------------
# Learned scores (TimeGAN protocol)


class _GRUHead(nn.Module):
    """One-layer GRU followed by a linear layer; time-major input (T, B, F_in)."""

    def __init__(self, input_size: int, hidden_size: int, generator: torch.Generator):
        super().__init__()
        # Built on the meta device, the default initialisation draws nothing from (and does not
        # advance) torch's global RNG, which a training thread may be using. The same distributions
        # as PyTorch's default init are then drawn from our own generator: reproducible under seed.
        self.gru = nn.GRU(input_size, hidden_size, device="meta")
        self.linear = nn.Linear(hidden_size, 1, device="meta")
        self.to_empty(device="cpu")
        with torch.no_grad():
            for p in self.gru.parameters():
                p.uniform_(-1.0 / math.sqrt(hidden_size), 1.0 / math.sqrt(hidden_size), generator=generator)
            for p in self.linear.parameters():
                p.uniform_(-1.0 / math.sqrt(hidden_size), 1.0 / math.sqrt(hidden_size), generator=generator)

    def last_logit(self, x: torch.Tensor) -> torch.Tensor:
        """(T, B, F_in) -> (B,) logit from the last hidden state."""
        _, h_n = self.gru(x)  # h_n: (1, B, H)
        return self.linear(h_n[0]).squeeze(-1)

    def per_step(self, x: torch.Tensor) -> torch.Tensor:
        """(T, B, F_in) -> (T, B) prediction in (0, 1) at every step."""
        out, _ = self.gru(x)  # (T, B, H)
        return torch.sigmoid(self.linear(out).squeeze(-1))


def _time_major(x: np.ndarray, device: str) -> torch.Tensor:
    """(N, T, F) numpy -> (T, N, F) float32 contiguous tensor on ``device``; batches are then
    gathered along dim 1 without any per-iteration numpy work."""
    return torch.as_tensor(np.ascontiguousarray(np.swapaxes(x, 0, 1)), dtype=torch.float32).to(device).contiguous()


@contextmanager
def _intra_op_threads(num_threads: int | None) -> Iterator[None]:
    """Runs the block with ``num_threads`` torch intra-op threads, then restores the previous count.

    Why: the models are tiny (hidden size ~F/2), so no op is big enough to gain from several
    threads, and when the cores are busy (say a training run in the same server) OpenMP threads
    waiting on each other made a 2-thread score about 10x slower than a 1-thread one. With torch's
    OpenMP backend the count belongs to the calling thread: threads already running keep theirs,
    but a thread that makes its first parallel torch call while a score runs starts with this count.
    """
    if num_threads is None:
        yield
        return
    _check_positive(num_threads, "num_threads")
    previous = torch.get_num_threads()
    torch.set_num_threads(num_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _fit(
    model: nn.Module,
    batch_loss: Callable[[int], torch.Tensor],
    iterations: int,
    progress: IterationCallback | None,
) -> None:
    """Adam (lr 1e-3, the paper's Keras/TF default) on ``batch_loss(i)`` for i in range(iterations)."""
    keep_freed_memory()  # a training loop like the GAN's: see rgan/alloc.py
    optimiser = adam(model.parameters(), lr=1e-3)
    model.train()
    for i in range(iterations):
        loss = batch_loss(i)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        done = i + 1
        if progress is not None and (done % _PROGRESS_EVERY == 0 or done == iterations):
            progress(done, iterations)
    model.eval()


def discriminative_score(
    real: np.ndarray,
    fake: np.ndarray,
    *,
    iterations: int = 2000,
    batch_size: int = 128,
    hidden_size: int | None = None,
    train_fraction: float = 0.8,
    seed: int = 0,
    device: str = "cpu",
    num_threads: int | None = 1,
    progress: IterationCallback | None = None,
) -> float:
    """Post-hoc discriminative score (TimeGAN protocol).

    Definition: take n = min(len(real), len(fake)) windows of each (a random subset of the larger
    set), split each side into ``train_fraction`` for training and the rest for testing. A 1-layer GRU
    (hidden = n_features // 2, at least 1) whose last hidden state feeds a linear logit is trained with
    Adam (lr 1e-3) and binary cross-entropy for ``iterations`` steps; each step uses ``batch_size`` real
    and ``batch_size`` generated training windows drawn with replacement. The score is
    |accuracy - 0.5| on the balanced held-out set, threshold at probability 0.5.

    Range [0, 0.5]; lower is better: 0 means the classifier does no better than a coin, 0.5 means it
    separates the two sets perfectly. Deterministic under ``seed`` on CPU (GPU kernels may not be).

    Args:
        real: Real windows (N, T, F) in [0, 1].
        fake: Generated windows (M, T, F) in [0, 1].
        iterations: Training steps (2000 in the paper).
        batch_size: Windows of each class per step (128 in the paper).
        hidden_size: GRU width; None means max(1, F // 2) as in the paper.
        train_fraction: Share of each class used for training, in (0, 1).
        seed: Seeds the subsampling, split, batches and weight initialisation.
        device: Torch device to train on, e.g. "cpu" or "cuda".
        num_threads: Torch intra-op threads while scoring (restored afterwards); None keeps the
            caller's setting. One is fastest for these tiny models, by far on a busy machine.
        progress: Optional ``progress(done, total)`` called every 50 iterations and at the end.

    Returns:
        The score as a float in [0, 0.5].

    Raises:
        ValueError: Bad shapes, non-finite values, too few windows or bad arguments.
    """
    real, fake = _check_pair(real, fake)
    _check_positive(iterations, "iterations")
    _check_positive(batch_size, "batch_size")
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must be in (0, 1); found {train_fraction!r}.")
    n = min(len(real), len(fake))
    n_train = round(n * train_fraction)
    if n_train < 1 or n - n_train < 1:
        raise ValueError(
            f"discriminative_score needs enough windows for a train and a test split; found {n} "
            f"per class with train_fraction={train_fraction}."
        )
    features = real.shape[2]
    hidden = max(1, features // 2) if hidden_size is None else hidden_size
    _check_positive(hidden, "hidden_size")

    rng = np.random.default_rng(seed)
    real_idx = rng.permutation(len(real))[:n]
    fake_idx = rng.permutation(len(fake))[:n]
    # Time-major (T, n, F); the first n_train of each are the training windows.
    real_t = _time_major(real[real_idx], device)
    fake_t = _time_major(fake[fake_idx], device)
    # All batch indices drawn up front: (iterations, batch_size) each, one transfer to the device.
    real_batches = torch.as_tensor(rng.integers(0, n_train, size=(iterations, batch_size))).to(device)
    fake_batches = torch.as_tensor(rng.integers(0, n_train, size=(iterations, batch_size))).to(device)
    labels = torch.cat([torch.ones(batch_size), torch.zeros(batch_size)]).to(device)  # (2B,)

    model = _GRUHead(features, hidden, torch.Generator().manual_seed(seed)).to(device)
    loss_fn = nn.BCEWithLogitsLoss()

    def batch_loss(i: int) -> torch.Tensor:
        batch = torch.cat(  # (T, 2B, F)
            [real_t.index_select(1, real_batches[i]), fake_t.index_select(1, fake_batches[i])], dim=1
        )
        return loss_fn(model.last_logit(batch), labels)

    correct = 0
    with _intra_op_threads(num_threads):
        _fit(model, batch_loss, iterations, progress)
        with torch.no_grad():
            for data, label in ((real_t[:, n_train:], True), (fake_t[:, n_train:], False)):
                for start in range(0, data.shape[1], _EVAL_CHUNK):
                    logits = model.last_logit(data[:, start : start + _EVAL_CHUNK])  # (chunk,)
                    correct += int(((logits > 0) == label).sum())
    accuracy = correct / (2 * (n - n_train))
    return float(abs(accuracy - 0.5))


def _predictive_split(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(T, B, F) -> inputs (T-1, B, max(F-1, 1)) and one-step-ahead targets (T-1, B) of the last feature."""
    features = x.shape[2]
    inputs = x[:-1, :, : features - 1] if features > 1 else x[:-1]
    # Contiguous copies: gathering a batch from a strided view is several times slower.
    return inputs.contiguous(), x[1:, :, features - 1].contiguous()


def predictive_score(
    real: np.ndarray,
    fake: np.ndarray,
    *,
    iterations: int = 5000,
    batch_size: int = 128,
    hidden_size: int | None = None,
    seed: int = 0,
    device: str = "cpu",
    num_threads: int | None = 1,
    progress: IterationCallback | None = None,
) -> float:
    """Predictive score: train on synthetic, test on real (TimeGAN protocol).

    Definition: a 1-layer GRU (hidden = n_features // 2, at least 1) with a linear + sigmoid head is
    trained on the generated windows to predict the last feature one step ahead: inputs
    x[:, :-1, :F-1], targets x[:, 1:, F-1] (for F == 1 the input is the feature itself, x[:, :-1, :]).
    Adam (lr 1e-3), L1 loss, ``iterations`` batches of ``batch_size`` windows drawn with replacement.
    The score is the mean absolute error of that model over every step of every real window.

    Range [0, 1] on [0, 1]-scaled data; lower is better. It has no absolute "good" value: compare with
    ``predictive_score(real_test, real_train)`` (train on real, test on real). Deterministic under
    ``seed`` on CPU.

    Args:
        real: Real windows (N, T, F) in [0, 1], T >= 2; the test set.
        fake: Generated windows (M, T, F) in [0, 1], T >= 2; the training set.
        iterations: Training steps (5000 in the paper).
        batch_size: Windows per step (128 in the paper).
        hidden_size: GRU width; None means max(1, F // 2) as in the paper.
        seed: Seeds the batches and weight initialisation.
        device: Torch device to train on.
        num_threads: Torch intra-op threads while scoring (restored afterwards); None keeps the
            caller's setting. One is fastest for these tiny models, by far on a busy machine.
        progress: Optional ``progress(done, total)`` called every 50 iterations and at the end.

    Returns:
        Mean absolute error on the real windows, a float.

    Raises:
        ValueError: Bad shapes, T < 2, non-finite values or bad arguments.
    """
    real, fake = _check_pair(real, fake)
    _check_positive(iterations, "iterations")
    _check_positive(batch_size, "batch_size")
    if real.shape[1] < 2:
        raise ValueError(f"predictive_score needs seq_len >= 2 to predict one step ahead; found {real.shape[1]}.")
    features = real.shape[2]
    hidden = max(1, features // 2) if hidden_size is None else hidden_size
    _check_positive(hidden, "hidden_size")

    rng = np.random.default_rng(seed)
    train_x, train_y = _predictive_split(_time_major(fake, device))
    batches = torch.as_tensor(rng.integers(0, len(fake), size=(iterations, batch_size))).to(device)

    model = _GRUHead(train_x.shape[2], hidden, torch.Generator().manual_seed(seed)).to(device)

    def batch_loss(i: int) -> torch.Tensor:
        idx = batches[i]
        prediction = model.per_step(train_x.index_select(1, idx))  # (T-1, B)
        return (prediction - train_y.index_select(1, idx)).abs().mean()  # L1, as in the paper

    test_x, test_y = _predictive_split(_time_major(real, device))
    total = 0.0
    with _intra_op_threads(num_threads):
        _fit(model, batch_loss, iterations, progress)
        with torch.no_grad():
            for start in range(0, test_x.shape[1], _EVAL_CHUNK):
                stop = start + _EVAL_CHUNK
                total += float((model.per_step(test_x[:, start:stop]) - test_y[:, start:stop]).abs().sum())
    return total / test_y.numel()


# --------------------------------------------------------------------------------------------------
# Closed-form scores


def _flat(x: np.ndarray) -> np.ndarray:
    """(N, T, F) -> (N, T*F) float64."""
    return np.asarray(x, dtype=np.float64).reshape(len(x), -1)


def _sq_dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances between rows, (n, D) x (m, D) -> (n, m), clipped at 0."""
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d, 0.0)


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


# --------------------------------------------------------------------------------------------------
# Baselines and helpers


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


# --------------------------------------------------------------------------------------------------
# All at once


MIN_REAL_WINDOWS = 6  # evaluate(): the neighbour-based scores need k + 1 = 6 real windows


def evaluate(
    real: np.ndarray,
    fake: np.ndarray,
    *,
    quick: bool = False,
    differences: bool = False,
    seed: int = 0,
    device: str = "cpu",
    num_threads: int | None = 1,
    progress: StageCallback | None = None,
) -> dict[str, float]:
    """Runs every score and returns them keyed as in ``METRIC_INFO``.

    The memorisation check holds out a random 20% of ``real``; with overlapping sliding windows call
    ``nearest_neighbour_ratio`` yourself with a holdout from a separate time span.

    Args:
        real: Real windows (N, T, F) in [0, 1], N >= 6, T >= 2; ideally the training windows.
        fake: Generated windows (M, T, F) in [0, 1], M >= 3.
        quick: Fewer training iterations (300 discriminative, 500 predictive) and at most 300 windows
            for the distance-based scores, for UI previews; not comparable with published numbers.
        differences: Also compute "discriminative_diff", the discriminative score on
            ``differenced_pair(real, fake)`` (a dynamics check; doubles the cost of that score).
        seed: Seeds every score.
        device: Torch device for the learned scores.
        num_threads: Torch intra-op threads for the learned scores; None keeps the caller's setting.
        progress: Optional ``progress(stage_name, fraction)``; fraction is the overall share of the
            work done, in [0, 1], and reaches 1.0 at the end.

    Returns:
        Dict of floats: discriminative, predictive, mmd, acf, marginal, cross_correlation, nn_ratio,
        nn_fraction_copies, diversity, coverage (and discriminative_diff if requested).

    Raises:
        ValueError: Bad shapes or too few windows.
    """
    real, fake = _check_pair(real, fake)
    if len(real) < MIN_REAL_WINDOWS or len(fake) < 3:
        raise ValueError(
            f"Scoring needs at least {MIN_REAL_WINDOWS} real and 3 generated windows; found {len(real)} real and "
            f"{len(fake)} generated. Use more sequences (more data, or a smaller stride)."
        )
    disc_iterations = 300 if quick else 2000
    pred_iterations = 500 if quick else 5000
    max_samples = 300 if quick else 1000
    # Stage weights roughly proportional to cost: (name, weight).
    stages = [("discriminative", disc_iterations), ("predictive", pred_iterations * 0.6)]
    if differences:
        stages.append(("discriminative_diff", disc_iterations))
    stages.append(("distances", disc_iterations * 0.05))
    total_weight = sum(w for _, w in stages)
    done_weight = 0.0

    def reporter(stage: str, weight: float) -> IterationCallback | None:
        if progress is None:
            return None
        start = done_weight
        return lambda i, n: progress(stage, (start + weight * i / n) / total_weight)

    results: dict[str, float] = {}
    for stage, weight in stages:
        learned = {"seed": seed, "device": device, "num_threads": num_threads, "progress": reporter(stage, weight)}
        if stage == "discriminative":
            results[stage] = discriminative_score(real, fake, iterations=disc_iterations, **learned)
        elif stage == "predictive":
            results[stage] = predictive_score(real, fake, iterations=pred_iterations, **learned)
        elif stage == "discriminative_diff":
            real_d, fake_d = differenced_pair(real, fake)
            results[stage] = discriminative_score(real_d, fake_d, iterations=disc_iterations, **learned)
        else:
            if progress is not None:
                progress(stage, done_weight / total_weight)
            results["mmd"] = mmd_rbf(real, fake, max_samples=max_samples, seed=seed)
            results["acf"] = acf_distance(real, fake)
            results["marginal"] = marginal_distance(real, fake)
            results["cross_correlation"] = cross_correlation_distance(real, fake)
            nn = nearest_neighbour_ratio(real, fake, max_samples=max_samples, seed=seed)
            results["nn_ratio"] = nn["ratio"]
            results["nn_fraction_copies"] = nn["fraction_copies"]
            spread = diversity(fake, real, max_samples=max_samples, seed=seed)
            results["diversity"] = spread["ratio"]
            results["coverage"] = spread["coverage"]
            if progress is not None:
                progress(stage, 1.0)
        done_weight += weight
    return results
