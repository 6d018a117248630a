"""The adversarial training of a recurrent GAN: :class:`Trainer`, its step, sampling and checkpoints.

Longer than 400 lines because the step's two phases, the conditional (labelled) batches and sampling
share the trainer's state; the pieces without state live in losses, sampling, speed and checkpoints.

The trainer knows nothing about threads or user interfaces: ``step()`` runs one discriminator phase
and one generator phase and returns plain numbers; whoever drives it decides what to do with them.
The losses are in losses.py, the terms of labelled runs (and the class critic) in conditional.py, what makes
a step fast in speed.py, the checkpoint format in checkpoints.py.
"""

from __future__ import annotations

import concurrent.futures
import copy
import math
import os
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rgan.data import MinMaxScaler, SequenceData
from rgan.models import ClassCritic, Discriminator, Generator, ModelConfig
from rgan.optim import adam

from . import checkpoints, losses, sampling, speed
from .advice import training_notes
from .conditional import build_critic, class_terms, fit_critic
from .conditional import labels_of_fakes as _labels_of_fakes
from .config import TrainConfig, TrainingDiverged, ema_decay_at, lr_factor, resolve_device
from .substeps import D_PHASE, G_PHASE, GENERATE, GRADIENTS, JUDGE, LOSS, SAMPLE_NOISE, UPDATE
from .warp import FeatureWarp, fit_warp


# D sees changes scaled to this standard deviation per feature: about the spread of the [0, 1] levels, so that
# neither half of D's input drowns the other (at 1.0, Stocks' levels scored 0.06-0.09 after 300 s; at 0.25, 0.006)
CHANGE_SPREAD = 0.25


