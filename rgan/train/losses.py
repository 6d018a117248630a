"""The losses of one training step, as functions of tensors.

Logits are ``(B, T)`` for a per-step discriminator or ``(B, 1)`` for one verdict per sequence;
sequences are ``(B, T, F)``. Every loss is a 0-dim tensor.

- "ns": the non-saturating GAN loss (Goodfellow et al. 2014), D maximises log D(x) + log(1 - D(G(z)))
  and G maximises log D(G(z)).
- "wgan-gp": the Wasserstein critic loss with a gradient penalty (Gulrajani et al. 2017), the critic
  maximises D(x) - D(G(z)) and G maximises D(G(z)).
- G's extra terms: the moment gap (per-step mean and spread, TimeGAN's moment loss), the same gap
  along the real data's principal directions (:func:`principal_axes`), the change gap (first and second
  differences, scaled to the real batch's typical change) and the correlation gap between features.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F


def d_real_loss(logits_real: torch.Tensor, loss: str, label_smoothing: float = 0.0) -> torch.Tensor:
    """D's loss term for real sequences: low when D calls them real.

    Args:
        logits_real: D's logits on a real batch.
        loss: "ns" or "wgan-gp".
        label_smoothing: "ns" only: real targets become ``1 - label_smoothing`` (one-sided smoothing).
    """
    if loss == "ns":
        return F.binary_cross_entropy_with_logits(logits_real, torch.full_like(logits_real, 1.0 - label_smoothing))
    return -logits_real.mean()


def d_fake_loss(logits_fake: torch.Tensor, loss: str) -> torch.Tensor:
    """D's loss term for generated sequences: low when D calls them fake."""
    if loss == "ns":
        return F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake))
    return logits_fake.mean()


def g_adversarial_loss(logits_fake: torch.Tensor, loss: str) -> torch.Tensor:
    """G's adversarial loss: low when D calls its sequences real."""
    if loss == "ns":
        # Non-saturating: maximise log D(G(z)) instead of minimising log(1 - D(G(z))), which has
        # vanishing gradients exactly when D wins early in training.
        return F.binary_cross_entropy_with_logits(logits_fake, torch.ones_like(logits_fake))
    return -logits_fake.mean()


def realness(logits: torch.Tensor, loss: str) -> torch.Tensor:
    """The mean verdict reported as D(x) and D(G(z)): a probability for "ns", the critic score for WGAN."""
    return torch.sigmoid(logits).mean() if loss == "ns" else logits.mean()


