"""The allowed range of every number a person can set, in one table: the forms and the checkpoint loader
both read it, so a form can never accept a model the loader refuses, nor the loader build one the forms
could not have made.

Each entry is ``(lo, hi)``, both inclusive; a range of ints gives a whole-number widget, a range of
floats a decimal one. The checkpoint loader also has size limits of its own (the archive, its pickle),
kept here beside the rest; ``RGAN_MAX_CHECKPOINT_MB`` sets the largest checkpoint a server reads.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

# ModelConfig: sizes of G and D. These decide how much memory a model takes, so they are the ones a
# lying checkpoint uses to ask for gigabytes.
MODEL: dict[str, tuple[float, float]] = {
    "noise_dim": (1, 256),  # per-step noise features fed to G
    "static_noise_dim": (0, 256),  # per-sequence noise features (0 = off)
    "patch": (1, 32),  # time steps per recurrent cell step (long windows)
    "position": (0, 2000),  # steps of a whole sequence whose places G and D see (0 = off; at most seq_len's limit)
    "g_margin": (0.0, 1.0),  # how far G's levels reach past the data's [0, 1] (a number, not a size)
    "burn_in": (0, 64),  # cell steps G runs on noise of its own before the first one it writes
    "g_hidden": (1, 1024),  # hidden units per G layer
    "g_layers": (1, 6),  # stacked recurrent layers in G
    "d_hidden": (1, 1024),  # hidden units per D layer
    "d_layers": (1, 6),  # stacked recurrent layers in D
    "n_classes": (0, 50),  # label classes (0 = unconditional); = rgan.data.labels.MAX_CLASSES
    "label_dim": (0, 256),  # size of the label embedding
}

# TrainConfig: how the networks are trained.
TRAIN: dict[str, tuple[float, float]] = {
    "lr_g": (1e-6, 0.5),  # generator learning rate
    "lr_d": (1e-6, 0.5),  # discriminator learning rate
    "lr_decay_steps": (0, 1_000_000),  # steps over which the rates fall to lr_floor x their setting (0 = constant)
    "lr_floor": (0.001, 1.0),  # share of the set rates left after lr_decay_steps
    "lr_floor_d": (0.0, 1.0),  # D's own share left after lr_decay_steps (0 = lr_floor)
    "beta1": (0.0, 0.999),  # Adam beta1
    "beta2": (0.0, 0.9999),  # Adam beta2
    "d_steps": (1, 20),  # D updates per G update
    "batch_size": (1, 4096),  # sequences per batch
    "steps": (1, 1_000_000),  # steps in a run, as entered in a form
    "seed": (0, 2**31 - 1),  # random seed
    "moment_weight": (0.0, 100.0),  # weight of G's moment loss
    "label_smoothing": (0.0, 0.49),  # one-sided label smoothing
    "gp_weight": (0.0, 1000.0),  # gradient penalty weight (WGAN-GP)
    "grad_clip": (0.0, 1e6),  # gradient norm clip (0 = off)
    "ema_decay": (0.0, 0.9999),  # decay of G's weight average (0 = off)
    "ema_tail": (0.0, 0.9),  # late in a run, the share of the steps so far that the weight average spans (0 = off)
    "corr_weight": (0.0, 100.0),  # weight of G's correlation loss
    "change_weight": (0.0, 100.0),  # weight of G's loss on the moments of changes
    "pca_weight": (0.0, 100.0),  # weight of G's moment loss along the data's principal directions
    "shape_weight": (0.0, 100.0),  # weight of G's moment loss along the principal directions of whole windows
    "class_weight": (0.0, 100.0),  # weight of G's loss on the class critic's verdict (conditional runs)
    "quantile_weight": (0.0, 100.0),  # weight of G's loss on sorted values along the principal directions
    "rough_weight": (0.0, 100.0),  # weight of G's loss on the sorted roughness of windows
    "skew_limit": (0.0, 100.0),  # features more skewed than this are trained on a power scale (0 = off)
    "unroll": (1, 16),  # G runs this many times seq_len in training
    "unroll_after": (0, 1_000_000),  # steps on single windows before G runs unrolled
    "preview_size": (1, 256),  # sequences in the preview batch (no widget: presets and the CLI set it)
}

# DataConfig and the shape of the data a model is trained on.
DATA: dict[str, tuple[int, int]] = {
    "seq_len": (2, 2000),  # steps per training window
    "stride": (1, 10_000),  # steps between window starts
    "n_features": (1, 20_000),  # features per step; = rgan.data.MAX_COLUMNS, the widest file read
}

# The sizes of a built-in synthetic data set (Data page; 0 = the data set's default).
SYNTHETIC: dict[str, tuple[int, int]] = {
    "n_samples": (0, 100_000),  # sequences generated
    "n_features": (0, 64),  # features per step
    "seed": (0, 2**31 - 1),  # random seed of the data
}

# The Train page's run controls.
CONTROLS: dict[str, tuple[int, int]] = {
    "more_steps": (1, 1_000_000),  # steps that Continue adds to a finished run
    "step_n": (1, 10_000),  # steps that one press of Step trains
}

# A checkpoint's own entries where they differ from a form's: Continue adds up to a form's worth of steps
# at a time, so a run's total (and the step it reached) may pass the form's range.
CHECKPOINT: dict[str, tuple[int, int]] = {
    "steps": (1, 10**12),  # the run's total steps
    "step": (0, 10**12),  # the step the checkpoint was written at
}

# Size limits of a checkpoint file, checked before any of it is read (see rgan/train/checkpoint_checks.py).
CHECKPOINT_MB_DEFAULT = 4096  # the largest models the forms allow write about 2 GB; uploads are capped at 50 MB anyway
CHECKPOINT_MB_ENV = "RGAN_MAX_CHECKPOINT_MB"
CHECKPOINT_ENTRIES = 1024  # files inside the archive (a checkpoint of the largest model has about 250)
CHECKPOINT_PICKLE_MB = 16  # the archive's data.pkl (configs, names, the tensors' descriptions)
CHECKPOINT_PICKLE_OPS = 500_000  # pickle instructions in data.pkl: each may make a Python object


def checkpoint_max_bytes(environ: Mapping[str, str] = os.environ) -> int:
    """The largest total size of a checkpoint's entries, in bytes: ``RGAN_MAX_CHECKPOINT_MB`` megabytes
    (a positive number) if set, else :data:`CHECKPOINT_MB_DEFAULT`.

    Raises:
        ValueError: the variable is set to something other than a positive number.
    """
    text = environ.get(CHECKPOINT_MB_ENV, "").strip()
    if not text:
        return CHECKPOINT_MB_DEFAULT * 2**20
    try:
        mb = float(text)
    except ValueError:
        mb = math.nan
    if not (math.isfinite(mb) and mb > 0):
        raise ValueError(f"{CHECKPOINT_MB_ENV} must be a positive number of megabytes (it is {text[:40]!r}); "
                         "fix the server's setting.")
    return int(mb * 2**20)


def describe(value: float) -> str:
    """A range bound or value as a person reads it: ``1,024``, ``0.5``, ``1e-06``."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.0f}" if float(value).is_integer() and abs(value) >= 1 else f"{value:g}"
