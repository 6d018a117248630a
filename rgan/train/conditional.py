"""What a conditional (labelled) run adds to G's loss: each class's moments and shapes, and the class critic.

The trainer calls :func:`class_terms` in its G phase and :func:`fit_critic` after each D update; the critic
itself (:class:`rgan.models.ClassCritic`) is built by :func:`build_critic`. Nothing here holds state: the
trainer owns the critic and its optimiser, and checkpoints save them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch

from rgan.models import ClassCritic
from rgan.optim import adam

from . import losses
from .config import TrainConfig

CRITIC_LR = 2e-3  # the class critic's Adam learning rate (constant: it only classifies real windows)


def labels_of_fakes(labels: torch.Tensor | None, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor | None:
    """The class of each fake ``(B * unroll,)``: with unrolls, each sequence's chunks follow one another and share
    its label (the fakes of a step are made for the classes of the real batch)."""
    per = fake.shape[0] // real.shape[0]
    return labels if labels is None or per == 1 else labels.repeat_interleave(per)


def class_moment_gap(fake: torch.Tensor, real: torch.Tensor, labels: torch.Tensor,
                     gap: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = losses.moment_gap) -> torch.Tensor:
    """Mean over the batch's classes of ``gap`` (the moment gap) between the fakes and the reals of that class
    (fakes and reals of a batch share their labels): the mixed batch's moments cannot tell a class's shape apart."""
    counts = torch.bincount(labels)  # (C,)
    made = labels_of_fakes(labels, fake, real)
    gaps = [gap(fake[made == c], real[labels == c]) for c in torch.nonzero(counts >= 2).flatten().tolist()]
    return torch.stack(gaps).mean() if gaps else fake.new_zeros(())


def class_terms(cfg: TrainConfig, fake: torch.Tensor, real: torch.Tensor, labels: torch.Tensor,
                shapes: Callable[[], losses.ShapeAxes], critic: Callable[[], ClassCritic]) -> torch.Tensor:
    """G's loss terms for the classes of a labelled batch: each class's moments (every chunk), each class's
    spread of changes (:func:`losses.change_gap`, with ``change_weight``), each class's shapes (each sequence's
    first chunk, as in ``generator_loss``) and the class critic's cross-entropy for the class each first chunk
    was made for. ``shapes`` and ``critic`` build what they return when first needed."""
    total = fake.new_zeros(())
    first = losses.first_chunks(fake, real)  # (B, T, F)
    if cfg.moment_weight > 0:
        total = total + cfg.moment_weight * class_moment_gap(fake, real, labels)
    if cfg.shape_weight > 0:
        total = total + cfg.shape_weight * class_moment_gap(first, real, labels,
                                                            partial(losses.shape_gap, shapes=shapes()))
    if cfg.change_weight > 0 and fake.shape[1] > 2:  # each class's roughness: a class cue of its own
        total = total + cfg.change_weight * class_moment_gap(fake, real, labels, losses.change_gap)
    if cfg.class_weight > 0:
        judge = critic().requires_grad_(False)  # G's gradient only
        total = total + cfg.class_weight * torch.nn.functional.cross_entropy(judge(first), labels)
        judge.requires_grad_(True)
    return total


def build_critic(n_features: int, n_classes: int, seq_len: int, seed: int, change_scale: torch.Tensor | None,
                 device: torch.device) -> tuple[ClassCritic, torch.optim.Optimizer]:
    """A class critic seeded by ``seed`` (without touching the global random stream), its view of changes scaled
    by ``change_scale`` (F,) as D's, and its optimiser."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        critic = ClassCritic(n_features, n_classes, seq_len).to(device)
    if change_scale is not None:
        critic.diff_scale.copy_(change_scale)
    return critic, adam(critic.parameters(), CRITIC_LR)


def fit_critic(critic: ClassCritic, opt: torch.optim.Optimizer, real: torch.Tensor, labels: torch.Tensor) -> None:
    """One update of the critic on a real batch ``(B, T, F)`` and its classes ``(B,)``."""
    loss = torch.nn.functional.cross_entropy(critic(real), labels)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
