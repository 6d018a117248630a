"""What makes a training step fast without changing its numbers (beyond float rounding).

Kept apart so that ``Trainer.step`` reads as the two phases of the paper. benchmarks/bench_train.py
measures the whole step against a bare loop (results in benchmarks/results/).

- :func:`resident_windows` / :func:`gather_batch`: real data kept on the device as one tensor where it fits.
- :func:`fuse_d_pass`: D judges the real and the generated batch as one batch of 2B where that is faster.
- :class:`RealPass`: on CPU with one torch thread, D's pass over the real batch (forward and backward)
  runs on a second thread while the trainer's thread generates and judges the fakes.
- :func:`clip_gradients`: the gradient norm without a rescaling pass when it is under the limit, read
  back with the loss in one device synchronisation.
- :func:`read_back`: a step's numbers read back to Python in one synchronisation.
- Fused Adam lives in :func:`rgan.optim.adam`.
"""

from __future__ import annotations

import concurrent.futures
import math
import weakref
from collections.abc import Callable

import numpy as np
import torch

from rgan.models import ModelConfig

# Real windows up to this size are kept on the device as one tensor; larger data sets are gathered
# batch by batch from the (possibly strided, zero-copy) numpy view.
_MAX_RESIDENT_BYTES = 512 * 2**20

_HAS_TOTAL_NORM = hasattr(torch.nn.utils, "get_total_norm")  # torch >= 2.6: the norm without rescaling

JudgeReal = Callable[[torch.Tensor, bool], tuple[torch.Tensor, torch.Tensor]]  # (real, backward) -> (logits, loss)


def resident_windows(windows: np.ndarray, device: torch.device) -> torch.Tensor | np.ndarray:
    """Real windows ``(N, T, F)`` as one float32 tensor on ``device`` when they fit in
    ``_MAX_RESIDENT_BYTES``, else the numpy array itself (batches are then gathered from it)."""
    if windows.size * 4 <= _MAX_RESIDENT_BYTES:
        return torch.as_tensor(np.ascontiguousarray(windows, dtype=np.float32), device=device)
    return windows


def gather_batch(windows: torch.Tensor | np.ndarray, idx: torch.Tensor, device: torch.device) -> torch.Tensor:
    """The windows at CPU indices ``idx`` ``(B,)`` as a ``(B, T, F)`` tensor on ``device``."""
    if isinstance(windows, torch.Tensor):
        return windows[idx.to(device)]
    batch = np.asarray(windows[idx.numpy()], dtype=np.float32)  # gathers only B windows
    return torch.from_numpy(batch).to(device)


def fuse_d_pass(device: torch.device, model: ModelConfig) -> bool:
    """Whether D should judge real and fake as one batch of 2B (same numbers up to float rounding).

    torch has no fused CPU kernel for the GRU: it runs step by step, so its cost is mostly per call, and
    one call of 2B was 1.1-1.4x faster than two of B. oneDNN's LSTM kernel costs per sequence: one call
    gained 2-4 % up to 64 hidden units and lost 3 % at 128 (benchmarks/results/session4_2026-11-27.md).
    CUDA: not measured, left as two calls.
    """
    return device.type == "cpu" and (model.d_cell == "gru" or model.d_hidden <= 64)


def overlap_real_pass(pool: concurrent.futures.Executor | None, update_d: bool, slow_motion: bool) -> bool:
    """Whether this D phase runs D's real pass on the second thread.

    The recurrent kernels release the GIL and small RNNs leave cores idle, so the real pass overlaps
    G's forward and D's fake pass. With more than one intra-op thread the two threads' OpenMP teams
    fight over the cores (measured: 0.4x on 2 cores), so only where torch runs one thread. Slow motion
    reports D's sub-steps in order, so it runs everything on the trainer's thread.
    """
    return pool is not None and update_d and not slow_motion and torch.get_num_threads() == 1


def real_pass_thread(owner: object) -> concurrent.futures.ThreadPoolExecutor:
    """The second thread for D's real pass, shut down when ``owner`` (the trainer) is collected."""
    pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="rgan-d-real")
    weakref.finalize(owner, pool.shutdown, wait=False)
    return pool


class RealPass:
    """D's forward and backward over a real batch, started on ``pool`` (or not at all when ``pool`` is None).

    Used as a context manager around the trainer's own work on the fakes: leaving the block waits for
    the other thread, so it never goes on writing D's gradients after a failure here. The two threads'
    gradients add up in D's ``.grad``: the same sum as one backward pass, up to float rounding.

    Args:
        pool: the second thread, or None to leave the real pass to the caller.
        judge_real: ``judge_real(real, backward)`` -> ``(logits, loss)``; run with ``backward=True``.
        real: ``(B, T, F)`` real batch.
    """

    def __init__(self, pool: concurrent.futures.Executor | None, judge_real: JudgeReal, real: torch.Tensor) -> None:
        self._future = pool.submit(judge_real, real, True) if pool is not None else None

    @property
    def overlapped(self) -> bool:
        """True when the real pass runs on the second thread."""
        return self._future is not None

    def result(self) -> tuple[torch.Tensor, torch.Tensor]:
        """D's logits on the real batch and its (detached) loss term; re-raises what failed there."""
        assert self._future is not None, "result() of a real pass that was not started"
        concurrent.futures.wait([self._future])
        return self._future.result()

    def __enter__(self) -> RealPass:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._future is not None:
            concurrent.futures.wait([self._future])


def clip_gradients(
    params: list[torch.nn.Parameter], max_norm: float, loss: torch.Tensor | None = None
) -> tuple[float, float]:
    """Total gradient norm of ``params`` (before clipping) and ``loss`` as a float (NaN if not given);
    gradients are rescaled only when the norm exceeds ``max_norm`` (0 = never).

    Same result as ``clip_grad_norm_``, which multiplies every gradient by a factor of 1.0 when the norm
    is under the limit: skipping that pass saves a sweep over the gradients on most steps, and the norm
    and the loss come back in one device synchronisation (on CUDA each one costs a wait).
    """
    if _HAS_TOTAL_NORM:
        total = torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])
    else:
        total = torch.nn.utils.clip_grad_norm_(params, math.inf)  # the norm, no rescaling
    norm, value = read_back([total, loss.detach() if loss is not None else total.new_tensor(math.nan)])
    if 0 < max_norm < norm and math.isfinite(norm):
        if _HAS_TOTAL_NORM:
            torch.nn.utils.clip_grads_with_norm_(params, max_norm, total)
        else:
            torch.nn.utils.clip_grad_norm_(params, max_norm)
    return norm, value


def read_back(values: list[torch.Tensor]) -> list[float]:
    """0-dim tensors as floats, in one device synchronisation instead of one per value."""
    return torch.stack([v.float() for v in values]).tolist()