def gradient_penalty(
    discriminator: torch.nn.Module, real: torch.Tensor, fake: torch.Tensor, alpha: torch.Tensor
) -> torch.Tensor:
    """WGAN-GP's penalty: mean of (||grad D(x_mix)|| - 1)^2 on random mixes of real and fake.

    Args:
        discriminator: the critic; the penalty's graph runs through its weights.
        real, fake: ``(B, T, F)``; ``fake`` detached from G.
        alpha: ``(B, 1, 1)`` mixing weights in [0, 1], one per pair.
    """
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)  # (B, T, F)
    # cuDNN's RNN kernels have no double backward; the penalty needs one, so use the native path.
    with torch.backends.cudnn.flags(enabled=False):
        out = discriminator(mixed)
        (grad,) = torch.autograd.grad(out.sum(), mixed, create_graph=True)  # (B, T, F)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def generator_loss(
    logits_fake: torch.Tensor,
    fake: torch.Tensor,
    real: torch.Tensor,
    loss: str,
    moment_weight: float = 0.0,
    diff_moment: bool = False,
    corr_weight: float = 0.0,
    change_weight: float = 0.0,
    pca_weight: float = 0.0,
    axes: torch.Tensor | None = None,
    shape_weight: float = 0.0,
    shapes: ShapeAxes | None = None,
    quantile_weight: float = 0.0,
    rough_weight: float = 0.0,
) -> torch.Tensor:
    """G's loss: the adversarial term plus the weighted moment and correlation terms that are on.

    Args:
        logits_fake: D's logits on ``fake``, with G's graph.
        fake, real: ``(B, T, F)`` generated and real batches.
        loss: "ns" or "wgan-gp".
        moment_weight: weight of :func:`moment_gap` (0 = off).
        diff_moment: also match the moments of the first differences (with ``moment_weight``).
        corr_weight: weight of the feature correlation gap (0 = off; needs more than one feature).
        change_weight: weight of :func:`change_gap` (0 = off; needs at least 3 steps).
        pca_weight: weight of the moment gap of ``fake @ axes`` and ``real @ axes`` (0 = off).
        axes: ``(F, F)`` from :func:`principal_axes` (needed when ``pca_weight`` > 0).
        shape_weight: weight of :func:`shape_gap` (0 = off), on the first chunk of each sequence when ``fake``
            holds several chunks per real sequence (unrolls: on later chunks of a young unroll it pushed G to
            a flat output).
        shapes: from :func:`shape_axes` (needed when ``shape_weight`` or ``quantile_weight`` > 0).
        quantile_weight: weight of :func:`quantile_gap` along ``axes`` (every value) and along ``shapes`` (each
            sequence's first chunk) (0 = off).
        rough_weight: weight of :func:`roughness_gap` (0 = off; needs at least 2 steps).
    """
    loss_g = g_adversarial_loss(logits_fake, loss)
    if moment_weight > 0:
        # Match per-step mean and spread of each feature to the real batch: a cheap, strong hint
        # against mode collapse (the moment loss of TimeGAN's generator).
        loss_g = loss_g + moment_weight * moment_gap(fake, real)
        if diff_moment:  # the same for step-to-step changes: how fast the series moves
            loss_g = loss_g + moment_weight * moment_gap(fake.diff(dim=1), real.diff(dim=1))
    if pca_weight > 0:
        if axes is None:
            raise ValueError("pca_weight needs the data's principal axes.")
        loss_g = loss_g + pca_weight * moment_gap(fake @ axes, real @ axes)
    if shape_weight > 0:
        if shapes is None:
            raise ValueError("shape_weight needs the data's shape axes.")
        first = first_chunks(fake, real)
        loss_g = loss_g + shape_weight * shape_gap(first, real, shapes)
    if quantile_weight > 0:
        if axes is None or shapes is None:
            raise ValueError("quantile_weight needs the data's principal axes and shape axes.")
        first = first_chunks(fake, real)
        values = quantile_gap((fake @ axes).flatten(0, 1), (real @ axes).flatten(0, 1))
        loss_g = loss_g + quantile_weight * (values + quantile_gap(first.flatten(1) @ shapes.axes,
                                                                   real.flatten(1) @ shapes.axes))
    if rough_weight > 0 and fake.shape[1] > 1:
        loss_g = loss_g + rough_weight * roughness_gap(fake, real)
    if change_weight > 0 and fake.shape[1] > 2:
        loss_g = loss_g + change_weight * change_gap(fake, real)
    if corr_weight > 0 and fake.shape[-1] > 1:
        # How features move together (pooled over batch and steps): per-step moments cannot see it.
        loss_g = loss_g + corr_weight * (correlation(fake) - correlation(real)).abs().mean()
    return loss_g


