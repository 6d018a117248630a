"""How the two networks are trained: :class:`TrainConfig`, the device choice and the divergence error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

LOSSES = ("ns", "wgan-gp")
DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class TrainConfig:
    """How the two networks are trained.

    Every value is checked here, once: the trainer and the run registry check a change of settings by
    building a changed copy with ``dataclasses.replace``.

    Raises:
        ValueError: a setting is out of range; the message names it, what it must be and what it got.
    """

    # What checkpoints and run files written before a field existed meant (see rgan.configs.config_from_dict).
    STORED_BEFORE: ClassVar[dict[str, object]] = {"lr_decay_steps": 0, "pca_weight": 0.0, "unroll_after": 0,
                                                   "shape_weight": 0.0, "ema_tail": 0.0, "lr_floor_d": 0.0,
                                                   "quantile_weight": 0.0, "skew_limit": 0.0,
                                                   "rough_weight": 0.0, "change_weight": 0.0}

    loss: str = "ns"  # "ns": non-saturating GAN loss; "wgan-gp": Wasserstein loss + gradient penalty
    lr_g: float = 2e-3  # generator Adam learning rate (best of a sweep on sines, see benchmarks/results)
    lr_d: float = 2e-3  # discriminator Adam learning rate
    lr_decay_steps: int = 3000  # both rates fall geometrically to lr_floor x their setting over this many steps (0 = constant)
    lr_floor: float = 0.3  # share of the set rates left after lr_decay_steps (G's, and D's unless lr_floor_d is set)
    lr_floor_d: float = 0.0  # D's own share left after lr_decay_steps, where it should differ from G's (0 = lr_floor)
    beta1: float = 0.5  # Adam beta1 (0.5 is the usual GAN choice; WGAN-GP prefers 0.0)
    beta2: float = 0.9  # Adam beta2
    d_steps: int = 1  # discriminator updates per generator update
    batch_size: int = 128  # sequences per batch
    steps: int = 5000  # generator updates in a full run
    seed: int = 0  # seeds weights, batches and noise
    device: str = "auto"  # "auto" (CUDA, then MPS, then CPU), "cpu", "cuda" or "mps"
    moment_weight: float = 1.0  # G penalty on per-step mean/std mismatch with the real batch (0 = off)
    label_smoothing: float = 0.0  # one-sided: real targets become 1 - this value ("ns" only)
    gp_weight: float = 10.0  # gradient penalty weight ("wgan-gp" only)
    grad_clip: float = 10.0  # clip each network's gradient norm to this (0 = no clipping)
    ema_decay: float = 0.999  # samples come from an exponential moving average of G's weights (0 = off)
    ema_tail: float = 0.0  # late in a run the average spans this share of the steps so far, once that outgrows ema_decay's cap (0 = off)
    ema_settle: bool = False  # once the rates reach their floor (lr_decay_steps), the average weighs every G since then equally
    diff_moment: bool = False  # moment loss also matches per-step mean/std of first differences
    corr_weight: float = 0.0  # G penalty on the gap between real and generated feature correlations (0 = off)
    pca_weight: float = 1.0  # G penalty on the per-step mean/std gap along the real data's principal directions, each on one spread (0 = off)
    shape_weight: float = 1.0  # G penalty on the mean/std gap of whole windows along their principal directions and the covariance of the leading ones (0 = off)
    class_weight: float = 0.0  # conditional models: G penalty when a class critic fitted on real windows puts its windows in another class (0 = off)
    change_weight: float = 0.3  # G penalty on the per-step mean/std gap of 1st and 2nd differences, in units of the real change (0 = off)
    skew_limit: float = 2.0  # features more skewed than this (traded volumes) are trained on a power scale and mapped back (0 = off)
    quantile_weight: float = 0.0  # G penalty on the gap between sorted real and generated values along the principal directions (0 = off)
    rough_weight: float = 0.0  # G penalty on the gap between the sorted real and generated windows' roughness (RMS 1st and 2nd difference per feature) (0 = off)
    unroll: int = 1  # G runs this many times seq_len; D judges every seq_len chunk of it (for long samples)
    unroll_after: int = 2000  # with unroll > 1: steps trained on single windows before G starts to run unrolled
    preview_size: int = 16  # sequences in the fixed-noise preview batch
    overlap: bool = True  # on CPU with one torch thread, D's pass over real data runs beside G's on a second thread

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}.")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, got {self.device!r}.")
        for name in ("lr_g", "lr_d"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 < value < 1):
                raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}.")
        if isinstance(self.lr_decay_steps, bool) or not isinstance(self.lr_decay_steps, int) or self.lr_decay_steps < 0:
            raise ValueError(f"lr_decay_steps must be a whole number >= 0, got {self.lr_decay_steps!r}.")
        if not (isinstance(self.lr_floor, (int, float)) and 0 < self.lr_floor <= 1):
            raise ValueError(f"lr_floor must be a number in (0, 1], got {self.lr_floor!r}.")
        if not (isinstance(self.lr_floor_d, (int, float)) and 0 <= self.lr_floor_d <= 1):
            raise ValueError(f"lr_floor_d must be 0 (the same as lr_floor) or a number in (0, 1], "
                             f"got {self.lr_floor_d!r}.")
        for name in ("d_steps", "batch_size", "steps", "preview_size", "unroll"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        if isinstance(self.unroll_after, bool) or not isinstance(self.unroll_after, int) or self.unroll_after < 0:
            raise ValueError(f"unroll_after must be a whole number >= 0, got {self.unroll_after!r}.")
        if not (isinstance(self.corr_weight, (int, float)) and self.corr_weight >= 0):
            raise ValueError(f"corr_weight must be a number >= 0, got {self.corr_weight!r}.")
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in [0, 1), got {self.ema_decay!r}.")
        if not (isinstance(self.ema_tail, (int, float)) and 0 <= self.ema_tail < 1):
            raise ValueError(f"ema_tail must be a share of the run in [0, 1), got {self.ema_tail!r}.")
        if not 0 <= self.label_smoothing < 0.5:
            raise ValueError(f"label_smoothing must be in [0, 0.5), got {self.label_smoothing!r}.")
        for name in ("beta1", "beta2"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)!r}.")
        for name in ("moment_weight", "gp_weight", "grad_clip", "change_weight", "pca_weight", "shape_weight",
                     "class_weight", "quantile_weight", "rough_weight", "skew_limit"):
            if not getattr(self, name) >= 0:  # also refuses NaN
                raise ValueError(f"{name} must be a number >= 0, got {getattr(self, name)!r}.")


def lr_factor(train: TrainConfig, step: int, net: str) -> float:
    """The share of a network's (``net``: "g" or "d") set learning rate in use at ``step`` (0-based): ``floor ** (step /
    lr_decay_steps)`` until ``lr_decay_steps``, then ``floor``, where the floor is ``lr_floor`` (for D,
    ``lr_floor_d`` where that is set). Fast early progress, then small steps that let G settle (constant 2e-3
    drifted away from good Stocks samples after ~4,000 steps; benchmarks/results)."""
    if net not in ("g", "d"):
        raise ValueError(f"net must be 'g' or 'd', got {net!r}.")
    if train.lr_decay_steps == 0:
        return 1.0
    floor = train.lr_floor_d if net == "d" and train.lr_floor_d else train.lr_floor
    return float(floor ** (min(step, train.lr_decay_steps) / train.lr_decay_steps))


EMA_WARMUP = 9  # the average's warm-up: it weighs the last (t + 10) / 9 steps' G, so young previews move


def ema_decay_at(train: TrainConfig, t: int) -> float:
    """The weight average's decay at step ``t`` (1-based): ``1 - 1 / n`` for an average of about ``n`` recent G's.

    A warm-up first, ``n = (t + 10) / 9``: young previews follow G closely, not stuck at the init; ``ema_decay``
    caps it. With ``ema_tail`` = s, once ``s (t + 10)`` is the longer, the average spans that share of the run
    (with s = 1/3 and the default cap of 1,000, from step 2,990): late G's take small steps around a good place,
    and a thousand of them can wander together. In paired probes (one run, several averages, the same
    classifiers) the last third scored 0.029 / 0.023 (levels / differences) at the end of six sines and Stocks
    runs against the capped average's 0.032 / 0.027, better on some runs and worse on others, so it is an
    option, off by default (benchmarks/results/session14_2026-12-05.md).
    With ``ema_settle``, from the step the rates reach their floor (``lr_decay_steps`` = S) the count
    carries on one for one, ``n = (S + 10) / 9 + (t - S)``: every G since then weighs the same, uncapped. One
    sines run scored 0.021 / 0.011 at 6,000 steps with the capped average and 0.006 / 0.008 with this one, but
    another 0.022 / 0.057 and 0.043 / 0.087, so it is an option, off by default
    (benchmarks/results/session13_2026-12-05.md).
    """
    decay = min(train.ema_decay, 1 - EMA_WARMUP / (t + 10))
    if train.ema_decay and train.ema_tail * (t + 10) > 1 / (1 - train.ema_decay):  # the tail outgrew the cap
        decay = 1 - 1 / (train.ema_tail * (t + 10))
    settle = train.lr_decay_steps
    if train.ema_settle and settle and t > settle:
        decay = max(decay, 1 - 1 / ((settle + 10) / EMA_WARMUP + (t - settle)))
    return decay


class TrainingDiverged(RuntimeError):
    """A loss or gradient became NaN or infinite; the weights were left at their last good values."""


def resolve_device(name: str = "auto") -> torch.device:
    """Turn a device name into a ``torch.device``; ``auto`` prefers CUDA, then Apple MPS, then CPU.

    Raises:
        ValueError: the named device is not available on this machine.
    """
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("Device 'cuda' was requested but no CUDA GPU is available; use 'auto' or 'cpu'.")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError("Device 'mps' was requested but Apple MPS is not available; use 'auto' or 'cpu'.")
    if name not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {name!r}.")
    return torch.device(name)