class Trainer:
    """Owns G, D, their optimisers and the random streams of one training run.

    Args:
        data: the real sequences (scaled to [0, 1]); may be ``None`` for a trainer loaded only to sample.
        model: network sizes.
        train: optimisation settings.
        n_features, seq_len, feature_names, scaler, data_info: describe the data when ``data`` is None.

    Raises:
        ValueError: neither ``data`` nor ``n_features``, ``seq_len`` and ``scaler`` were given, or the
            device is not available.
    """

    def __init__(
        self,
        data: SequenceData | None,
        model: ModelConfig = ModelConfig(),
        train: TrainConfig = TrainConfig(),
        *,
        n_features: int | None = None,
        seq_len: int | None = None,
        feature_names: list[str] | None = None,
        scaler: MinMaxScaler | None = None,
        data_info: dict[str, Any] | None = None,
    ) -> None:
        self.model_config = model
        self.train_config = train
        self.device = resolve_device(train.device)
        if data is not None:
            n_features, seq_len = data.n_features, data.seq_len
            feature_names, scaler = list(data.feature_names), data.scaler
            data_info = data.to_dict_info()
            if data.n_classes != model.n_classes:  # the data decides whether the GAN is conditional
                model = replace(model, n_classes=data.n_classes)
                self.model_config = model
        if n_features is None or seq_len is None or scaler is None:
            raise ValueError("Trainer needs either data or n_features, seq_len and scaler.")
        self.n_features = int(n_features)
        self.seq_len = int(seq_len)
        self.feature_names = list(feature_names or [f"x{i}" for i in range(self.n_features)])
        self.scaler = scaler
        self.data_info = dict(data_info or {})

        torch.manual_seed(train.seed)  # weight initialisation only; every later draw uses self._rng
        self.generator = Generator(self.n_features, model).to(self.device)
        self.discriminator = Discriminator(self.n_features, model).to(self.device)
        # The moving average of G's weights (when on) is what sample() and preview() use: it smooths
        # out the oscillation of adversarial training, so a sample taken at any moment is a good one.
        self.generator_ema: Generator | None = None
        if train.ema_decay > 0:
            self.generator_ema = copy.deepcopy(self.generator).requires_grad_(False)
            self.generator_ema.rnn.flatten_parameters()  # a copy's weights are separate tensors; cuDNN wants one block
        # Parameter lists are built once: clipping and the average touch them every step.
        nets = (self.generator, self.discriminator, self.generator_ema)
        self._params = {m: list(m.parameters()) for m in nets if m is not None}
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None  # the real pass's second thread
        self.set_overlap(train.overlap)
        self._fuse_d = speed.fuse_d_pass(self.device, model)  # D judges real and fake as one batch of 2B
        self.opt_g = adam(self.generator.parameters(), train.lr_g, (train.beta1, train.beta2))
        self.opt_d = adam(self.discriminator.parameters(), train.lr_d, (train.beta1, train.beta2))
        self._lr = {self.opt_g: float(train.lr_g), self.opt_d: float(train.lr_d)}  # the set rates; the schedule scales them
        # One CPU generator drives batches and noise so that a run is reproducible and resumable exactly.
        self._rng = torch.Generator().manual_seed(train.seed)
        self.fixed_noise = self._noise(train.preview_size)  # (P, T, noise): the same preview every time
        self.step_count = 0
        self.d_steps = train.d_steps
        self._real: torch.Tensor | np.ndarray | None = None
        self._axes: torch.Tensor | None = None  # (F, F) the real data's principal axes, set with the data
        self._shapes: losses.ShapeAxes | None = None  # principal directions of whole windows (shape loss)
        self._shape_source: np.ndarray | None = None  # the windows they come from
        self._labels: torch.Tensor | None = None  # (N,) class of each real window when conditional
        # The class critic (conditional models with class_weight > 0): a classifier fitted on real windows beside D
        self.critic: ClassCritic | None = None
        self.opt_critic: torch.optim.Optimizer | None = None
        self._change_scale: torch.Tensor | None = None  # (F,) 1 / typical real change, for D's and the critic's view
        self.warp: FeatureWarp | None = None  # the power scale of skewed features (warp.py), fitted with the first data
        self._warp_ready = False
        if data is not None:
            self._set_real(data.windows, data.labels)

    # ------------------------------------------------------------------------------------ labels
    @property
    def class_names(self) -> list[str]:
        """The label's values, class index -> name (empty for an unconditional model)."""
        names = list(self.data_info.get("classes") or [])
        return names if len(names) == self.model_config.n_classes else [str(i) for i in range(self.model_config.n_classes)]

    @property
    def preview_labels(self) -> torch.Tensor | None:
        """Classes of the preview batch ``(P,)``: every class in turn (None when unconditional)."""
        n = self.model_config.n_classes
        return torch.arange(self.fixed_noise.shape[0], device=self.device) % n if n else None

    def draw_labels(self, n: int, rng: torch.Generator, classes: list[str] | None = None) -> torch.Tensor | None:
        """``n`` class indices: the chosen ``classes`` (names, in turn) or drawn with the training frequencies.

        Raises:
            ValueError: a class name the model does not know (the message lists the known ones), or classes
                asked of an unconditional model.
        """
        names = self.class_names
        if classes:
            if not names:
                raise ValueError("This model was trained without a label column, so it cannot make chosen classes; "
                                 "train with a label column first.")
            unknown = [c for c in classes if c not in names]
            if unknown:
                raise ValueError(f"Unknown label '{unknown[0]}'; this model knows: {', '.join(names)}.")
            index = torch.tensor([names.index(c) for c in classes])
            return index.repeat((n + len(index) - 1) // len(index))[:n].to(self.device)
        if not names:
            return None
        counts = self.data_info.get("class_counts") or [1] * len(names)
        weights = torch.tensor([float(c) for c in counts]) + 1e-9
        return torch.multinomial(weights, n, replacement=True, generator=rng).to(self.device)

    # ----------------------------------------------------------------------------------------- data
    def _set_real(self, windows: np.ndarray, labels: np.ndarray | None = None) -> None:
        if windows.ndim != 3 or windows.shape[1:] != (self.seq_len, self.n_features):
            raise ValueError(
                f"real windows must have shape (N, {self.seq_len}, {self.n_features}), got {windows.shape}."
            )
        if (labels is None) != (self.model_config.n_classes == 0):
            raise ValueError(
                f"This model is conditioned on {self.model_config.n_classes} classes but the data has no label "
                "column; choose the label column it was trained with." if labels is None else
                "This model was trained without a label column; load the data without one."
            )
        if not self._warp_ready:
            self.use_warp(fit_warp(windows, self.train_config.skew_limit))
        if self.warp is not None:
            windows = self.warp.to_model(windows)  # G, D and every loss work on the power scale
        self._n_real = windows.shape[0]
        self._axes = losses.principal_axes(windows).to(self.device)  # (F, F): for the moment loss along them
        self._shapes, self._shape_source = None, windows  # the shape axes are estimated when first needed
        spread = np.diff(windows, axis=1).reshape(-1, windows.shape[2]).std(axis=0)  # (F,)
        self._change_scale = torch.as_tensor(CHANGE_SPREAD / np.maximum(spread, 1e-3), dtype=torch.float32)
        if self.model_config.d_diffs and self.step_count == 0:  # D's view of changes: about unit spread
            self.discriminator.diff_scale.copy_(self._change_scale)
        self._real = speed.resident_windows(windows, self.device)  # (N, T, F)
        self._labels = None if labels is None else torch.as_tensor(np.asarray(labels, np.int64), device=self.device)

    def use_warp(self, warp: FeatureWarp | None) -> None:
        """Train on (and sample from) ``warp``'s power scale from now on, or on the data's own scale (None); a loaded
        checkpoint sets the one it was trained with, so later data never refits it."""
        self.warp, self._warp_ready = warp, True

    @property
    def notes(self) -> list[str]:
        """Advice on these settings with this data (the CLI and the app show it)."""
        notes = training_notes(self.train_config, self._n_real if self._real is not None else None)
        return notes + ([self.warp.describe(self.feature_names)] if self.warp is not None else [])

    def attach_data(self, data: SequenceData) -> None:
        """Give a loaded trainer its real data so that ``step()`` can continue training.

        Raises:
            ValueError: the data's features or sequence length differ from the model's.
        """
        if data.n_features != self.n_features or data.seq_len != self.seq_len:
            raise ValueError(
                f"This model was trained on {self.n_features} features x {self.seq_len} steps; the data has "
                f"{data.n_features} features x {data.seq_len} steps."
            )
        if data.n_classes and self.model_config.n_classes and data.n_classes != self.model_config.n_classes:
            raise ValueError(
                f"This model was trained on {self.model_config.n_classes} label classes; the data has {data.n_classes}."
            )
        self._set_real(data.windows, data.labels)

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """A real batch ``(B, T, F)`` drawn with replacement, and its classes ``(B,)`` (None when unconditional).
        G makes the fakes of the step for the same classes: labels drawn with the training frequencies."""
        idx = torch.randint(self._n_real, (self.train_config.batch_size,), generator=self._rng)  # (B,)
        labels = None if self._labels is None else self._labels[idx.to(self.device)]
        return speed.gather_batch(self._real, idx, self.device), labels

    def _shape_axes(self) -> losses.ShapeAxes:
        """The principal directions of whole real windows (the shape loss), estimated once."""
        if self._shapes is None:
            self._shapes = losses.shape_axes(self._shape_source).to(self.device)
        return self._shapes

    @property
    def unroll_now(self) -> int:
        """Windows G runs per sequence at this step: 1 for the first ``unroll_after`` steps, then ``unroll``
        (single windows train fast and fix the start; the unrolled steps then teach G to carry on)."""
        cfg = self.train_config
        return 1 if self.step_count < cfg.unroll_after else cfg.unroll

    def _noise(self, n: int, rng: torch.Generator | None = None, length: int | None = None) -> torch.Tensor:
        steps = length or self.seq_len
        return sampling.draw_noise(n, steps, self.model_config, rng or self._rng, self.device)  # (n, T, noise)

    def _fake(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """G's batch for the D and G phases: ``(B, T, F)``, or with ``unroll`` > 1 ``(B * unroll, T, F)``: G runs
        unroll x T steps from ``z`` and D judges every T-step chunk of each (sequence 0's chunks first), so G
        learns to stay on the data's distribution past T and keeps its start. (Tried first, losers in
        benchmarks/results/conditional_2026-12-05.md and session9_2026-12-05.md: one random window offset for the whole batch rarely showed D the
        start, and Stocks' start windows scored 0.39; one random chunk per sequence left the start weak, and
        half the batch on the first chunk left the end weak.)"""
        full = self.generator(z, labels)  # (B, unroll * T, F)
        if full.shape[1] == self.seq_len:
            return full
        return full.reshape(-1, self.seq_len, full.shape[2])  # (B * unroll, T, F)

    # ------------------------------------------------------------------------------------- settings
    def set_lr(self, lr_g: float | None = None, lr_d: float | None = None) -> None:
        """Change the set learning rates; they apply from the next step (scaled by the schedule, see
        :func:`lr_factor`).

        Raises:
            ValueError: a rate outside (0, 1), with :class:`TrainConfig`'s message.
        """
        changes = {name: lr for name, lr in (("lr_g", lr_g), ("lr_d", lr_d)) if lr is not None}
        replace(self.train_config, **changes)  # checks them as a config would
        for opt, lr in ((self.opt_g, lr_g), (self.opt_d, lr_d)):
            if lr is not None:
                self._lr[opt] = float(lr)
        self._schedule_lr()

    def _schedule_lr(self) -> None:
        """Set the optimisers' rates for the coming step: the set rates times :func:`lr_factor`."""
        for opt, lr in self._lr.items():
            factor = self._lr_factor(opt)
            for group in opt.param_groups:
                group["lr"] = lr * factor

    def _lr_factor(self, opt: torch.optim.Optimizer) -> float:
        return lr_factor(self.train_config, self.step_count, "g" if opt is self.opt_g else "d")

    def sync_lr_from_optimisers(self) -> None:
        """After loading optimiser states: the set rates are their rates divided by the schedule's factor."""
        self._lr = {opt: float(opt.param_groups[0]["lr"]) / self._lr_factor(opt) for opt in (self.opt_g, self.opt_d)}

    def set_d_steps(self, d_steps: int) -> None:
        """Change discriminator updates per generator update; applies from the next step.

        Raises:
            ValueError: not a positive integer, with :class:`TrainConfig`'s message.
        """
        replace(self.train_config, d_steps=d_steps)  # checks it as a config would
        self.d_steps = d_steps

    def set_overlap(self, on: bool) -> None:
        """Use (or stop using) a second thread for D's pass over the real batch; CPU with one torch
        thread only (see :func:`speed.overlap_real_pass`). Results are the same either way; a server
        that keeps a core free turns it off."""
        if on and self._pool is None and self.device.type == "cpu":
            self._pool = speed.real_pass_thread(self)
        elif not on and self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    @property
    def lr_g(self) -> float:
        """G's set learning rate (the schedule scales it, see :attr:`lr_now`)."""
        return self._lr[self.opt_g]

    @property
    def lr_d(self) -> float:
        """D's set learning rate."""
        return self._lr[self.opt_d]

    @property
    def lr_now(self) -> tuple[float, float]:
        """The rates the next step uses, G's and D's: the set rates times the schedule's factor."""
        return self.lr_g * self._lr_factor(self.opt_g), self.lr_d * self._lr_factor(self.opt_d)

    # ------------------------------------------------------------------------------------- training
    def step(
        self, update_d: bool = True, update_g: bool = True, on_substep: Callable[[str, str], None] | None = None
    ) -> dict[str, float]:
        """One training step: ``d_steps`` discriminator updates, then one generator update.

        Args:
            update_d: run the discriminator phase (False: D only judges, for teaching).
            update_g: run the generator phase (False: G only generates).
            on_substep: called as ``on_substep(phase, name)`` after each sub-step, for slow-motion
                teaching views: phase "D" then "G", names from :mod:`rgan.train.substeps`
                (``D_SUBSTEPS``; the G phase reuses the last fakes: ``G_SUBSTEPS``).

        Returns:
            ``step, loss_d, loss_g, d_real, d_fake, grad_norm_d, grad_norm_g, seconds``. For the "ns"
            loss, ``d_real``/``d_fake`` are mean probabilities D assigns to real/generated sequences;
            for "wgan-gp" they are mean critic scores. A phase that did not run reports NaN norms.

        Raises:
            TrainingDiverged: a loss or gradient became NaN/Inf (weights are not updated with it).
            RuntimeError: the trainer has no real data attached.
        """
        if self._real is None:
            raise RuntimeError("This trainer has no real data; call attach_data() before step().")
        start = time.perf_counter()
        cfg, G, D = self.train_config, self.generator, self.discriminator
        self._schedule_lr()
        G.train()
        D.train()
        note = on_substep or (lambda phase, name: None)
        grad_norm_d = grad_norm_g = math.nan

        # (1) update D: maximise log D(x) + log(1 - D(G(z))) ("wgan-gp": D(x) - D(G(z)) - gradient
        # penalty), on fakes detached from G's graph so that this phase leaves G alone.
        D.requires_grad_(update_d)
        n_d = self.d_steps if update_d else 1
        overlap = speed.overlap_real_pass(self._pool, update_d, slow_motion=on_substep is not None)
        for i in range(n_d):
            real, labels = self._batch()  # (B, T, F), (B,) or None
            z = self._noise(cfg.batch_size, length=self.seq_len * self.unroll_now)  # (B, unroll * T, noise)
            note(D_PHASE, SAMPLE_NOISE)
            if update_d:
                self.opt_d.zero_grad(set_to_none=True)
            judge_real = partial(self._judge_real, labels=labels)
            with speed.RealPass(self._pool if overlap else None, judge_real, real) as real_pass:
                # The last D batch's fakes keep their graph for the G phase (as in DCGAN): one
                # generator forward per step instead of two.
                with torch.set_grad_enabled(update_g and i == n_d - 1):
                    fake = self._fake(z, labels)  # (B, T, F)
                note(D_PHASE, GENERATE)
                logits_real, logits_fake, loss_d = self._judge_d(real, fake.detach(), real_pass, update_d, note, labels)
            if update_d:
                grad_norm_d = self._apply_gradients(D, self.opt_d, loss_d, "discriminator", partial(note, D_PHASE))
                if labels is not None and cfg.class_weight > 0:  # the class critic learns beside D
                    fit_critic(self.make_critic(), self.opt_critic, real, labels)

        # (2) update G: maximise log D(G(z)) ("wgan-gp": D(G(z))), plus the moment and correlation
        # terms. D's weights are frozen so backward skips their gradients.
        D.requires_grad_(False)
        with torch.set_grad_enabled(update_g):
            logits_fake = D(fake, _labels_of_fakes(labels, fake, real))  # the updated D judges the same fakes, now with G's graph
            if update_g:  # a D-only step judges the fakes only to report G's loss: not a G sub-step
                note(G_PHASE, JUDGE)
            loss_g = losses.generator_loss(logits_fake, fake, real, cfg.loss,
                                           cfg.moment_weight, cfg.diff_moment, cfg.corr_weight,
                                           cfg.change_weight, cfg.pca_weight, self._axes,
                                           cfg.shape_weight,
                                           self._shape_axes() if cfg.shape_weight or cfg.quantile_weight else None,
                                           cfg.quantile_weight, cfg.rough_weight)
            if labels is not None:  # each class's moments and shapes, and the class critic's verdict
                loss_g = loss_g + class_terms(cfg, fake, real, labels, self._shape_axes, self.make_critic)
        if update_g:
            note(G_PHASE, LOSS)
            self.opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            grad_norm_g = self._apply_gradients(G, self.opt_g, loss_g, "generator", partial(note, G_PHASE))
            self._update_ema()
        D.requires_grad_(True)

        self.step_count += 1
        # Read back in one synchronisation; the values are detached, so reading them after the
        # updates gives what the updates saw.
        d_real, d_fake, loss_d_value, loss_g_value = speed.read_back([
            losses.realness(logits_real.detach(), cfg.loss), losses.realness(logits_fake.detach(), cfg.loss),
            loss_d.detach(), loss_g.detach(),
        ])
        return {
            "step": float(self.step_count),
            "loss_d": loss_d_value,
            "loss_g": loss_g_value,
            "d_real": d_real,
            "d_fake": d_fake,
            "grad_norm_d": grad_norm_d,
            "grad_norm_g": grad_norm_g,
            "seconds": time.perf_counter() - start,
        }

    def _judge_d(
        self, real: torch.Tensor, fake: torch.Tensor, real_pass: speed.RealPass, update_d: bool, note: Callable,
        labels: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """D's logits on ``real`` and on ``fake`` (detached) and D's loss; with ``update_d`` also D's
        gradients of that loss. D(x) comes from the other thread, from one pass of 2B with the fakes
        or from a pass of its own (speed.py says which is used where). ``labels`` ``(B,)``: the class of
        each real sequence and of the fake beside it (conditional models)."""
        cfg, made = self.train_config, _labels_of_fakes(labels, fake, real)
        D = partial(self.discriminator, labels=made)  # judges fakes: (B * unroll, T, F) with unrolls
        with torch.set_grad_enabled(update_d):
            if real_pass.overlapped:  # D(x), its loss and their backward run on the second thread
                logits_fake = D(fake)  # (B, T) or (B, 1)
            elif self._fuse_d:
                both = None if labels is None else torch.cat([labels, made])  # (B + B * unroll,)
                logits_real, logits_fake = self.discriminator(torch.cat([real, fake]), both).split(
                    [real.shape[0], fake.shape[0]])
                loss_real = losses.d_real_loss(logits_real, cfg.loss, cfg.label_smoothing)
            else:
                logits_real, loss_real = self._judge_real(real, False, labels)
                logits_fake = D(fake)
            if update_d and not real_pass.overlapped:  # a G-only step judges only to report D's loss
                note(D_PHASE, JUDGE)
            loss_fake = losses.d_fake_loss(logits_fake, cfg.loss)
            if update_d and cfg.loss == "wgan-gp":
                alpha = torch.rand(real.shape[0], 1, 1, generator=self._rng).to(self.device)  # (B, 1, 1)
                per = fake.shape[0] // real.shape[0]  # with unrolls, each real sequence pairs with its fake's first chunk
                loss_fake = loss_fake + cfg.gp_weight * losses.gradient_penalty(
                    partial(self.discriminator, labels=labels), real, fake[::per], alpha)
            if real_pass.overlapped:
                loss_fake.backward()
                logits_real, loss_real = real_pass.result()  # loss_real is detached already
                return logits_real, logits_fake, loss_real + loss_fake.detach()
            loss_d = loss_real.detach() + loss_fake.detach()
            if update_d:  # one backward pass over both halves: cheaper than two
                note(D_PHASE, LOSS)
                (loss_real + loss_fake).backward()
        return logits_real, logits_fake, loss_d

    def make_critic(self) -> ClassCritic:
        """The class critic, built (seeded by the run's seed) the first time a conditional run has a class weight."""
        if self.critic is None:
            self.critic, self.opt_critic = build_critic(self.n_features, self.model_config.n_classes, self.seq_len,
                                                        self.train_config.seed, self._change_scale, self.device)
        return self.critic

    def _judge_real(self, real: torch.Tensor, backward: bool,
                    labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """D's logits on a real batch and D's loss term for them; with ``backward``, also its gradients."""
        cfg = self.train_config
        with torch.set_grad_enabled(torch.is_grad_enabled() or backward):
            logits = self.discriminator(real, labels)
            loss = losses.d_real_loss(logits, cfg.loss, cfg.label_smoothing)
            if backward:
                loss.backward()
                loss = loss.detach()
        return logits, loss

    def _apply_gradients(self, module: torch.nn.Module, opt: torch.optim.Optimizer, loss: torch.Tensor,
                         what: str, note: Callable[[str], None]) -> float:
        """Clip, check and apply the gradients already accumulated in ``module``; returns their norm
        (before clipping)."""
        note(GRADIENTS)
        norm, value = speed.clip_gradients(self._params[module], self.train_config.grad_clip, loss)
        if not (math.isfinite(norm) and math.isfinite(value)):
            opt.zero_grad(set_to_none=True)
            raise TrainingDiverged(
                f"The {what} loss or gradient became NaN/Inf at step {self.step_count + 1}; training stopped "
                "and the weights were kept at their last good values. Lower the learning rates or switch loss."
            )
        opt.step()
        note(UPDATE)
        return norm

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.generator_ema is None:
            return
        decay = ema_decay_at(self.train_config, self.step_count + 1)
        torch._foreach_lerp_(self._params[self.generator_ema], self._params[self.generator], 1.0 - decay)

    @property
    def sampler(self) -> Generator:
        """The network that samples: the weight average when ``ema_decay`` > 0, else G itself."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    def generator_push(self, z: torch.Tensor | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where G's loss would move each point G makes of ``z`` (default: the preview noise); see
        :func:`sampling.generator_push`. With a power scale (:attr:`warp`), the points and the push are on the
        data's [0, 1] scale: the push is the step on the model's scale carried over by the map's slope."""
        labels = self.preview_labels if z is None else None
        z = self.fixed_noise if z is None else z.to(self.device)
        fake, realness, push = sampling.generator_push(partial(self.generator, labels=labels),
                                                       partial(self.discriminator, labels=labels), z)
        if self.warp is None:
            return fake, realness, push
        return self.warp.to_data(fake), realness, push * self.warp.slope(fake)

    # ------------------------------------------------------------------------------------- sampling
    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> np.ndarray:
        """Run G (its weight average when on) on a noise batch ``(B, T, noise)`` and, when conditional,
        classes ``(B,)``; returns scaled ``(B, T, F)`` in [0, 1] (any T: the state carries on past seq_len)."""
        out = sampling.generate(self.sampler, z.to(self.device), labels)
        return out if self.warp is None else self.warp.to_data(out)

    def sample(self, n: int, seed: int | None = None, scaled: bool = False, batch_size: int = 4096,
               length: int | None = None, classes: list[str] | None = None, with_labels: bool = False):
        """Generate ``n`` sequences ``(n, L, F)``, in the data's own units unless ``scaled``.

        Args:
            n: how many sequences.
            seed: makes the draw repeatable and leaves the training noise stream untouched.
            scaled: keep G's [0, 1] scale.
            batch_size: sequences per generator call.
            length: steps L per sequence (default seq_len); longer runs G on past seq_len, carrying its state,
                with each step's noise drawn as in training.
            classes: conditional models: class names to make, in turn (default: drawn with the training
                frequencies).
            with_labels: also return the class index of each sequence ``(n,)`` (None when unconditional).

        Raises:
            ValueError: n or length below 1, or an unknown class (see :meth:`draw_labels`).
        """
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}.")
        if length is not None and length < 1:
            raise ValueError(f"length must be at least 1, got {length}.")
        rng = torch.Generator().manual_seed(seed) if seed is not None else torch.Generator().manual_seed(
            int(torch.randint(2**31 - 1, (1,), generator=self._rng))
        )
        labels = self.draw_labels(n, rng, classes)  # (n,) or None
        batch_size = max(1, min(batch_size, (2**22) // max(length or self.seq_len, 1)))  # bounded memory for long L
        parts = [
            self.generate(self._noise(min(batch_size, n - i), rng, length), None if labels is None else labels[i:i + batch_size])
            for i in range(0, n, batch_size)
        ]
        out = np.concatenate(parts, axis=0)
        out = out if scaled else self.scaler.inverse_transform(out)
        if with_labels:
            return out, None if labels is None else labels.cpu().numpy()
        return out

    def preview(self, scaled: bool = True) -> np.ndarray:
        """G's output for the fixed preview noise (and, when conditional, :attr:`preview_labels`), so successive
        previews are comparable."""
        out = self.generate(self.fixed_noise, self.preview_labels)
        return out if scaled else self.scaler.inverse_transform(out)

    def d_realness(self, x_scaled: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
        """D's realness per step ``(N, T)`` (probabilities for "ns"; sigmoid of critic for WGAN); a conditional D
        without ``labels`` (N,) judges with the mean of its class embeddings."""
        judge = self.discriminator
        if labels is not None and self.model_config.n_classes:
            judge = partial(judge, labels=torch.as_tensor(np.asarray(labels, np.int64), device=self.device))
        x = x_scaled if self.warp is None else self.warp.to_model(x_scaled)
        return sampling.d_realness(judge, x, self.device)

    # ---------------------------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume exactly; only tensors and plain Python values."""
        return checkpoints.trainer_state(self)

    def save(self, path: str | os.PathLike) -> Path:
        """Write a checkpoint atomically (temporary file, then rename), so a crash never leaves half a file."""
        return checkpoints.save_state(self.state_dict(), path)

    @classmethod
    def from_state(cls, state: dict[str, Any], data: SequenceData | None = None, device: str = "auto") -> Trainer:
        """Rebuild a trainer from :meth:`state_dict`'s output (see :func:`checkpoints.rebuild`)."""
        return checkpoints.rebuild(cls, state, data, device)

    @classmethod
    def load(cls, path: str | os.PathLike, data: SequenceData | None = None, device: str = "auto") -> Trainer:
        """Load a checkpoint safely (``weights_only=True``: no arbitrary code can run).

        Args:
            path: a file written by :meth:`save` (on any device; tensors are mapped to ``device``).
            data: real data to continue training on; without it the trainer can only sample.
            device: where to put the networks.

        Raises:
            ValueError: the file is not a readable RGAN Studio checkpoint.
        """
        state = checkpoints.read_state(path, resolve_device(device))
        return cls.from_state(state, data=data, device=device)