def moment_gap(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Mean absolute gap between per-step, per-feature batch means plus that between (unbiased) stds."""
    (fake_mean, fake_std), (real_mean, real_std) = mean_std(fake), mean_std(real)
    return (fake_mean - real_mean).abs().mean() + (fake_std - real_std).abs().mean()


def quantile_gap(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Mean absolute gap between the sorted columns of ``fake`` ``(M, K)`` and ``real`` ``(N, K)``: per column, the
    1-D Wasserstein distance between the two batches' spreads of values (with M != N, ``real``'s sorted values
    are read at ``fake``'s quantiles).

    A mean and a standard deviation describe a symmetric, light-tailed spread; Stocks' volumes and price
    moves are skewed and heavy-tailed, and a generator that matches their first two moments with a
    symmetric spread is told apart by its tails. The sorted values pin every quantile.
    """
    fake_s, real_s = fake.sort(0).values, real.sort(0).values
    if len(real_s) != len(fake_s):
        at = torch.linspace(0, len(real_s) - 1, len(fake_s), device=real_s.device).round().long()
        real_s = real_s[at]
    return (fake_s - real_s).abs().mean()


CHANGE_UNIT = 0.25  # a typical change is put on this spread, about that of levels in [0, 1]
AXIS_FLOOR = 1e-4  # a principal direction's variance counts as at least this share of the largest one
AXIS_ROWS = 1_000_000  # time steps the axes are estimated from, at most (every k-th window beyond that)


def principal_axes(windows: torch.Tensor | np.ndarray) -> torch.Tensor:
    """``(F, F)`` matrix whose columns are the principal directions of the real values (every step of every
    window pooled), each scaled so that the data's spread along it is ``CHANGE_UNIT``.

    Features that move together closely (a stock's open, high, low and close; two sensors on one shaft)
    leave directions in which the real data hardly vary, and a generator that ties them loosely is told
    apart at once by any classifier. Per-feature moments cannot see that; along these axes the loose
    tie is as large a gap as a wrong level. A variance below ``AXIS_FLOOR`` of the largest one is raised
    to it, so exact ties (a column copied into another) give a large but finite scale. Beyond ``AXIS_ROWS``
    time steps, every k-th window is used (overlapping windows repeat each row up to T times anyway).
    """
    every = max(1, (windows.shape[0] * windows.shape[1]) // AXIS_ROWS)
    flat = torch.tensor(np.asarray(windows[::every], dtype=np.float64)).reshape(-1, windows.shape[-1])  # (N * T, F)
    flat = flat - flat.mean(0)
    variance, vectors = torch.linalg.eigh(flat.T @ flat / max(flat.shape[0] - 1, 1))  # (F,), (F, F)
    return _unit_spread(variance, vectors)[0]


def _unit_spread(variance: torch.Tensor, vectors: torch.Tensor) -> tuple[torch.Tensor, int]:
    """``vectors`` (columns: directions) each scaled so that the data's spread along it is ``CHANGE_UNIT``, a
    variance below ``AXIS_FLOOR`` of the largest counted as that; and how many directions are above the floor."""
    floor = AXIS_FLOOR * float(variance.max().clamp_min(1e-12))
    return (vectors * (CHANGE_UNIT / variance.clamp_min(floor).sqrt())).float(), max(1, int((variance > floor).sum()))


SHAPE_VALUES = 5_000_000  # values the shape axes are estimated from, at most (every k-th window beyond that)
SHAPE_EXACT = 512  # windows of up to this many values (T x F) get every direction; longer ones the leading ones
SHAPE_DIRECTIONS = 128  # leading directions kept for longer windows
# Real windows per direction kept, at least: a direction beyond the number of windows has no real spread to match
# (arrowhead's TSTR training part: 148 outlines of 251 values). No other benchmark set loses a direction.
SHAPE_WINDOWS_PER_DIRECTION = 4


class ShapeAxes(NamedTuple):
    """The principal directions of whole real windows, for :func:`shape_gap`."""

    axes: torch.Tensor  # (T * F, K): columns in falling order of the real variance, each scaled to spread CHANGE_UNIT
    lead: int  # the first ``lead`` columns are above the variance floor: the data's own shapes

    def to(self, device: torch.device | str) -> ShapeAxes:
        return ShapeAxes(self.axes.to(device), self.lead)


def shape_axes(windows: torch.Tensor | np.ndarray) -> ShapeAxes:
    """The principal directions of whole real windows (each window flattened to one vector of ``T * F``
    values), each scaled so that the data's spread along it is ``CHANGE_UNIT``.

    A window's shape (its level, slope, bend and how the features move together over time) lies along the
    leading directions; jitter lies along the trailing ones, where real windows hardly vary at all (TimeGAN's
    sines: 15 directions hold 99.999 % of the variance). The variance floor is :data:`AXIS_FLOOR` of the
    largest, as in :func:`principal_axes`; directions above it are the ``lead``. Windows of more than
    :data:`SHAPE_EXACT` values keep the leading :data:`SHAPE_DIRECTIONS` directions (a randomised estimate);
    few windows keep one direction per :data:`SHAPE_WINDOWS_PER_DIRECTION` windows (the trailing directions of
    a small set are its sampling noise, not a spread G could learn).
    """
    n, t, f = windows.shape
    every = max(1, (n * t * f) // SHAPE_VALUES)
    flat = torch.tensor(np.asarray(windows[::every], dtype=np.float64)).reshape(-1, t * f)  # (N, T * F)
    flat = flat - flat.mean(0)
    if t * f <= SHAPE_EXACT:
        variance, vectors = torch.linalg.eigh(flat.T @ flat / max(flat.shape[0] - 1, 1))  # (D,), (D, D) rising
        variance, vectors = variance.flip(0), vectors.flip(1)
    else:
        q = min(SHAPE_DIRECTIONS, *flat.shape)
        _, singular, vectors = torch.svd_lowrank(flat, q=q, niter=4, M=None)  # (q,), (D, q) falling
        variance = singular.square() / max(flat.shape[0] - 1, 1)
    keep = max(1, flat.shape[0] // SHAPE_WINDOWS_PER_DIRECTION)
    return ShapeAxes(*_unit_spread(variance[:keep], vectors[:, :keep]))


def first_chunks(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Each sequence's first chunk ``(B, T, F)`` of ``fake`` ``(B * unroll, T, F)`` (sequence 0's chunks first);
    ``fake`` itself without unrolls."""
    return fake[:: max(1, fake.shape[0] // real.shape[0])]


def shape_gap(fake: torch.Tensor, real: torch.Tensor, shapes: ShapeAxes) -> torch.Tensor:
    """How far the fake batch's whole windows ``(B, T, F)`` are from the real batch's, along :func:`shape_axes`:
    the :func:`moment_gap` of the projections on every direction (the trailing ones: jitter) plus the gap
    between the covariances of the projections on the leading directions (a row's absolute gaps summed, the
    mean over rows, over ``CHANGE_UNIT``: one pair of directions tied wrongly counts as much as a spread off by
    half).

    Matching spreads direction by direction leaves how the directions vary together free, and that is where
    a window's late steps live: a generator whose sines turn over too rarely has the right spread along
    each direction and half the real spread of its last changes. The covariance pins it (and with it
    every step's spread of changes, at every lag)."""
    fake_p, real_p = fake.flatten(1) @ shapes.axes, real.flatten(1) @ shapes.axes  # (B, K)
    lead_f, lead_r = fake_p[:, : shapes.lead], real_p[:, : shapes.lead]
    lead_f, lead_r = lead_f - lead_f.mean(0), lead_r - lead_r.mean(0)
    cov_gap = (lead_f.T @ lead_f / max(len(lead_f) - 1, 1) - lead_r.T @ lead_r / max(len(lead_r) - 1, 1)).abs()
    cov_gap = cov_gap.sum(1).mean()  # (lead, lead) -> one number
    return moment_gap(fake_p, real_p) + cov_gap / CHANGE_UNIT


def change_gap(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """:func:`moment_gap` of the first differences plus that of the second differences, each scaled per
    feature so that the real batch's spread of it is ``CHANGE_UNIT``.

    Raw differences are tiny next to levels (a smooth sine moves about 0.01 a step), so their moment gap
    in raw units hardly pulls on G; scaled, a generator whose steps jitter (second differences twice as
    spread as the real ones) pays as much as one whose levels are off by that share.
    """
    gap = fake.new_zeros(())
    for order in (1, 2):
        fake_d, real_d = fake.diff(order, dim=1), real.diff(order, dim=1)  # (B, T - order, F)
        scale = _change_scale(real_d)
        gap = gap + moment_gap(fake_d * scale, real_d * scale)
    return gap


def _change_scale(real_d: torch.Tensor) -> torch.Tensor:
    """Per feature ``(F,)``: what puts the real batch's differences ``(B, T', F)`` on a spread of ``CHANGE_UNIT``."""
    return CHANGE_UNIT / real_d.detach().reshape(-1, real_d.shape[-1]).std(0).clamp_min(1e-6)


def roughness_gap(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """How far the spread of the windows' roughness is from the real one: each window's root-mean-square first
    and second difference per feature ``(B, F)``, each in units of the real batch's typical one
    (``CHANGE_UNIT``), compared as sorted values (:func:`quantile_gap`), the two orders summed.

    A per-step spread of changes cannot tell a batch of evenly jittery windows from one of calm windows and a
    few wild ones. Real prices are the latter (volatility comes in bursts): a Stocks generator at 300 s had its
    calm windows right and its roughest tenth at three quarters of the real roughness. Real sines are the same
    in the second order: a quarter of them bend hardly at all, where G's bent as much as a typical real one
    (jitter) and its most bent were not bent enough (benchmarks/results/session20_2026-12-06.md). Sorted, each
    window is pulled toward the real roughness at its own rank: calm ones calm, wild ones wild.
    """
    gap = fake.new_zeros(())
    for order in (1, 2):
        if fake.shape[1] <= order:
            break
        real_d = real.diff(order, dim=1).detach()
        scale = _change_scale(real_d)
        rms_fake = (fake.diff(order, dim=1) * scale).square().mean(1).clamp_min(1e-12).sqrt()  # (B, F)
        rms_real = (real_d * scale).square().mean(1).clamp_min(1e-12).sqrt()
        gap = gap + quantile_gap(rms_fake, rms_real)
    return gap


def mean_std(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and unbiased std over the batch dimension, ``(B, T, F)`` -> two ``(T, F)``.

    Written out: ``Tensor.std(0)`` and its backward reduce over the outer dimension slowly on CPU (about
    1.7x the time of these elementwise ops).

    The variance is floored at 1e-12 before the square root: where every sequence of the batch has the
    same value (a generator saturating its sigmoid at exactly 1.0), the square root's gradient would be
    0/0 = NaN and stop training as if it had diverged; with the floor that term's gradient is 0.
    """
    mean = x.mean(0)
    return mean, (x - mean).square().sum(0).div(x.shape[0] - 1).clamp_min(1e-12).sqrt()


def correlation(x: torch.Tensor) -> torch.Tensor:
    """Correlation matrix ``(F, F)`` of the features of ``(B, T, F)``, every step of every sequence pooled."""
    flat = x.reshape(-1, x.shape[-1])  # (B * T, F)
    flat = flat - flat.mean(0)
    cov = flat.T @ flat / flat.shape[0]
    std = cov.diagonal().clamp_min(1e-8).sqrt()
    return cov / (std[:, None] * std[None, :])
