"""Optimiser construction shared by training and the metrics' post-hoc networks."""

from __future__ import annotations

from collections.abc import Iterable

import torch


def adam(params: Iterable[torch.nn.Parameter], lr: float, betas: tuple[float, float] = (0.9, 0.999)) -> torch.optim.Adam:
    """Adam with the fused kernel where this torch and device have it, plain Adam elsewhere.

    The fused kernel updates each tensor in one pass instead of about ten small ops: for the small
    recurrent networks here that is about 3x less optimiser time per step on CPU.
    """
    params = list(params)
    device = params[0].device.type if params else "cpu"
    if device in ("cpu", "cuda"):  # MPS and others: plain Adam, never a failure at step() time
        try:
            return torch.optim.Adam(params, lr=lr, betas=betas, fused=True)
        except (RuntimeError, TypeError, ValueError):  # CPU before torch 2.4
            pass
    return torch.optim.Adam(params, lr=lr, betas=betas)
