"""The two learned scores of the TimeGAN protocol (Yoon et al., NeurIPS 2019): ``discriminative_score``
(a post-hoc GRU classifier tells real from generated windows) and ``predictive_score`` (train on
synthetic, test on real). Both train a tiny GRU with Adam on the CPU or a GPU, draw every random number
from their ``seed`` (never from torch's or numpy's global RNG) and run with a fixed torch intra-op thread
count (``_intra_op_threads``) that is restored afterwards. They leave the allocator alone: the entry
points (CLI, app, benchmarks) choose its settings (rgan/alloc.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from rgan.metrics._common import IterationCallback, _as_windows, _check_pair, _check_positive
from rgan.optim import adam

_PROGRESS_EVERY = 50  # iterations between progress callbacks of the learned scores
_EVAL_CHUNK = 4096  # windows per forward pass when scoring held-out data



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


def start_end_scores(real: np.ndarray, long_samples: np.ndarray, *, iterations: int = 2000, seed: int = 0,
                     device: str = "cpu", num_threads: int | None = 1) -> tuple[float, float]:
    """Discriminative scores of the first and of the last window of samples longer than the real windows.

    Where a recurrent generator runs on past the length it was trained on, its state can wander off the
    data: the end scores worse than the start. Both windows are scored against the same real windows
    with :func:`discriminative_score` (same seed), so the difference is the drift.

    Args:
        real: real windows (N, T, F) in [0, 1].
        long_samples: generated sequences (M, L, F) in [0, 1] with L >= T.

    Returns:
        ``(start, end)``, each in [0, 0.5]; lower is better.

    Raises:
        ValueError: the samples are shorter than the real windows, or as :func:`discriminative_score`.
    """
    real, long_samples = _as_windows(real, "real"), _as_windows(long_samples, "long_samples")
    t = real.shape[1]
    if long_samples.shape[1] < t:
        raise ValueError(f"long_samples must be at least as long as the real windows ({t} steps); "
                         f"found {long_samples.shape[1]}.")
    kwargs = dict(iterations=iterations, seed=seed, device=device, num_threads=num_threads)
    return (discriminative_score(real, long_samples[:, :t], **kwargs),
            discriminative_score(real, long_samples[:, -t:], **kwargs))


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
