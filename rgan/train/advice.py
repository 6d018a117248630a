"""Plain-text advice on training settings, and short texts that say how a run's settings differ."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rgan.models import ModelConfig

from .config import TrainConfig


def settings_notes(train: TrainConfig) -> list[str]:
    """Advice on settings that have no effect with the chosen loss."""
    notes, default = [], TrainConfig()
    if train.loss == "wgan-gp" and train.label_smoothing > 0:
        notes.append(f"Label smoothing ({train.label_smoothing:g}) applies to the non-saturating loss only; this "
                     "WGAN-GP run ignores it.")
    if train.loss == "ns" and train.gp_weight != default.gp_weight:
        notes.append(f"The gradient penalty ({train.gp_weight:g}) applies to the WGAN-GP loss only; this "
                     "non-saturating run ignores it.")
    if train.unroll > 1 and train.unroll_after >= train.steps:
        notes.append(f"Unroll {train.unroll} starts after step {train.unroll_after:,}, but the run stops at step "
                     f"{train.steps:,}: G never runs unrolled. Lower *Unroll after* (`--unroll-after`) or raise the "
                     "steps.")
    return notes


def batch_note(batch_size: int, n_sequences: int) -> str | None:
    """Advice when a batch cannot be filled without repeats (batches are drawn with replacement)."""
    if batch_size <= n_sequences:
        return None
    return (
        f"Batch size {batch_size:,} is larger than the {n_sequences:,} training sequences, so every batch holds "
        f"repeats: training works, but the extra rows cost time without new examples. Use a batch of "
        f"{n_sequences:,} or fewer, or get more sequences with a shorter sequence length or a smaller stride."
    )


def training_notes(train: TrainConfig, n_sequences: int | None) -> list[str]:
    """All advice on ``train`` with data of ``n_sequences`` sequences (``None``: no data attached)."""
    batch = batch_note(train.batch_size, n_sequences) if n_sequences is not None else None
    return settings_notes(train) + ([batch] if batch else [])


_SETTING_LABELS = {  # training settings outside the everyday ones, as a run's caption names them
    "moment_weight": "moment loss", "diff_moment": "moment of changes", "corr_weight": "correlation loss",
    "change_weight": "change loss", "pca_weight": "principal-axes loss",
    "shape_weight": "shape loss", "unroll_after": "unrolled after", "class_weight": "class critic",
    "label_smoothing": "label smoothing", "gp_weight": "gradient penalty", "grad_clip": "gradient clip",
    "beta1": "β1", "beta2": "β2", "ema_decay": "weight average",
}


def changed_settings(train: TrainConfig) -> list[str]:
    """The stabiliser and optimiser settings of ``train`` that differ from the defaults, as short
    texts ("label smoothing 0.1", "gradient clip off"), so a run's caption can say how it differs."""
    default, texts = TrainConfig(), []
    for name, label in _SETTING_LABELS.items():
        value = getattr(train, name)
        if value != getattr(default, name):
            if isinstance(value, bool):
                shown = "on" if value else "off"
            else:  # 0 switches a term or clipping off; for the betas it is a value like any other
                shown = "off" if value == 0 and not name.startswith("beta") else f"{value:g}"
            texts.append(f"{label} {shown}")
    return texts


def config_summary(model: ModelConfig, train: TrainConfig) -> dict[str, Any]:
    """Flat dict of both configs, for tables and logs."""
    return {**{f"model.{k}": v for k, v in asdict(model).items()},
            **{f"train.{k}": v for k, v in asdict(train).items()}}
